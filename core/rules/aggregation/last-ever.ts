// last_ever: the value at the latest timestamp up to the period's end, in any earlier period too.
import type { AggregationResult } from './strategy';
import type { UsageView } from '../usage/view';
import { aggregateLastDuringPeriod } from './last-during-period';

/**
 * The value at the latest timestamp before index hi, however far back: the window always starts
 * at index 0 (lo is ignored), so a value reported in an earlier period still counts.
 */
export function aggregateLastEver(usage: UsageView, _lo: number, hi: number): AggregationResult {
  return aggregateLastDuringPeriod(usage, 0, hi);
}
