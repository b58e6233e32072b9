import { describe, expect, it } from 'vitest';
import type { UsageSeries } from '../../../core/public/types';
import { runningTotals } from '../../../renderer/lib/usage-chart';

describe('runningTotals', () => {
  it('adds up the units in each period and starts again at a period start', () => {
    const bucket = (start: number, sum: number) => ({
      start,
      end: start + 10,
      sum,
      max: sum,
      last: sum,
      count: sum ? 1 : 0,
    });
    const series: UsageSeries = {
      subscriptionItem: 'si_1',
      start: 0,
      end: 40,
      // The set 5, 12, 8 of the seat example in one period, then 3 in the next.
      buckets: [bucket(0, 5), bucket(10, 12), bucket(20, 8), bucket(30, 3)],
      periods: [
        { start: 0, end: 30 },
        { start: 30, end: 60 },
      ],
      totalTimestamps: 4,
    } as UsageSeries;
    // 5, 5 + 12 = 17, 17 + 8 = 25 (what sum bills), then 0 and 3 in the new period.
    expect(runningTotals(series)).toEqual([
      { x: 0, y: 0 },
      { x: 10, y: 5 },
      { x: 20, y: 17 },
      { x: 30, y: 25 },
      { x: 30, y: 0 },
      { x: 40, y: 3 },
    ]);
  });
});
