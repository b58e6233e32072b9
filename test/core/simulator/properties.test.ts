// Properties of random call sequences (fast-check): usage with random timestamps, actions and
// idempotency keys, clock advances, price swaps, seat changes, cancels and card changes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../../core/values/errors';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import type { ProrationBehavior, TestCard, UsageAction } from '../../../core/public/types';
import {
  DAY,
  GUIDE_PRICE,
  eventsOf,
  expectSameJson,
  licensedPrice,
  meteredPrice,
  scenario,
  sumOfLines,
} from './fixtures';

type Op =
  | {
      kind: 'usage';
      item: number;
      /** Seconds before the clock (negative: after it, in the future). */
      back: number;
      quantity: number;
      action: UsageAction;
      key: string | undefined;
    }
  | {
      kind: 'batch';
      item: number;
      records: { back: number; quantity: number; action: UsageAction }[];
      key: string | undefined;
    }
  | { kind: 'advance'; seconds: number }
  | { kind: 'swap'; behavior: ProrationBehavior }
  | { kind: 'seats'; quantity: number; behavior: ProrationBehavior }
  | { kind: 'cancelAtPeriodEnd'; value: boolean }
  | { kind: 'cancel'; invoiceNow: boolean }
  | { kind: 'card'; card: TestCard };

const action = fc.constantFrom<UsageAction>('increment', 'set');
const behavior = fc.constantFrom<ProrationBehavior>('create_prorations', 'always_invoice', 'none');
const key = fc.option(fc.constantFrom('k1', 'k2', 'k3'), { nil: undefined });
/** Mostly recent, sometimes before the period (backdated), rarely in the future. */
const back = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: DAY }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 * DAY }) },
  { weight: 1, arbitrary: fc.integer({ min: -3600, max: -1 }) },
);
/** Items 0 and 1 are metered, item 2 is licensed (usage on it is rejected). */
const item = fc.constantFrom(0, 0, 1, 2);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 18,
    arbitrary: fc.record({
      kind: fc.constant('usage' as const),
      item,
      back,
      quantity: fc.integer({ min: 0, max: 5000 }),
      action,
      key,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      item,
      records: fc.array(fc.record({ back, quantity: fc.integer({ min: 0, max: 5000 }), action }), {
        minLength: 1,
        maxLength: 4,
      }),
      key,
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      // Short hops (into a finalization grace), days, or past a period end.
      seconds: fc.oneof(
        fc.integer({ min: 0, max: 2 * 3600 }),
        fc.integer({ min: 0, max: 12 * DAY }),
        fc.integer({ min: 20 * DAY, max: 35 * DAY }),
      ),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('swap' as const), behavior }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('seats' as const),
      quantity: fc.integer({ min: 0, max: 5 }),
      behavior,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cancelAtPeriodEnd' as const), value: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), invoiceNow: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('card' as const),
      card: fc.constantFrom<TestCard>('pm_card_visa', 'pm_card_chargeDeclined'),
    }),
  },
);
const ops = (maxLength: number) => fc.array(op, { maxLength, size: 'max' });

interface World {
  sim: Simulator;
  subscription: string;
  customer: string;
  items: string[];
  /** The two metered prices item 0 swaps between. */
  swapPrices: [string, string];
}

/**
 * The guide's subscription plus a max-aggregated item and a licensed seat item. With `warm`, both
 * metered items hold a record already.
 */
function world(warm = false, seed = 42): World {
  const built = scenario({
    seed,
    prices: [GUIDE_PRICE, meteredPrice('7', { aggregateUsage: 'max' }), licensedPrice(1000)],
    quantities: [undefined, undefined, 2],
  });
  const other = built.sim.prices.create({ ...meteredPrice('1'), product: built.productId });
  if (warm) {
    for (const id of built.items.slice(0, 2))
      built.sim.usageRecords.create({ subscriptionItem: id, quantity: 1 });
  }
  return {
    sim: built.sim,
    subscription: built.subscription.id,
    customer: built.customerId,
    items: built.items,
    swapPrices: [built.price.id, other.id],
  };
}

/** Same world, other simulator (a restored one). */
const onSim = (base: World, sim: Simulator): World => ({ ...base, sim });

function apply(w: World, step: Op): unknown {
  const { sim } = w;
  const now = sim.testClock.retrieve().frozenTime;
  const options = (k: string | undefined) => (k === undefined ? undefined : { idempotencyKey: k });
  switch (step.kind) {
    case 'usage':
      return sim.usageRecords.create(
        {
          subscriptionItem: w.items[step.item]!,
          quantity: step.quantity,
          timestamp: now - step.back,
          action: step.action,
        },
        options(step.key),
      );
    case 'batch':
      return sim.usageRecords.createBatch(
        {
          subscriptionItem: w.items[step.item]!,
          records: step.records.map((record) => ({
            quantity: record.quantity,
            timestamp: now - record.back,
            action: record.action,
          })),
        },
        options(step.key),
      );
    case 'advance':
      return sim.testClock.advance({ frozenTime: now + step.seconds });
    case 'swap': {
      const current = sim.subscriptions.retrieve(w.subscription).items.data[0]!.price;
      const next = current === w.swapPrices[0] ? w.swapPrices[1] : w.swapPrices[0];
      return sim.subscriptions.update(w.subscription, {
        items: [{ id: w.items[0]!, price: next }],
        prorationBehavior: step.behavior,
      });
    }
    case 'seats':
      return sim.subscriptions.update(w.subscription, {
        items: [{ id: w.items[2]!, quantity: step.quantity }],
        prorationBehavior: step.behavior,
      });
    case 'cancelAtPeriodEnd':
      return sim.subscriptions.update(w.subscription, { cancelAtPeriodEnd: step.value });
    case 'cancel':
      return sim.subscriptions.cancel(w.subscription, { invoiceNow: step.invoiceNow });
    case 'card':
      return sim.customers.update(w.customer, { paymentMethod: step.card });
  }
}

/** Runs a step; a MeterlabError is a rejection (returned as its envelope), anything else fails. */
function attempt(w: World, step: Op): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: apply(w, step) };
  } catch (error) {
    if (!(error instanceof MeterlabError)) throw error;
    return { ok: false, error: error.toEnvelope() };
  }
}

const snapshotText = (sim: Simulator) => JSON.stringify(sim.snapshot());

describe('random call sequences', () => {
  it("every invoice's total is the sum of its line amounts", () => {
    fc.assert(
      fc.property(ops(30), (steps) => {
        const w = world();
        for (const step of steps) attempt(w, step);
        const invoices = w.sim.invoices.list({ limit: 10_000 }).data;
        for (const invoice of invoices) {
          expect(invoice.total).toBe(sumOfLines(invoice));
          expect(invoice.subtotal).toBe(invoice.total);
          // A negative total is not lost: it is credit on the balance (startingBalance < 0 later).
          expect(invoice.amountDue).toBe(Math.max(0, invoice.total + invoice.startingBalance));
          if (invoice.endingBalance !== null)
            expect(invoice.endingBalance).toBe(
              Math.min(0, invoice.total + invoice.startingBalance),
            );
          if (invoice.status === 'paid') expect(invoice.amountPaid).toBe(invoice.amountDue);
        }
        const subscription = w.sim.subscriptions.retrieve(w.subscription);
        if (subscription.endedAt === null) {
          const upcoming = w.sim.invoices.upcoming({ subscription: w.subscription });
          expect(upcoming.total).toBe(sumOfLines(upcoming));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a replayed idempotent call returns the same response and changes nothing', () => {
    fc.assert(
      fc.property(ops(25), (steps) => {
        const w = world();
        for (const step of steps) {
          const first = attempt(w, step);
          if (!first.ok || !('key' in step) || step.key === undefined) continue;
          const before = snapshotText(w.sim);
          const replay = attempt(w, step);
          expect(replay).toEqual(first);
          expectSameJson(snapshotText(w.sim), before, 'a replayed call changed the snapshot');
        }
      }),
      { numRuns: 40 },
    );
  });

  it('any rejected call leaves the snapshot byte-identical', () => {
    fc.assert(
      fc.property(ops(25), (steps) => {
        const w = world();
        for (const step of steps) {
          const before = snapshotText(w.sim);
          if (attempt(w, step).ok) continue;
          expectSameJson(
            snapshotText(w.sim),
            before,
            `rejected ${JSON.stringify(step)} changed it`,
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it('any rejected call leaves the snapshot byte-identical, on items that already hold usage', () => {
    fc.assert(
      fc.property(ops(25), (steps) => {
        const w = world(true);
        for (const step of steps) {
          const before = snapshotText(w.sim);
          if (attempt(w, step).ok) continue;
          expectSameJson(
            snapshotText(w.sim),
            before,
            `rejected ${JSON.stringify(step)} changed it`,
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it('snapshot -> createSimulator({ snapshot }) -> the same future', () => {
    fc.assert(
      fc.property(ops(20), ops(15), (before, after) => {
        const original = world();
        for (const step of before) attempt(original, step);
        const restored = onSim(original, createSimulator({ snapshot: original.sim.snapshot() }));
        for (const step of after) {
          expect(attempt(restored, step)).toEqual(attempt(original, step));
        }
        expectSameJson(snapshotText(restored.sim), snapshotText(original.sim), 'futures differ');
      }),
      { numRuns: 30 },
    );
  });

  it('one big clock advance gives the same invoices and events as many small ones', () => {
    const cuts = fc.array(fc.integer({ min: 0, max: 70 * DAY }), { maxLength: 8 });
    fc.assert(
      fc.property(ops(20), fc.integer({ min: 0, max: 70 * DAY }), cuts, (setup, span, stops) => {
        const big = world();
        const small = world();
        for (const step of setup) {
          attempt(big, step);
          attempt(small, step);
        }
        const from = big.sim.testClock.retrieve().frozenTime;
        big.sim.testClock.advance({ frozenTime: from + span });
        const times = [...stops.filter((stop) => stop <= span), span].sort((a, b) => a - b);
        for (const time of times) small.sim.testClock.advance({ frozenTime: from + time });

        const invoices = (sim: Simulator) => sim.invoices.list({ limit: 10_000 }).data;
        expect(invoices(small.sim)).toEqual(invoices(big.sim));
        expect(eventsOf(small.sim)).toEqual(eventsOf(big.sim));
        expect(small.sim.subscriptions.list().data).toEqual(big.sim.subscriptions.list().data);
      }),
      { numRuns: 30 },
    );
  });
});
