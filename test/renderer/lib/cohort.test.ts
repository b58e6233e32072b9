import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cohortPattern, cohortSizes, summarize } from '../../../renderer/lib/cohort';

describe('cohortSizes', () => {
  it('draws the same sizes from the same seed, and others from another', () => {
    const plan = { count: 200, medianPerHour: 20, spread: 1, seed: 7 };
    expect(cohortSizes(plan)).toEqual(cohortSizes(plan));
    expect(cohortSizes({ ...plan, seed: 8 })).not.toEqual(cohortSizes(plan));
  });

  it('centres the sizes on the median: about half below it', () => {
    const sizes = cohortSizes({ count: 2000, medianPerHour: 20, spread: 1, seed: 1 });
    const below = sizes.filter((size) => size < 20).length;
    // A fair coin 2000 times: 1000 ± 100 holds with overwhelming probability.
    expect(below).toBeGreaterThan(900);
    expect(below).toBeLessThan(1100);
  });

  it('makes everyone the median with no spread, and never a size below 0.01', () => {
    expect(new Set(cohortSizes({ count: 5, medianPerHour: 3, spread: 0, seed: 1 }))).toEqual(
      new Set([3]),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) =>
        cohortSizes({ count: 20, medianPerHour: 0.02, spread: 3, seed }).every((s) => s >= 0.01),
      ),
    );
  });
});

describe('cohortPattern and summarize', () => {
  it('wraps arrivals in cycles and monthly growth compounded daily', () => {
    const pattern = cohortPattern(
      { count: 1, medianPerHour: 1, spread: 0, growthPerMonth: 0.05, seasonal: true, seed: 1 },
      12.5,
    );
    expect(pattern).toMatchObject({
      kind: 'growth',
      mode: 'exponential',
      base: { kind: 'seasonality', base: { kind: 'poisson', meanPerHour: 12.5 } },
    });
    // 30 days of daily growth make the 5 % a month.
    const daily = (pattern as { ratePerDay: number }).ratePerDay;
    expect((1 + daily) ** 30).toBeCloseTo(1.05, 10);
  });

  it('counts customers per doubling band and the cohort’s expected units', () => {
    // 1, 1.5 in [1, 2); 3 in [2, 4); 5 in [4, 8). Units a month: (1 + 1.5 + 3 + 5) × 24 × 30 = 7560.
    expect(summarize([3, 1, 5, 1.5])).toEqual({
      median: 3,
      p90: 5,
      largest: 5,
      unitsPerMonth: 7560,
      bands: [
        { from: 1, to: 2, customers: 2 },
        { from: 2, to: 4, customers: 1 },
        { from: 4, to: 8, customers: 1 },
      ],
    });
  });
});
