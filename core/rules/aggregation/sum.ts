// sum: the total of the per-timestamp values in the period (API calls, GB transferred).
import type { AggregationResult } from './strategy';
import type { UsageView } from '../usage/view';

/** The total of values[lo, hi); no single record decides it (decidingIndex -1). */
export function aggregateSum(usage: UsageView, lo: number, hi: number): AggregationResult {
  const values = usage.values;
  let total = 0;
  for (let i = lo; i < hi; i++) total += values[i]!;
  return { quantity: total, decidingIndex: -1 };
}
