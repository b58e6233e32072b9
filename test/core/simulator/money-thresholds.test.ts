// Billing thresholds through the public API: worked examples N-X16 (volume tiers, amountGte) and
// N-X17 (usageGte), each aggregation, discounts, meters, a reset of the billing cycle anchor,
// generated usage crossing during a clock move, bad input, and the property that threshold
// invoices plus the period invoice bill what one period invoice would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../core/simulator';
import type { AggregateUsage, Invoice, Price } from '../../../core/public/types';
import { expectRejectedUnchanged } from './fixtures';
import { FEB_1, HOUR, JAN_1, moneyWorld, use } from './money-fixtures';
import type { MoneyWorld } from './money-fixtures';

const DAY = 86_400;

function meteredPrice(w: MoneyWorld, unitAmount: number, aggregateUsage: AggregateUsage): Price {
  return w.sim.prices.create({
    product: w.sim.products.create({ name: `Usage ${aggregateUsage}` }).id,
    currency: 'USD',
    unitAmount,
    recurring: { interval: 'month', usageType: 'metered', aggregateUsage },
  });
}

function volumePrice(w: MoneyWorld): Price {
  return w.sim.prices.create({
    product: w.sim.products.create({ name: 'Volume' }).id,
    currency: 'USD',
    billingScheme: 'tiered',
    tiersMode: 'volume',
    tiers: [
      { upTo: 10_000, unitAmount: 50 },
      { upTo: 'inf', unitAmount: 40 },
    ],
    recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
  });
}

const thresholdInvoices = (invoices: Invoice[]) =>
  invoices.filter((invoice) => invoice.billingReason === 'subscription_threshold');
const amounts = (invoice: Invoice) => invoice.lines.data.map((line) => line.amount);
const at = (w: MoneyWorld, time: number) => w.sim.testClock.advance({ frozenTime: time });

describe('billing thresholds: worked examples', () => {
  it('N-X17: usageGte 1000 on a sum item at 2 each: 600 + 500 → 2200 early, then 600 at the end', () => {
    const w = moneyWorld();
    const sub = w.sim.subscriptions.create({
      customer: w.customer,
      items: [{ price: meteredPrice(w, 2, 'sum').id, billingThresholds: { usageGte: 1000 } }],
    });
    const item = sub.items.data[0]!.id;
    expect(sub.items.data[0]!.billingThresholds).toEqual({ usageGte: 1000 });
    at(w, JAN_1 + 2 * DAY);
    use(w, item, 600);
    expect(thresholdInvoices(w.invoices(sub.id))).toEqual([]);
    at(w, JAN_1 + 3 * DAY);
    use(w, item, 500);
    const [early] = thresholdInvoices(w.invoices(sub.id));
    expect(early).toMatchObject({
      billingReason: 'subscription_threshold',
      status: 'draft',
      created: JAN_1 + 3 * DAY,
      periodStart: JAN_1,
      periodEnd: JAN_1 + 3 * DAY,
      total: 2200,
    });
    expect(early!.lines.data.map((line) => [line.quantity, line.amount])).toEqual([[1100, 2200]]);
    // It finalizes after the finalization delay, with the usual events.
    at(w, JAN_1 + 3 * DAY + HOUR);
    expect(w.sim.invoices.retrieve(early!.id).status).toBe('paid');
    const types = w.sim.events
      .list({ limit: 100 })
      .data.filter((event) => (event.data as { id?: string }).id === early!.id)
      .map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining(['invoice.created', 'invoice.finalized', 'invoice.paid']),
    );
    use(w, item, 300);
    at(w, FEB_1 + HOUR);
    const closing = w.invoices(sub.id).find((i) => i.billingReason === 'subscription_cycle')!;
    expect(closing.lines.data.map((line) => [line.type, line.quantity, line.amount])).toEqual([
      ['subscription', 1400, 2800],
      ['previously_billed', 1, -2200],
    ]);
    expect(closing.total).toBe(600);
  });

  it('N-X16: amountGte 500000 with volume tiers; a total below zero goes to the balance', () => {
    const w = moneyWorld();
    const sub = w.subscribe([volumePrice(w)], { billingThresholds: { amountGte: 500_000 } });
    expect(sub.billingThresholds).toEqual({ amountGte: 500_000, resetBillingCycleAnchor: false });
    const item = sub.items.data[0]!.id;
    at(w, JAN_1 + DAY);
    use(w, item, 9_999);
    expect(thresholdInvoices(w.invoices(sub.id))).toHaveLength(0);
    use(w, item, 1); // 10,000 units × 50 = 500000 ≥ 500000
    const [first] = thresholdInvoices(w.invoices(sub.id));
    expect(first!.lines.data.map((line) => [line.quantity, line.amount])).toEqual([
      [10_000, 500_000],
    ]);
    use(w, item, 1); // 10,001 × 40 = 400040 − 500000 billed: nothing unbilled
    use(w, item, 2_499); // 12,500 × 40 = 500000 − 500000 = 0
    expect(thresholdInvoices(w.invoices(sub.id))).toHaveLength(1);
    // (b) at 25,000 units: 1000000 − 500000 = 500000 unbilled → a second threshold invoice.
    use(w, item, 12_500);
    const second = thresholdInvoices(w.invoices(sub.id))[1]!;
    expect(amounts(second)).toEqual([1_000_000, -500_000]);
    expect(second.total).toBe(500_000);
  });

  it('N-X16 (a): the period ends at 10,001 units → −99960, amount due 0, balance −99960', () => {
    const w = moneyWorld();
    const sub = w.subscribe([volumePrice(w)], { billingThresholds: { amountGte: 500_000 } });
    const item = sub.items.data[0]!.id;
    at(w, JAN_1 + DAY);
    use(w, item, 10_000);
    use(w, item, 1);
    at(w, FEB_1 + HOUR);
    const closing = w.invoices(sub.id).at(-1)!;
    expect(amounts(closing)).toEqual([400_040, -500_000]);
    expect(closing).toMatchObject({ total: -99_960, amountDue: 0, endingBalance: -99_960 });
    expect(w.sim.customers.retrieve(w.customer).balance).toBe(-99_960);
  });

  it('max: the peak so far is billed early; the period bills the peak of the whole period less that', () => {
    const w = moneyWorld();
    const sub = w.sim.subscriptions.create({
      customer: w.customer,
      items: [{ price: meteredPrice(w, 10, 'max').id, billingThresholds: { usageGte: 50 } }],
    });
    const item = sub.items.data[0]!.id;
    at(w, JAN_1 + DAY);
    use(w, item, 30); // peak 30
    at(w, JAN_1 + 2 * DAY);
    use(w, item, 60); // peak 60 ≥ 50 → 60 × 10 = 600 early
    const [early] = thresholdInvoices(w.invoices(sub.id));
    expect(early!.lines.data.map((line) => [line.quantity, line.amount])).toEqual([[60, 600]]);
    at(w, JAN_1 + 3 * DAY);
    use(w, item, 100); // peak 100: 100 − 60 = 40 < 50, no second invoice
    expect(thresholdInvoices(w.invoices(sub.id))).toHaveLength(1);
    at(w, FEB_1 + HOUR);
    const closing = w.invoices(sub.id).at(-1)!;
    expect(amounts(closing)).toEqual([1000, -600]); // peak 100 × 10, less 600
    expect(closing.total).toBe(400);
  });

  it('last_during_period: the last value so far early; the period end bills its last value less that, below 0 to the balance', () => {
    const w = moneyWorld();
    const sub = w.subscribe([meteredPrice(w, 100, 'last_during_period')], {
      billingThresholds: { amountGte: 2_000 },
    });
    const item = sub.items.data[0]!.id;
    at(w, JAN_1 + DAY);
    w.sim.usageRecords.create({ subscriptionItem: item, quantity: 25, action: 'set' });
    const [early] = thresholdInvoices(w.invoices(sub.id));
    expect(early!.lines.data.map((line) => [line.quantity, line.amount])).toEqual([[25, 2500]]);
    at(w, JAN_1 + 2 * DAY);
    w.sim.usageRecords.create({ subscriptionItem: item, quantity: 10, action: 'set' });
    at(w, FEB_1 + HOUR);
    const closing = w.invoices(sub.id).at(-1)!;
    expect(amounts(closing)).toEqual([1000, -2500]);
    expect(closing).toMatchObject({ total: -1500, amountDue: 0, endingBalance: -1500 });
  });

  it('amountGte compares after discounts: 10% off, 1000 at 1 each bills 900 ≥ 900; the period end discounts the net', () => {
    const w = moneyWorld();
    const coupon = w.sim.coupons.create({ percentOff: 10, duration: 'forever' });
    const sub = w.subscribe([w.metered(1)], {
      discounts: [{ coupon: coupon.id }],
      billingThresholds: { amountGte: 900 },
    });
    const item = sub.items.data[0]!.id;
    at(w, JAN_1 + DAY);
    use(w, item, 999); // 999 − 100 = 899 < 900
    expect(thresholdInvoices(w.invoices(sub.id))).toHaveLength(0);
    use(w, item, 1); // 1000 − 100 = 900
    const [early] = thresholdInvoices(w.invoices(sub.id));
    expect(early).toMatchObject({ subtotal: 1000, total: 900 });
    use(w, item, 500);
    at(w, FEB_1 + HOUR);
    const closing = w.invoices(sub.id).at(-1)!;
    // Net 1500 − 1000 = 500, 10% off the net (50) recorded on the usage line.
    expect(amounts(closing)).toEqual([1500, -1000]);
    expect(closing.lines.data[0]!.discountAmounts.map((d) => d.amount)).toEqual([50]);
    expect(closing.total).toBe(450);
  });

  it('a sum meter: events cross usageGte; a threshold invoice is frozen against later events', () => {
    const sim = createSimulator({ startTime: JAN_1, seed: 5 });
    const meter = sim.billing.meters.create({
      displayName: 'Calls',
      eventName: 'calls',
      defaultAggregation: { formula: 'sum' },
    });
    const customer = sim.customers.create({ name: 'M', paymentMethod: 'pm_card_visa' }).id;
    const price = sim.prices.create({
      product: sim.products.create({ name: 'Calls' }).id,
      currency: 'USD',
      unitAmount: 3,
      recurring: { interval: 'month', usageType: 'metered', meter: meter.id },
    });
    const sub = sim.subscriptions.create({
      customer,
      items: [{ price: price.id, billingThresholds: { usageGte: 100 } }],
    });
    sim.testClock.advance({ frozenTime: JAN_1 + DAY });
    sim.billing.meterEvents.create({ eventName: 'calls', payload: { customer, value: '60' } });
    sim.billing.meterEvents.create({ eventName: 'calls', payload: { customer, value: '40' } });
    const list = () => sim.invoices.list({ subscription: sub.id, limit: 100 }).data.reverse();
    const early = thresholdInvoices(list())[0]!;
    expect(early.lines.data.map((line) => [line.quantity, line.amount])).toEqual([[100, 300]]);
    // An event stamped before the crossing, sent later, goes to the period invoice.
    sim.testClock.advance({ frozenTime: JAN_1 + 2 * DAY });
    sim.billing.meterEvents.create({
      eventName: 'calls',
      timestamp: JAN_1 + DAY - 10,
      payload: { customer, value: '5' },
    });
    expect(sim.invoices.retrieve(early.id).total).toBe(300);
    sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    expect(amounts(list().at(-1)!)).toEqual([315, -300]);
  });

  it('resetBillingCycleAnchor: the crossing closes the period and restarts the cycle there', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.licensed(3100), w.metered(1)], {
      billingThresholds: { amountGte: 1000, resetBillingCycleAnchor: true },
    });
    const item = sub.items.data[1]!.id;
    const crossing = JAN_1 + 10 * DAY; // 10 of January's 31 days gone
    at(w, crossing);
    use(w, item, 1000);
    const [reset] = thresholdInvoices(w.invoices(sub.id));
    // Usage 1000; unused licensed time 21/31 × 3100 = 2100 credited; a whole period from the crossing.
    expect(reset!.lines.data.map((line) => [line.description.slice(0, 6), line.amount])).toEqual([
      ['Plan (', 1000],
      ['Unused', -2100],
      ['1 × Pl', 3100],
    ]);
    expect(reset).toMatchObject({ periodStart: JAN_1, periodEnd: crossing, total: 2000 });
    const after = w.sim.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({
      billingCycleAnchor: crossing,
      currentPeriodStart: crossing,
      currentPeriodEnd: FEB_1 + 10 * DAY,
    });
    // Usage stamped at the crossing second was billed by the reset invoice; the new period's follows.
    at(w, crossing + HOUR);
    use(w, item, 200);
    at(w, FEB_1 + 10 * DAY + HOUR);
    const cycle = w.invoices(sub.id).at(-1)!;
    expect(cycle).toMatchObject({ billingReason: 'subscription_cycle', periodStart: crossing });
    expect(amounts(cycle)).toEqual([200, 3100]);
  });

  it('generated usage: the threshold invoice carries the hour the generator crossed usageGte', () => {
    const w = moneyWorld();
    const sub = w.sim.subscriptions.create({
      customer: w.customer,
      items: [{ price: w.metered(1).id, billingThresholds: { usageGte: 1000 } }],
    });
    const item = sub.items.data[0]!.id;
    w.sim.generators.create({
      subscriptionItem: item,
      spec: { pattern: { kind: 'constant', perHour: 100 }, seed: 1, action: 'increment' },
    });
    at(w, JAN_1 + 2 * DAY);
    const early = thresholdInvoices(w.invoices(sub.id));
    // 100 at JAN_1, JAN_1 + 1 h, …: the 10th hourly record (JAN_1 + 9 h) reaches 1000, and each
    // further 10 records 1000 more: four invoices in the 48 hours.
    expect(early.map((invoice) => (invoice.created - JAN_1) / HOUR)).toEqual([9, 19, 29, 39]);
    expect(early.map((invoice) => [invoice.lines.data[0]!.quantity, invoice.total])).toEqual([
      [1000, 1000],
      [2000, 1000],
      [3000, 1000],
      [4000, 1000],
    ]);
    // Stepwise or in small moves, the same invoices at the same times.
    const small = moneyWorld();
    const sub2 = small.sim.subscriptions.create({
      customer: small.customer,
      items: [{ price: small.metered(1).id, billingThresholds: { usageGte: 1000 } }],
    });
    small.sim.generators.create({
      subscriptionItem: sub2.items.data[0]!.id,
      spec: { pattern: { kind: 'constant', perHour: 100 }, seed: 1, action: 'increment' },
    });
    for (let t = JAN_1 + 7 * HOUR; t <= JAN_1 + 2 * DAY; t += 7 * HOUR) at(small, t);
    at(small, JAN_1 + 2 * DAY);
    expect(thresholdInvoices(small.invoices(sub2.id)).map((i) => i.created)).toEqual(
      early.map((i) => i.created),
    );
  });
});

describe('billing thresholds: bad input is refused, naming the field and the fix; nothing changes', () => {
  function world() {
    const w = moneyWorld();
    const metered = w.metered(1);
    const licensed = w.licensed(1000);
    return { w, metered, licensed };
  }

  it.each([
    [{ amountGte: 0 }, 'billingThresholds.amountGte'],
    [{ amountGte: -5 }, 'billingThresholds.amountGte'],
    [{ amountGte: 10.5 }, 'billingThresholds.amountGte'],
    [{ resetBillingCycleAnchor: true }, 'billingThresholds'],
    [{}, 'billingThresholds'],
  ])('subscription thresholds %j → invalid_billing_thresholds at %s', (thresholds, param) => {
    const { w, metered } = world();
    const error = expectRejectedUnchanged(
      w.sim,
      () => w.subscribe([metered], { billingThresholds: thresholds }),
      { code: 'invalid_billing_thresholds', param },
    );
    expect(error.message).toMatch(/amountGte|usageGte/);
  });

  it('usageGte that is not a positive whole number, or on a licensed item', () => {
    const { w, metered, licensed } = world();
    for (const usageGte of [0, -1, 2.5]) {
      expectRejectedUnchanged(
        w.sim,
        () =>
          w.sim.subscriptions.create({
            customer: w.customer,
            items: [{ price: metered.id, billingThresholds: { usageGte } }],
          }),
        { code: 'invalid_billing_thresholds', param: 'items[0].billingThresholds.usageGte' },
      );
    }
    const error = expectRejectedUnchanged(
      w.sim,
      () =>
        w.sim.subscriptions.create({
          customer: w.customer,
          items: [
            { price: metered.id },
            { price: licensed.id, billingThresholds: { usageGte: 5 } },
          ],
        }),
      { code: 'invalid_billing_thresholds', param: 'items[1].billingThresholds' },
    );
    expect(error.message).toMatch(/licensed price/);
  });

  it('amountGte on a subscription without a metered item contradicts itself', () => {
    const { w, licensed } = world();
    expectRejectedUnchanged(
      w.sim,
      () => w.subscribe([licensed], { billingThresholds: { amountGte: 100 } }),
      { code: 'invalid_billing_thresholds', param: 'billingThresholds.amountGte' },
    );
  });

  it('overlapping thresholds: one item listed twice with a threshold in one update', () => {
    const { w, metered } = world();
    const sub = w.subscribe([metered]);
    const item = sub.items.data[0]!.id;
    expectRejectedUnchanged(
      w.sim,
      () =>
        w.sim.subscriptions.update(sub.id, {
          items: [
            { id: item, billingThresholds: { usageGte: 10 } },
            { id: item, billingThresholds: { usageGte: 20 } },
          ],
        }),
      { code: 'invalid_billing_thresholds', param: 'items[1].billingThresholds' },
    );
  });

  it('last_ever items and meters that are not sum or count are refused (unsupported formula)', () => {
    const { w } = world();
    const lastEver = meteredPrice(w, 1, 'last_ever');
    expectRejectedUnchanged(
      w.sim,
      () => w.subscribe([lastEver], { billingThresholds: { amountGte: 100 } }),
      { code: 'billing_thresholds_unsupported_formula', param: 'items[0].price' },
    );
    const meter = w.sim.billing.meters.create({
      displayName: 'Peak',
      eventName: 'peak',
      defaultAggregation: { formula: 'max' },
    });
    const peak = w.sim.prices.create({
      product: w.sim.products.create({ name: 'Peak' }).id,
      currency: 'USD',
      unitAmount: 1,
      recurring: { interval: 'month', usageType: 'metered', meter: meter.id },
    });
    const sub = w.subscribe([w.metered(1)], { billingThresholds: { amountGte: 100 } });
    // Adding the max meter's price to a subscription with a threshold is refused too.
    expectRejectedUnchanged(
      w.sim,
      () => w.sim.subscriptions.update(sub.id, { items: [{ price: peak.id }] }),
      { code: 'billing_thresholds_unsupported_formula', param: 'items[0].price' },
    );
  });

  it('update sets, replaces and removes thresholds', () => {
    const { w, metered } = world();
    const sub = w.subscribe([metered]);
    const item = sub.items.data[0]!.id;
    const set = w.sim.subscriptions.update(sub.id, {
      billingThresholds: { amountGte: 500, resetBillingCycleAnchor: true },
      items: [{ id: item, billingThresholds: { usageGte: 40 } }],
    });
    expect(set.billingThresholds).toEqual({ amountGte: 500, resetBillingCycleAnchor: true });
    expect(set.items.data[0]!.billingThresholds).toEqual({ usageGte: 40 });
    const removed = w.sim.subscriptions.update(sub.id, {
      billingThresholds: null,
      items: [{ id: item, billingThresholds: null }],
    });
    expect(removed.billingThresholds).toBeNull();
    expect(removed.items.data[0]!.billingThresholds).toBeNull();
  });

  it('no threshold invoice during a trial, nor in the last day of the period', () => {
    const w = moneyWorld();
    const sub = w.sim.subscriptions.create({
      customer: w.customer,
      items: [{ price: w.metered(1).id, billingThresholds: { usageGte: 10 } }],
      trialPeriodDays: 7,
    });
    use(w, sub.items.data[0]!.id, 100);
    expect(thresholdInvoices(w.invoices(sub.id))).toEqual([]);
    at(w, JAN_1 + 7 * DAY); // the trial ends: its usage is billed at 0; a month from Jan 8
    at(w, JAN_1 + 7 * DAY + 31 * DAY - DAY + 1);
    use(w, sub.items.data[0]!.id, 100);
    expect(thresholdInvoices(w.invoices(sub.id))).toEqual([]);
  });
});

describe('billing thresholds: property', () => {
  it('sum: threshold invoices + the period invoice bill what one period invoice bills without thresholds', () => {
    let runsWithEarlyInvoices = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 26 * 24 }), fc.integer({ min: 0, max: 5000 })),
          {
            minLength: 1,
            maxLength: 25,
          },
        ),
        fc.option(fc.integer({ min: 1, max: 20_000 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 8_000 }), { nil: undefined }),
        fc.boolean(),
        (records, amountGte, usageGte, tiered) => {
          const bill = (thresholds: boolean) => {
            const w = moneyWorld();
            const price = tiered
              ? w.sim.prices.create({
                  product: w.sim.products.create({ name: 'Tiered' }).id,
                  currency: 'USD',
                  billingScheme: 'tiered',
                  tiersMode: 'graduated',
                  tiers: [
                    { upTo: 3000, unitAmountDecimal: '1.5' },
                    { upTo: 'inf', unitAmountDecimal: '0.7', flatAmount: 100 },
                  ],
                  recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
                })
              : w.metered(3);
            const useThresholds = thresholds && (amountGte ?? usageGte) !== undefined;
            const sub = w.sim.subscriptions.create({
              customer: w.customer,
              items: [
                {
                  price: price.id,
                  ...(useThresholds && usageGte ? { billingThresholds: { usageGte } } : {}),
                },
              ],
              ...(useThresholds && amountGte ? { billingThresholds: { amountGte } } : {}),
            });
            const sorted = [...records].sort((a, b) => a[0] - b[0]);
            for (const [hour, quantity] of sorted) {
              if (JAN_1 + hour * HOUR > w.sim.testClock.retrieve().frozenTime)
                at(w, JAN_1 + hour * HOUR);
              use(w, sub.items.data[0]!.id, quantity);
            }
            at(w, FEB_1 + 2 * HOUR);
            const invoices = w.invoices(sub.id);
            return {
              total: invoices.reduce((sum, invoice) => sum + invoice.total, 0),
              early: thresholdInvoices(invoices).length,
            };
          };
          const without = bill(false);
          const withThresholds = bill(true);
          expect(without.early).toBe(0);
          expect(withThresholds.total).toBe(without.total);
          if (withThresholds.early > 0) runsWithEarlyInvoices++;
        },
      ),
      { numRuns: 40 },
    );
    expect(runsWithEarlyInvoices).toBeGreaterThan(10);
  });
});

describe('billing thresholds: snapshots', () => {
  it('a schemaVersion 3 snapshot (before thresholds) loads with none, and bills on the same', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.licensed(500), w.metered(2)]);
    use(w, sub.items.data[1]!.id, 40);
    const current = w.sim.snapshot();
    const v3 = JSON.parse(JSON.stringify(current)) as {
      schemaVersion: number;
      subscriptions: {
        billingThresholds?: unknown;
        items: { data: { billingThresholds?: unknown }[] };
      }[];
    };
    v3.schemaVersion = 3;
    for (const subscription of v3.subscriptions) {
      delete subscription.billingThresholds;
      for (const item of subscription.items.data) delete item.billingThresholds;
    }
    const migrated = createSimulator({ snapshot: v3 as unknown as typeof current });
    expect(migrated.snapshot()).toEqual(current);
    expect(migrated.subscriptions.retrieve(sub.id).billingThresholds).toBeNull();
  });
});

describe('credit grants and meter lines', () => {
  it('a grant pays a meter line, and the threshold compares the amount after it', () => {
    const sim = createSimulator({ startTime: JAN_1, seed: 9 });
    const meter = sim.billing.meters.create({
      displayName: 'Calls',
      eventName: 'calls',
      defaultAggregation: { formula: 'sum' },
    });
    const customer = sim.customers.create({ name: 'G', paymentMethod: 'pm_card_visa' }).id;
    const price = sim.prices.create({
      product: sim.products.create({ name: 'Calls' }).id,
      currency: 'USD',
      unitAmount: 10,
      recurring: { interval: 'month', usageType: 'metered', meter: meter.id },
    });
    const sub = sim.subscriptions.create({
      customer,
      items: [{ price: price.id }],
      billingThresholds: { amountGte: 500 },
    });
    sim.billing.creditGrants.create({
      customer,
      amount: { type: 'monetary', monetary: { value: 300, currency: 'USD' } },
      applicabilityConfig: { scope: { priceType: 'metered' } },
    });
    sim.testClock.advance({ frozenTime: JAN_1 + DAY });
    const send = (value: string) =>
      sim.billing.meterEvents.create({ eventName: 'calls', payload: { customer, value } });
    send('70'); // 700 − 300 credit = 400 < 500
    const list = () => sim.invoices.list({ subscription: sub.id, limit: 100 }).data.reverse();
    expect(thresholdInvoices(list())).toHaveLength(0);
    send('10'); // 800 − 300 = 500
    const [early] = thresholdInvoices(list());
    expect(early).toMatchObject({ subtotal: 800, total: 500 });
    expect(early!.totalCreditGrantAmounts.map((c) => c.amount)).toEqual([300]);
  });
});
