// Aggregation: one module per strategy turns the per-timestamp values of a period into the one
// billable quantity, and says which record decided it. Modules work on columns of numbers.
import type { AggregateUsage, AggregationExplanation, UnixSeconds } from '../../public/types';
import { aggregateLastDuringPeriod } from './last-during-period';
import { aggregateLastEver } from './last-ever';
import { aggregateMax } from './max';
import { aggregateSum } from './sum';
import type { Aggregator } from './strategy';
import { indexRange } from '../usage/view';
import type { UsageView } from '../usage/view';
import { flat } from '../../public/format';
import { compactInteger } from '../../values/integers';
import { utcSeconds } from '../../values/time';

export { aggregateLastDuringPeriod, aggregateLastEver, aggregateMax, aggregateSum };

export const aggregators: Record<AggregateUsage, Aggregator> = {
  sum: aggregateSum,
  max: aggregateMax,
  last_during_period: aggregateLastDuringPeriod,
  last_ever: aggregateLastEver,
};

/**
 * The sentence that explains an aggregation (also used for aggregates computed elsewhere, which
 * may count records rather than timestamps).
 */
export function describeAggregation(
  strategy: AggregateUsage,
  quantity: number,
  decidingTimestamp: number | null,
  count: number,
  span: { start: number; end: number },
  counted: 'timestamp' | 'record' = 'timestamp',
): string {
  const inPeriod = `${count} ${counted}${count === 1 ? '' : 's'} in the period`;
  if (strategy === 'sum') {
    return count === 0
      ? 'sum: no usage in the period, so the quantity is 0.'
      : `sum: the values ${counted === 'record' ? 'of' : 'at'} ${inPeriod} add up to ${quantity}.`;
  }
  if (decidingTimestamp === null) {
    return strategy === 'last_ever'
      ? 'last_ever: no usage was ever reported before the period end, so the quantity is 0.'
      : `${strategy}: no usage in the period, so the quantity is 0.`;
  }
  const at = utcSeconds(decidingTimestamp);
  if (strategy === 'max') return `max: the peak ${quantity} at ${at} decided it; ${inPeriod}.`;
  if (strategy === 'last_during_period') {
    return `last_during_period: the value ${quantity} at ${at}, the latest in the period, decided it; ${inPeriod}.`;
  }
  const where = decidingTimestamp < span.start ? ' (in an earlier period)' : '';
  return `last_ever: the value ${quantity} at ${at}${where}, the latest before the period end, decided it; ${inPeriod}.`;
}

/**
 * The billable quantity of [span.start, span.end) under `strategy`, with who decided it. Invoices
 * keep it: its whole numbers are compact and its sentence one flat string.
 */
export function aggregateUsage(
  strategy: AggregateUsage,
  usage: UsageView,
  span: { start: UnixSeconds; end: UnixSeconds },
): AggregationExplanation {
  const range = indexRange(usage, span.start, span.end);
  const lo = range[0];
  const hi = range[1];
  const result = aggregators[strategy](usage, lo, hi);
  const quantity = compactInteger(result.quantity);
  const decidingTimestamp =
    result.decidingIndex === -1 ? null : compactInteger(usage.timestamps[result.decidingIndex]!);
  const timestampCount = hi - lo;
  return {
    strategy,
    quantity,
    timestampCount,
    decidingTimestamp,
    span: { start: compactInteger(span.start), end: compactInteger(span.end) },
    summary: flat(describeAggregation(strategy, quantity, decidingTimestamp, timestampCount, span)),
  };
}
