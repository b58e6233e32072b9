import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregationStrategies } from '../../../../core/public/descriptions';
import { aggregateUsage } from '../../../../core/rules/aggregation';
import { indexRange } from '../../../../core/rules/usage/view';
import { utcSeconds as formatUtc } from '../../../../core/values/time';
import { UsageColumns } from '../../../../core/rules/usage/columns';

const start = 1740787200; // 2025-03-01 00:00:00 UTC
const end = 1743465600; // 2025-04-01 00:00:00 UTC
const nextEnd = 1746057600; // 2025-05-01 00:00:00 UTC
const peakAt = 1741082400; // 2025-03-04 10:00:00 UTC

/** A month of usage mixing increment and set, plus records just outside it. */
function marchUsage(): UsageColumns {
  const usage = new UsageColumns();
  usage.apply(start - 3600, 8, 'set'); // February
  usage.apply(start, 3, 'increment');
  usage.apply(start, 4, 'increment'); // 3 + 4 = 7
  usage.apply(peakAt, 10, 'increment');
  usage.apply(peakAt, 42, 'set'); // set replaces: 42, the peak
  usage.apply(end - 1, 5, 'increment'); // the last second of March
  usage.apply(end, 100, 'increment'); // exactly at the end: April
  return usage;
}

describe('indexRange', () => {
  it('is half-open: a record exactly at the end belongs to the next period', () => {
    const usage = marchUsage();
    // timestamps: [start - 3600, start, peakAt, end - 1, end]
    expect(indexRange(usage, start, end)).toEqual([1, 4]);
    expect(indexRange(usage, end, nextEnd)).toEqual([4, 5]);
    expect(indexRange(usage, 0, start)).toEqual([0, 1]);
    expect(indexRange(usage, nextEnd, nextEnd + 1)).toEqual([5, 5]);
    // An empty or inverted span is empty.
    expect(indexRange(usage, end, end)).toEqual([4, 4]);
    expect(indexRange(usage, end, start)).toEqual([4, 4]);
  });

  it('agrees with a linear scan', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { maxLength: 60 }),
        fc.integer({ min: -5, max: 1005 }),
        fc.integer({ min: -5, max: 1005 }),
        (times, a, b) => {
          const timestamps = [...times].sort((x, y) => x - y);
          const view = { length: timestamps.length, timestamps, values: timestamps.map(() => 1) };
          const [spanStart, spanEnd] = a <= b ? [a, b] : [b, a];
          const inside = timestamps
            .map((time, index) => [time, index] as const)
            .filter(([time]) => time >= spanStart && time < spanEnd)
            .map(([, index]) => index);
          const [lo, hi] = indexRange(view, spanStart, spanEnd);
          expect(hi - lo).toBe(inside.length);
          if (inside.length > 0) expect([lo, hi - 1]).toEqual([inside[0], inside.at(-1)]);
        },
      ),
    );
  });
});

describe('aggregateUsage', () => {
  it('explains sum', () => {
    // 7 + 42 + 5 = 54; February's 8 and April's 100 are outside.
    expect(aggregateUsage('sum', marchUsage(), { start, end })).toEqual({
      strategy: 'sum',
      quantity: 54,
      timestampCount: 3,
      decidingTimestamp: null,
      span: { start, end },
      summary: 'sum: the values at 3 timestamps in the period add up to 54.',
    });
  });

  it('explains max with the peak record', () => {
    const explanation = aggregateUsage('max', marchUsage(), { start, end });
    expect(explanation.quantity).toBe(42);
    expect(explanation.decidingTimestamp).toBe(peakAt);
    expect(explanation.summary).toBe(
      'max: the peak 42 at 2025-03-04 10:00:00 UTC decided it; 3 timestamps in the period.',
    );
  });

  it('explains last_during_period with the last timestamp', () => {
    const explanation = aggregateUsage('last_during_period', marchUsage(), { start, end });
    expect(explanation.quantity).toBe(5);
    expect(explanation.decidingTimestamp).toBe(end - 1);
    expect(explanation.summary).toBe(
      'last_during_period: the value 5 at 2025-03-31 23:59:59 UTC, the latest in the period, ' +
        'decided it; 3 timestamps in the period.',
    );
  });

  it('explains last_ever reaching back into an earlier period', () => {
    const usage = marchUsage();
    const may = { start: nextEnd, end: nextEnd + 31 * 86400 };
    const explanation = aggregateUsage('last_ever', usage, may);
    // May has no usage; the latest value before May 31 is April's 100, stamped at `end`.
    expect(explanation.quantity).toBe(100);
    expect(explanation.decidingTimestamp).toBe(end);
    expect(explanation.timestampCount).toBe(0);
    expect(explanation.summary).toBe(
      'last_ever: the value 100 at 2025-04-01 00:00:00 UTC (in an earlier period), the latest ' +
        'before the period end, decided it; 0 timestamps in the period.',
    );
    expect(aggregateUsage('last_ever', usage, { start, end }).quantity).toBe(5);
  });

  it('explains an empty period for every strategy', () => {
    const empty = new UsageColumns();
    for (const strategy of ['sum', 'max', 'last_during_period', 'last_ever'] as const) {
      const explanation = aggregateUsage(strategy, empty, { start, end });
      expect(explanation.quantity).toBe(0);
      expect(explanation.decidingTimestamp).toBeNull();
      expect(explanation.summary).toContain('so the quantity is 0');
    }
  });
});

describe('formatUtc', () => {
  it('writes unix seconds as a UTC date and time', () => {
    expect(formatUtc(peakAt)).toBe('2025-03-04 10:00:00 UTC');
    expect(formatUtc(0)).toBe('1970-01-01 00:00:00 UTC');
  });
});

describe('aggregationStrategies', () => {
  it('teaches every strategy with the guide’s use cases', () => {
    expect(Object.keys(aggregationStrategies).sort()).toEqual([
      'last_during_period',
      'last_ever',
      'max',
      'sum',
    ]);
    expect(aggregationStrategies.sum.useFor).toBe('API calls, GB transferred');
    expect(aggregationStrategies.last_during_period.useFor).toBe('Active seats at period end');
    expect(aggregationStrategies.max.useFor).toBe('Peak concurrent connections');
  });
});
