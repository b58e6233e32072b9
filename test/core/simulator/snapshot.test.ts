// The snapshot: the whole state as plain JSON, restored by createSimulator({ snapshot }) into a
// simulator that behaves identically.
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import { SNAPSHOT_SCHEMA_VERSION } from '../../../core/resources/snapshot';
import {
  APR_1_2025,
  DAY,
  HOUR,
  MAR_1_2025,
  expectError,
  expectSameJson,
  licensedPrice,
  meteredPrice,
  scenario,
} from './fixtures';

/** A scenario mid-flight: usage, a pending proration, a declined card and an open draft. */
function busy() {
  const built = scenario({
    prices: [meteredPrice('0.2'), licensedPrice(1000)],
    quantities: [undefined, 2],
  });
  const { sim, subscription, items, customerId } = built;
  // Declined only after the creation invoice was paid, so the period's invoice will fail.
  sim.customers.update(customerId, { paymentMethod: 'pm_card_chargeDeclined' });
  sim.webhookEndpoints.create({ url: 'http://127.0.0.1:3000/hooks' });
  sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
  sim.usageRecords.create({ subscriptionItem: items[0]!, quantity: 1000 }, { idempotencyKey: 'a' });
  sim.subscriptions.update(subscription.id, { items: [{ id: items[1]!, quantity: 3 }] });
  sim.testClock.advance({ frozenTime: APR_1_2025 + 30 * 60 });
  return built;
}

/** The same calls, applied to any simulator holding busy()'s state. */
function future(sim: Simulator, item: string, subscription: string, customer: string): unknown[] {
  return [
    sim.usageRecords.create({ subscriptionItem: item, quantity: 500, timestamp: APR_1_2025 - 1 }),
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1000 }, { idempotencyKey: 'a' }),
    sim.testClock.advance({ frozenTime: APR_1_2025 + 2 * DAY }),
    sim.customers.update(customer, { paymentMethod: 'pm_card_visa' }),
    sim.webhookEndpoints.create({ url: 'http://127.0.0.1:3000/other' }),
    sim.usageRecords.create({ subscriptionItem: item, quantity: 7 }),
    sim.testClock.advanceBillingPeriod({ subscription }),
    sim.invoices.list({ limit: 100 }),
    sim.events.list({ limit: 100 }),
  ];
}

describe('snapshot', () => {
  it('is plain JSON with a schemaVersion', () => {
    const { sim } = busy();
    const snapshot = sim.snapshot();
    expect(snapshot.schemaVersion).toEqual(expect.any(Number));
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it('restores to the same state, byte for byte', () => {
    const { sim } = busy();
    const text = JSON.stringify(sim.snapshot());
    const restored = createSimulator({ snapshot: JSON.parse(text) });
    expectSameJson(JSON.stringify(restored.snapshot()), text, 'the restored snapshot differs');
  });

  it('restored, it has the same future', () => {
    const original = busy();
    const restored = createSimulator({ snapshot: original.sim.snapshot() });
    const args = [original.item, original.subscription.id, original.customerId] as const;
    const expected = future(original.sim, ...args);
    const actual = future(restored, ...args);
    expect(actual).toEqual(expected);
    expectSameJson(
      JSON.stringify(restored.snapshot()),
      JSON.stringify(original.sim.snapshot()),
      'the futures differ',
    );
  });

  it('keeps ids unique and stable across save and load', () => {
    const original = busy();
    const restored = createSimulator({ snapshot: original.sim.snapshot() });
    const next = (sim: Simulator) => [
      sim.products.create({ name: 'Storage' }).id,
      sim.customers.create({ name: 'Beta' }).id,
    ];
    const ids = next(restored);
    expect(ids).toEqual(next(original.sim));
    const snapshot = restored.snapshot();
    const existing = [
      ...snapshot.products.map((p) => p.id),
      ...snapshot.customers.map((c) => c.id),
      ...snapshot.invoices.map((i) => i.id),
      ...snapshot.events.map((e) => e.id),
    ];
    expect(new Set(existing).size).toBe(existing.length);
  });

  it('shares nothing with the simulator it came from', () => {
    const { sim, item } = busy();
    const snapshot = sim.snapshot();
    const before = JSON.stringify(snapshot);
    const restored = createSimulator({ snapshot });
    restored.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: APR_1_2025 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 9, timestamp: APR_1_2025 });
    expect(JSON.stringify(snapshot)).toBe(before);
    snapshot.invoices.length = 0;
    expect(sim.invoices.list().data.length).toBeGreaterThan(0);
  });

  it('reads leave the snapshot unchanged', () => {
    const { sim, subscription, item } = scenario();
    const before = JSON.stringify(sim.snapshot());
    sim.usageRecords.summaries({ subscriptionItem: item });
    sim.invoices.upcoming({ subscription: subscription.id });
    sim.analysis.usageSeries({ subscriptionItem: item });
    sim.analysis.strategies({ subscriptionItem: item });
    sim.quote(subscription.items.data[0]!.price, 10);
    expectSameJson(JSON.stringify(sim.snapshot()), before, 'a read changed the snapshot');
  });

  it('refuses a snapshot it cannot read, saying why', () => {
    const { sim } = scenario();
    const snapshot = sim.snapshot();
    expectError(() => createSimulator({ snapshot: { ...snapshot, schemaVersion: 999 } }), {
      code: 'snapshot_too_new',
      param: 'snapshot.schemaVersion',
    });
    expectError(() => createSimulator({ snapshot: 'not a snapshot' }), {
      code: 'snapshot_invalid',
    });
    expectError(() => createSimulator({ snapshot: { ...snapshot, invoices: null } }), {
      code: 'snapshot_invalid',
      param: 'snapshot.invoices',
    });
  });

  it('a draft restored in its grace still takes late usage and finalizes on time', () => {
    const { sim, subscription, item } = busy();
    const restored = createSimulator({ snapshot: sim.snapshot() });
    restored.usageRecords.create({ subscriptionItem: item, quantity: 500, timestamp: MAR_1_2025 });
    restored.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    const invoice = restored.invoices.list({ subscription: subscription.id }).data[0]!;
    expect(invoice.finalizedAt).toBe(APR_1_2025 + HOUR);
    const metered = invoice.lines.data.find((line) => line.subscriptionItem === item)!;
    // (1000 + 500) × 0.2 = 300
    expect(metered).toMatchObject({ quantity: 1500, amount: 300 });
  });
});

describe('snapshot migration 1 -> 2 (money adjustments)', () => {
  /** A version 1 snapshot: today's, less everything version 2 added. */
  function asVersion1(snapshot: Record<string, unknown>): Record<string, unknown> {
    const line = (l: Record<string, unknown>) => {
      const {
        type: _t,
        discountable: _d,
        discountAmounts: _a,
        creditGrantAmounts: _c,
        taxAmounts: _x,
        ...rest
      } = l;
      return rest;
    };
    const invoice = (i: Record<string, unknown>) => {
      const {
        discounts: _a,
        defaultTaxRates: _b,
        totalDiscountAmounts: _c,
        totalCreditGrantAmounts: _d,
        tax: _e,
        totalTaxAmounts: _f,
        totalExcludingTax: _g,
        startingBalance: _h,
        endingBalance: _i,
        steps: _j,
        ...rest
      } = i;
      const lines = rest.lines as { data: Record<string, unknown>[] };
      return { ...rest, lines: { ...lines, data: lines.data.map(line) } };
    };
    const {
      balanceTransactions: _1,
      coupons: _2,
      taxRates: _3,
      creditGrants: _4,
      creditBalanceTransactions: _5,
      ...rest
    } = snapshot;
    return {
      ...rest,
      schemaVersion: 1,
      customers: (rest.customers as Record<string, unknown>[]).map(
        ({ balance: _b, currency: _c, ...customer }) => customer,
      ),
      subscriptions: (rest.subscriptions as Record<string, unknown>[]).map(
        ({ discounts: _d, defaultTaxRates: _t, minimumCommitment: _m, ...subscription }) =>
          subscription,
      ),
      invoices: (rest.invoices as Record<string, unknown>[]).map(invoice),
      pendingLines: (rest.pendingLines as { line: Record<string, unknown> }[]).map((p) => ({
        ...p,
        line: line(p.line),
      })),
    };
  }

  it('gives old invoices, lines, customers and subscriptions the new fields, and bills on', () => {
    const { sim, subscription } = scenario({
      prices: [licensedPrice(500), meteredPrice('1')],
    });
    sim.usageRecords.create({ subscriptionItem: subscription.items.data[1]!.id, quantity: 40 });
    sim.testClock.advance({ frozenTime: APR_1_2025 });
    const v1 = asVersion1(sim.snapshot() as unknown as Record<string, unknown>);
    const migrated = createSimulator({ snapshot: v1 });
    const snapshot = migrated.snapshot();
    expect(snapshot.schemaVersion).toBe(SNAPSHOT_SCHEMA_VERSION); // migrated through 2 to the current one
    expect(snapshot.customers[0]).toMatchObject({ balance: 0, currency: 'EUR' });
    expect(snapshot.subscriptions[0]).toMatchObject({
      discounts: [],
      defaultTaxRates: [],
      minimumCommitment: null,
    });
    const [created, draft] = snapshot.invoices;
    expect(created).toMatchObject({
      status: 'paid',
      startingBalance: 0,
      endingBalance: 0,
      tax: 0,
      totalExcludingTax: 500,
    });
    expect(draft).toMatchObject({ status: 'draft', endingBalance: null, total: 540 });
    expect(draft!.lines.data[0]).toMatchObject({
      type: 'subscription',
      discountable: true,
      discountAmounts: [],
    });
    expect(snapshot.coupons).toEqual([]);
    migrated.testClock.advance({ frozenTime: APR_1_2025 + 3600 });
    const finalized = migrated.invoices.retrieve(draft!.id);
    expect(finalized).toMatchObject({ status: 'paid', total: 540, endingBalance: 0 });
    expect(finalized.steps.length).toBe(9);
  });
});
