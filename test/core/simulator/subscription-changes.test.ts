// Subscription changes through the API: licensed proration to the second, metered price swaps under
// each prorationBehavior, cancel at period end and cancel now.
import { describe, expect, it } from 'vitest';
import type { ProrationBehavior } from '../../../core/public/types';
import {
  APR_1_2025,
  DAY,
  HOUR,
  MAR_1_2025,
  MAY_1_2025,
  eventsOf,
  expectRejectedUnchanged,
  invoicesOf,
  latestInvoice,
  licensedPrice,
  meteredPrice,
  scenario,
  sumOfLines,
} from './fixtures';

/** March 2025 is 31 days: 31 × 86400 = 2678400 seconds. */
const MARCH_SECONDS = 2_678_400;
/** 2025-03-11T06:00:00Z = MAR_1 + 10 days + 6 hours. */
const CHANGE_AT = MAR_1_2025 + 10 * DAY + 6 * HOUR;
/** APR_1 − CHANGE_AT = 1743465600 − 1741672800 = 1792800 seconds left of March. */
const REMAINING = 1_792_800;

/** A licensed subscription on price A (1000 a seat), with price B (3000 a seat) on the side. */
function licensed(seats = 1) {
  const built = scenario({ prices: [licensedPrice(1000)], quantities: [seats] });
  const priceB = built.sim.prices.create({ ...licensedPrice(3000), product: built.productId });
  built.sim.testClock.advance({ frozenTime: CHANGE_AT });
  return { ...built, priceB };
}

describe('licensed changes are prorated to the second', () => {
  it('an upgrade credits the unused time of the old price and charges the new one on the next invoice', () => {
    expect(APR_1_2025 - MAR_1_2025).toBe(MARCH_SECONDS);
    expect(APR_1_2025 - CHANGE_AT).toBe(REMAINING);
    const { sim, subscription, item, price, priceB } = licensed();
    const updated = sim.subscriptions.update(subscription.id, {
      items: [{ id: item, price: priceB.id }],
    });
    expect(updated.items.data[0]).toMatchObject({ id: item, price: priceB.id, quantity: 1 });
    // Nothing is invoiced until the period closes.
    expect(invoicesOf(sim, subscription.id)).toHaveLength(1);

    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    const invoice = latestInvoice(sim, subscription.id);
    const lines = invoice.lines.data.map((line) => [line.price, line.proration, line.amount]);
    expect(lines).toEqual(
      expect.arrayContaining([
        // −1000 × 1792800 / 2678400 = −669.3548… -> −669
        [price.id, true, -669],
        // 3000 × 1792800 / 2678400 = 2008.0645… -> 2008
        [priceB.id, true, 2008],
        // April in advance at the new price: 3000
        [priceB.id, false, 3000],
      ]),
    );
    expect(lines).toHaveLength(3);
    // −669 + 2008 + 3000 = 4339
    expect(invoice).toMatchObject({ total: 4339, status: 'paid' });

    const credit = invoice.lines.data.find((line) => line.proration && line.amount < 0)!;
    expect(credit.period).toEqual({ start: CHANGE_AT, end: APR_1_2025 });
    expect(credit.amountExact).toMatch(/^-669\.35483870967741935/);
    expect(credit.explanation.proration).toMatchObject({
      numerator: REMAINING,
      denominator: MARCH_SECONDS,
    });
  });

  it('always_invoice invoices the prorations at once', () => {
    const { sim, subscription, item, priceB } = licensed();
    sim.subscriptions.update(subscription.id, {
      items: [{ id: item, price: priceB.id }],
      prorationBehavior: 'always_invoice',
    });
    const invoice = latestInvoice(sim, subscription.id);
    // −669 + 2008 = 1339
    expect(invoice).toMatchObject({
      billingReason: 'subscription_update',
      total: 1339,
      status: 'paid',
      paidAt: CHANGE_AT,
    });
    expect(invoice.lines.data.map((line) => line.amount)).toEqual([-669, 2008]);
    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    // April alone, at the new price: 3000
    expect(latestInvoice(sim, subscription.id).total).toBe(3000);
  });

  it('rounds a proration tie half up, away from zero', () => {
    const { sim, subscription, item, productId } = scenario({ prices: [licensedPrice(1000)] });
    const priceB = sim.prices.create({ ...licensedPrice(3000), product: productId });
    // 6696 s left: −1000 × 6696 / 2678400 = −2.5 -> −3; 3000 × 6696 / 2678400 = 7.5 -> 8
    sim.testClock.advance({ frozenTime: APR_1_2025 - 6696 });
    sim.subscriptions.update(subscription.id, {
      items: [{ id: item, price: priceB.id }],
      prorationBehavior: 'always_invoice',
    });
    const invoice = latestInvoice(sim, subscription.id);
    expect(invoice.lines.data.map((line) => [line.amountExact, line.amount])).toEqual([
      ['-2.5', -3],
      ['7.5', 8],
    ]);
    // −3 + 8 = 5
    expect(invoice.total).toBe(5);
  });

  it('a change at the very start of a period billed in advance credits and charges it whole', () => {
    // Created at MAR_1: March is billed 1000 in advance; upgraded in the same second.
    const { sim, subscription, item, productId } = scenario({ prices: [licensedPrice(1000)] });
    const priceB = sim.prices.create({ ...licensedPrice(3000), product: productId });
    sim.subscriptions.update(subscription.id, {
      items: [{ id: item, price: priceB.id }],
      prorationBehavior: 'always_invoice',
    });
    const invoice = latestInvoice(sim, subscription.id);
    expect(invoice.billingReason).toBe('subscription_update');
    // 2678400 of 2678400 seconds left: −1000 and +3000, total 2000
    expect(invoice.lines.data.map((line) => line.amount)).toEqual([-1000, 3000]);
    expect(invoice.total).toBe(2000);
  });

  it('a seat change is prorated the same way', () => {
    const { sim, subscription, item } = licensed(2);
    sim.subscriptions.update(subscription.id, {
      items: [{ id: item, quantity: 5 }],
      prorationBehavior: 'always_invoice',
    });
    const invoice = latestInvoice(sim, subscription.id);
    // −2 × 1000 × 1792800 / 2678400 = −1338.709… -> −1339; 5 × 1000 × … = 3346.774… -> 3347
    expect(invoice.lines.data.map((line) => [line.quantity, line.amount])).toEqual([
      [2, -1339],
      [5, 3347],
    ]);
    // −1339 + 3347 = 2008
    expect(invoice.total).toBe(2008);
  });

  it("prorationBehavior 'none' changes the price without prorations", () => {
    const { sim, subscription, item, priceB } = licensed();
    sim.subscriptions.update(subscription.id, {
      items: [{ id: item, price: priceB.id }],
      prorationBehavior: 'none',
    });
    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    const invoice = latestInvoice(sim, subscription.id);
    expect(invoice.lines.data.map((line) => [line.proration, line.amount])).toEqual([
      [false, 3000],
    ]);
  });

  it('adding a licensed item mid-period charges its remaining time', () => {
    const { sim, subscription, priceB } = licensed();
    const updated = sim.subscriptions.update(subscription.id, {
      items: [{ price: priceB.id, quantity: 1 }],
    });
    expect(updated.items.data).toHaveLength(2);
    const upcoming = sim.invoices.upcoming({ subscription: subscription.id });
    // 3000 × 1792800 / 2678400 = 2008.06… -> 2008 for the rest of March, then April in advance:
    // 1000 + 3000
    expect(upcoming.lines.data.map((line) => [line.proration, line.amount])).toEqual(
      expect.arrayContaining([
        [true, 2008],
        [false, 1000],
        [false, 3000],
      ]),
    );
    expect(upcoming.total).toBe(6008);
  });
});

describe('metered price swaps', () => {
  /** Guide price (0.2) with 1000 units on Mar 5, swapped on Mar 11 to 1 cent a unit, then 500. */
  function swapped(behavior: ProrationBehavior | undefined, reportAtSwap = 0) {
    const built = scenario();
    const { sim, subscription, item } = built;
    const newPrice = sim.prices.create({ ...meteredPrice('1'), product: built.productId });
    sim.testClock.advance({ frozenTime: CHANGE_AT });
    sim.usageRecords.create({
      subscriptionItem: item,
      quantity: 1000,
      timestamp: MAR_1_2025 + 4 * DAY,
    });
    // Reported now, with the default timestamp (the clock's), just before the swap.
    if (reportAtSwap > 0)
      sim.usageRecords.create({ subscriptionItem: item, quantity: reportAtSwap });
    sim.subscriptions.update(subscription.id, {
      items: [{ id: item, price: newPrice.id }],
      ...(behavior ? { prorationBehavior: behavior } : {}),
    });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 20 * DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 500 });
    return { ...built, newPrice };
  }

  it('create_prorations (the default) puts the usage so far, at the old price, on the next invoice', () => {
    const { sim, subscription, price, newPrice } = swapped(undefined);
    expect(invoicesOf(sim, subscription.id)).toHaveLength(1);
    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    const invoice = latestInvoice(sim, subscription.id);
    const lines = invoice.lines.data.map((line) => [line.price, line.quantity, line.amount]);
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        // Before the swap: 1000 × 0.2 = 200
        [price.id, 1000, 200],
        // After it: 500 × 1 = 500
        [newPrice.id, 500, 500],
      ]),
    );
    // The two lines split March at the swap, with no gap and no overlap.
    const old = invoice.lines.data.find((line) => line.price === price.id)!;
    const current = invoice.lines.data.find((line) => line.price === newPrice.id)!;
    expect(old.period.start).toBe(MAR_1_2025);
    expect(old.period.end).toBe(current.period.start);
    expect(current.period.end).toBe(APR_1_2025);
    expect([CHANGE_AT, CHANGE_AT + 1]).toContain(old.period.end);
    // Metered items are never prorated.
    expect(invoice.lines.data.every((line) => !line.proration)).toBe(true);
    // 200 + 500 = 700
    expect(invoice.total).toBe(700);
  });

  it('always_invoice invoices the usage so far at once', () => {
    const { sim, subscription, price, newPrice } = swapped('always_invoice');
    const [, atSwap] = invoicesOf(sim, subscription.id);
    expect(atSwap).toMatchObject({
      billingReason: 'subscription_update',
      status: 'paid',
      total: 200,
      created: CHANGE_AT,
    });
    expect(atSwap!.lines.data.map((line) => [line.price, line.quantity, line.amount])).toEqual([
      // 1000 × 0.2 = 200
      [price.id, 1000, 200],
    ]);
    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    const invoice = latestInvoice(sim, subscription.id);
    // Only the usage after the swap: 500 × 1 = 500
    expect(invoice.lines.data.map((line) => [line.price, line.quantity, line.amount])).toEqual([
      [newPrice.id, 500, 500],
    ]);
  });

  it('none discards the usage so far', () => {
    const { sim, subscription, newPrice } = swapped('none');
    expect(invoicesOf(sim, subscription.id)).toHaveLength(1);
    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    const invoice = latestInvoice(sim, subscription.id);
    expect(invoice.lines.data.map((line) => [line.price, line.quantity, line.amount])).toEqual([
      [newPrice.id, 500, 500],
    ]);
    expect(invoice.total).toBe(500);
  });

  it.each(['create_prorations', 'always_invoice'] as const)(
    '%s: usage reported at the moment of the swap is usage so far, billed at the old price',
    (behavior) => {
      const { sim, subscription, price, newPrice } = swapped(behavior, 100);
      sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
      const lines = invoicesOf(sim, subscription.id).flatMap((invoice) =>
        invoice.lines.data.map((line) => [line.price, line.quantity, line.amount]),
      );
      // Old price: (1000 + 100) × 0.2 = 220; new price: 500 × 1 = 500
      expect(lines).toEqual(
        expect.arrayContaining([
          [price.id, 1100, 220],
          [newPrice.id, 500, 500],
        ]),
      );
    },
  );

  it('rejects swapping a metered item to a licensed price', () => {
    const { sim, subscription, item, productId } = scenario();
    const seat = sim.prices.create({ ...licensedPrice(1000), product: productId });
    expectRejectedUnchanged(
      sim,
      () => sim.subscriptions.update(subscription.id, { items: [{ id: item, price: seat.id }] }),
      { code: 'usage_type_change', param: 'items[0].price' },
    );
  });
});

describe('cancel', () => {
  it('at period end: the last invoice bills the period usage, then the subscription ends', () => {
    const { sim, subscription, items } = scenario({
      prices: [meteredPrice('0.2'), licensedPrice(1000)],
    });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
    sim.usageRecords.create({ subscriptionItem: items[0]!, quantity: 1000 });
    const updated = sim.subscriptions.update(subscription.id, { cancelAtPeriodEnd: true });
    expect(updated).toMatchObject({ cancelAtPeriodEnd: true, status: 'active', endedAt: null });
    // The preview bills no April seat either.
    expect(sim.invoices.upcoming({ subscription: subscription.id }).total).toBe(200);

    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    const last = latestInvoice(sim, subscription.id);
    // March's usage, 1000 × 0.2 = 200, and no April seat in advance.
    expect(last.lines.data.map((line) => [line.subscriptionItem, line.amount])).toEqual([
      [items[0], 200],
    ]);
    expect(last).toMatchObject({ billingReason: 'subscription_cycle', total: 200, status: 'paid' });
    expect(sim.subscriptions.retrieve(subscription.id)).toMatchObject({
      status: 'canceled',
      endedAt: APR_1_2025,
    });
    expect(eventsOf(sim, 'customer.subscription.deleted').map((e) => e.created)).toEqual([
      APR_1_2025,
    ]);
    sim.testClock.advance({ frozenTime: MAY_1_2025 + DAY });
    expect(latestInvoice(sim, subscription.id).id).toBe(last.id);
  });

  it('at period end can be taken back before the period ends', () => {
    const { sim, subscription } = scenario();
    sim.subscriptions.update(subscription.id, { cancelAtPeriodEnd: true });
    sim.subscriptions.update(subscription.id, { cancelAtPeriodEnd: false });
    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    expect(sim.subscriptions.retrieve(subscription.id)).toMatchObject({
      status: 'active',
      currentPeriodStart: APR_1_2025,
    });
  });

  it('now with invoiceNow: the usage so far is invoiced at once', () => {
    const { sim, subscription, item } = scenario();
    sim.testClock.advance({ frozenTime: CHANGE_AT });
    sim.usageRecords.create({
      subscriptionItem: item,
      quantity: 1000,
      timestamp: MAR_1_2025 + DAY,
    });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 300 });
    const canceled = sim.subscriptions.cancel(subscription.id, { invoiceNow: true });
    expect(canceled).toMatchObject({
      status: 'canceled',
      canceledAt: CHANGE_AT,
      endedAt: CHANGE_AT,
    });
    const invoice = latestInvoice(sim, subscription.id);
    // (1000 + 300) × 0.2 = 260, the 300 reported at the cancel moment included
    expect(invoice).toMatchObject({
      billingReason: 'subscription_cancel',
      total: 260,
      status: 'paid',
      periodStart: MAR_1_2025,
      periodEnd: CHANGE_AT,
    });
    expect(invoice.lines.data[0]!.quantity).toBe(1300);
    expect(invoice.total).toBe(sumOfLines(invoice));
    sim.testClock.advance({ frozenTime: MAY_1_2025 });
    expect(latestInvoice(sim, subscription.id).id).toBe(invoice.id);
  });

  it('now without invoiceNow: the usage so far is discarded', () => {
    const { sim, subscription, item } = scenario();
    sim.testClock.advance({ frozenTime: CHANGE_AT });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1000 });
    const canceled = sim.subscriptions.cancel(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled', endedAt: CHANGE_AT });
    expect(eventsOf(sim, 'customer.subscription.deleted').map((e) => e.data.id)).toEqual([
      subscription.id,
    ]);
    sim.testClock.advance({ frozenTime: MAY_1_2025 });
    expect(invoicesOf(sim, subscription.id).map((invoice) => invoice.billingReason)).toEqual([
      'subscription_create',
    ]);
  });

  it('refuses to cancel or update an ended subscription', () => {
    const { sim, subscription } = scenario();
    sim.subscriptions.cancel(subscription.id);
    expectRejectedUnchanged(sim, () => sim.subscriptions.cancel(subscription.id), {
      code: 'subscription_ended',
      param: 'id',
    });
    expectRejectedUnchanged(
      sim,
      () => sim.subscriptions.update(subscription.id, { cancelAtPeriodEnd: true }),
      { code: 'subscription_ended', param: 'id' },
    );
  });
});

describe('rejected changes change nothing', () => {
  it('names the bad item param', () => {
    const { sim, subscription, item, productId } = scenario();
    const dollars = sim.prices.create({
      ...meteredPrice('1', { currency: 'USD' }),
      product: productId,
    });
    expectRejectedUnchanged(
      sim,
      () =>
        sim.subscriptions.update(subscription.id, { items: [{ id: item, price: 'price_nope' }] }),
      { code: 'resource_missing', param: 'items[0].price' },
    );
    expectRejectedUnchanged(
      sim,
      () => sim.subscriptions.update(subscription.id, { items: [{ id: item, price: dollars.id }] }),
      { code: 'currency_mismatch', param: 'items[0].price' },
    );
    expectRejectedUnchanged(
      sim,
      () =>
        sim.subscriptions.update(subscription.id, {
          items: [{ id: item }, { id: 'si_nope', quantity: 2 }],
        }),
      { code: 'resource_missing', param: 'items[1].id' },
    );
    expectRejectedUnchanged(
      sim,
      () =>
        sim.subscriptions.update(subscription.id, {
          prorationBehavior: 'sometimes' as ProrationBehavior,
        }),
      { code: 'parameter_invalid', param: 'prorationBehavior' },
    );
  });
});

describe('proration preview (invoices.upcoming with a proposed update)', () => {
  it('shows the lines the update then creates, and changes nothing', () => {
    const { sim, subscription, items, productId } = scenario({
      prices: [licensedPrice(1000)],
      quantities: [2],
    });
    const premium = sim.prices.create({ ...licensedPrice(3000), product: productId });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
    const before = JSON.stringify(sim.snapshot());
    const proposal = { items: [{ id: items[0]!, price: premium.id }] };
    const preview = sim.invoices.upcoming({ subscription: subscription.id, ...proposal });
    expect(JSON.stringify(sim.snapshot())).toBe(before);

    sim.subscriptions.update(subscription.id, proposal);
    const after = sim.invoices.upcoming({ subscription: subscription.id });
    const shape = (invoice: typeof after) =>
      invoice.lines.data.map((line) => [
        line.description,
        line.quantity,
        line.amount,
        line.proration,
      ]);
    // March has 31 days; 21 remain: credit 2 × 1000 × 21/31 = 1354.84 -> -1355,
    // charge 2 × 3000 × 21/31 = 4064.52 -> 4065, and April in advance 2 × 3000 = 6000.
    expect(shape(preview)).toEqual(shape(after));
    expect(preview.lines.data.filter((line) => line.proration).map((line) => line.amount)).toEqual([
      -1355, 4065,
    ]);
    expect(preview.total).toBe(-1355 + 4065 + 6000);
  });

  it("prorationBehavior 'none' previews no proration lines", () => {
    const { sim, subscription, items } = scenario({ prices: [licensedPrice(1000)] });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
    const preview = sim.invoices.upcoming({
      subscription: subscription.id,
      items: [{ id: items[0]!, quantity: 5 }],
      prorationBehavior: 'none',
    });
    expect(preview.lines.data.some((line) => line.proration)).toBe(false);
  });
});
