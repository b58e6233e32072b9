// Coupons, discounts and tax rates through the public API: worked examples N-X4 to N-X8 and
// N-X11 to N-X14, and refused input.
import { describe, expect, it } from 'vitest';
import { expectRejectedUnchanged } from './fixtures';
import { APR_15, FEB_15, HOUR, JAN_15, MAR_15, moneyWorld } from './money-fixtures';
import type { MoneyWorld } from './money-fixtures';

function percent(w: MoneyWorld, percentOff: number) {
  return w.sim.coupons.create({ percentOff, duration: 'forever' });
}
function amount(w: MoneyWorld, amountOff: number, duration: 'once' | 'forever' = 'forever') {
  return w.sim.coupons.create({ amountOff, currency: 'USD', duration });
}

describe('coupons and discounts', () => {
  it('N-X4: percent off is rounded per line', () => {
    const w = moneyWorld();
    const coupon = percent(w, 20);
    expect(coupon).toMatchObject({ object: 'coupon', percentOff: 20, amountOff: null });
    const sub = w.subscribe([w.licensed(1999), w.licensed(999)], {
      discounts: [{ coupon: coupon.id }],
    });
    expect(sub.discounts).toEqual([
      expect.objectContaining({ coupon: coupon.id, start: sub.created, end: null }),
    ]);
    const [invoice] = w.invoices(sub.id);
    expect(invoice!.lines.data.map((line) => line.discountAmounts[0]!.amount)).toEqual([400, 200]);
    expect(invoice!.totalDiscountAmounts).toEqual([
      { discount: sub.discounts[0]!.id, amount: 600 },
    ]);
    expect(invoice).toMatchObject({ subtotal: 2998, total: 2398, amountDue: 2398 });
  });

  it('N-X5: amount off is split by line amount, leftover units to the largest fractions', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.licensed(2000), w.licensed(1000), w.licensed(333)], {
      discounts: [{ coupon: amount(w, 1000).id }],
    });
    const [invoice] = w.invoices(sub.id);
    expect(invoice!.lines.data.map((line) => line.discountAmounts[0]!.amount)).toEqual([
      600, 300, 100,
    ]);
    expect(invoice!.total).toBe(2333);
  });

  it('N-X6: discounts stack in list order', () => {
    const w = moneyWorld();
    const price = w.licensed(5000);
    const twenty = percent(w, 20);
    const five = amount(w, 500);
    const first = w.subscribe([price], { discounts: [{ coupon: twenty.id }, { coupon: five.id }] });
    const second = w.subscribe([price], {
      discounts: [{ coupon: five.id }, { coupon: twenty.id }],
    });
    expect(w.invoices(first.id)[0]!.total).toBe(3500);
    expect(w.invoices(first.id)[0]!.totalDiscountAmounts.map((entry) => entry.amount)).toEqual([
      1000, 500,
    ]);
    expect(w.invoices(second.id)[0]!.total).toBe(3600);
    expect(w.invoices(second.id)[0]!.totalDiscountAmounts.map((entry) => entry.amount)).toEqual([
      500, 900,
    ]);
  });

  it('N-X7: amount off above the base totals 0, the excess is lost and a once coupon is used up', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.licensed(10000)], {
      discounts: [{ coupon: amount(w, 20000, 'once').id }],
    });
    const [first] = w.invoices(sub.id);
    expect(first).toMatchObject({ subtotal: 10000, total: 0, amountDue: 0, status: 'paid' });
    expect(first!.totalDiscountAmounts[0]!.amount).toBe(10000);
    expect(w.sim.subscriptions.retrieve(sub.id).discounts).toEqual([]);
    w.sim.testClock.advanceBillingPeriod({ subscription: sub.id });
    expect(w.invoices(sub.id)[1]).toMatchObject({ total: 10000, totalDiscountAmounts: [] });
  });

  it('N-X8: a repeating coupon covers invoices created before its end, not at it', () => {
    const w = moneyWorld(JAN_15);
    const coupon = w.sim.coupons.create({
      percentOff: 50,
      duration: 'repeating',
      durationInMonths: 3,
    });
    const sub = w.subscribe([w.licensed(2000)], { discounts: [{ coupon: coupon.id }] });
    expect(sub.discounts[0]).toMatchObject({ start: JAN_15, end: APR_15 });
    for (const at of [FEB_15, MAR_15, APR_15]) w.sim.testClock.advance({ frozenTime: at + HOUR });
    expect(w.invoices(sub.id).map((invoice) => invoice.total)).toEqual([1000, 1000, 1000, 2000]);
  });

  it('a once coupon waits for an invoice with something to discount', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)], { discounts: [{ coupon: percent(w, 10).id }] });
    expect(w.sim.subscriptions.retrieve(sub.id).discounts).toHaveLength(1);
    const once = w.sim.coupons.create({ percentOff: 50, duration: 'once' });
    w.sim.subscriptions.update(sub.id, { discounts: [{ coupon: once.id }] });
    w.sim.testClock.advanceBillingPeriod({ subscription: sub.id });
    expect(w.invoices(sub.id)[1]!.discounts).toEqual([]);
    expect(w.sim.subscriptions.retrieve(sub.id).discounts).toHaveLength(1);
    w.sim.usageRecords.create({ subscriptionItem: sub.items.data[0]!.id, quantity: 801 });
    w.sim.testClock.advanceBillingPeriod({ subscription: sub.id });
    expect(w.invoices(sub.id)[2]).toMatchObject({ subtotal: 801, total: 400 });
    expect(w.sim.subscriptions.retrieve(sub.id).discounts).toEqual([]);
  });

  it('an update replaces the list and keeps the discounts it lists again', () => {
    const w = moneyWorld();
    const a = percent(w, 10);
    const b = percent(w, 20);
    const sub = w.subscribe([w.licensed(1000)], { discounts: [{ coupon: a.id }] });
    const kept = sub.discounts[0]!;
    w.sim.testClock.advance({ frozenTime: sub.created + HOUR });
    const updated = w.sim.subscriptions.update(sub.id, {
      discounts: [{ coupon: b.id }, { coupon: a.id }],
    });
    expect(updated.discounts[1]).toEqual(kept);
    expect(updated.discounts[0]).toMatchObject({ coupon: b.id, start: sub.created + HOUR });
    expect(w.sim.subscriptions.update(sub.id, { discounts: [] }).discounts).toEqual([]);
  });

  it('prorations and negative lines take no discount', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.licensed(10000)], { discounts: [{ coupon: percent(w, 50).id }] });
    w.sim.testClock.advance({ frozenTime: sub.created + 1_339_200 });
    w.sim.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: w.licensed(20000).id }],
      prorationBehavior: 'always_invoice',
    });
    const update = w.invoices(sub.id)[1]!;
    expect(update.lines.data.map((line) => [line.amount, line.discountable])).toEqual([
      [-5000, false],
      [10000, false],
    ]);
    expect(update).toMatchObject({ total: 5000 });
  });

  it('refuses bad coupons with invalid_coupon naming the field, changing nothing', () => {
    const w = moneyWorld();
    const refuse = (args: Parameters<typeof w.sim.coupons.create>[0], param: string) =>
      expectRejectedUnchanged(w.sim, () => w.sim.coupons.create(args), {
        code: 'invalid_coupon',
        param,
      });
    refuse({ percentOff: -5, duration: 'forever' }, 'percentOff');
    refuse({ percentOff: 101, duration: 'forever' }, 'percentOff');
    refuse({ percentOff: 0, duration: 'forever' }, 'percentOff');
    refuse({ percentOff: 12.345, duration: 'forever' }, 'percentOff');
    refuse({ percentOff: 10, amountOff: 100, currency: 'USD', duration: 'once' }, 'amountOff');
    refuse({ amountOff: 100, duration: 'once' }, 'currency');
    refuse({ amountOff: -100, currency: 'USD', duration: 'once' }, 'amountOff');
    refuse({ percentOff: 10, duration: 'repeating' }, 'durationInMonths');
    refuse({ percentOff: 10, duration: 'forever', durationInMonths: 3 }, 'durationInMonths');
    expect(w.sim.coupons.create({ percentOff: 12.5, duration: 'once' }).percentOff).toBe(12.5);
  });

  it('refuses an amount coupon in another currency, a repeated coupon and an unknown one', () => {
    const w = moneyWorld();
    const price = w.licensed(1000);
    const euros = w.sim.coupons.create({ amountOff: 100, currency: 'EUR', duration: 'once' });
    const tenth = percent(w, 10);
    const subscribe = (coupons: string[]) => () =>
      w.subscribe([price], { discounts: coupons.map((coupon) => ({ coupon })) });
    expectRejectedUnchanged(w.sim, subscribe([euros.id]), {
      code: 'currency_mismatch',
      param: 'discounts[0].coupon',
    });
    expectRejectedUnchanged(w.sim, subscribe([tenth.id, tenth.id]), {
      code: 'duplicate_coupon',
      param: 'discounts[1].coupon',
    });
    expectRejectedUnchanged(w.sim, subscribe(['cpn_nope']), {
      code: 'resource_missing',
      param: 'discounts[0].coupon',
    });
    const sub = w.subscribe([price]);
    expectRejectedUnchanged(
      w.sim,
      () => w.sim.subscriptions.update(sub.id, { discounts: [{ coupon: euros.id }] }),
      { code: 'currency_mismatch', param: 'discounts[0].coupon' },
    );
  });
});

describe('tax rates', () => {
  /** Lines 500 and 1000 with 10% off and the given rates: the Stripe table's invoice. */
  function taxed(
    rates: { percentage: number; inclusive: boolean }[],
    lines = [500, 1000],
    discounted = true,
  ) {
    const w = moneyWorld();
    const taxRates = rates.map(
      (rate, index) =>
        w.sim.taxRates.create({ displayName: `Tax ${index}`, country: 'DE', ...rate }).id,
    );
    const sub = w.subscribe(
      lines.map((line) => w.licensed(line)),
      {
        discounts: discounted ? [{ coupon: percent(w, 10).id }] : [],
        defaultTaxRates: taxRates,
      },
    );
    return { invoice: w.invoices(sub.id)[0]!, taxRates };
  }

  it('N-X11: exclusive tax after a discount', () => {
    const { invoice, taxRates } = taxed([{ percentage: 5, inclusive: false }]);
    expect(invoice.lines.data.map((line) => line.taxAmounts[0]!.amount)).toEqual([23, 45]);
    expect(invoice).toMatchObject({ tax: 68, total: 1418, totalExcludingTax: 1350 });
    expect(invoice.totalTaxAmounts).toEqual([
      { taxRate: taxRates[0], amount: 68, inclusive: false, taxableAmount: 1350 },
    ]);
  });

  it('N-X12: inclusive tax after a discount', () => {
    const { invoice } = taxed([{ percentage: 5, inclusive: true }]);
    expect(invoice.lines.data.map((line) => line.taxAmounts[0]!.amount)).toEqual([21, 43]);
    expect(invoice).toMatchObject({ tax: 64, total: 1350, totalExcludingTax: 1286 });
  });

  it('N-X13: inclusive and exclusive together', () => {
    const { invoice } = taxed([
      { percentage: 5, inclusive: true },
      { percentage: 7, inclusive: false },
    ]);
    expect(invoice.lines.data.map((line) => line.taxAmounts.map((tax) => tax.amount))).toEqual([
      [21, 30],
      [43, 60],
    ]);
    expect(invoice).toMatchObject({ tax: 154, total: 1440 });
  });

  it('N-X14: rounding per line', () => {
    const { invoice } = taxed([{ percentage: 10, inclusive: true }], [100000, 5000], false);
    expect(invoice.lines.data.map((line) => line.taxAmounts[0]!.amount)).toEqual([9091, 455]);
    expect(invoice.tax).toBe(9546);
  });

  it('a negative line gets a negative tax', () => {
    const w = moneyWorld();
    const vat = w.sim.taxRates.create({ displayName: 'VAT', percentage: 20, inclusive: false });
    const sub = w.subscribe([w.licensed(10000)], { defaultTaxRates: [vat.id] });
    w.sim.testClock.advance({ frozenTime: sub.created + 1_339_200 });
    w.sim.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: w.licensed(1000).id }],
      prorationBehavior: 'always_invoice',
    });
    const update = w.invoices(sub.id)[1]!;
    expect(update.lines.data.map((line) => line.taxAmounts[0]!.amount)).toEqual([-1000, 100]);
    expect(update).toMatchObject({ tax: -900, total: -5400, endingBalance: -5400 });
  });

  it('refuses bad rates and rate lists, changing nothing', () => {
    const w = moneyWorld();
    const create = (args: Record<string, unknown>) => () =>
      w.sim.taxRates.create(args as Parameters<typeof w.sim.taxRates.create>[0]);
    const base = { displayName: 'VAT', inclusive: false };
    expectRejectedUnchanged(w.sim, create({ ...base, percentage: -1 }), { param: 'percentage' });
    expectRejectedUnchanged(w.sim, create({ ...base, percentage: 100.5 }), { param: 'percentage' });
    expectRejectedUnchanged(w.sim, create({ ...base, percentage: 1.23456 }), {
      param: 'percentage',
    });
    expectRejectedUnchanged(w.sim, create({ ...base, percentage: 5, country: 'Germany' }), {
      param: 'country',
    });
    const a = w.sim.taxRates.create({ displayName: 'A', percentage: 5, inclusive: true });
    const b = w.sim.taxRates.create({ displayName: 'B', percentage: 7, inclusive: true });
    const price = w.licensed(100);
    expectRejectedUnchanged(w.sim, () => w.subscribe([price], { defaultTaxRates: [a.id, b.id] }), {
      code: 'tax_rates_invalid',
      param: 'defaultTaxRates[1]',
    });
    expectRejectedUnchanged(w.sim, () => w.subscribe([price], { defaultTaxRates: [a.id, a.id] }), {
      code: 'tax_rates_invalid',
      param: 'defaultTaxRates[1]',
    });
    expect(w.sim.taxRates.update(a.id, { displayName: 'VAT DE' })).toMatchObject({
      displayName: 'VAT DE',
      percentage: 5,
    });
  });
});
