// sum: the total of the per-timestamp values in the period (API calls, GB transferred).
import type { AggregationResult } from './strategy';
import type { UsageView } from '../usage/view';

/** The total of values[lo, hi); no single record decides it (decidingIndex -1). */
export function aggregateSum(usage: UsageView, lo: number, hi: number): AggregationResult {
  const values = usage.values;
  // Four running totals let the CPU add in parallel. NOTE: values are whole numbers and every
  // partial total stays exact (intake keeps sums in the safe range), so the order of additions
  // cannot change the result.
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = lo;
  for (; i + 3 < hi; i += 4) {
    a += values[i]!;
    b += values[i + 1]!;
    c += values[i + 2]!;
    d += values[i + 3]!;
  }
  for (; i < hi; i++) a += values[i]!;
  return { quantity: a + b + (c + d), decidingIndex: -1 };
}
