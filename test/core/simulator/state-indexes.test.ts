// What ScenarioState indexes instead of walking every object on each call: the invoices that may
// still change (a checkpoint copies those), and events by id (built at the first lookup, kept up
// to date through emits and pruning). Each index must say what a walk of the lists would say.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScenarioState } from '../../../core/resources/state';
import { GeneratedUsage } from '../../../core/rules/usage/generated';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import { MeterlabError } from '../../../core/values/errors';
import { DAY, MAR_1_2025, licensedPrice, meteredPrice } from './fixtures';

type Step =
  | { kind: 'subscribe'; declined: boolean }
  | { kind: 'advance'; days: number }
  | { kind: 'pay' | 'void' | 'uncollectible'; pick: number }
  | { kind: 'fixCard'; pick: number }
  | { kind: 'refused' }
  | { kind: 'queue'; pick: number }
  | { kind: 'lookUp'; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('subscribe' as const), declined: fc.boolean() }),
  fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 20 }) }),
  fc.record({
    kind: fc.constantFrom('pay' as const, 'void' as const, 'uncollectible' as const),
    pick: fc.nat(),
  }),
  fc.record({ kind: fc.constant('fixCard' as const), pick: fc.nat() }),
  fc.constant({ kind: 'refused' as const }),
  fc.record({ kind: fc.constant('queue' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('lookUp' as const), pick: fc.nat() }),
);

/** Runs a call; a refusal (MeterlabError) is part of the scenario. */
function attempt(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof MeterlabError)) throw error;
  }
}

function world(): { sim: Simulator; price: string } {
  const sim = createSimulator({
    startTime: MAR_1_2025,
    seed: 3,
    // Ten days of events, so a few advances prune some.
    settings: { whenRetriesExhausted: 'unpaid', eventRetentionDays: 10 },
  });
  const product = sim.products.create({ name: 'Seats' }).id;
  const price = sim.prices.create({ ...licensedPrice(1500), product }).id;
  sim.customers.create({ id: 'cust_first', name: 'First' });
  // Events queued for it stay pending (no host sends them): kept past the retention.
  sim.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hooks' });
  return { sim, price };
}

function run(sim: Simulator, price: string, step: Step, n: number): void {
  const invoices = sim.view().invoices;
  const pick = 'pick' in step ? step.pick : 0;
  const invoice = invoices.length ? invoices[pick % invoices.length]! : null;
  switch (step.kind) {
    case 'subscribe': {
      const customer = sim.customers.create({
        name: `C${n}`,
        paymentMethod: step.declined ? 'pm_card_chargeDeclined' : 'pm_card_visa',
      }).id;
      sim.subscriptions.create({ customer, items: [{ price }] });
      return;
    }
    case 'advance':
      sim.testClock.advance({ frozenTime: sim.testClock.retrieve().frozenTime + step.days * DAY });
      return;
    case 'pay':
      if (invoice) attempt(() => sim.invoices.pay(invoice.id));
      return;
    case 'void':
      if (invoice) attempt(() => sim.invoices.voidInvoice(invoice.id));
      return;
    case 'uncollectible':
      if (invoice) attempt(() => sim.invoices.markUncollectible(invoice.id));
      return;
    case 'fixCard':
      if (invoice) sim.customers.update(invoice.customer, { paymentMethod: 'pm_card_visa' });
      return;
    case 'refused':
      // Fails after its checkpoint (the price is looked up in the call): the state is rebuilt.
      attempt(() =>
        sim.subscriptions.create({ customer: 'cust_first', items: [{ price: 'price_none' }] }),
      );
      return;
    case 'queue': {
      // One event, an old one when there are many: the retention keeps it while it is pending.
      const listed = sim.events.list({ limit: 1000 }).data;
      if (listed.length)
        sim.webhookEndpoints.queueDeliveries({
          events: [listed.at(-1 - (pick % listed.length))!.id],
        });
      return;
    }
    case 'lookUp':
      lookUpEvents(sim, 1 + pick);
  }
}

/** The events kept: all those of the retention window, and older ones only while pending. */
function checkRetention(sim: Simulator): number {
  const now = sim.testClock.retrieve().frozenTime;
  const listed = sim.events.list({ limit: 1000 }).data;
  const old = listed.filter((event) => event.created < now - 10 * DAY);
  for (const event of old) {
    const logs = sim.webhookEndpoints.deliveryLog({ event: event.id });
    expect(logs.some((log) => log.status === 'pending')).toBe(true);
  }
  // Oldest first, as emitted.
  const created = listed.map((event) => event.created).reverse();
  expect(created).toEqual([...created].sort((a, b) => a - b));
  return old.length;
}

/** The newest `count` events (1 to 1,000) are found by id, as listed; a made-up id is not. */
function lookUpEvents(sim: Simulator, count = 1000): void {
  for (const event of sim.events.list({ limit: 1 + ((count - 1) % 1000) }).data)
    expect(sim.events.retrieve(event.id)).toEqual(event);
  expect(() => sim.events.retrieve('evt_000000000000')).toThrow(/No such event/);
}

afterEach(() => vi.restoreAllMocks());

describe('state indexes', () => {
  it('a checkpoint copies every invoice that is not paid or void, whatever ran before', () => {
    const changeable = ScenarioState.prototype.changeableInvoices;
    let checked = 0;
    let nonEmpty = 0;
    vi.spyOn(ScenarioState.prototype, 'changeableInvoices').mockImplementation(function (
      this: ScenarioState,
    ) {
      const listed = changeable.call(this);
      const walked = this.data.invoices.filter(
        (invoice) => invoice.status !== 'paid' && invoice.status !== 'void',
      );
      expect(new Set(listed)).toEqual(new Set(walked));
      checked++;
      if (listed.length > 0) nonEmpty++;
      return listed;
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const { sim, price } = world();
        steps.forEach((s, n) => run(sim, price, s, n));
        // One more checkpointed call after the last step.
        sim.testClock.advance({ frozenTime: sim.testClock.retrieve().frozenTime + DAY });
      }),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(60);
    // Declined cards leave invoices open: the property saw non-empty lists too.
    expect(nonEmpty).toBeGreaterThan(0);
  });

  it('finds each event by id through emits, prunes and refused calls', () => {
    let keptPending = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const { sim, price } = world();
        steps.forEach((s, n) => {
          run(sim, price, s, n);
          lookUpEvents(sim);
          keptPending += checkRetention(sim);
        });
      }),
      { numRuns: 40 },
    );
    // Some prunes kept an old event still on its way to the endpoint.
    expect(keptPending).toBeGreaterThan(0);
  });

  it('finds the events emitted since the last lookup that outlive a prune', () => {
    const { sim, price } = world();
    const customer = sim.customers.create({ name: 'Paying', paymentMethod: 'pm_card_visa' }).id;
    sim.subscriptions.create({ customer, items: [{ price }] });
    lookUpEvents(sim);
    // The period closes on day 31: its events stay, those of day 0 are pruned (10-day window).
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 33 * DAY });
    const listed = sim.events.list().data;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((event) => event.created >= MAR_1_2025 + 23 * DAY)).toBe(true);
    lookUpEvents(sim);
  });

  it('an event keeps its object as of the emit when the object changes later', () => {
    const { sim, price } = world();
    const customer = sim.customers.create({
      name: 'Late',
      paymentMethod: 'pm_card_chargeDeclined',
    });
    sim.subscriptions.create({ customer: customer.id, items: [{ price }] });
    const failed = sim.events.list({ type: 'invoice.payment_failed' }).data[0]!;
    expect(failed.data).toMatchObject({ object: 'invoice', status: 'open', amountPaid: 0 });
    const attempts = (failed.data as { attempts: unknown[] }).attempts.length;
    sim.customers.update(customer.id, { paymentMethod: 'pm_card_visa' });
    sim.invoices.pay(failed.data.id);
    // Looked up once before the pay (the index holds it) and again after: unchanged both times.
    const again = sim.events.retrieve(failed.id);
    expect(again).toEqual(failed);
    expect((again.data as { attempts: unknown[] }).attempts).toHaveLength(attempts);
    expect(sim.invoices.retrieve(failed.data.id).status).toBe('paid');
  });

  it('a refused call keeps the generated usage as it is: the scenario bills as if it never ran', () => {
    const twin = () => {
      const { sim } = world();
      const product = sim.products.create({ name: 'Calls' }).id;
      const price = sim.prices.create({ ...meteredPrice('0.2'), product }).id;
      const customer = sim.customers.create({ name: 'Gen', paymentMethod: 'pm_card_visa' }).id;
      const item = sim.subscriptions.create({ customer, items: [{ price }] }).items.data[0]!.id;
      sim.generators.create({
        subscriptionItem: item,
        spec: { pattern: { kind: 'poisson', meanPerHour: 30 }, action: 'increment' },
      });
      sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
      return sim;
    };
    const plain = twin();
    const refused = twin();
    const regenerated = vi.spyOn(GeneratedUsage.prototype, 'restore');
    // Refused after its checkpoint (the price is looked up in the call).
    expect(() =>
      refused.subscriptions.create({ customer: 'cust_first', items: [{ price: 'price_none' }] }),
    ).toThrow(/No such price/);
    // The records and cursors were kept, not made again.
    expect(regenerated).not.toHaveBeenCalled();
    for (const sim of [plain, refused])
      sim.testClock.advance({ frozenTime: MAR_1_2025 + 45 * DAY });
    expect(JSON.stringify(refused.snapshot())).toBe(JSON.stringify(plain.snapshot()));
    expect(refused.view().invoices.at(-1)!.total).toBeGreaterThan(0);
  });
});
