// Usage files (CSV, JSON Lines, Parquet; gzip too) read by an embedded DuckDB: the rows are
// checked and aggregated per customer × meter × calendar period in SQL, never parsed row by row
// in JavaScript; only the aggregates come back.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Interval } from '../../core/public/types';
import type { UsageAggregate } from '../../core/rules/backtest';
import {
  badRowsError,
  cancelled,
  columnsOf,
  LAST_SECOND,
  MILLISECONDS_FROM,
  QUANTITY_LIMIT,
  SourceError,
  type AggregateRequest,
  type BadRow,
  type SourceResult,
} from './source';

type FileKind = 'csv' | 'json' | 'parquet';

const KINDS: Record<string, FileKind> = {
  csv: 'csv',
  tsv: 'csv',
  jsonl: 'json',
  ndjson: 'json',
  json: 'json',
  parquet: 'parquet',
};

/** The kind of a file from its name: .csv, .jsonl (.ndjson, .json), .parquet, each maybe .gz. */
export function fileKindOf(path: string): FileKind {
  const parts = path.toLowerCase().split('/').pop()!.split('.');
  if (parts.length > 1 && ['gz', 'gzip'].includes(parts.at(-1)!)) parts.pop();
  const kind = parts.length > 1 ? KINDS[parts.at(-1)!] : undefined;
  if (!kind) {
    throw new SourceError(
      `${path}: cannot tell the format from the name: use .csv, .jsonl or .parquet (with .gz for gzip).`,
    );
  }
  return kind;
}

export const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const quoteString = (text: string) => `'${text.replaceAll("'", "''")}'`;

export function readerOf(kind: FileKind, path: string): string {
  const file = quoteString(path);
  if (kind === 'csv') return `read_csv(${file}, header = true, all_varchar = true)`;
  if (kind === 'json') return `read_json(${file}, format = 'auto')`;
  return `read_parquet(${file})`;
}

/** Where a row is, for messages: CSV lines count the header; JSON lines and Parquet rows from 1. */
const firstRow: Record<FileKind, { offset: number; label: string }> = {
  csv: { offset: 2, label: 'line' },
  json: { offset: 1, label: 'line' },
  parquet: { offset: 1, label: 'row' },
};

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;
const TIME = /^(TIMESTAMP|DATE)/;
/** Time types whose calendar fields DuckDB reads without a time zone conversion (fast). */
const PLAIN_TIME = /^(TIMESTAMP(_S|_MS|_NS)?|DATE)$/;

/** Text of any column, trimmed (JSON strings lose their quotes). */
const textOf = (column: string) => `trim(CAST(${column} AS VARCHAR), ' "')`;

/** NOTE: numeric timestamps below 1e11 are unix seconds, from 1e11 milliseconds (cut to the second). */
const secondsOf = (number: string) =>
  `TRY_CAST(floor(CASE WHEN ${number} >= ${MILLISECONDS_FROM} THEN ${number} / 1000 ELSE ${number} END) AS BIGINT)`;

/** SQL for the unix seconds of a timestamp column of any type; NULL when it does not parse. */
function timestampSql(column: string, type: string): string {
  // Whole microseconds to whole seconds; every time before 1970 is out of range alike.
  if (TIME.test(type))
    return `CASE WHEN epoch_us(${column}) < 0 THEN -1 ELSE epoch_us(${column}) // 1000000 END`;
  if (NUMERIC.test(type)) return secondsOf(`CAST(${column} AS DOUBLE)`);
  const text = textOf(column);
  // NOTE: ISO 8601 without an offset is UTC (the session's time zone is UTC).
  return `CASE WHEN regexp_full_match(${text}, '[0-9]+(\\.[0-9]+)?') THEN ${secondsOf(`TRY_CAST(${text} AS DOUBLE)`)} ELSE TRY_CAST(floor(epoch(TRY_CAST(${text} AS TIMESTAMPTZ))) AS BIGINT) END`;
}

/**
 * SQL of the row's TIMESTAMP (UTC) for calendar fields, from usage_rows' `source_time` and `ts`:
 * a plain time column itself (its second falls in the same period), else one made from the
 * seconds; never through time zone rules, which are slow.
 */
const timeSql = (plain: boolean) =>
  plain
    ? 'source_time'
    : `CASE WHEN ts BETWEEN 0 AND ${LAST_SECOND} THEN make_timestamp(ts * 1000000) END`;

/** Integer types that BIGINT holds: their quantities need no check for fractions or NaN. */
const WHOLE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER)$/;

function quantitySql(column: string, type: string): string {
  if (WHOLE.test(type)) return `CAST(${column} AS BIGINT)`;
  return NUMERIC.test(type) ? `CAST(${column} AS DOUBLE)` : `TRY_CAST(${textOf(column)} AS DOUBLE)`;
}

/**
 * SQL of the calendar period key of unix seconds `ts` (see core/rules/backtest/periods.ts).
 * Months and years come from the row's timestamp (`time` in usage_rows, see timeSql).
 */
function periodSql(grain: Interval, ts: string): string {
  const time = 'time';
  switch (grain) {
    case 'day':
      return `(${ts} // 86400)`;
    case 'week':
      return `((${ts} + 259200) // 604800)`;
    case 'month':
      return `(year(${time}) * 100 + month(${time}))`;
    case 'year':
      return `year(${time})`;
  }
}

/** A check of a row, in order, and the reason a row failing it is counted under. */
type Check = [reason: string, sql: string];

/**
 * The checks of a row's customer and meter (trimmed). They come first: a row that fails one and
 * a later check is counted under this one. The one pass checks them per group (see groupsSql).
 */
function keyChecks(meters: readonly string[]): Check[] {
  return [
    ['customer empty', "customer IS NULL OR customer = ''"],
    ['meter empty', "meter IS NULL OR meter = ''"],
    ['meter not priced', `meter NOT IN (${meters.map(quoteString).join(', ')})`],
  ];
}

/** The checks of a row's own fields, after keyChecks; the one pass makes them per row. */
function fieldChecks(whole: boolean): Check[] {
  // A whole-number column (see WHOLE) is never NaN, infinite or fractional.
  const number = (check: string) => (whole ? 'false' : check);
  return [
    ['timestamp not parseable', 'ts IS NULL'],
    ['timestamp out of range', `ts < 0 OR ts > ${LAST_SECOND}`],
    ['quantity not a number', `quantity IS NULL OR ${number('isnan(quantity)')}`],
    ['quantity negative', 'quantity < 0'],
    ['quantity too large', `${number('isinf(quantity)')} OR quantity >= ${QUANTITY_LIMIT}`],
    ['quantity not whole', number('quantity <> floor(quantity)')],
    ['action unknown', "action NOT IN ('increment', 'set')"],
  ];
}

/** Why a row is bad (NULL when it is fine), from every check: for the bad rows listed. */
const reasonSql = (checks: Check[]) =>
  `CASE ${checks.map(([reason, sql]) => `WHEN ${sql} THEN ${quoteString(reason)}`).join(' ')} END`;

/** The period code of a good row in range that is not a period: periods are 0 or more. */
const OUTSIDE = -1;
/** The period code of a row failing fieldChecks()[index]. */
const failedCode = (index: number) => OUTSIDE - 1 - index;

/** The sentence for a bad row, with the value that made it bad. */
export function explainReason(reason: string, raw: Record<string, unknown>): string {
  const value = (name: string) => JSON.stringify(raw[name] ?? null);
  switch (reason) {
    case 'meter not priced':
      return `meter ${value('meter')} is not priced by any hypothesis`;
    case 'timestamp not parseable':
      return `timestamp ${value('timestamp')} is not ISO 8601, a timestamp, or unix seconds or milliseconds`;
    case 'timestamp out of range':
      return `timestamp ${value('timestamp')} is outside 1970-01-01 to 2106-02-07`;
    case 'quantity not a number':
      return `quantity ${value('quantity')} is not a number`;
    case 'quantity negative':
      return `quantity ${value('quantity')} is negative`;
    case 'quantity too large':
      return `quantity ${value('quantity')} is 2^53 or more`;
    case 'quantity not whole':
      return `quantity ${value('quantity')} is not a whole number`;
    case 'action unknown':
      return `action ${value('action')} is not increment or set`;
    default:
      return reason.replace(' empty', ' is empty');
  }
}

/** SQL of the rows of [from, until) (all rows when neither is given). */
function rangeSql(from: number | undefined, until: number | undefined): string {
  return (
    [from === undefined ? null : `ts >= ${from}`, until === undefined ? null : `ts < ${until}`]
      .filter(Boolean)
      .join(' AND ') || 'true'
  );
}

/** Rows are numbered from 1 up to here: a row's line fits the low 31 bits of its key (rowKey). */
const LINE_LIMIT = 0x7fffffff;

/**
 * A row's timestamp and line as one BIGINT, to order a group's rows by (DuckDB's max and arg_max
 * are fast on BIGINT, several times slower on wider or unsigned keys). The mask only keeps bad
 * rows' timestamps from overflowing: a good one is below 2^32.
 */
const rowKey = (line: string) => `((ts & ${LAST_SECOND}) << 31) | (${line})`;

/**
 * The one pass over the rows (coded_rows, see codedRowsSql), checking and aggregating them at
 * once: a group per customer × meter × period code, the customer and meter as the file has them.
 * The checks of customer and meter, and their trimming, are made per group after (groupsSql).
 * Each group takes every row as its own timestamp: its sum is exact when it holds no set, and its
 * last when one row alone holds its latest timestamp; the two keys of that timestamp's last and
 * first row tell. Groups where either fails take the exact path (exactSql), as do the groups of
 * a meter priced by max, whose peak needs every timestamp's value.
 */
const onePassSql = (actions: boolean) => `
  SELECT customer, meter, period, count(*) AS records, sum(quantity) AS sum,
    ${actions ? "count_if(action = 'set')" : '0'} AS sets,
    max(last_key) AS last_key, max(first_key) AS first_key, arg_max(quantity, last_key) AS "last"
  FROM (
    SELECT customer, meter, period, quantity, action, ${rowKey('line')} AS last_key,
      ${rowKey(`${LINE_LIMIT} - line`)} AS first_key
    FROM coded_rows)
  GROUP BY customer, meter, period`;

/**
 * The rows with their period, or instead a negative code when a field check fails (OUTSIDE when
 * they are good but out of range): bad rows then group apart in the one pass at no extra cost.
 */
const codedRowsSql = (grain: Interval, checks: Check[], range: string) => `
  SELECT *, CASE ${checks.map(([, sql], index) => `WHEN ${sql} THEN ${failedCode(index)}`).join(' ')}
    WHEN NOT (${range}) THEN ${OUTSIDE} ELSE ${periodSql(grain, 'ts')} END AS period
  FROM source_rows`;

/** A table's customer and meter trimmed, as every check and result sees them. */
const trimmedSql = (table: string) =>
  `SELECT * REPLACE (${textOf('customer')} AS customer, ${textOf('meter')} AS meter) FROM ${table}`;

/**
 * The one pass's groups checked and merged: a group's status is the reason of its rows (customer
 * and meter checks first, then the field checks coded in its period), 'outside' for good rows out
 * of range, 'good' for the rest; groups whose customer and meter trim alike are merged.
 */
function groupsSql(keys: Check[], fields: Check[]): string {
  const status = [
    ...keys.map(([reason, sql]) => `WHEN ${sql} THEN ${quoteString(reason)}`),
    ...fields.map(
      ([reason], index) => `WHEN period = ${failedCode(index)} THEN ${quoteString(reason)}`,
    ),
    `WHEN period = ${OUTSIDE} THEN 'outside'`,
  ].join(' ');
  return `
    SELECT status, customer, meter, period, sum(records) AS records, sum(sum) AS sum,
      sum(sets) AS sets, max(last_key) AS last_key, max(first_key) AS first_key,
      arg_max("last", last_key) AS "last"
    FROM (
      SELECT CASE ${status} ELSE 'good' END AS status,
        CASE WHEN status = 'good' THEN customer END AS customer,
        CASE WHEN status = 'good' THEN meter END AS meter,
        CASE WHEN status = 'good' THEN period END AS period,
        records, sum, sets, last_key, first_key, "last"
      FROM (${trimmedSql('source_groups')}))
    GROUP BY status, customer, meter, period`;
}

/** The good groups whose one-pass aggregates are not exact (see onePassSql), numbered. */
function exactGroupsSql(maxMeters: readonly string[]): string {
  const low = (key: string) => `(${key} & ${LINE_LIMIT})`;
  return `
    SELECT row_number() OVER () AS id, customer, meter, period FROM groups
    WHERE status = 'good' AND (sets > 0 OR ${low('last_key')} + ${low('first_key')} <> ${LINE_LIMIT}
      ${maxMeters.length ? `OR meter IN (${maxMeters.map(quoteString).join(', ')})` : ''})`;
}

/** The one pass's groups (customer and meter as in the file) making up each exact group. */
const exactSourcesSql = `
  SELECT exact.id, source.customer, source.meter, source.period
  FROM source_groups source JOIN exact_groups exact
    ON ${textOf('source.customer')} = exact.customer AND ${textOf('source.meter')} = exact.meter
      AND source.period = exact.period`;

/**
 * The exact aggregation of the groups in \`exact_groups\`: records at one timestamp applied in
 * row order, then the period's aggregates over the per-timestamp values. A timestamp is keyed by
 * its group's number and itself in one BIGINT: grouping millions of timestamps by customer and
 * meter text took twice the time. `sets`: whether any of these groups holds a set.
 */
const exactSql = (sets: boolean) => `
    WITH valid AS (
      SELECT (source.id << 32) | row.ts AS key, row.line, CAST(row.quantity AS BIGINT) AS quantity,
        row.action = 'set' AS is_set
      FROM coded_rows row JOIN exact_sources source
        ON row.customer = source.customer AND row.meter = source.meter AND row.period = source.period
    ),
    -- NOTE: increment adds to the value at its timestamp and set replaces it, in row order: the
    -- value is the sum of the records from the last set on. Most timestamps hold no set, so the
    -- records before a set are summed apart (a join on those few timestamps only) and taken off.
    per_timestamp AS (
      SELECT key, sum(quantity) AS total, count(*) AS records
        ${sets ? ', max(line) FILTER (WHERE is_set) AS set_line' : ''}
      FROM valid GROUP BY key
    ),
    timestamp_values AS (
      ${
        sets
          ? `SELECT p.key, p.records, p.total - coalesce(b.overridden, 0) AS value
      FROM per_timestamp p LEFT JOIN (
        SELECT v.key, sum(v.quantity) AS overridden
        FROM valid v JOIN (SELECT key, set_line FROM per_timestamp WHERE set_line IS NOT NULL) s
          ON v.key = s.key AND v.line < s.set_line
        GROUP BY v.key) b USING (key)`
          : 'SELECT key, records, total AS value FROM per_timestamp'
      }
    )
    SELECT key >> 32 AS id, sum(records) AS records, sum(value) AS sum, max(value) AS max,
      -- NOTE: the first timestamp holding the peak decides a max.
      arg_max(key & ${LAST_SECOND}, (value, -key)) AS max_timestamp,
      arg_max(value, key) AS "last", max(key & ${LAST_SECOND}) AS last_timestamp
    FROM timestamp_values GROUP BY id`;

/**
 * The aggregates: the one pass's where exact, the exact path's for the other groups. Numbers come
 * as DOUBLE, which JavaScript reads several times faster than BIGINT; every value below 2^53 is
 * exact, and a larger one stays 2^53 or more, so toAggregates still refuses it.
 */
const aggregatesSql = (exact: boolean) => `
  SELECT customer, meter, period::DOUBLE AS period, records::DOUBLE AS records, sum::DOUBLE AS sum,
    max::DOUBLE AS max, max_timestamp::DOUBLE AS max_timestamp, "last"::DOUBLE AS "last",
    last_timestamp::DOUBLE AS last_timestamp
  FROM (
    SELECT customer, meter, period, records, sum, NULL AS max, NULL AS max_timestamp, "last",
      last_key >> 31 AS last_timestamp
    FROM groups ${exact ? 'ANTI JOIN exact_groups USING (customer, meter, period)' : ''}
    WHERE status = 'good'
    ${exact ? 'UNION ALL SELECT customer, meter, period, records, sum, max, max_timestamp, "last", last_timestamp FROM exact JOIN exact_groups USING (id)' : ''}
  ) ORDER BY customer, meter, period`;

/** The columns of aggregate rows, by name: what toAggregates reads. */
export type AggregateColumns = Record<string, readonly unknown[]>;

const AGGREGATE_COLUMNS = [
  'customer',
  'meter',
  'period',
  'records',
  'sum',
  'max',
  'max_timestamp',
  'last',
  'last_timestamp',
];

/** Aggregate rows (objects, a missing column as undefined) as columns. */
export const columnsOfRows = (rows: readonly Record<string, unknown>[]): AggregateColumns =>
  Object.fromEntries(AGGREGATE_COLUMNS.map((name) => [name, rows.map((row) => row[name])]));

/**
 * Aggregates from a query's columns (numbers or bigints), checked against the engine's exact
 * range. The peak is kept for the meters priced by max only: the other groups were not all
 * aggregated per timestamp, so theirs is not known.
 */
export function toAggregates(
  columns: AggregateColumns,
  maxMeters: readonly string[] = [],
): UsageAggregate[] {
  const peaks = new Set(maxMeters);
  const { customer: customers = [], meter: meters = [] } = columns;
  return customers.map((customer, index) => {
    const number = (name: string) => {
      const value = Number(columns[name]![index]);
      if (!Number.isSafeInteger(value)) {
        throw new SourceError(
          `customer ${String(customer)}, meter ${String(meters[index])}: the ${name} of period ${String(columns.period![index])} is 2^53 or more, beyond what Meterlab bills exactly.`,
        );
      }
      return value;
    };
    const meter = String(meters[index]);
    const peak = peaks.has(meter);
    return {
      customer: String(customer),
      meter,
      period: number('period'),
      sum: number('sum'),
      max: peak ? number('max') : null,
      maxTimestamp: peak ? number('max_timestamp') : null,
      last: number('last'),
      lastTimestamp: number('last_timestamp'),
      records: number('records'),
    };
  });
}

/**
 * The aggregates a query gives, read a chunk of rows at a time (DuckDB's 2,048) with the host let
 * in between: read whole, 10,000 customers' aggregates held the event loop for most of a second.
 */
async function readAggregates(
  connection: DuckDBConnection,
  sql: string,
  maxMeters: readonly string[],
): Promise<UsageAggregate[]> {
  const result = await connection.stream(sql);
  const names = result.columnNames();
  const aggregates: UsageAggregate[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return aggregates;
    for (const aggregate of toAggregates(chunk.getColumnsObject(names), maxMeters)) {
      aggregates.push(aggregate);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function rowsOf(connection: DuckDBConnection, sql: string) {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/**
 * The steps of an import, for progress: reading the file, the one pass that checks and aggregates
 * the rows, the exact pass over the groups that need it (when any do).
 */
const STEPS = 3;

/** DuckDB's memory: enough for the aggregates of a big backtest; beyond it, DuckDB spills. */
const MEMORY_LIMIT = '256MB';

/**
 * Runs one step's query, reporting DuckDB's own progress while it runs and interrupting it when
 * the request's signal aborts.
 */
async function step<T>(
  connection: DuckDBConnection,
  request: AggregateRequest,
  index: number,
  run: () => Promise<T>,
): Promise<T> {
  const report = (fraction: number) =>
    request.onProgress?.((index + Math.min(1, Math.max(0, fraction))) / STEPS);
  if (request.signal?.aborted) throw new Error('cancelled');
  const interrupt = () => connection.interrupt();
  request.signal?.addEventListener('abort', interrupt);
  const timer = request.onProgress
    ? setInterval(() => {
        const { percentage } = connection.progress;
        if (percentage >= 0) report(percentage / 100);
      }, 100)
    : undefined;
  try {
    report(0);
    const result = await run();
    if (request.signal?.aborted) throw new Error('cancelled');
    report(1);
    return result;
  } finally {
    clearInterval(timer);
    request.signal?.removeEventListener('abort', interrupt);
  }
}

/** The file's column for each usage field: exact name first, else the one equal ignoring case. */
function resolveColumns(
  path: string,
  available: { name: string; type: string }[],
  request: AggregateRequest,
) {
  const wanted = columnsOf(request.map);
  const find = (field: keyof typeof wanted) => {
    const name = wanted[field]!;
    return (
      available.find((column) => column.name === name) ??
      available.find((column) => column.name.toLowerCase() === name.toLowerCase())
    );
  };
  const resolved: Record<string, { name: string; type: string } | undefined> = {};
  for (const field of ['customer', 'meter', 'timestamp', 'quantity', 'action'] as const) {
    resolved[field] = find(field);
    const optional = field === 'action' && request.map?.action === undefined;
    if (!resolved[field] && !optional) {
      const mapped = request.map?.[field] !== undefined;
      throw new SourceError(
        `${path} has no column '${wanted[field]}' for the ${field}${mapped ? ' (from --map)' : ''}; ` +
          `its columns are ${available.map((c) => c.name).join(', ') || 'none'}. ` +
          `Map one with --map ${field}=<column>.`,
      );
    }
  }
  return resolved;
}

/** Why DuckDB could not read a file: its first line, and for CSV the reason under the row. */
function readFailure(path: string, kind: FileKind, error: unknown): SourceError {
  const lines = (error as Error).message.split('\n');
  // A CSV error names the row, then quotes it ("Original Line: ..."), then says what is wrong.
  const quoted = lines.findIndex((text) => text.startsWith('Original Line:'));
  const reason = quoted === -1 ? '' : (lines[quoted + 1] ?? '').trim().slice(0, 200);
  return new SourceError(
    `cannot read ${path} as ${kind === 'json' ? 'JSON Lines' : kind.toUpperCase()}: ${lines[0]}${reason ? `: ${reason}` : ''}`,
  );
}

/**
 * Reads a usage file with DuckDB and returns its aggregates. All or nothing: any bad row refuses
 * the import (listing the first ones) unless `skipBadRows`, which counts them by reason.
 */
export async function aggregateFile(
  path: string,
  request: AggregateRequest,
): Promise<SourceResult> {
  const kind = fileKindOf(path);
  let size: number;
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new SourceError(`${path} is not a file.`);
    size = stats.size;
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`,
    );
  }
  if (size === 0) throw new SourceError(`${path} is empty (0 bytes): it holds no usage rows.`);
  // DuckDB spills what exceeds its memory limit (a big CSV's rows, the hash tables) to a temp dir
  // of its own, so memory stays bounded whatever the file's size.
  const spill = await mkdtemp(join(tmpdir(), 'meterlab-duckdb-'));
  try {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(availableParallelism()),
      memory_limit: MEMORY_LIMIT,
      temp_directory: spill,
    });
    const connection = await instance.connect();
    try {
      return await importRows(connection, path, kind, request);
    } catch (error) {
      if (request.signal?.aborted) throw cancelled(path);
      throw error;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    await rm(spill, { recursive: true, force: true });
  }
}

/** The import on an open connection: read, check and aggregate in one pass, then the exact pass. */
async function importRows(
  connection: DuckDBConnection,
  path: string,
  kind: FileKind,
  request: AggregateRequest,
): Promise<SourceResult> {
  await connection.run("SET TimeZone = 'UTC'");
  let line: string;
  try {
    await step(connection, request, 0, async () => {
      if (kind === 'parquet') {
        // Parquet is read where it lies, once per query: cheaper than a copy.
        await connection.run(
          `CREATE TEMP VIEW raw AS SELECT * FROM read_parquet(${quoteString(path)}, file_row_number = true)`,
        );
      } else {
        // Text is parsed once into a table; its rowid keeps the file's row order.
        await connection.run(`CREATE TEMP TABLE raw AS SELECT * FROM ${readerOf(kind, path)}`);
      }
    });
    line = kind === 'parquet' ? 'file_row_number + 1' : `rowid + ${firstRow[kind].offset}`;
  } catch (error) {
    if (request.signal?.aborted) throw cancelled(path);
    throw readFailure(path, kind, error);
  }
  const [read] = await rowsOf(connection, 'SELECT count(*) AS n FROM raw');
  const rows = Number(read!.n);
  if (rows === 0) throw new SourceError(`${path} holds no usage rows.`);
  if (rows + firstRow[kind].offset > LINE_LIMIT) {
    throw new SourceError(
      `${path} holds ${rows.toLocaleString('en')} rows: Meterlab imports at most ${(LINE_LIMIT - 2).toLocaleString('en')} from one file. Split it.`,
    );
  }
  // Row order matters only where it is read (rowid, file_row_number): the rest may run unordered.
  await connection.run('SET preserve_insertion_order = false');
  const available = (await rowsOf(connection, 'DESCRIBE raw'))
    .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }))
    .filter((column) => kind !== 'parquet' || column.name !== 'file_row_number');
  const columns = resolveColumns(path, available, request);
  const sql = (field: string) => quoteIdentifier(columns[field]!.name);
  const plainTime = PLAIN_TIME.test(columns.timestamp!.type);
  const action = columns.action ? `CAST(${sql('action')} AS VARCHAR)` : undefined;
  // The rows as the file has them: customer and meter untrimmed (the one pass trims per group).
  await connection.run(`
      CREATE TEMP VIEW source_rows AS SELECT *, ${timeSql(plainTime)} AS time FROM (
        SELECT ${line} AS line,
          ${sql('customer')} AS customer,
          ${sql('meter')} AS meter,
          ${timestampSql(sql('timestamp'), columns.timestamp!.type)} AS ts,
          ${plainTime ? `CAST(${sql('timestamp')} AS TIMESTAMP)` : 'NULL'} AS source_time,
          ${quantitySql(sql('quantity'), columns.quantity!.type)} AS quantity,
          ${
            action
              ? // The usual spellings pass as they are; the others are trimmed and lowered.
                `CASE WHEN ${action} IN ('increment', 'set') THEN ${action}
                  ELSE coalesce(nullif(lower(${textOf(action)}), ''), 'increment') END`
              : "'increment'"
          } AS action,
          ${['customer', 'meter', 'timestamp', 'quantity', 'action'].map((field) => `${columns[field] ? `CAST(${sql(field)} AS VARCHAR)` : 'NULL'} AS raw_${field}`).join(', ')}
        FROM raw)`);
  const keys = keyChecks(request.meters);
  const fields = fieldChecks(WHOLE.test(columns.quantity!.type));
  await connection.run(
    `CREATE TEMP VIEW coded_rows AS ${codedRowsSql(request.grain, fields, rangeSql(request.from, request.until))}`,
  );
  await step(connection, request, 1, async () => {
    await connection.run(`CREATE TEMP TABLE source_groups AS ${onePassSql(action !== undefined)}`);
    await connection.run(`CREATE TEMP TABLE groups AS ${groupsSql(keys, fields)}`);
  });
  const counts = await rowsOf(
    connection,
    'SELECT status, sum(records) AS n FROM groups GROUP BY status',
  );
  const countOf = (status: string) => Number(counts.find((row) => row.status === status)?.n ?? 0);
  const bad = rows - countOf('good') - countOf('outside');
  const { label } = firstRow[kind];
  const examples: BadRow[] =
    bad === 0
      ? []
      : (
          await rowsOf(
            connection,
            `SELECT * FROM (
              SELECT *, ${reasonSql([...keys, ...fields])} AS reason FROM (${trimmedSql('source_rows')})
            ) WHERE reason IS NOT NULL ORDER BY line LIMIT 10`,
          )
        ).map((row) => ({
          where: `${label} ${String(row.line)}`,
          reason: explainReason(String(row.reason), {
            meter: row.raw_meter,
            timestamp: row.raw_timestamp,
            quantity: row.raw_quantity,
            action: row.raw_action,
          }),
        }));
  if (bad > 0 && !request.skipBadRows) throw badRowsError(path, bad, examples);
  const skippedByReason: Record<string, number> = {};
  for (const row of counts) {
    if (row.status !== 'good' && row.status !== 'outside')
      skippedByReason[String(row.status)] = Number(row.n);
  }
  const maxMeters = request.maxMeters ?? [];
  // Only the groups whose one-pass aggregates are not exact are aggregated again, from their rows.
  const exact = await step(connection, request, 2, async () => {
    await connection.run(`CREATE TEMP TABLE exact_groups AS ${exactGroupsSql(maxMeters)}`);
    const [needed] = await rowsOf(connection, 'SELECT count(*) AS n FROM exact_groups');
    if (Number(needed!.n) === 0) return false;
    await connection.run(`CREATE TEMP TABLE exact_sources AS ${exactSourcesSql}`);
    const [sets] = await rowsOf(
      connection,
      'SELECT count(*) AS n FROM groups SEMI JOIN exact_groups USING (customer, meter, period) WHERE sets > 0',
    );
    // One thread: the join and the grouping of every timestamp of the exact groups ran out of
    // DuckDB's 256 MB with two at 100M rows (a price by max); one spills within it.
    await connection.run('SET threads = 1');
    await connection.run(`CREATE TEMP TABLE exact AS ${exactSql(Number(sets!.n) > 0)}`);
    return true;
  });
  const aggregates = await readAggregates(connection, aggregatesSql(exact), maxMeters);
  return { aggregates, rows, skippedRows: bad, skippedByReason, examples };
}
