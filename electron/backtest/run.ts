// A backtest from start to end, for the command line and the hosts: hypotheses checked first,
// then the source aggregates the usage (DuckDB for files, ClickHouse for a table), then the
// engine prices the aggregates. The UI keeps `prepared` and re-prices it on every edit.
import {
  buildHypotheses,
  prepareUsageSteps,
  priceBacktestSteps,
  type BacktestResult,
  type Hypothesis,
  type PreparedUsage,
} from '../../core/backtest';
import { runPaced } from '../../core/resources/entry';
import type { StepProgress } from '../../core/values/steps';
import { aggregateFile } from './duckdb';
import { cancelled, type AggregateRequest, type ColumnMap, type SourceResult } from './source';

export type UsageSource =
  { kind: 'file'; path: string } | { kind: 'clickhouse'; url: string; table: string };

export interface BacktestOptions {
  source: UsageSource;
  /** The contents of prices.json: the hypotheses. */
  hypotheses: unknown;
  current?: string;
  from?: number;
  until?: number;
  map?: Partial<ColumnMap>;
  skipBadRows?: boolean;
  riskThresholdPct?: number;
  /** How far the whole backtest is, from 0 to 1 (the source's queries, then the pricing). */
  onProgress?: (fraction: number) => void;
  /** Aborting stops the source's query; runBacktest then rejects with a SourceError. */
  signal?: AbortSignal;
}

export interface BacktestRun {
  result: BacktestResult;
  hypotheses: Hypothesis[];
  prepared: PreparedUsage;
  source: SourceResult;
}

async function aggregate(source: UsageSource, request: AggregateRequest): Promise<SourceResult> {
  if (source.kind === 'file') return aggregateFile(source.path, request);
  const { aggregateClickHouse } = await import('./clickhouse');
  return aggregateClickHouse(source.url, source.table, request);
}

/** A hypothesis billed by its period's peak: its meter's aggregates need every timestamp's value. */
export const pricedByMax = (hypothesis: Hypothesis) =>
  hypothesis.price.recurring.aggregateUsage === 'max';

/**
 * Runs engine work a slice at a time, letting the host in between: priced in one go, 10,000
 * customers under 5 hypotheses held a window's event loop for most of a second. A cancel stops it.
 */
async function paced<R>(
  steps: Generator<StepProgress, R>,
  options: BacktestOptions,
  progress?: (fraction: number) => void,
): Promise<R> {
  const done = await runPaced(steps, {
    yieldToHost: () => new Promise<void>((resolve) => setImmediate(resolve)),
    now: () => performance.now(),
    signal: options.signal,
    ...(progress ? { progress: (at: number, of: number) => progress(at / of) } : {}),
  });
  const { source } = options;
  if ('stopped' in done) throw cancelled(source.kind === 'file' ? source.path : source.table);
  return done.value;
}

export async function runBacktest(options: BacktestOptions): Promise<BacktestRun> {
  const { hypotheses, grain } = buildHypotheses(options.hypotheses);
  const source = await aggregate(options.source, {
    grain,
    meters: [...new Set(hypotheses.map((hypothesis) => hypothesis.meter))],
    maxMeters: [...new Set(hypotheses.filter(pricedByMax).map((hypothesis) => hypothesis.meter))],
    from: options.from,
    until: options.until,
    map: options.map,
    skipBadRows: options.skipBadRows,
    signal: options.signal,
    // The source takes most of the time: pricing is shown as the last tenth.
    onProgress: (fraction) => options.onProgress?.(fraction * 0.9),
  });
  const prepared = await paced(
    prepareUsageSteps(source.aggregates, grain, { start: options.from, end: options.until }),
    options,
  );
  const result = await paced(
    priceBacktestSteps(prepared, hypotheses, {
      current: options.current,
      riskThresholdPct: options.riskThresholdPct,
    }),
    options,
    (fraction) => options.onProgress?.(0.9 + fraction * 0.1),
  );
  options.onProgress?.(1);
  return { result, hypotheses, prepared, source };
}
