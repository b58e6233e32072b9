// Usage that lives in a ClickHouse table: the same checks and aggregation as for files, pushed to
// the server over @clickhouse/client, so only the aggregates travel. The SQL sticks to what old
// ClickHouse runs (18.16: no window functions, no lambdas that capture columns).
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Interval } from '../../core/public/types';
import { columnsOfRows, explainReason, toAggregates } from './duckdb';
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

const identifier = (name: string) => `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
const literal = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
/** `db.table` or `table`, each part quoted. */
const tableIdentifier = (table: string) => table.split('.').map(identifier).join('.');

const trimmed = (text: string) => `replaceRegexpAll(${text}, '^\\\\s+|\\\\s+$', '')`;
const textOf = (column: string) => trimmed(`toString(${column})`);
const NUMERIC = /^(U?Int\d+|Float\d+|Decimal)/;

/** NOTE: as for files, numbers below 1e11 are unix seconds, from 1e11 milliseconds. */
const secondsOf = (number: string) =>
  `toInt64(floor(if(${number} >= ${MILLISECONDS_FROM}, ${number} / 1000, ${number})))`;

function timestampSql(column: string, type: string): string {
  if (type.startsWith('DateTime')) return `toInt64(toUInt32(${column}))`;
  if (type === 'Date') return `toInt64(toUInt32(${column})) * 86400`;
  if (NUMERIC.test(type)) return secondsOf(`toFloat64(${column})`);
  const text = textOf(column);
  return `if(match(${text}, '^[0-9]+(\\\\.[0-9]+)?$'), ${secondsOf(`toFloat64OrNull(${text})`)}, toInt64(toUInt32(parseDateTimeBestEffortOrNull(${text}, 'UTC'))))`;
}

function periodSql(grain: Interval): string {
  const time = "toDateTime(toUInt32(ts), 'UTC')";
  switch (grain) {
    case 'day':
      return 'intDiv(ts, 86400)';
    case 'week':
      return 'intDiv(ts + 259200, 604800)';
    case 'month':
      return `toYYYYMM(${time}, 'UTC')`;
    case 'year':
      return `toYear(${time}, 'UTC')`;
  }
}

function reasonSql(meters: readonly string[]): string {
  return `multiIf(
    customer = '', 'customer empty',
    meter = '', 'meter empty',
    NOT has([${meters.map(literal).join(', ')}], meter), 'meter not priced',
    isNull(ts), 'timestamp not parseable',
    ts < 0 OR ts > ${LAST_SECOND}, 'timestamp out of range',
    isNull(quantity) OR isNaN(quantity), 'quantity not a number',
    quantity < 0, 'quantity negative',
    isInfinite(quantity) OR quantity >= ${QUANTITY_LIMIT}, 'quantity too large',
    quantity != floor(quantity), 'quantity not whole',
    action != 'increment' AND action != 'set', 'action unknown',
    '')`;
}

/** Text in code point order (UTF-8 byte order), where JavaScript's < compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const [x, y] = [a.charCodeAt(index), b.charCodeAt(index)];
    if (x === y) continue;
    // Surrogates (0xD800–0xDFFF) stand for code points above 0xFFFF: they sort after 0xFFFF.
    const rank = (unit: number) =>
      unit >= 0xd800 ? (unit >= 0xe000 ? unit - 0x800 : unit + 0x2000) : unit;
    return rank(x) - rank(y);
  }
  return a.length - b.length;
}

async function rowsOf(client: ClickHouseClient, query: string, signal?: AbortSignal) {
  const result = await client.query({ query, format: 'JSONEachRow', abort_signal: signal });
  return (await result.json()) as Record<string, unknown>[];
}

/** A ClickHouse failure as a message naming the server or the table. */
function sourceErrorOf(error: unknown, url: string, table: string): SourceError {
  if (error instanceof SourceError) return error;
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET') {
    return new SourceError(
      `cannot reach ClickHouse at ${url} (${code}): is the server running and the URL right?`,
    );
  }
  if (/Code: 60\b/.test(message ?? '')) {
    return new SourceError(
      `ClickHouse at ${url} has no table ${table}: check --table (name it database.table).`,
    );
  }
  return new SourceError(
    `ClickHouse at ${url} refused the query on ${table}: ${(message ?? String(error)).split('\n')[0]}`,
  );
}

/**
 * Aggregates the usage of a ClickHouse table on the server. All or nothing, as for files. Records
 * that share a timestamp are ordered by the `sequence` column when one is mapped; without one, a
 * timestamp holding a `set` with other records has no defined order and is refused.
 */
export async function aggregateClickHouse(
  url: string,
  table: string,
  request: AggregateRequest,
): Promise<SourceResult> {
  let client: ClickHouseClient;
  try {
    client = createClient({
      url,
      log: { level: ClickHouseLogLevel.OFF },
      request_timeout: 300_000,
    });
  } catch (error) {
    throw new SourceError(
      `--clickhouse-url ${url} is not a usable URL: ${(error as Error).message}`,
    );
  }
  // Each query stops when the request's signal aborts; progress is counted in queries.
  let done = 0;
  const query = async (sql: string) => {
    const rows = await rowsOf(client, sql, request.signal);
    request.onProgress?.(Math.min(1, ++done / 3));
    return rows;
  };
  try {
    const available = (await query(`DESCRIBE TABLE ${tableIdentifier(table)}`)).map((row) => ({
      name: String(row.name),
      type: String(row.type).replace(/^Nullable\((.*)\)$/, '$1'),
    }));
    const wanted = columnsOf(request.map);
    const column = (field: keyof typeof wanted) => {
      const name = wanted[field];
      const found = available.find((c) => c.name === name);
      const optional =
        (field === 'action' || field === 'sequence') && request.map?.[field] === undefined;
      if (!found && !optional) {
        throw new SourceError(
          `ClickHouse table ${table} has no column '${String(name)}' for the ${field}; its columns are ${available.map((c) => c.name).join(', ')}. Map one with --map ${field}=<column>.`,
        );
      }
      return found;
    };
    const [customer, meter, timestamp, quantity, action, sequence] = (
      ['customer', 'meter', 'timestamp', 'quantity', 'action', 'sequence'] as const
    ).map(column);
    const from = tableIdentifier(table);
    const rows = `
      SELECT u_customer AS customer, u_meter AS meter, u_ts AS ts, u_quantity AS quantity,
          u_action AS action, u_seq AS seq, u_raw_timestamp AS raw_timestamp,
          u_raw_quantity AS raw_quantity, u_raw_action AS raw_action,
          ${reasonSql(request.meters)} AS reason
      FROM (
        -- ClickHouse aliases shadow the table's columns everywhere in a SELECT: hence the u_ names.
        SELECT ${textOf(identifier(customer!.name))} AS u_customer,
          ${textOf(identifier(meter!.name))} AS u_meter,
          ${timestampSql(identifier(timestamp!.name), timestamp!.type)} AS u_ts,
          ${NUMERIC.test(quantity!.type) ? `toFloat64(${identifier(quantity!.name)})` : `toFloat64OrNull(${textOf(identifier(quantity!.name))})`} AS u_quantity,
          ${action ? `if(${textOf(identifier(action.name))} = '', 'increment', lower(${textOf(identifier(action.name))}))` : "'increment'"} AS u_action,
          ${sequence ? `toUInt64(${identifier(sequence.name)})` : 'toUInt64(1)'} AS u_seq,
          toString(${identifier(timestamp!.name)}) AS u_raw_timestamp,
          toString(${identifier(quantity!.name)}) AS u_raw_quantity,
          ${action ? `toString(${identifier(action.name)})` : "''"} AS u_raw_action
        FROM ${from})`;
    const inRange =
      [
        request.from === undefined ? '' : `ts >= ${request.from}`,
        request.until === undefined ? '' : `ts < ${request.until}`,
      ]
        .filter(Boolean)
        .join(' AND ') || '1';
    const maxMeters = request.maxMeters ?? [];
    // As for files: one pass checks and aggregates every row, a group per customer × meter ×
    // period for the good rows in range, one per reason for the bad ones, one for the good rows
    // out of range (status 'outside'). Each group takes every row as its own timestamp; the
    // groups where that is not exact (a set among them, several rows at the latest timestamp,
    // a meter priced by max) are flagged and aggregated again per timestamp below.
    const onePass = `
      SELECT status, group_customer AS customer, group_meter AS meter, group_period AS period,
        count() AS records, sum(q) AS sum, argMax(q, ts) AS last, max(ts) AS last_timestamp,
        countIf(action = 'set') > 0
          OR argMax(row, (ts, row)) != argMin(row, (-ts, row))
          ${maxMeters.length ? `OR has([${maxMeters.map(literal).join(', ')}], group_meter)` : ''} AS exact
      FROM (
        SELECT status, ts, action, rowNumberInAllBlocks() AS row,
          if(status = 'good', customer, '') AS group_customer,
          if(status = 'good', meter, '') AS group_meter,
          if(status = 'good', ${periodSql(request.grain)}, 0) AS group_period,
          toInt64(if(status = 'good', quantity, 0)) AS q
        FROM (SELECT *, if(reason != '', reason, if(${inRange}, 'good', 'outside')) AS status FROM (${rows})))
      GROUP BY status, customer, meter, period`;
    const groups = await query(onePass);
    const recordsOf = (row: Record<string, unknown>) => Number(row.records);
    const total = groups.reduce((sum, row) => sum + recordsOf(row), 0);
    if (total === 0) throw new SourceError(`ClickHouse table ${table} holds no usage rows.`);
    const skippedByReason: Record<string, number> = {};
    for (const row of groups) {
      if (row.status !== 'good' && row.status !== 'outside')
        skippedByReason[String(row.status)] = recordsOf(row);
    }
    const bad = Object.values(skippedByReason).reduce((sum, count) => sum + count, 0);
    const examples: BadRow[] =
      bad === 0
        ? []
        : (await query(`SELECT * FROM (${rows}) WHERE reason != '' LIMIT 10`)).map((row) => ({
            where: `row customer=${JSON.stringify(row.customer)} meter=${JSON.stringify(row.meter)} timestamp=${JSON.stringify(row.raw_timestamp)}`,
            reason: explainReason(String(row.reason), {
              meter: row.meter,
              timestamp: row.raw_timestamp,
              quantity: row.raw_quantity,
              action: row.raw_action,
            }),
          }));
    if (bad > 0 && !request.skipBadRows)
      throw badRowsError(`ClickHouse table ${table}`, bad, examples);
    const good = groups.filter((row) => row.status === 'good');
    const onePassRows = good.filter((row) => Number(row.exact) === 0);
    let exactRows: Record<string, unknown>[] = [];
    if (onePassRows.length < good.length) {
      // NOTE: as for files: the value at a timestamp is the last set plus the increments after
      // it, in the order of the sequence column.
      exactRows = await query(
        `SELECT customer, meter, period, sum(records_count) AS records, sum(value) AS sum,
          max(value) AS max, argMax(ts, (value, -ts)) AS max_timestamp, argMax(value, ts) AS last,
          max(ts) AS last_timestamp, sum(sets > 0 AND records_count > 1) AS unordered
        FROM (
          SELECT customer, meter, ts, period, sets, records_count,
            arraySum(arrayMap((r, s) -> if(r.1 >= s, r.2, 0), entries, arrayResize([set_seq], length(entries), set_seq))) AS value
          FROM (
            SELECT customer, meter, ts, any(${periodSql(request.grain)}) AS period,
              groupArray((seq, toInt64(quantity))) AS entries, maxIf(seq, action = 'set') AS set_seq,
              countIf(action = 'set') AS sets, count() AS records_count
            FROM (${rows})
            WHERE reason = '' AND ${inRange} AND (customer, meter, ${periodSql(request.grain)}) IN
              (SELECT customer, meter, period FROM (${onePass}) WHERE status = 'good' AND exact)
            GROUP BY customer, meter, ts))
        GROUP BY customer, meter, period`,
      );
      const unordered = exactRows.reduce((sum, row) => sum + Number(row.unordered), 0);
      if (!sequence && unordered > 0) {
        throw new SourceError(
          `ClickHouse table ${table}: ${unordered} timestamps hold a set together with other records, and a table has no row order to apply them in. Map a column that orders them with --map sequence=<column>.`,
        );
      }
    }
    // The order of a file's aggregates (DuckDB sorts text by its bytes, as code points do).
    const sorted = [...onePassRows, ...exactRows].sort(
      (a, b) =>
        compareCodePoints(String(a.customer), String(b.customer)) ||
        compareCodePoints(String(a.meter), String(b.meter)) ||
        Number(a.period) - Number(b.period),
    );
    return {
      aggregates: toAggregates(columnsOfRows(sorted), maxMeters),
      rows: total,
      skippedRows: bad,
      skippedByReason,
      examples,
    };
  } catch (error) {
    if (request.signal?.aborted) throw cancelled(`ClickHouse table ${table}`);
    throw sourceErrorOf(error, url, table);
  } finally {
    await client.close();
  }
}
