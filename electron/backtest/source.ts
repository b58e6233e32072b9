// What every usage source of a backtest (a file read by DuckDB, a ClickHouse table) takes and
// gives: a column mapping and the hypotheses' meters and grain in, per customer × meter × period
// aggregates out. Rows stay in the source; bad rows are reported with where they are.
import type { Interval } from '../../core/public/types';
import type { UsageAggregate } from '../../core/rules/backtest';

/** The usage columns, each named by the column of the source that holds it. */
export interface ColumnMap {
  customer: string;
  meter: string;
  timestamp: string;
  quantity: string;
  /** Optional in the source: a missing action column means every row increments. */
  action: string;
  /** ClickHouse only (files use their row order): orders records that share a timestamp. */
  sequence?: string;
}

export const DEFAULT_COLUMNS: ColumnMap = {
  customer: 'customer',
  meter: 'meter',
  timestamp: 'timestamp',
  quantity: 'quantity',
  action: 'action',
};

export const MAPPABLE = [
  'customer',
  'meter',
  'timestamp',
  'quantity',
  'action',
  'sequence',
] as const;

export interface AggregateRequest {
  /** The calendar period of the hypotheses. */
  grain: Interval;
  /** The meters the hypotheses price: rows of any other meter are bad rows. */
  meters: readonly string[];
  /**
   * The meters a hypothesis prices by max: only their aggregates carry the peak (null for the
   * others), as it takes every timestamp's value, which the one pass does not find.
   */
  maxMeters?: readonly string[];
  /** Only usage stamped in [from, until) counts (unix seconds). */
  from?: number;
  until?: number;
  /** Skip bad rows (and count them) instead of refusing the whole import. */
  skipBadRows?: boolean;
  map?: Partial<ColumnMap>;
  /** Aborting stops the query on the source; the import then fails with "cancelled". */
  signal?: AbortSignal;
  /** How far the source is, from 0 to 1 (DuckDB reports it while each query runs). */
  onProgress?: (fraction: number) => void;
}

/** A row the import refused: where it is (line of a file, or the row's key) and why. */
export interface BadRow {
  where: string;
  reason: string;
}

export interface SourceResult {
  aggregates: UsageAggregate[];
  /** Rows read, bad ones included. */
  rows: number;
  skippedRows: number;
  /** How many rows were skipped for each kind of problem. */
  skippedByReason: Record<string, number>;
  /** The first bad rows, for a message. */
  examples: BadRow[];
}

/** The source could not be used (missing file or column, bad rows, a server down): exit code 1. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly badRows: BadRow[] = [],
  ) {
    super(message);
  }
}

/** The error of an import stopped through its AbortSignal. */
export function cancelled(source: string): SourceError {
  return new SourceError(`${source}: the import was cancelled; nothing was imported.`);
}

/** The mapping with defaults filled in. */
export function columnsOf(map: Partial<ColumnMap> | undefined): ColumnMap {
  return { ...DEFAULT_COLUMNS, ...map };
}

/** Values that reach 2^53 are beyond what the engine bills exactly. */
export const QUANTITY_LIMIT = 2 ** 53;
/** Numeric timestamps from here on are milliseconds (1e11 s is the year 5138, 1e11 ms 1973). */
export const MILLISECONDS_FROM = 1e11;
/** Usage columns store uint32 seconds: up to 2106-02-07. */
export const LAST_SECOND = 0xffffffff;

/** "3 rows: 2 timestamp not parseable, 1 quantity negative". */
export function describeSkipped(skipped: number, byReason: Record<string, number>): string {
  const reasons = Object.entries(byReason)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${count} ${reason}`)
    .join(', ');
  return `${skipped} bad row${skipped === 1 ? '' : 's'} skipped${reasons ? ` (${reasons})` : ''}`;
}

/** The refusal of an import with bad rows: the count, the first rows and the way out. */
export function badRowsError(source: string, count: number, examples: BadRow[]): SourceError {
  const listed = examples.map((row) => `  ${row.where}: ${row.reason}`).join('\n');
  const more = count > examples.length ? `\n  … and ${count - examples.length} more` : '';
  return new SourceError(
    `${source}: ${count} bad row${count === 1 ? '' : 's'}, nothing imported:\n${listed}${more}\n` +
      'Fix them, or skip them with --skip-bad-rows.',
    examples,
  );
}
