// max: the largest per-timestamp value in the period (peak concurrent connections).
import type { AggregationResult } from './strategy';
import type { UsageView } from '../usage/view';

/** The peak of values[lo, hi) and the first index holding it; 0 and -1 when empty. */
export function aggregateMax(usage: UsageView, lo: number, hi: number): AggregationResult {
  if (hi <= lo) return { quantity: 0, decidingIndex: -1 };
  const values = usage.values;
  let peak = values[lo]!;
  let decidingIndex = lo;
  for (let i = lo + 1; i < hi; i++) {
    // Strictly greater keeps the first index of a repeated peak.
    if (values[i]! > peak) {
      peak = values[i]!;
      decidingIndex = i;
    }
  }
  return { quantity: peak, decidingIndex };
}
