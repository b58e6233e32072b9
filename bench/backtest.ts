// `npm run bench` (second part): the backtest figures of issue 11, measured in one run: import +
// aggregate of a Parquet file by DuckDB against parsing the same rows as CSV in JavaScript, and
// re-pricing 5 hypotheses over the aggregates of 10,000 customers × 12 months.
// BACKTEST_ROWS (default 10M) sets the size of the file; the figure is for 100M.
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  buildHypotheses,
  periodOfKey,
  prepareUsage,
  priceBacktest,
  type UsageAggregate,
} from '../core/backtest';
import { aggregateFile } from '../electron/backtest/duckdb';
import { figure, writeResults } from './report';

const ROWS = Number(process.env.BACKTEST_ROWS ?? 10_000_000);
/** The JavaScript baseline parses this many rows of the same data (it is the slow side). */
const CSV_ROWS = Math.min(ROWS, 2_000_000);
const CUSTOMERS = 10_000;
const YEAR = 365 * 86_400;
const START = Date.UTC(2025, 0, 1) / 1000;

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

/** Writes `rows` usage rows spread over 2025 as Parquet and CSV, generated inside DuckDB. */
async function writeData(dir: string) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const select = (rows: number) =>
    `SELECT 'cust_' || (i % ${CUSTOMERS}) AS customer, 'api' AS meter,
       make_timestamp((${START} + (i * ${YEAR}) // ${rows}) * 1000000) AS timestamp,
       (hash(i) % 1000)::BIGINT AS quantity FROM range(${rows}) t(i)`;
  await connection.run(
    `COPY (${select(ROWS)}) TO '${join(dir, 'usage.parquet')}' (FORMAT parquet)`,
  );
  await connection.run(
    `COPY (SELECT customer, meter, epoch(timestamp)::BIGINT AS timestamp, quantity FROM (${select(CSV_ROWS)})) TO '${join(dir, 'usage.csv')}' (HEADER)`,
  );
  connection.closeSync();
  instance.closeSync();
}

/** The baseline: the CSV parsed line by line in JavaScript, summed per customer × month. */
async function parseCsvInJs(path: string): Promise<number> {
  const text = await readFile(path, 'utf8');
  const sums = new Map<string, number>();
  let start = text.indexOf('\n') + 1;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const [customer, meter, timestamp, quantity] = text.slice(start, end).split(',');
    const month = new Date(Number(timestamp) * 1000).toISOString().slice(0, 7);
    const key = `${customer}|${meter}|${month}`;
    sums.set(key, (sums.get(key) ?? 0) + Number(quantity));
    start = end + 1;
  }
  return sums.size;
}

/** Aggregates of 10,000 customers × 12 months for two meters, as a source would return them. */
function syntheticAggregates(): UsageAggregate[] {
  const aggregates: UsageAggregate[] = [];
  for (let customer = 0; customer < CUSTOMERS; customer++) {
    for (let month = 1; month <= 12; month++) {
      const period = 202500 + month;
      const { start } = periodOfKey('month', period);
      for (const meter of ['api', 'seats']) {
        const base =
          meter === 'api'
            ? 1000 + ((customer * 7919 + month * 104729) % 900_000)
            : 1 + ((customer + month) % 40);
        aggregates.push({
          customer: `cust_${customer}`,
          meter,
          period,
          sum: base * 30,
          max: base,
          maxTimestamp: start + 86_400,
          last: base,
          lastTimestamp: start + 20 * 86_400,
          count: 30,
        });
      }
    }
  }
  return aggregates;
}

const HYPOTHESES = [
  { key: 'per_unit', meter: 'api', currency: 'EUR', unitAmountDecimal: '0.2' },
  {
    key: 'allowance',
    meter: 'api',
    currency: 'EUR',
    billingScheme: 'tiered',
    tiersMode: 'graduated',
    tiers: [
      { upTo: 20_000, flatAmount: 4900 },
      { upTo: 'inf', unitAmountDecimal: '0.15' },
    ],
  },
  {
    key: 'volume',
    meter: 'api',
    currency: 'EUR',
    billingScheme: 'tiered',
    tiersMode: 'volume',
    tiers: [
      { upTo: 100_000, unitAmountDecimal: '0.3' },
      { upTo: 'inf', unitAmountDecimal: '0.1' },
    ],
  },
  {
    key: 'packages',
    meter: 'api',
    currency: 'EUR',
    unitAmount: 150,
    transformQuantity: { divideBy: 1000, round: 'up' },
  },
  {
    key: 'seats',
    meter: 'seats',
    currency: 'EUR',
    unitAmount: 900,
    recurring: { interval: 'month', aggregateUsage: 'last_ever' },
  },
];

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'meterlab-bench-backtest-'));
  try {
    await writeData(dir);
    const rssBefore = process.memoryUsage().rss;
    let started = performance.now();
    const imported = await aggregateFile(join(dir, 'usage.parquet'), {
      grain: 'month',
      meters: ['api'],
    });
    const importMs = performance.now() - started;
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    started = performance.now();
    await aggregateFile(join(dir, 'usage.csv'), { grain: 'month', meters: ['api'] });
    const duckCsvMs = performance.now() - started;
    started = performance.now();
    const groups = await parseCsvInJs(join(dir, 'usage.csv'));
    const jsCsvMs = performance.now() - started;

    const { hypotheses } = buildHypotheses(HYPOTHESES);
    const prepared = prepareUsage(syntheticAggregates(), 'month');
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      started = performance.now();
      priceBacktest(prepared, hypotheses);
      times.push(performance.now() - started);
    }
    const repriceMs = times.sort((a, b) => a - b)[1]!;

    const perRow = (ms: number, rows: number) => `${((ms * 1e6) / rows).toFixed(0)} ns/row`;
    figure({
      id: 'backtest-import-parquet',
      label: `backtest import + aggregate, Parquet (DuckDB), ${CUSTOMERS.toLocaleString('en')} customers × 12 months`,
      value: importMs,
      unit: 'ms',
      records: ROWS,
      goal: { atMost: (15_000 * ROWS) / 100_000_000 },
      note: `goal: 15 s for 100M rows, scaled; ${perRow(importMs, ROWS)}, ${imported.aggregates.length} aggregates, RSS +${mb(rssGrowth)}`,
    });
    figure({
      id: 'backtest-import-csv',
      label: 'backtest import + aggregate, the same rows as CSV (DuckDB)',
      value: duckCsvMs,
      unit: 'ms',
      records: CSV_ROWS,
      note: perRow(duckCsvMs, CSV_ROWS),
    });
    figure({
      id: 'backtest-parquet-vs-js-csv',
      label: `backtest: JS CSV parse (sums only) per row ÷ DuckDB Parquet per row`,
      value: jsCsvMs / CSV_ROWS / (importMs / ROWS),
      unit: 'x',
      goal: { atLeast: 10 },
      note: `JS ${perRow(jsCsvMs, CSV_ROWS)} over ${CSV_ROWS.toLocaleString('en')} rows, ${groups} groups`,
    });
    figure({
      id: 'backtest-reprice',
      label: 're-pricing 5 hypotheses over 10,000 customers × 12 months (median of 3)',
      value: repriceMs,
      unit: 'ms',
      goal: { atMost: 300 },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  writeResults();
}

await main();
