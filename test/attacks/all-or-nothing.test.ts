// Every call is all-or-nothing: a refused call, whatever it had done before it found the problem,
// leaves the snapshot byte-identical. Failures are injected into every mutating method: bad input,
// amounts beyond exact range, and errors thrown part-way (an event that cannot be emitted).
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScenarioState } from '../../core/resources/state';
import { createSimulator } from '../../core/simulator';
import type { Simulator } from '../../core/simulator';
import { registry } from '../../core/simulator/registry';
import type { EngineMethod } from '../../core/simulator/registry';
import { MeterlabError } from '../../core/values/errors';

const DAY = 86_400;
const START = 1_740_787_200; // 2025-03-01

interface World {
  sim: Simulator;
  metered: string;
  licensed: string;
  subscription: string;
  meteredItem: string;
  generator: string;
  openInvoice: string;
  customer: string;
  product: string;
  taxRate: string;
  grant: string;
  meter: string;
  inactiveMeter: string;
}

/** A scenario with something of everything: prices, subscriptions, usage, generators, invoices. */
function world(): World {
  const sim = createSimulator({
    startTime: START,
    seed: 7,
    settings: { whenRetriesExhausted: 'unpaid' },
  });
  const product = sim.products.create({ name: 'API' }).id;
  const recurring = { interval: 'month' as const, usageType: 'metered' as const };
  const metered = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmountDecimal: '0.2',
    recurring,
  }).id;
  const licensed = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmount: 1000,
    recurring: { interval: 'month' },
  }).id;
  const customer = sim.customers.create({ name: 'Acme', paymentMethod: 'pm_card_visa' }).id;
  const declined = sim.customers.create({ name: 'Bust', paymentMethod: 'pm_card_chargeDeclined' });
  // Money adjustments, so failures hit every step of the invoice pipeline.
  const coupon = sim.coupons.create({ percentOff: 10, duration: 'forever' }).id;
  const taxRate = sim.taxRates.create({ displayName: 'VAT', percentage: 20, inclusive: false }).id;
  const sub = sim.subscriptions.create({
    customer,
    items: [{ price: metered }, { price: licensed }],
    discounts: [{ coupon }],
    defaultTaxRates: [taxRate],
    minimumCommitment: { amount: 5000, currency: 'EUR' },
  });
  const credit = {
    customer,
    amount: { type: 'monetary' as const, monetary: { value: 50, currency: 'EUR' } },
    applicabilityConfig: { scope: { priceType: 'metered' as const } },
  };
  sim.billing.creditGrants.create(credit);
  sim.customers.createBalanceTransaction(customer, { amount: -700, currency: 'EUR' });
  sim.subscriptions.create({ customer: declined.id, items: [{ price: licensed }] });
  const meteredItem = sub.items.data[0]!.id;
  sim.usageRecords.create({ subscriptionItem: meteredItem, quantity: 500 });
  const generator = sim.generators.create({
    subscriptionItem: meteredItem,
    spec: { pattern: { kind: 'poisson', meanPerHour: 20 }, action: 'increment' },
  }).id;
  sim.webhookEndpoints.create({ url: 'http://127.0.0.1:3000/hooks' });
  // A meter billed to the customer, with an alert (it fires on the first event, 'to-cancel').
  const meter = sim.billing.meters.create({
    displayName: 'Requests',
    eventName: 'requests',
    defaultAggregation: { formula: 'sum' },
  }).id;
  const inactiveMeter = sim.billing.meters.create({
    displayName: 'Old',
    eventName: 'old',
    defaultAggregation: { formula: 'count' },
  }).id;
  sim.billing.meters.deactivate(inactiveMeter);
  const meterPrice = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmount: 3,
    recurring: { interval: 'month', usageType: 'metered', meter },
  }).id;
  // The meter events sent by the calls below cross it: a threshold invoice is part of those calls.
  sim.subscriptions.create({
    customer,
    items: [{ price: meterPrice, billingThresholds: { usageGte: 2 } }],
  });
  sim.billing.alerts.create({
    alertType: 'usage_threshold',
    title: 'Any use',
    usageThreshold: { meter, gte: 1, recurrence: 'one_time' },
  });
  // Fires on the next event sent: a call's emit can fail after its events were stored.
  sim.billing.alerts.create({
    alertType: 'usage_threshold',
    title: 'Some use',
    usageThreshold: { meter, gte: 3, recurrence: 'one_time' },
  });
  // Meter events from a generator, with an alert they reach during a later clock move: a move
  // that fails part-way must take back the events it sent.
  const generatedMeter = sim.billing.meters.create({
    displayName: 'Generated',
    eventName: 'generated',
    defaultAggregation: { formula: 'sum' },
  }).id;
  sim.billing.alerts.create({
    alertType: 'usage_threshold',
    title: 'Generated use',
    usageThreshold: { meter: generatedMeter, gte: 20_000, recurrence: 'one_time' },
  });
  sim.generators.create({
    meterEvents: { eventName: 'generated', customer },
    spec: { pattern: { kind: 'poisson', meanPerHour: 20 }, action: 'increment' },
  });
  // Past March's close: the declined customer's cycle invoice is open, awaiting a retry.
  sim.testClock.advance({ frozenTime: START + 31 * DAY + 2 * 3600 });
  const openInvoice = sim.invoices.list({ status: 'open' }).data[0]!.id;
  const grant = sim.billing.creditGrants.create(credit).id;
  sim.billing.meterEvents.create({
    eventName: 'requests',
    payload: { customer, value: '1' },
    identifier: 'to-cancel',
  });
  return {
    sim,
    metered,
    licensed,
    subscription: sub.id,
    meteredItem,
    generator,
    openInvoice,
    customer,
    product,
    taxRate,
    grant,
    meter,
    inactiveMeter,
  };
}

/** Arguments that reach deep into each mutating method. */
const calls: Record<string, (w: World) => unknown[]> = {
  'products.create': () => [{ name: 'More' }],
  'prices.create': (w) => [
    { product: w.product, currency: 'EUR', unitAmount: 5, recurring: { interval: 'month' } },
  ],
  'customers.create': () => [{ name: 'New', paymentMethod: 'pm_card_visa' }],
  'customers.update': (w) => [w.customer, { name: 'Renamed' }],
  'customers.createBatch': (w) => [
    {
      customers: [
        { name: 'Solo', paymentMethod: 'pm_card_visa' },
        {
          name: 'Cohort 1',
          paymentMethod: 'pm_card_visa',
          subscription: { items: [{ price: w.metered }, { price: w.licensed, quantity: 2 }] },
          generators: [
            { spec: { pattern: { kind: 'poisson', meanPerHour: 5 }, action: 'increment' } },
          ],
        },
        {
          name: 'Cohort 2',
          subscription: { items: [{ price: w.licensed }], defaultTaxRates: [w.taxRate] },
        },
      ],
    },
  ],
  'subscriptions.create': (w) => [{ customer: w.customer, items: [{ price: w.licensed }] }],
  'subscriptions.update': (w) => [
    w.subscription,
    {
      items: [{ id: w.sim.subscriptions.retrieve(w.subscription).items.data[1]!.id, quantity: 3 }],
      prorationBehavior: 'always_invoice',
      billingThresholds: { amountGte: 100_000, resetBillingCycleAnchor: true },
    },
  ],
  'subscriptions.cancel': (w) => [w.subscription, { invoiceNow: true }],
  'usageRecords.create': (w) => [{ subscriptionItem: w.meteredItem, quantity: 10 }],
  'usageRecords.createBatch': (w) => [
    { subscriptionItem: w.meteredItem, records: [{ quantity: 1 }, { quantity: 2 }] },
  ],
  'generators.create': (w) => [
    {
      subscriptionItem: w.meteredItem,
      spec: { pattern: { kind: 'constant', perHour: 1 }, action: 'increment' },
    },
  ],
  'generators.stop': (w) => [w.generator],
  'generators.materialize': (w) => [{ subscriptionItem: w.meteredItem }],
  'invoices.pay': (w) => [w.openInvoice],
  'invoices.voidInvoice': (w) => [w.openInvoice],
  'invoices.markUncollectible': (w) => [w.openInvoice],
  'webhookEndpoints.create': () => [{ url: 'http://127.0.0.1:3001/hooks' }],
  'webhookEndpoints.recordAttempt': (w) => [
    {
      endpoint: w.sim.webhookEndpoints.list().data[0]!.id,
      event: w.sim.events.list().data[0]!.id,
      attempt: 1,
      url: 'http://127.0.0.1:3000/hooks',
      status: 500,
      error: null,
      latencyMs: 12,
      responseExcerpt: 'oops',
      sentAt: START,
    },
  ],
  'webhookEndpoints.queueDeliveries': (w) => [
    { events: w.sim.events.list().data.map((event) => event.id) },
  ],
  'webhookEndpoints.resend': (w) => [
    {
      event: w.sim.events.list().data[0]!.id,
      endpoint: w.sim.webhookEndpoints.list().data[0]!.id,
    },
  ],
  'testClock.advance': () => [{ frozenTime: START + 120 * DAY }],
  'testClock.advanceBillingPeriod': (w) => [{ subscription: w.subscription }],
  'settings.update': () => [{ finalizationDelaySeconds: 60 }],
  'customers.createBalanceTransaction': (w) => [w.customer, { amount: -300, currency: 'EUR' }],
  'coupons.create': () => [{ amountOff: 200, currency: 'EUR', duration: 'once' }],
  'taxRates.create': () => [{ displayName: 'Reduced', percentage: 7, inclusive: true }],
  'taxRates.update': (w) => [w.taxRate, { displayName: 'VAT DE' }],
  'billing.creditGrants.create': (w) => [
    {
      customer: w.customer,
      amount: { type: 'monetary', monetary: { value: 80, currency: 'EUR' } },
      applicabilityConfig: { scope: { priceType: 'metered' } },
    },
  ],
  'billing.creditGrants.expire': (w) => [w.grant],
  'billing.creditGrants.voidGrant': (w) => [w.grant],
  'billing.meters.create': () => [
    { displayName: 'New', eventName: 'new', defaultAggregation: { formula: 'max' } },
  ],
  'billing.meters.deactivate': (w) => [w.meter],
  'billing.meters.reactivate': (w) => [w.inactiveMeter],
  'billing.meterEvents.create': (w) => [
    { eventName: 'requests', payload: { customer: w.customer, value: '2.5' }, identifier: 'x' },
  ],
  'billing.meterEvents.createBatch': (w) => [
    {
      events: [
        { eventName: 'requests', payload: { customer: w.customer, value: '4' } },
        { eventName: 'requests', payload: { customer: w.customer, value: '0.5' } },
      ],
    },
  ],
  'billing.meterEventAdjustments.create': () => [
    { eventName: 'requests', type: 'cancel', cancel: { identifier: 'to-cancel' } },
  ],
  'billing.alerts.create': (w) => [
    {
      alertType: 'usage_threshold',
      title: 'More',
      usageThreshold: { meter: w.meter, gte: 5, recurrence: 'one_time' },
    },
  ],
};

const mutating = [...registry].filter(([, entry]) => entry.mutates);
const checkpointed = mutating.filter(([, entry]) => !entry.atomic).map(([method]) => method);

function refusedLeavesNoTrace(sim: Simulator, run: () => unknown): boolean {
  const before = JSON.stringify(sim.snapshot());
  let refused = false;
  try {
    run();
  } catch (error) {
    if (!(error instanceof MeterlabError) && !(error instanceof InjectedFailure)) throw error;
    refused = true;
  }
  if (refused) expect(JSON.stringify(sim.snapshot())).toBe(before);
  return refused;
}

class InjectedFailure extends Error {}

/** The k-th event of the next call cannot be emitted (the call fails part-way there). */
function failAtEmit(k: number): void {
  const emit = ScenarioState.prototype.emit;
  let emitted = 0;
  vi.spyOn(ScenarioState.prototype, 'emit').mockImplementation(function (
    this: ScenarioState,
    ...args
  ) {
    if (emitted++ === k) throw new InjectedFailure(`emit #${k} failed`);
    return emit.apply(this, args);
  });
}

afterEach(() => vi.restoreAllMocks());

describe('every call is all-or-nothing', () => {
  it('has arguments for every mutating method of the registry', () => {
    expect(Object.keys(calls).sort()).toEqual(mutating.map(([method]) => method).sort());
  });

  it('a call that fails part-way (its k-th event cannot be emitted) changes nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...checkpointed), fc.nat(40), (method, k) => {
        const w = world();
        failAtEmit(k);
        refusedLeavesNoTrace(w.sim, () => w.sim.call(method as EngineMethod, calls[method]!(w)));
        vi.restoreAllMocks();
        // The scenario goes on as if the failed call never happened.
        w.sim.testClock.advance({ frozenTime: START + 200 * DAY });
      }),
      { numRuns: 60 },
    );
  });

  it('fails at each of its event points, every checkpointed method changes nothing', () => {
    // Exhaustive where the property above samples: checkpoints copy only the customers and
    // subscriptions a call reaches, so each point where a call can stop is tried.
    let tried = 0;
    for (const method of checkpointed) {
      const clean = world();
      const counted = vi.spyOn(ScenarioState.prototype, 'emit');
      clean.sim.call(method as EngineMethod, calls[method]!(clean));
      const points = counted.mock.calls.length;
      vi.restoreAllMocks();
      for (let k = 0; k < points; k++) {
        const w = world();
        failAtEmit(k);
        const before = JSON.stringify(w.sim.snapshot());
        expect(() => w.sim.call(method as EngineMethod, calls[method]!(w))).toThrow(
          InjectedFailure,
        );
        vi.restoreAllMocks();
        expect(JSON.stringify(w.sim.snapshot()), `${method}, emit #${k}`).toBe(before);
        w.sim.testClock.advance({ frozenTime: START + 200 * DAY });
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(checkpointed.length);
  });

  it('bad input to any mutating method changes nothing', () => {
    const garbage = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string(),
      fc.integer(),
      fc.dictionary(fc.string(), fc.jsonValue()),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...mutating.map(([m]) => m)),
        fc.array(garbage, { maxLength: 3 }),
        (method, args) => {
          const w = world();
          expect(refusedLeavesNoTrace(w.sim, () => w.sim.call(method, args))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses at intake a record that would bill beyond exact range, naming quantity', () => {
    const sim = createSimulator({ startTime: START });
    const product = sim.products.create({ name: 'Huge' }).id;
    const price = sim.prices.create({
      product,
      currency: 'EUR',
      unitAmountDecimal: '999999999999',
      recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
    }).id;
    const customer = sim.customers.create({ name: 'A', paymentMethod: 'pm_card_visa' }).id;
    const item = sim.subscriptions.create({ customer, items: [{ price }] }).items.data[0]!.id;
    let refusal: unknown;
    expect(
      refusedLeavesNoTrace(sim, () => {
        try {
          sim.usageRecords.create({ subscriptionItem: item, quantity: Number.MAX_SAFE_INTEGER });
        } catch (error) {
          refusal = error;
          throw error;
        }
      }),
    ).toBe(true);
    expect(refusal).toMatchObject({ code: 'quantity_too_large', param: 'quantity' });
    // 9,007 units at EUR 9,999,999,999.99 is within range; the clock then bills it.
    sim.usageRecords.create({ subscriptionItem: item, quantity: 9007 });
    sim.testClock.advanceBillingPeriod({ subscription: sim.subscriptions.list().data[0]!.id });
    expect(sim.invoices.list({ status: 'paid' }).data[0]!.total).toBe(9007 * 999999999999);
  });

  it('refuses a second record whose period sum would leave exact range, under sum', () => {
    const sim = createSimulator({ startTime: START });
    const product = sim.products.create({ name: 'Big' }).id;
    const price = sim.prices.create({
      product,
      currency: 'JPY',
      unitAmountDecimal: '0.000000000001',
      recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
    }).id;
    const customer = sim.customers.create({ name: 'A', paymentMethod: 'pm_card_visa' }).id;
    const item = sim.subscriptions.create({ customer, items: [{ price }] }).items.data[0]!.id;
    sim.usageRecords.create({ subscriptionItem: item, quantity: Number.MAX_SAFE_INTEGER - 1 });
    sim.testClock.advance({ frozenTime: START + 60 });
    expect(() =>
      sim.usageRecords.create({ subscriptionItem: item, quantity: Number.MAX_SAFE_INTEGER - 1 }),
    ).toThrow(expect.objectContaining({ code: 'quantity_too_large', param: 'quantity' }));
    // The clock still moves: nothing is left that the period close cannot bill.
    sim.testClock.advance({ frozenTime: START + 40 * DAY });
    expect(sim.invoices.list({ status: 'paid' }).data.length).toBeGreaterThan(0);
  });

  it('a clock move that cannot bill generated usage is refused whole and can be retried', () => {
    const sim = createSimulator({ startTime: START });
    const product = sim.products.create({ name: 'Generated' }).id;
    const price = sim.prices.create({
      product,
      currency: 'EUR',
      unitAmountDecimal: '999999999999',
      recurring: { interval: 'month', usageType: 'metered' },
    }).id;
    const other = sim.prices.create({
      product,
      currency: 'EUR',
      unitAmount: 100,
      recurring: { interval: 'month' },
    }).id;
    const customer = sim.customers.create({ name: 'A', paymentMethod: 'pm_card_visa' }).id;
    const sub = sim.subscriptions.create({ customer, items: [{ price }] });
    sim.subscriptions.create({ customer, items: [{ price: other }] });
    sim.generators.create({
      subscriptionItem: sub.items.data[0]!.id,
      spec: { pattern: { kind: 'constant', perHour: 1e9 }, action: 'increment' },
    });
    const before = JSON.stringify(sim.snapshot());
    expect(() => sim.testClock.advance({ frozenTime: START + 40 * DAY })).toThrow(MeterlabError);
    expect(JSON.stringify(sim.snapshot())).toBe(before);
    // Canceling the subscription (its usage is discarded) makes the same move possible.
    sim.subscriptions.cancel(sub.id);
    expect(sim.testClock.advance({ frozenTime: START + 40 * DAY }).frozenTime).toBe(
      START + 40 * DAY,
    );
  });
});
