// last_during_period: the value at the latest timestamp in the period (seats at period end).
import type { AggregationResult } from './strategy';
import type { UsageView } from '../usage/view';

/** The value at index hi - 1 when [lo, hi) holds any; 0 (and -1) when the period has none. */
export function aggregateLastDuringPeriod(
  usage: UsageView,
  lo: number,
  hi: number,
): AggregationResult {
  // NOTE: a period without usage bills 0, even when an earlier period had a value.
  if (hi <= lo) return { quantity: 0, decidingIndex: -1 };
  return { quantity: usage.values[hi - 1]!, decidingIndex: hi - 1 };
}
