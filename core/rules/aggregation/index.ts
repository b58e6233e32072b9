// Aggregation: one module per strategy turns the per-timestamp values of a period into the one
// billable quantity, and says which record decided it. Modules work on columns of numbers.
import type { AggregateUsage, AggregationExplanation, UnixSeconds } from '../../public/types';
import { aggregateLastDuringPeriod } from './last-during-period';
import { aggregateLastEver } from './last-ever';
import { aggregateMax } from './max';
import { aggregateSum } from './sum';

export { aggregateLastDuringPeriod, aggregateLastEver, aggregateMax, aggregateSum };

/** Usage of one subscription item: ascending timestamps, one value per distinct timestamp. */
export interface UsageView {
  readonly length: number;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface AggregationResult {
  quantity: number;
  /** Index of the value that decided the quantity, -1 when none did (sum, or no usage). */
  decidingIndex: number;
}

export type Aggregator = (usage: UsageView, lo: number, hi: number) => AggregationResult;

export const aggregators: Record<AggregateUsage, Aggregator> = {
  sum: aggregateSum,
  max: aggregateMax,
  last_during_period: aggregateLastDuringPeriod,
  last_ever: aggregateLastEver,
};

/** The first index in [0, length) of ascending `timestamps` holding a time >= `time` (length when none). */
export function lowerBound(timestamps: ArrayLike<number>, length: number, time: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestamps[mid]! < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The indices [lo, hi) of the timestamps in the half-open span [start, end).
 * NOTE: a record stamped exactly at `end` belongs to the next period.
 */
export function indexRange(usage: UsageView, start: number, end: number): [number, number] {
  const timestamps = usage.timestamps;
  const lo = lowerBound(timestamps, usage.length, start);
  return [lo, Math.max(lo, lowerBound(timestamps, usage.length, end))];
}

/** '2025-03-04 10:00:00 UTC'. */
export function formatUtc(seconds: UnixSeconds): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

function timestampsText(count: number): string {
  return `${count} ${count === 1 ? 'timestamp' : 'timestamps'} in the period`;
}

function describe(
  strategy: AggregateUsage,
  quantity: number,
  decidingTimestamp: number | null,
  count: number,
  span: { start: number; end: number },
): string {
  const inPeriod = timestampsText(count);
  if (strategy === 'sum') {
    return count === 0
      ? 'sum: no usage in the period, so the quantity is 0.'
      : `sum: the values at ${inPeriod} add up to ${quantity}.`;
  }
  if (decidingTimestamp === null) {
    return strategy === 'last_ever'
      ? 'last_ever: no usage was ever reported before the period end, so the quantity is 0.'
      : `${strategy}: no usage in the period, so the quantity is 0.`;
  }
  const at = formatUtc(decidingTimestamp);
  if (strategy === 'max') return `max: the peak ${quantity} at ${at} decided it; ${inPeriod}.`;
  if (strategy === 'last_during_period') {
    return `last_during_period: the value ${quantity} at ${at}, the latest in the period, decided it; ${inPeriod}.`;
  }
  const where = decidingTimestamp < span.start ? ' (in an earlier period)' : '';
  return `last_ever: the value ${quantity} at ${at}${where}, the latest before the period end, decided it; ${inPeriod}.`;
}

/** The billable quantity of [span.start, span.end) under `strategy`, with who decided it. */
export function aggregateUsage(
  strategy: AggregateUsage,
  usage: UsageView,
  span: { start: UnixSeconds; end: UnixSeconds },
): AggregationExplanation {
  const [lo, hi] = indexRange(usage, span.start, span.end);
  const { quantity, decidingIndex } = aggregators[strategy](usage, lo, hi);
  const decidingTimestamp = decidingIndex === -1 ? null : usage.timestamps[decidingIndex]!;
  const timestampCount = hi - lo;
  return {
    strategy,
    quantity,
    timestampCount,
    decidingTimestamp,
    span: { start: span.start, end: span.end },
    summary: describe(strategy, quantity, decidingTimestamp, timestampCount, span),
  };
}

/** What each strategy does, for the UI (from the guide's table). */
export const aggregationStrategies: Record<
  AggregateUsage,
  { title: string; description: string; useFor: string }
> = {
  sum: {
    title: 'Sum',
    description:
      'The total of every value reported in the period. With action increment each record adds; ' +
      'a set replaces the value at its own timestamp only.',
    useFor: 'API calls, GB transferred',
  },
  last_during_period: {
    title: 'Last during period',
    description:
      'The value at the latest timestamp inside the period. A period with no usage bills 0, ' +
      'even if an earlier period had a value.',
    useFor: 'Active seats at period end',
  },
  max: {
    title: 'Max',
    description: 'The highest value seen at any timestamp in the period.',
    useFor: 'Peak concurrent connections',
  },
  last_ever: {
    title: 'Last ever',
    description:
      'The value at the latest timestamp up to the period end, looking back into earlier ' +
      'periods too: a value keeps being billed until a new one is reported.',
    useFor: 'Long-lived quantities reported only when they change, such as licences or storage',
  },
};
