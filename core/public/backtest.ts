// What the Backtest view shares with the hosts: the shapes of a usage file, its preview and a
// run's results, the guess of the column mapping, the at-risk rule, and a catalog price as a
// hypothesis. Dependency-free, so the renderer imports it too.
import type { Coupon, Interval, Price } from './types';

/** The usage fields a file's columns are mapped to (action is optional in the file). */
export const USAGE_FIELDS = ['customer', 'meter', 'timestamp', 'quantity', 'action'] as const;
export type UsageField = (typeof USAGE_FIELDS)[number];
/**
 * Usage fields to columns. `sequence` (a ClickHouse table's only: a file keeps its row order)
 * orders the records that share a timestamp.
 */
export type ColumnMapping = Record<UsageField, string | null> & { sequence?: string | null };

/** A ClickHouse table a backtest reads: the server's HTTP URL and the table (database.table). */
export interface ClickHouseTable {
  url: string;
  table: string;
}

/** Where a backtest's usage is: a file by its handle, or a ClickHouse table. */
export type UsageSourceArgs = { file: string } | { clickhouse: ClickHouseTable };

/** A usage file's bytes uploaded to the browser host: at most this many (the sample is 0.3 MB). */
export const MAX_USAGE_UPLOAD_BYTES = 50 * 1024 * 1024;

/** A usage file the host can read: by a handle, never by a path the page gives. */
export interface UsageFileHandle {
  /** The host's handle of the file (an upload, a file chosen in a dialog, the sample). */
  id: string;
  /** The file's name, for messages. */
  name: string;
  size: number;
}

export interface UsagePreview {
  /** The file previewed; null for a ClickHouse table. */
  file: UsageFileHandle | null;
  /** The source's name in messages: the file's name, or "ClickHouse table db.usage". */
  source: string;
  /** The columns with the type DuckDB read them as (a file) or the table has. */
  columns: { name: string; type: string }[];
  /** The first rows, every value as text (null when empty). */
  rows: Record<string, string | null>[];
  /** The mapping guessed from the column names (null: no column fits). */
  mapping: ColumnMapping;
}

/** Other names usage columns commonly go by, after the field's own name. */
const ALIASES: Record<UsageField, readonly string[]> = {
  customer: ['customer_id', 'account', 'account_id', 'user', 'user_id', 'tenant', 'org', 'client'],
  meter: ['meter_name', 'metric', 'event', 'event_name', 'item', 'product', 'sku', 'feature'],
  timestamp: ['ts', 'time', 'date', 'datetime', 'created', 'created_at', 'event_time', 'at'],
  quantity: ['qty', 'value', 'amount', 'count', 'units', 'usage'],
  action: ['operation', 'op', 'mode'],
};

const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The column for each usage field: the field's own name (case and punctuation ignored), then a
 * common alias, then a column whose name contains the field's name; each column used once.
 */
export function guessColumns(columns: readonly string[]): ColumnMapping {
  const taken = new Set<string>();
  const mapping = {} as ColumnMapping;
  const pick = (test: (column: string) => boolean) => {
    const found = columns.find((column) => !taken.has(column) && test(squash(column)));
    if (found !== undefined) taken.add(found);
    return found ?? null;
  };
  for (const field of USAGE_FIELDS) {
    const aliases = ALIASES[field].map(squash);
    mapping[field] =
      pick((column) => column === field) ??
      pick((column) => aliases.includes(column)) ??
      (field === 'action' ? null : pick((column) => column.includes(field)));
  }
  return mapping;
}

/**
 * NOTE: a customer is at risk when its bill goes up by more than the threshold (a percentage of
 * what it pays under the current hypothesis), or from nothing to something.
 */
export function isAtRisk(
  row: { change: number; changePct: number | null },
  thresholdPct: number,
): boolean {
  return row.change > 0 && (row.changePct === null || row.changePct > thresholdPct);
}

/**
 * A catalog price as a hypothesis entry (the shape of prices.json): its pricing fields, the
 * meter whose usage it prices, and its own aggregation (sum when it bills from a meter).
 */
export function hypothesisFromPrice(
  price: Price,
  meter: string,
  name: string = price.nickname ?? price.id,
): Record<string, unknown> {
  return {
    key: price.id,
    name,
    meter,
    currency: price.currency,
    billingScheme: price.billingScheme,
    ...(price.billingScheme === 'tiered'
      ? {
          tiersMode: price.tiersMode,
          tiers: price.tiers!.map((tier) => ({
            upTo: tier.upTo,
            ...(tier.unitAmountDecimal === null
              ? {}
              : { unitAmountDecimal: tier.unitAmountDecimal }),
            ...(tier.flatAmountDecimal === null
              ? {}
              : { flatAmountDecimal: tier.flatAmountDecimal }),
          })),
        }
      : { unitAmountDecimal: price.unitAmountDecimal }),
    ...(price.transformQuantity ? { transformQuantity: price.transformQuantity } : {}),
    recurring: {
      interval: price.recurring.interval,
      aggregateUsage: price.recurring.aggregateUsage ?? 'sum',
    },
  };
}

/**
 * What a run is asked: the source (a file or a ClickHouse table), its mapping, the hypotheses
 * (prices.json entries) and options.
 */
export type BacktestRunArgs = UsageSourceArgs & {
  mapping: Partial<ColumnMapping>;
  hypotheses: unknown[];
  current?: string;
  riskThresholdPct?: number;
  skipBadRows?: boolean;
  /** Only usage in [from, until): ISO dates (midnight UTC) or date-times with Z or an offset. */
  from?: string;
  until?: string;
};

/**
 * The last run priced again from its aggregates (nothing is read again): against another
 * current hypothesis or risk threshold, or with edited hypotheses on the meters it read.
 */
export interface BacktestRepriceArgs {
  current?: string;
  riskThresholdPct?: number;
  hypotheses?: unknown[];
}

/** One period of a backtest: [start, end) in unix seconds, open when the usage ends inside it. */
export interface BacktestPeriodView {
  start: number;
  end: number;
  open: boolean;
}

export interface BacktestHypothesisView {
  key: string;
  name: string;
  meter: string;
  total: number;
  byPeriod: (BacktestPeriodView & { amount: number })[];
  byCustomer: { customer: string; amount: number; change: number; changePct: number | null }[];
  summary: {
    winners: number;
    losers: number;
    unchanged: number;
    atRisk: number;
    upside: number;
    downside: number;
  };
  coupon: Coupon | null;
  minimumCommitment: { amount: number } | null;
}

/** A run's results as the view shows them (amounts in integer minor units). */
export interface BacktestOutcome {
  /** The file read; null for a ClickHouse table. */
  file: UsageFileHandle | null;
  /** The source's name: the file's name, or "ClickHouse table db.usage". */
  source: string;
  currency: string;
  grain: Interval;
  current: string;
  riskThresholdPct: number;
  range: { start: number; end: number };
  periods: BacktestPeriodView[];
  customers: number;
  hypotheses: BacktestHypothesisView[];
  rows: number;
  skippedRows: number;
  skippedByReason: Record<string, number>;
  /** Things worth knowing that did not stop the run (a meter no row uses). */
  warnings: string[];
  /** How long the host took, from reading the file to the priced results. */
  elapsedMs: number;
}
