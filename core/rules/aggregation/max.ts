// max: the largest per-timestamp value in the period (peak concurrent connections).
import type { AggregationResult } from './strategy';
import type { UsageView } from '../usage/view';

/** The peak of values[lo, hi) and the first index holding it; 0 and -1 when empty. */
export function aggregateMax(usage: UsageView, lo: number, hi: number): AggregationResult {
  if (hi <= lo) return { quantity: 0, decidingIndex: -1 };
  const values = usage.values;
  // Four running peaks let the CPU compare in parallel; then the first index holding the peak.
  let a = values[lo]!;
  let b = a;
  let c = a;
  let d = a;
  let i = lo + 1;
  for (; i + 3 < hi; i += 4) {
    if (values[i]! > a) a = values[i]!;
    if (values[i + 1]! > b) b = values[i + 1]!;
    if (values[i + 2]! > c) c = values[i + 2]!;
    if (values[i + 3]! > d) d = values[i + 3]!;
  }
  for (; i < hi; i++) if (values[i]! > a) a = values[i]!;
  const peak = Math.max(a, b, c, d);
  // The first index holding the peak decides it (a repeated peak: its first record).
  let decidingIndex = lo;
  while (values[decidingIndex] !== peak) decidingIndex++;
  return { quantity: peak, decidingIndex };
}
