// Backtests beside the window: the desktop app and the browser host wrap their dispatch with
// this, so the `backtest.*` methods (core/contract.ts BacktestMethods) run here, in the host,
// where DuckDB reads the usage file (its API is async: the event loop stays free while it
// works). The page never names a path: it uploads a file's bytes (browser host, kept in a temp
// folder beside the workspace), or the desktop app's open dialog registers the chosen file, or
// it asks for the shipped sample; each gives a handle. Or the usage is a ClickHouse table, which
// the server aggregates. The last run's aggregates are kept, so a cell's explanation, an edited
// hypothesis and the exports need no second read; a run, a re-pricing and an export yield to the
// host between slices of work, so the window stays responsive however many customers there are.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DispatchResult, ExportedFile, HostEvent } from '../../core/contract';
import type { Dispatch, DispatchHooks } from '../../core/dispatch';
import {
  backtestCsvPieces,
  backtestJsonPieces,
  backtestReportHtml,
  buildHypotheses,
  explainLine,
  priceBacktestSteps,
} from '../../core/backtest';
import {
  guessColumns,
  MAX_USAGE_UPLOAD_BYTES,
  USAGE_FIELDS,
  type BacktestOutcome,
  type BacktestRunArgs,
  type ClickHouseTable,
  type ColumnMapping,
  type UsageFileHandle,
  type UsagePreview,
} from '../../core/public/backtest';
import { runPaced } from '../../core/resources/entry';
import { invalidRequest, MeterlabError, toErrorEnvelope } from '../../core/values/errors';
import { parseDate, UsageError } from '../cli-common';
import { checkTable, previewTable, shownUrl } from './clickhouse-preview';
import { fileKindOf, readerOf } from './duckdb';
import { pricedByMax, runBacktest, type BacktestRun } from './run';
import { SourceError, type ColumnMap } from './source';
import { isTrustedSender } from '../security';

/** Rows the preview shows. */
export const PREVIEW_ROWS = 10;
export const SAMPLE_USAGE = 'usage-sample.csv.gz';
export const SAMPLE_PRICES = 'prices-sample.json';
export const SAMPLE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sample');

export interface BacktestWindowOptions {
  /** The workspace file: uploads go to a temp folder beside it. */
  dataFile: string;
  /** The folder of the shipped sample (default: electron/backtest/sample beside this file). */
  sampleDir?: string;
}

interface KnownFile extends UsageFileHandle {
  path: string;
}

/** The usage of a run or preview: a known file, or a ClickHouse table; `name` for messages. */
type RunSource =
  | { kind: 'file'; file: KnownFile; name: string }
  | { kind: 'clickhouse'; table: ClickHouseTable; name: string };

type LastRun = BacktestRun & { origin: RunSource; elapsedMs: number };

/** A file's mapping fields; a table's add the column that orders records of one timestamp. */
const fieldsOf = (source: RunSource): readonly (keyof ColumnMap)[] =>
  source.kind === 'file' ? USAGE_FIELDS : [...USAGE_FIELDS, 'sequence'];

export interface BacktestWindow {
  /** The host's dispatch, answering the backtest methods itself. */
  dispatch: Dispatch;
  /** A file the user chose in the desktop app's open dialog: its handle. */
  addLocalFile(path: string): Promise<UsageFileHandle>;
  /** A file uploaded to the browser host: its name and its bytes as they arrive. */
  upload(
    name: unknown,
    body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<UsageFileHandle>;
  /** Stops a running backtest and deletes the uploads. */
  close(): Promise<void>;
}

const fail = invalidRequest;

/** The folder uploads are kept in, beside the workspace (removed when the host closes). */
export const uploadFolder = (dataFile: string) => `${dataFile}.backtest-uploads`;

function objectArg(args: unknown): Record<string, unknown> {
  const [given] = Array.isArray(args) ? args : [];
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw fail('parameter_invalid', 'args[0]', 'Pass the arguments as one object.');
  }
  return given as Record<string, unknown>;
}

function stringField(args: Record<string, unknown>, name: string, max = 255): string {
  const value = args[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw fail('parameter_invalid', name, `${name}: pass a non-empty string.`);
  }
  return value;
}

/**
 * A source's refusal as an envelope naming the file by its name (never the temp path) or the
 * table's field, in the view's words rather than the command line's flags.
 */
function sourceFailure(error: SourceError, source: RunSource, aborted: boolean): MeterlabError {
  const message = (
    source.kind === 'file' ? error.message.replaceAll(source.file.path, source.name) : error.message
  )
    .replace('with --skip-bad-rows', 'with "Skip bad rows"')
    .replace('with --map sequence=<column>', 'as the sequence in the mapping');
  if (aborted) return fail('backtest_cancelled', null, message);
  const param = source.kind === 'file' ? 'file' : 'clickhouse.table';
  if (error.badRows.length > 0) return fail('usage_rows_invalid', param, message);
  if (source.kind === 'file') return fail('usage_file_unreadable', 'file', message);
  if (message.startsWith('cannot reach ClickHouse')) {
    return fail('clickhouse_unreachable', 'clickhouse.url', message);
  }
  return fail('clickhouse_query_failed', 'clickhouse.table', message);
}

/** An optional ISO date of the range, as the command line's --from and --until take them. */
function dateField(args: Record<string, unknown>, name: 'from' | 'until'): number | undefined {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 64) {
    throw fail('parameter_invalid', name, `${name}: pass an ISO date such as 2025-06-01.`);
  }
  try {
    return parseDate(value, name === 'from' ? 'From' : 'Until');
  } catch (error) {
    if (error instanceof UsageError) throw fail('parameter_invalid', name, error.message);
    throw error;
  }
}

export function createBacktestWindow(
  dispatch: Dispatch,
  options: BacktestWindowOptions,
): BacktestWindow {
  const files = new Map<string, KnownFile>();
  const uploads = uploadFolder(options.dataFile);
  let uploaded: KnownFile | null = null;
  let running: AbortController | null = null;
  let last: LastRun | null = null;
  /** The re-pricing under way, stopped by a newer one or a run. */
  let repricing: AbortController | null = null;
  // A crash may have left uploads: they belong to no run now.
  const cleared = rm(uploads, { recursive: true, force: true }).catch(() => undefined);

  function known(id: string): KnownFile {
    const file = files.get(id);
    if (!file) {
      throw fail(
        'usage_file_missing',
        'file',
        'That usage file is no longer known to the host (it restarted, or another file replaced the upload): choose it again.',
      );
    }
    return file;
  }

  function register(path: string, name: string, size: number): KnownFile {
    const file = { id: `file_${randomBytes(9).toString('base64url')}`, name, size, path };
    files.set(file.id, file);
    return file;
  }

  const handle = ({ id, name, size }: KnownFile): UsageFileHandle => ({ id, name, size });

  async function addLocalFile(path: string): Promise<UsageFileHandle> {
    const name = basename(path);
    try {
      fileKindOf(name);
    } catch (error) {
      throw fail('usage_file_unreadable', 'file', (error as Error).message);
    }
    const { size } = await stat(path);
    return handle(register(path, name, size));
  }

  /**
   * Stores an uploaded file's bytes, streamed to a temp file a chunk at a time (never held in
   * memory, never decoded in one piece), and refused past the limit with nothing kept.
   */
  async function upload(given: unknown, body: AsyncIterable<Uint8Array>): Promise<UsageFileHandle> {
    if (typeof given !== 'string' || given.length === 0 || given.length > 255) {
      throw fail('parameter_invalid', 'name', "name: pass the file's name (it tells its format).");
    }
    const name = basename(given);
    let kind;
    try {
      kind = fileKindOf(name);
    } catch (error) {
      throw fail('usage_file_unreadable', 'name', (error as Error).message);
    }
    await cleared;
    await mkdir(uploads, { recursive: true });
    // One upload at a time: a new one replaces the last (its handle stops working).
    if (uploaded) {
      files.delete(uploaded.id);
      await rm(uploaded.path, { force: true });
      uploaded = null;
    }
    const gz = /\.(gz|gzip)$/i.test(name) ? '.gz' : '';
    const path = join(
      uploads,
      `upload-${randomBytes(9).toString('hex')}.${extensionOf(kind, name)}${gz}`,
    );
    const file = await open(path, 'w');
    let size = 0;
    try {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > MAX_USAGE_UPLOAD_BYTES) throw tooLargeUpload(name);
        await file.write(chunk);
      }
    } catch (error) {
      await file.close();
      await rm(path, { force: true });
      throw error;
    }
    await file.close();
    if (size === 0) {
      await rm(path, { force: true });
      throw fail('usage_file_empty', 'file', `${name} is empty.`);
    }
    uploaded = register(path, name, size);
    return handle(uploaded);
  }

  async function sample(): Promise<{ file: UsageFileHandle; hypotheses: unknown[] }> {
    const sampleDir = options.sampleDir ?? SAMPLE_DIR;
    const path = join(sampleDir, SAMPLE_USAGE);
    const hypotheses = JSON.parse(
      await readFile(join(sampleDir, SAMPLE_PRICES), 'utf8'),
    ) as unknown[];
    const existing = [...files.values()].find((file) => file.path === path);
    const file = existing ?? register(path, SAMPLE_USAGE, (await stat(path)).size);
    return { file: handle(file), hypotheses };
  }

  /** The source the arguments name: a known file's handle, or a ClickHouse table. */
  function sourceOf(args: Record<string, unknown>): RunSource {
    if (args.file !== undefined && args.clickhouse !== undefined) {
      throw fail(
        'parameter_conflict',
        'clickhouse',
        'Pass a usage file or a ClickHouse table, not both.',
      );
    }
    if (args.clickhouse !== undefined) {
      const table = checkTable(args.clickhouse);
      return { kind: 'clickhouse', table, name: `ClickHouse table ${table.table}` };
    }
    if (args.file === undefined) {
      throw fail(
        'parameter_missing',
        'file',
        'Choose a usage file, or name a ClickHouse table (its URL and table).',
      );
    }
    const file = known(stringField(args, 'file'));
    return { kind: 'file', file, name: file.name };
  }

  async function preview(source: RunSource): Promise<UsagePreview> {
    const { columns, rows } =
      source.kind === 'file'
        ? await previewFile(source.file)
        : await previewTable(source.table, PREVIEW_ROWS);
    if (rows.length === 0) {
      throw source.kind === 'file'
        ? fail('usage_file_empty', 'file', `${source.name} holds no usage rows.`)
        : fail('usage_file_empty', 'clickhouse.table', `${source.name} holds no usage rows.`);
    }
    const names = columns.map((column) => column.name);
    const mapping: ColumnMapping = guessColumns(names);
    if (source.kind === 'clickhouse') {
      mapping.sequence = names.find((name) => /^(seq|sequence)$/i.test(name)) ?? null;
    }
    return {
      file: source.kind === 'file' ? handle(source.file) : null,
      source: source.name,
      columns,
      rows,
      mapping,
    };
  }

  async function previewFile(file: KnownFile) {
    const kind = fileKindOf(file.path);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = readerOf(kind, file.path);
      const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${reader}`))
        .getRowObjectsJS()
        .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
      const rows = (await connection.runAndReadAll(`SELECT * FROM ${reader} LIMIT ${PREVIEW_ROWS}`))
        .getRowObjectsJS()
        .map((row) =>
          Object.fromEntries(
            Object.entries(row).map(([key, value]) => [
              key,
              value === null || value === undefined ? null : String(value),
            ]),
          ),
        );
      return { columns, rows };
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0]!.replaceAll(file.path, file.name);
      throw fail(
        'usage_file_unreadable',
        'file',
        `${file.name} cannot be read as ${kind === 'json' ? 'JSON Lines' : kind.toUpperCase()} (what its name says): ${reason}`,
      );
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /**
   * The mapping checked against the source's columns: every field but action (and a table's
   * sequence) needs one.
   */
  function checkMapping(
    source: RunSource,
    columns: readonly string[],
    mapping: Partial<ColumnMapping>,
  ): Partial<ColumnMap> {
    const map: Partial<ColumnMap> = {};
    for (const field of fieldsOf(source)) {
      const column = mapping[field];
      if (column === null || column === undefined || column === '') {
        if (field === 'action' || field === 'sequence') continue;
        throw fail(
          'usage_column_missing',
          `mapping.${field}`,
          `Choose the column of ${source.name} that holds the ${field} (its columns are ${columns.join(', ')}).`,
        );
      }
      if (typeof column !== 'string' || !columns.includes(column)) {
        throw fail(
          'usage_column_missing',
          `mapping.${field}`,
          `${source.name} has no column '${String(column)}' for the ${field}; its columns are ${columns.join(', ')}.`,
        );
      }
      map[field] = column;
    }
    return map;
  }

  function outcomeOf(run: LastRun): BacktestOutcome {
    const { origin, result } = run;
    const byKey = new Map(run.hypotheses.map((hypothesis) => [hypothesis.key, hypothesis]));
    const warnings = [...new Set(run.hypotheses.map((hypothesis) => hypothesis.meter))]
      .filter((meter) => !run.prepared.byMeter.has(meter))
      .map(
        (meter) =>
          `No row of ${origin.name} has the meter '${meter}': the hypotheses on it bill nothing for usage (check their meter).`,
      );
    return {
      file: origin.kind === 'file' ? handle(origin.file) : null,
      source: origin.name,
      currency: result.currency,
      grain: result.grain,
      current: result.current,
      riskThresholdPct: result.riskThresholdPct,
      range: result.range,
      periods: result.periods,
      customers: result.customers.length,
      hypotheses: result.hypotheses.map(({ amounts: _amounts, ...hypothesis }) => ({
        ...hypothesis,
        coupon: byKey.get(hypothesis.key)!.coupon,
        minimumCommitment: byKey.get(hypothesis.key)!.minimumCommitment,
      })),
      rows: run.source.rows,
      skippedRows: run.source.skippedRows,
      skippedByReason: run.source.skippedByReason,
      warnings,
      elapsedMs: run.elapsedMs,
    };
  }

  /** The hypotheses' own errors name the entry: [1].tiers -> hypotheses[1].tiers. */
  function hypothesesFailure(error: MeterlabError): MeterlabError {
    if (['current', 'from', 'until', 'usage'].includes(error.param ?? '')) return error;
    return new MeterlabError(
      error.type,
      error.code,
      `hypotheses${error.param?.startsWith('[') ? '' : '.'}${error.param ?? ''}`,
      error.message,
    );
  }

  async function run(args: Record<string, unknown>, hooks: DispatchHooks) {
    if (running) {
      throw fail(
        'backtest_running',
        null,
        'A backtest is running: wait for it to finish or cancel it.',
      );
    }
    const given = args as unknown as BacktestRunArgs;
    const source = sourceOf(args);
    if (!Array.isArray(given.hypotheses) || given.hypotheses.length === 0) {
      throw fail(
        'parameter_missing',
        'hypotheses',
        'Pick at least one hypothesis: a catalog price or an entry of a prices.json.',
      );
    }
    const from = dateField(args, 'from');
    const until = dateField(args, 'until');
    if (from !== undefined && until !== undefined && until <= from) {
      throw fail(
        'parameter_invalid',
        'until',
        `Until (${String(args.until)}) must be after from (${String(args.from)}): the range is [from, until).`,
      );
    }
    const abort = new AbortController();
    running = abort;
    // A run replaces the results a re-pricing works on.
    repricing?.abort();
    const started = performance.now();
    const progress = (fraction: number) =>
      hooks.onEvent?.({
        type: 'progress',
        task: 'backtest',
        done: Math.round(fraction * 1000),
        total: 1000,
      } satisfies HostEvent);
    try {
      progress(0);
      const { columns } = await preview(source);
      const map = checkMapping(
        source,
        columns.map((column) => column.name),
        (given.mapping ?? {}) as Partial<ColumnMapping>,
      );
      const ran = await runBacktest({
        source:
          source.kind === 'file'
            ? { kind: 'file', path: source.file.path }
            : { kind: 'clickhouse', ...source.table },
        hypotheses: given.hypotheses,
        current: given.current,
        from,
        until,
        map,
        skipBadRows: given.skipBadRows === true,
        riskThresholdPct: given.riskThresholdPct,
        onProgress: (fraction) => progress(Math.min(fraction, 0.999)),
        signal: abort.signal,
      }).catch((error: unknown) => {
        if (error instanceof SourceError) throw sourceFailure(error, source, abort.signal.aborted);
        if (error instanceof MeterlabError) throw hypothesesFailure(error);
        throw error;
      });
      if (abort.signal.aborted) {
        throw fail('backtest_cancelled', null, `${source.name}: the backtest was cancelled.`);
      }
      last = { ...ran, origin: source, elapsedMs: Math.round(performance.now() - started) };
      return outcomeOf(last);
    } finally {
      running = null;
      progress(1);
    }
  }

  function lastRun(): LastRun {
    if (!last) {
      throw fail(
        'backtest_not_run',
        null,
        'Run a backtest first: its results are what this shows.',
      );
    }
    return last;
  }

  /** Edited hypotheses, checked: the last run must have read their meters, at their grain. */
  function editedHypotheses(run: LastRun, entries: unknown) {
    let built;
    try {
      built = buildHypotheses(entries);
    } catch (error) {
      throw error instanceof MeterlabError ? hypothesesFailure(error) : error;
    }
    const read = new Set(run.hypotheses.map((hypothesis) => hypothesis.meter));
    const unread = built.hypotheses.findIndex((hypothesis) => !read.has(hypothesis.meter));
    if (unread !== -1) {
      throw fail(
        'backtest_rerun_needed',
        `hypotheses[${unread}].meter`,
        `The last run read the usage of ${[...read].join(', ')} only: run the backtest again to read the meter '${built.hypotheses[unread]!.meter}'.`,
      );
    }
    // Peaks are read only for meters a hypothesis of the run priced by max (see runBacktest).
    const peaksRead = new Set(
      run.hypotheses.filter(pricedByMax).map((hypothesis) => hypothesis.meter),
    );
    const unreadPeaks = built.hypotheses.findIndex(
      (hypothesis) => pricedByMax(hypothesis) && !peaksRead.has(hypothesis.meter),
    );
    if (unreadPeaks !== -1) {
      throw fail(
        'backtest_rerun_needed',
        `hypotheses[${unreadPeaks}].recurring.aggregateUsage`,
        `The last run read the meter '${built.hypotheses[unreadPeaks]!.meter}' without its peaks: run the backtest again to price it by max.`,
      );
    }
    if (built.grain !== run.prepared.grain) {
      throw fail(
        'backtest_rerun_needed',
        'hypotheses',
        `The last run was priced per ${run.prepared.grain}: run the backtest again to price per ${built.grain}.`,
      );
    }
    return built.hypotheses;
  }

  /**
   * The last run priced again, a customer at a time with the host let in between (never one
   * long block); a newer re-pricing or a run stops this one, which fails as superseded.
   */
  async function reprice(args: Record<string, unknown>): Promise<BacktestOutcome> {
    const run = lastRun();
    const threshold = args.riskThresholdPct;
    if (threshold !== undefined && (typeof threshold !== 'number' || !(threshold >= 0))) {
      throw fail(
        'parameter_invalid',
        'riskThresholdPct',
        'The risk threshold is a percentage of 0 or more, such as 20.',
      );
    }
    const hypotheses =
      args.hypotheses === undefined ? run.hypotheses : editedHypotheses(run, args.hypotheses);
    repricing?.abort();
    const abort = new AbortController();
    repricing = abort;
    const steps = priceBacktestSteps(run.prepared, hypotheses, {
      current: typeof args.current === 'string' ? args.current : run.result.current,
      riskThresholdPct: (threshold as number | undefined) ?? run.result.riskThresholdPct,
    });
    const yieldToHost = () => new Promise<void>((resolve) => setImmediate(resolve));
    let priced;
    try {
      // Starts on the next turn of the loop: of edits that arrive together, only the last prices.
      await yieldToHost();
      priced = await runPaced(steps, {
        yieldToHost,
        now: () => performance.now(),
        signal: abort.signal,
      });
    } catch (error) {
      throw error instanceof MeterlabError ? hypothesesFailure(error) : error;
    } finally {
      if (repricing === abort) repricing = null;
    }
    if ('stopped' in priced || last?.prepared !== run.prepared) {
      throw fail(
        'backtest_superseded',
        null,
        'A newer edit or run replaced this re-pricing: its results are not shown.',
      );
    }
    last = { ...last, hypotheses, result: priced.value };
    return outcomeOf(last);
  }

  function explain(args: Record<string, unknown>) {
    const run = lastRun();
    const key = stringField(args, 'hypothesis');
    const hypothesis = run.hypotheses.find((candidate) => candidate.key === key);
    if (!hypothesis)
      throw fail('resource_missing', 'hypothesis', `No hypothesis has the key '${key}'.`);
    const period = args.period;
    if (typeof period !== 'number' || !Number.isInteger(period) || !run.prepared.periods[period]) {
      throw fail(
        'parameter_invalid',
        'period',
        `period: pass a period index from 0 to ${run.prepared.periods.length - 1}.`,
      );
    }
    return explainLine(run.prepared, hypothesis, stringField(args, 'customer'), period);
  }

  async function exportFile(
    args: Record<string, unknown>,
    output: DispatchHooks['output'],
  ): Promise<ExportedFile> {
    const run = lastRun();
    const stem =
      run.origin.kind === 'file'
        ? run.origin.name.replace(/(\.(csv|tsv|jsonl|ndjson|json|parquet))?(\.gz|\.gzip)?$/i, '')
        : run.origin.table.table.replace(/[^\w.-]/g, '_');
    switch (args.format) {
      case 'csv':
        return {
          filename: `backtest-${stem}.csv`,
          mimeType: 'text/csv',
          content: await pacedText(backtestCsvPieces(run.result), output),
        };
      case 'json':
        return {
          filename: `backtest-${stem}.json`,
          mimeType: 'application/json',
          content: await pacedText(
            jsonLines(backtestJsonPieces(run.result, run.source.skippedRows)),
            output,
          ),
        };
      case 'html':
        return {
          filename: `backtest-${stem}.html`,
          mimeType: 'text/html',
          content: backtestReportHtml(run.result, {
            source:
              run.origin.kind === 'file'
                ? run.origin.name
                : `${run.origin.name} at ${shownUrl(run.origin.table.url)}`,
            rows: run.source.rows,
            skippedRows: run.source.skippedRows,
          }),
        };
      default:
        throw fail('parameter_invalid', 'format', "format: pass 'csv', 'json' or 'html'.");
    }
  }

  async function answer(method: string, args: unknown, hooks: DispatchHooks): Promise<unknown> {
    switch (method) {
      case 'backtest.sample':
        return sample();
      case 'backtest.preview':
        return preview(sourceOf(objectArg(args)));
      case 'backtest.run':
        return run(objectArg(args), hooks);
      case 'backtest.cancel':
        running?.abort();
        return { cancelled: running !== null };
      case 'backtest.reprice':
        return reprice(objectArg(args));
      case 'backtest.explain':
        return explain(objectArg(args));
      case 'backtest.export':
        return exportFile(objectArg(args), hooks.output);
      default:
        throw fail(
          'unknown_method',
          'method',
          `Unknown method '${method.slice(0, 100)}': the backtest methods are sample, preview, run, cancel, reprice, explain and export.`,
        );
    }
  }

  return {
    dispatch: async (method, args, hooks = {}): Promise<DispatchResult> => {
      if (typeof method !== 'string' || !method.startsWith('backtest.')) {
        return dispatch(method, args, hooks);
      }
      try {
        return { ok: true, data: await answer(method, args, hooks) };
      } catch (error) {
        return { ok: false, error: toErrorEnvelope(error) };
      }
    },
    addLocalFile,
    upload,
    async close() {
      running?.abort();
      repricing?.abort();
      await cleared;
      await rm(uploads, { recursive: true, force: true });
    },
  };
}

/** JSON text pieces and a line break, as the command line prints them. */
function* jsonLines(pieces: Iterable<string>): Generator<string, void> {
  yield* pieces;
  yield '\n';
}

/** Export text gathered before it goes to the host's output, and work between two yields. */
const OUTPUT_BYTES = 64 * 1024;
const SLICE_MS = 10;

/**
 * An export's text made a piece at a time with the host let in between (made in one go, the CSV
 * of 5 hypotheses × 10,000 customers held it for 400 ms): sent through the host's output as it
 * is made, the file's content then empty (as the invoice exports do), or else joined.
 */
async function pacedText(
  pieces: Iterable<string>,
  output: DispatchHooks['output'],
): Promise<string> {
  const made: string[] = [];
  let text = '';
  let since = performance.now();
  for (const piece of pieces) {
    text += piece;
    if (text.length >= OUTPUT_BYTES) {
      if (output) output.write(text);
      else made.push(text);
      text = '';
    }
    if (performance.now() - since > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      await output?.ready();
      since = performance.now();
    }
  }
  if (!output) return made.join('') + text;
  output.write(text);
  return '';
}

/** The refusal of an upload over the limit, naming the file. */
export function tooLargeUpload(name: string): MeterlabError {
  return fail(
    'usage_file_too_large',
    'file',
    `${name} is over ${MAX_USAGE_UPLOAD_BYTES / 1024 / 1024} MiB, the most the browser can upload: run \`meterlab backtest --usage ${name}\` on the command line, or use the desktop app, which reads the file where it is.`,
  );
}

/** The upload's extension as DuckDB's reader needs it (the kind the name says). */
function extensionOf(kind: ReturnType<typeof fileKindOf>, name: string): string {
  if (kind === 'parquet') return 'parquet';
  if (kind === 'json') return 'jsonl';
  return /\.tsv(\.gz|\.gzip)?$/i.test(name) ? 'tsv' : 'csv';
}

/**
 * The `ipcMain.handle('meterlab:choose-usage-file')` handler: the desktop app's open dialog, and
 * the chosen file registered with the backtests (the page gets its handle, never its path).
 */
export function createChooseUsageFileHandler(
  backtest: Pick<BacktestWindow, 'addLocalFile'>,
  chooseFile: () => Promise<string | null>,
) {
  return async (event: {
    senderFrame: { url: string } | null;
  }): Promise<DispatchResult<UsageFileHandle | null>> => {
    if (!isTrustedSender(event.senderFrame)) {
      return {
        ok: false,
        error: {
          type: 'invalid_request_error',
          code: 'sender_not_allowed',
          param: null,
          message: 'Only the Meterlab window may call Meterlab.',
        },
      };
    }
    try {
      const path = await chooseFile();
      return { ok: true, data: path === null ? null : await backtest.addLocalFile(path) };
    } catch (error) {
      return { ok: false, error: toErrorEnvelope(error) };
    }
  };
}
