import { describe, expect, it } from 'vitest';
import { indexRange } from '../../../../core/rules/usage/view';
import { aggregateSum } from '../../../../core/rules/aggregation/sum';
import { UsageColumns } from '../../../../core/rules/usage/columns';

const start = 1740787200; // 2025-03-01 00:00:00 UTC
const end = 1743465600; // 2025-04-01 00:00:00 UTC

describe('aggregateSum', () => {
  it('totals the per-timestamp values of the period, after increment and set', () => {
    const usage = new UsageColumns();
    usage.apply(start - 1, 1000, 'increment'); // previous period
    usage.apply(start, 1200, 'increment');
    usage.apply(start, 300, 'increment'); // 1200 + 300 = 1500
    usage.apply(start + 86400, 980, 'increment');
    usage.apply(start + 86400, 20, 'set'); // set replaces: 20
    usage.apply(start + 3600, 5, 'set');
    usage.apply(start + 3600, 5, 'increment'); // 5 + 5 = 10
    usage.apply(end - 1, 7, 'increment'); // the last second of the period
    usage.apply(end, 900, 'increment'); // exactly at the end: next period
    // 1500 + 10 + 20 + 7 = 1537
    expect(aggregateSum(usage, ...indexRange(usage, start, end))).toEqual({
      quantity: 1537,
      decidingIndex: -1,
    });
    // The next period holds only the record stamped at `end`.
    expect(aggregateSum(usage, ...indexRange(usage, end, end + 86400)).quantity).toBe(900);
  });

  it('is 0 for an empty period', () => {
    const usage = new UsageColumns();
    usage.apply(start - 1, 5, 'increment');
    expect(aggregateSum(usage, ...indexRange(usage, start, end))).toEqual({
      quantity: 0,
      decidingIndex: -1,
    });
  });

  it('sums a plain column view', () => {
    const view = { length: 3, timestamps: [10, 20, 30], values: [1, 2, 4] };
    expect(aggregateSum(view, 1, 3).quantity).toBe(6);
  });
});
