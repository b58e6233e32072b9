// Compare with a candidate's coupon and minimum commitment (analysis.comparePrices adjustments),
// applied with the invoice pipeline's discount and minimum steps: hand-computed amounts.
import { describe, expect, it } from 'vitest';
import { expectRejectedUnchanged } from './fixtures';
import { FEB_1, HOUR, MAR_1, moneyWorld, use } from './money-fixtures';

describe('analysis.comparePrices with adjustments', () => {
  it('B at 2 a unit with a 1-month 50% coupon and a 1500 minimum', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)]);
    const item = sub.items.data[0]!.id;
    use(w, item, 1000); // January
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    use(w, item, 500); // February
    w.sim.testClock.advance({ frozenTime: MAR_1 + HOUR }); // March is open
    const b = w.metered(2);
    const coupon = w.sim.coupons.create({
      percentOff: 50,
      duration: 'repeating',
      durationInMonths: 1,
    });
    const plain = w.sim.analysis.comparePrices({ prices: [b.id] });
    expect(plain.rows.map((row) => row.amounts[b.id])).toEqual([2000, 1000, 0]);
    const adjusted = w.sim.analysis.comparePrices({
      prices: [sub.items.data[0]!.price, b.id],
      adjustments: [{ price: b.id, coupon: coupon.id, minimumCommitment: { amount: 1500 } }],
    });
    // January 2000 − 1000 = 1000, topped up to 1500; February 1000 → 1500; March open: 0.
    expect(adjusted.rows.map((row) => row.amounts[b.id])).toEqual([1500, 1500, 0]);
    expect(adjusted.totals[b.id]).toBe(3000);
    expect(adjusted.rows.map((row) => row.amounts[sub.items.data[0]!.price])).toEqual([
      1000, 500, 0,
    ]);
  });

  it('refuses an adjustment of a price not compared, a coupon in another currency, a bad minimum', () => {
    const w = moneyWorld();
    w.subscribe([w.metered(1)]);
    const b = w.metered(2);
    const other = w.metered(3);
    const euros = w.sim.coupons.create({ amountOff: 100, currency: 'EUR', duration: 'forever' });
    const compare = (adjustment: Record<string, unknown>) => () =>
      w.sim.analysis.comparePrices({
        prices: [b.id],
        adjustments: [{ price: b.id, ...adjustment } as { price: string }],
      });
    expectRejectedUnchanged(w.sim, compare({ price: other.id }), {
      code: 'parameter_invalid',
      param: 'adjustments[0].price',
    });
    expectRejectedUnchanged(w.sim, compare({ coupon: euros.id }), {
      code: 'currency_mismatch',
      param: 'adjustments[0].coupon',
    });
    expectRejectedUnchanged(w.sim, compare({ minimumCommitment: { amount: -1 } }), {
      code: 'parameter_invalid',
      param: 'adjustments[0].minimumCommitment.amount',
    });
  });
});
