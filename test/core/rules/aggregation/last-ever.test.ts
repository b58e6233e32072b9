import { describe, expect, it } from 'vitest';
import { indexRange } from '../../../../core/rules/usage/view';
import { aggregateLastEver } from '../../../../core/rules/aggregation/last-ever';
import { UsageColumns } from '../../../../core/rules/usage/columns';

const start = 1740787200; // 2025-03-01 00:00:00 UTC
const end = 1743465600; // 2025-04-01 00:00:00 UTC

describe('aggregateLastEver', () => {
  it('takes the latest value up to the period end, from an earlier period too', () => {
    const usage = new UsageColumns();
    usage.apply(start - 86400, 8, 'set');
    usage.apply(start - 86400, 3, 'increment'); // 8 + 3 = 11, in the previous period
    usage.apply(end, 40, 'set'); // exactly at the end: next period
    const [lo, hi] = indexRange(usage, start, end);
    const { quantity, decidingIndex } = aggregateLastEver(usage, lo, hi);
    expect(quantity).toBe(11);
    expect(usage.timestamps[decidingIndex]).toBe(start - 86400);
    // From `end` on, the record at `end` decides.
    expect(aggregateLastEver(usage, 0, indexRange(usage, end, end + 86400)[1]).quantity).toBe(40);
  });

  it('prefers a value inside the period over older ones', () => {
    const usage = new UsageColumns();
    usage.apply(start - 1, 11, 'set');
    usage.apply(start + 60, 2, 'set');
    expect(aggregateLastEver(usage, 0, indexRange(usage, start, end)[1]).quantity).toBe(2);
  });

  it('is 0 when nothing was reported before the period end', () => {
    const usage = new UsageColumns();
    usage.apply(end + 1, 5, 'set');
    expect(aggregateLastEver(usage, 0, indexRange(usage, start, end)[1])).toEqual({
      quantity: 0,
      decidingIndex: -1,
    });
  });
});
