// `meterlab backtest`: price real usage (a file, or a ClickHouse table) under the hypotheses of a
// prices.json and compare each with the current one.
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { backtestCsv, backtestJson, type BacktestResult } from '../../core/backtest';
import { formatMoney } from '../../core/public/format';
import { MeterlabError } from '../../core/values/errors';
import { isoInstant } from '../../core/values/time';
import {
  parseDate,
  progressBar,
  readJsonFile,
  ScenarioError,
  table,
  UsageError,
  type CliIo,
} from '../cli-common';
import { runBacktest, type UsageSource } from './run';
import { describeSkipped, MAPPABLE, SourceError, type ColumnMap } from './source';

export const BACKTEST_USAGE = `  backtest                  Price real usage under candidate prices: revenue per period, who wins, who pays more.
      --usage <file>        Usage rows: .csv, .jsonl or .parquet (.gz too); columns customer, meter,
                            timestamp, quantity and optionally action (increment or set).
      --source clickhouse   Or read a ClickHouse table: --clickhouse-url <url> --table <db.table>.
      --map <f=col,...>     Other column names, e.g. --map customer=account_id,timestamp=ts.
      --prices <file>       prices.json: [{ "key", "name", "meter", ...the fields of prices.create,
                            "coupon"?, "minimumCommitment"? }].
      --current <key>       The hypothesis the others are compared with (default: the first).
      --from, --until       Only usage in [from, until) (ISO dates); the last period may be open.
      --skip-bad-rows       Skip bad rows (and count them) instead of refusing the file.
      --risk-threshold <%>  A customer whose bill rises more than this is at risk (default 20).
      --format <format>     table (default), json or csv.
      --out <file>          Also write the results to a .json or .csv file.
`;

export const BACKTEST_OPTIONS = {
  usage: { type: 'string' },
  source: { type: 'string' },
  'clickhouse-url': { type: 'string' },
  table: { type: 'string' },
  map: { type: 'string' },
  prices: { type: 'string' },
  current: { type: 'string' },
  from: { type: 'string' },
  until: { type: 'string' },
  'skip-bad-rows': { type: 'boolean' },
  'risk-threshold': { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

/** --map customer=account,timestamp=ts into a column mapping. */
function parseMap(text: string | undefined): Partial<ColumnMap> {
  const map: Partial<ColumnMap> = {};
  if (text === undefined) return map;
  for (const pair of text.split(',')) {
    const [field, column, ...rest] = pair.split('=');
    if (!MAPPABLE.includes(field as (typeof MAPPABLE)[number]) || !column || rest.length > 0) {
      throw new UsageError(
        `--map '${pair}' is not field=column with a field among ${MAPPABLE.join(', ')}.`,
      );
    }
    map[field as keyof ColumnMap] = column;
  }
  return map;
}

function sourceOf(values: BacktestValues): UsageSource {
  if (values.source === undefined || values.source === 'file') {
    if (values['clickhouse-url'] !== undefined || values.table !== undefined) {
      throw new UsageError('--clickhouse-url and --table go with --source clickhouse.');
    }
    if (values.usage === undefined) {
      throw new UsageError('backtest needs --usage <file> (or --source clickhouse).');
    }
    return { kind: 'file', path: values.usage };
  }
  if (values.source !== 'clickhouse') {
    throw new UsageError(`--source '${values.source}' is not file or clickhouse.`);
  }
  if (values.usage !== undefined)
    throw new UsageError('use --usage or --source clickhouse, not both.');
  const url = values['clickhouse-url'];
  if (url === undefined || values.table === undefined) {
    throw new UsageError(
      '--source clickhouse needs --clickhouse-url <url> and --table <db.table>.',
    );
  }
  return { kind: 'clickhouse', url, table: values.table };
}

type BacktestValues = {
  [K in keyof typeof BACKTEST_OPTIONS]?: (typeof BACKTEST_OPTIONS)[K]['type'] extends 'boolean'
    ? boolean
    : string;
};

function summaryTable(result: BacktestResult): string {
  const money = (minor: number) => formatMoney(minor, result.currency);
  const signed = (minor: number) => (minor > 0 ? `+${money(minor)}` : money(minor));
  const current = result.hypotheses.find((h) => h.key === result.current)!;
  const rows = result.hypotheses.map((h) => [
    h.key,
    h.name,
    money(h.total),
    signed(h.total - current.total),
    String(h.summary.winners),
    String(h.summary.losers),
    String(h.summary.atRisk),
  ]);
  const periods = result.periods.map((period, index) => [
    `${isoInstant(period.start).slice(0, 10)}${period.open ? ' (open)' : ''}`,
    ...result.hypotheses.map((h) => money(h.byPeriod[index]!.amount)),
  ]);
  return (
    `${result.customers.length} customers, ${result.periods.length} periods, current: ${result.current}\n\n` +
    table(
      [
        'hypothesis',
        'name',
        'total',
        'vs current',
        'pay less',
        'pay more',
        `at risk (>${result.riskThresholdPct}%)`,
      ],
      rows,
      new Set([2, 3, 4, 5, 6]),
    ) +
    '\n' +
    table(
      ['period', ...result.hypotheses.map((h) => h.key)],
      periods,
      new Set(result.hypotheses.map((_, i) => i + 1)),
    )
  );
}

/** Runs `meterlab backtest <options>`; throws UsageError (exit 2) or ScenarioError (exit 1). */
export async function backtestCommand(io: CliIo, argv: string[]): Promise<void> {
  let values: BacktestValues;
  try {
    const parsed = parseArgs({
      args: argv,
      options: BACKTEST_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    if (parsed.positionals.length > 0)
      throw new Error(`unexpected argument '${parsed.positionals[0]}'.`);
    values = parsed.values;
  } catch (error) {
    throw new UsageError(`backtest: ${(error as Error).message}`);
  }
  const format = values.format ?? 'table';
  if (!['table', 'json', 'csv'].includes(format))
    throw new UsageError(`--format '${format}' is not one of table, json, csv.`);
  const out = values.out;
  if (out !== undefined && !['.csv', '.json'].includes(extname(out).toLowerCase())) {
    throw new UsageError(`--out '${out}' must end in .csv or .json (the format is taken from it).`);
  }
  const source = sourceOf(values);
  if (values.prices === undefined) throw new UsageError('backtest needs --prices <prices.json>.');
  const from = values.from === undefined ? undefined : parseDate(values.from, '--from');
  const until = values.until === undefined ? undefined : parseDate(values.until, '--until');
  if (from !== undefined && until !== undefined && until <= from) {
    throw new UsageError(`--until ${values.until} must be after --from ${values.from}.`);
  }
  const threshold = values['risk-threshold'];
  if (threshold !== undefined && !/^\d+(\.\d+)?$/.test(threshold)) {
    throw new UsageError(`--risk-threshold '${threshold}' must be a percentage such as 20.`);
  }
  const map = parseMap(values.map);
  const hypotheses = await readJsonFile(values.prices, '--prices ');
  const bar = progressBar(io, 'Backtesting');
  let run;
  try {
    run = await runBacktest({
      source,
      hypotheses,
      current: values.current,
      from,
      until,
      map,
      skipBadRows: values['skip-bad-rows'] ?? false,
      riskThresholdPct: threshold === undefined ? undefined : Number(threshold),
      onProgress: (fraction) => bar.update(Math.round(fraction * 100), 100),
    });
  } catch (error) {
    if (error instanceof SourceError) throw new ScenarioError(error.message);
    if (error instanceof MeterlabError) {
      const subject =
        error.param === 'current'
          ? '--current'
          : `${values.prices}${error.param ? ` ${error.param}` : ''}`;
      throw new ScenarioError(`${subject}: ${error.message}`);
    }
    throw error;
  } finally {
    bar.finish();
  }
  const { result, source: imported } = run;
  if (imported.skippedRows > 0) {
    io.stderr.write(
      `meterlab: ${describeSkipped(imported.skippedRows, imported.skippedByReason)}.\n`,
    );
  }
  const json = () => `${JSON.stringify(backtestJson(result, imported.skippedRows), null, 2)}\n`;
  if (out !== undefined) {
    try {
      await writeFile(out, extname(out).toLowerCase() === '.csv' ? backtestCsv(result) : json());
    } catch (error) {
      throw new UsageError(`cannot write '${out}': ${(error as Error).message}`);
    }
  }
  if (format === 'json') io.stdout.write(json());
  else if (format === 'csv') io.stdout.write(backtestCsv(result));
  else
    io.stdout.write(
      summaryTable(result) + (out === undefined ? '' : `\nResults written to ${out}\n`),
    );
}
