// Backtest hypotheses with a coupon and a minimum commitment, applied with the invoice pipeline's
// step modules: worked examples with hand-computed amounts, and refused input.
import { describe, expect, it } from 'vitest';
import {
  buildHypotheses,
  prepareUsage,
  priceBacktest,
  type UsageAggregate,
} from '../../../../core/rules/backtest';
import { MeterlabError } from '../../../../core/values/errors';

const utc = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) / 1000;

/** Customer c1's usage of meter api: January 1000, February 3000, March 500, April 200. */
function usage() {
  const months: [number, number][] = [
    [1, 1000],
    [2, 3000],
    [3, 500],
    [4, 200],
  ];
  const aggregates: UsageAggregate[] = months.map(([month, sum]) => ({
    customer: 'c1',
    meter: 'api',
    period: 202500 + month,
    sum,
    max: sum,
    maxTimestamp: utc(2025, month, 10),
    last: sum,
    lastTimestamp: utc(2025, month, 10),
    records: 1,
  }));
  // The range ends on April 20: April is open (its usage is not complete).
  return prepareUsage(aggregates, 'month', { start: utc(2025, 1, 1), end: utc(2025, 4, 20) });
}

const base = { meter: 'api', currency: 'usd', unitAmount: 10 };

function amountsOf(entries: unknown[]) {
  const { hypotheses } = buildHypotheses(entries);
  const result = priceBacktest(usage(), hypotheses);
  return result.hypotheses.map((h) => [h.key, h.amounts[0], h.total]);
}

describe('backtest hypotheses with a coupon and a minimum commitment', () => {
  it('10 a unit: 10000, 30000, 5000, 2000; a 2-month 20% coupon takes 2000 and 6000 off', () => {
    expect(
      amountsOf([
        { key: 'plain', ...base },
        {
          key: 'coupon',
          ...base,
          coupon: { percentOff: 20, duration: 'repeating', durationInMonths: 2 },
        },
      ]),
    ).toEqual([
      ['plain', [10_000, 30_000, 5_000, 2_000], 47_000],
      ['coupon', [8_000, 24_000, 5_000, 2_000], 39_000],
    ]);
  });

  it('a minimum of 8000 tops March up by 3000; the open April gets no true-up', () => {
    expect(amountsOf([{ key: 'minimum', ...base, minimumCommitment: { amount: 8000 } }])).toEqual([
      ['minimum', [10_000, 30_000, 8_000, 2_000], 50_000],
    ]);
  });

  it('once 3000 off, then the minimum on the discounted base: 7000 + 1000 true-up in January', () => {
    expect(
      amountsOf([
        {
          key: 'both',
          ...base,
          coupon: { amountOff: 3000, currency: 'usd', duration: 'once' },
          minimumCommitment: { amount: 8000 },
        },
        { key: 'forever', ...base, coupon: { percentOff: 12.5, duration: 'forever' } },
      ]),
    ).toEqual([
      ['both', [8_000, 30_000, 8_000, 2_000], 48_000],
      // 12.5% of 10000, 30000, 5000, 2000 = 1250, 3750, 625, 250.
      ['forever', [8_750, 26_250, 4_375, 1_750], 41_125],
    ]);
  });

  it.each([
    [
      { coupon: { percentOff: 101, duration: 'forever' } },
      'invalid_coupon',
      '[0].coupon.percentOff',
    ],
    [
      { coupon: { percentOff: 10, duration: 'repeating' } },
      'invalid_coupon',
      '[0].coupon.durationInMonths',
    ],
    [
      { coupon: { amountOff: 100, currency: 'eur', duration: 'once' } },
      'currency_mismatch',
      '[0].coupon.currency',
    ],
    [{ minimumCommitment: { amount: 0 } }, 'parameter_invalid', '[0].minimumCommitment.amount'],
  ])('refuses %j (%s at %s)', (extra, code, param) => {
    let thrown: unknown;
    try {
      buildHypotheses([{ key: 'x', ...base, ...extra }]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MeterlabError);
    expect(thrown).toMatchObject({ code, param });
  });
});
