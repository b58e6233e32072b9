import { describe, expect, it } from 'vitest';
import { indexRange } from '../../../../core/rules/usage/view';
import { aggregateMax } from '../../../../core/rules/aggregation/max';
import { UsageColumns } from '../../../../core/rules/usage/columns';

const start = 1740787200; // 2025-03-01 00:00:00 UTC
const end = 1743465600; // 2025-04-01 00:00:00 UTC

describe('aggregateMax', () => {
  it('takes the peak per-timestamp value and the first timestamp holding it', () => {
    const usage = new UsageColumns();
    usage.apply(start - 1, 500, 'set'); // previous period: not this period's peak
    usage.apply(start, 10, 'increment');
    usage.apply(start, 32, 'increment'); // 10 + 32 = 42
    usage.apply(start + 60, 99, 'increment');
    usage.apply(start + 60, 3, 'set'); // set replaces 99 with 3: 99 is not a peak any more
    usage.apply(start + 120, 42, 'set'); // a second 42: the first one decides
    usage.apply(end, 1000, 'increment'); // exactly at the end: next period
    const [lo, hi] = indexRange(usage, start, end);
    const { quantity, decidingIndex } = aggregateMax(usage, lo, hi);
    expect(quantity).toBe(42);
    expect(usage.timestamps[decidingIndex]).toBe(start);
  });

  it('is 0 with no deciding record for an empty period', () => {
    expect(aggregateMax(new UsageColumns(), 0, 0)).toEqual({ quantity: 0, decidingIndex: -1 });
  });

  it('takes a peak of 0 from a period whose values are all 0', () => {
    const view = { length: 2, timestamps: [10, 20], values: [0, 0] };
    expect(aggregateMax(view, 0, 2)).toEqual({ quantity: 0, decidingIndex: 0 });
  });
});
