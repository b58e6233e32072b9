import { describe, expect, it } from 'vitest';
import { indexRange } from '../../../../core/rules/usage/view';
import { aggregateLastDuringPeriod } from '../../../../core/rules/aggregation/last-during-period';
import { UsageColumns } from '../../../../core/rules/usage/columns';

const start = 1740787200; // 2025-03-01 00:00:00 UTC
const end = 1743465600; // 2025-04-01 00:00:00 UTC

describe('aggregateLastDuringPeriod', () => {
  it('takes the value at the latest timestamp of the period', () => {
    const usage = new UsageColumns();
    usage.apply(start, 10, 'set');
    usage.apply(end - 1, 4, 'set');
    usage.apply(end - 1, 2, 'increment'); // 4 + 2 = 6 at the last second of the period
    usage.apply(start + 60, 25, 'set'); // reported later, but stamped earlier: not the last
    usage.apply(end, 30, 'set'); // exactly at the end: next period
    const [lo, hi] = indexRange(usage, start, end);
    const { quantity, decidingIndex } = aggregateLastDuringPeriod(usage, lo, hi);
    expect(quantity).toBe(6);
    expect(usage.timestamps[decidingIndex]).toBe(end - 1);
  });

  it('is 0 for a period without usage, even after an earlier period had a value', () => {
    const usage = new UsageColumns();
    usage.apply(start - 1, 12, 'set');
    const [lo, hi] = indexRange(usage, start, end);
    expect(aggregateLastDuringPeriod(usage, lo, hi)).toEqual({ quantity: 0, decidingIndex: -1 });
  });
});
