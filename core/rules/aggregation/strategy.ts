// What every aggregation strategy module returns, and its signature.
import type { UsageView } from '../usage/view';

export interface AggregationResult {
  quantity: number;
  /** Index of the value that decided the quantity, -1 when none did (sum, or no usage). */
  decidingIndex: number;
}

export type Aggregator = (usage: UsageView, lo: number, hi: number) => AggregationResult;
