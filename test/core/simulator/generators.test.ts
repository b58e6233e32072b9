// Generated usage through the engine: it bills exactly what the same records would bill when
// reported live by hand, and a fast-forward gives the same state in one step, in many, or after
// being cancelled part way and resumed from a snapshot.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GeneratedUsage } from '../../../core/rules/usage/generated';
import type { GeneratorSpec } from '../../../core/rules/generators';
import { previewRecords } from '../../../core/rules/generators';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import type { AggregateUsage } from '../../../core/public/types';
import { anySpec } from './generator-arbitraries';
import { DAY, HOUR, MAR_1_2025, sumOfLines } from './fixtures';

const END = MAR_1_2025 + 22 * DAY; // three weekly periods and a day

function weeklyScenario(strategy: AggregateUsage, seed = 5) {
  const sim = createSimulator({ startTime: MAR_1_2025, seed });
  const product = sim.products.create({ name: 'Metered' });
  const price = sim.prices.create({
    product: product.id,
    currency: 'EUR',
    unitAmountDecimal: '0.5',
    recurring: { interval: 'week', usageType: 'metered', aggregateUsage: strategy },
  });
  sim.customers.create({ id: 'cust_g', name: 'G', paymentMethod: 'pm_card_visa' });
  const subscription = sim.subscriptions.create({
    customer: 'cust_g',
    items: [{ price: price.id }],
  });
  return { sim, item: subscription.items.data[0]!.id };
}

function billed(sim: Simulator) {
  return sim.invoices
    .list({ limit: 1000 })
    .data.map((invoice) => [
      invoice.id,
      invoice.status,
      invoice.total,
      invoice.lines.data.map((line) => [line.quantity, line.amount, line.period]),
    ]);
}

const strategies = fc.constantFrom<AggregateUsage>('sum', 'max', 'last_during_period', 'last_ever');

describe('generated usage', () => {
  it('bills the same as the identical records reported live through usageRecords.create', () => {
    fc.assert(
      fc.property(anySpec, strategies, (partial, strategy) => {
        const spec: GeneratorSpec = { ...partial, start: MAR_1_2025 + HOUR };
        const generated = weeklyScenario(strategy);
        generated.sim.testClock.advance({ frozenTime: MAR_1_2025 + HOUR });
        generated.sim.generators.create({ subscriptionItem: generated.item, spec });
        generated.sim.testClock.advance({ frozenTime: END });

        const byHand = weeklyScenario(strategy);
        const records = previewRecords(spec, 10_000).filter((record) => record.timestamp <= END);
        for (const record of records) {
          if (record.timestamp > byHand.sim.testClock.retrieve().frozenTime) {
            byHand.sim.testClock.advance({ frozenTime: record.timestamp });
          }
          byHand.sim.usageRecords.create({
            subscriptionItem: byHand.item,
            ...record,
            action: spec.action,
          });
        }
        byHand.sim.testClock.advance({ frozenTime: END });

        expect(billed(generated.sim)).toEqual(billed(byHand.sim));
      }),
      { numRuns: 40 },
    );
  });
});

describe('fast-forward with generators', () => {
  function generatedScenario() {
    const { sim, item } = weeklyScenario('sum', 9);
    sim.generators.create({
      subscriptionItem: item,
      spec: { pattern: { kind: 'poisson', meanPerHour: 12 }, seed: 77, action: 'increment' },
    });
    return sim;
  }

  it('gives the same state in one step, stepwise, and in many small advances', () => {
    const one = generatedScenario();
    one.testClock.advance({ frozenTime: END });
    const stepwise = generatedScenario();
    const steps = [...stepwise.advanceStepwise({ frozenTime: END })];
    expect(steps.length).toBeGreaterThan(3);
    const many = generatedScenario();
    for (let t = MAR_1_2025 + 6 * HOUR; t <= END; t += 6 * HOUR)
      many.testClock.advance({ frozenTime: t });

    const expected = JSON.stringify(one.snapshot());
    expect(JSON.stringify(stepwise.snapshot())).toBe(expected);
    expect(JSON.stringify(many.snapshot())).toBe(expected);
  });

  it('cancelled part way, leaves a consistent state that resumes to the same result', () => {
    const one = generatedScenario();
    one.testClock.advance({ frozenTime: END });

    const cancelled = generatedScenario();
    const steps = cancelled.advanceStepwise({ frozenTime: END });
    steps.next();
    steps.next(); // the host stops here: the clock rests at the last billing moment it ran
    const clock = cancelled.testClock.retrieve().frozenTime;
    expect(clock).toBeLessThan(END);
    for (const invoice of cancelled.invoices.list().data)
      expect(invoice.total).toBe(sumOfLines(invoice));

    const resumed = createSimulator({ snapshot: cancelled.snapshot() });
    resumed.testClock.advance({ frozenTime: END });
    expect(JSON.stringify(resumed.snapshot())).toBe(JSON.stringify(one.snapshot()));
  });
});

describe('a materialize that fails after removing the generators', () => {
  afterEach(() => vi.restoreAllMocks());

  it('leaves the generators and their records as they were, and they keep reporting', () => {
    const twin = () => {
      const { sim, item } = weeklyScenario('sum');
      for (const seed of [1, 2]) {
        sim.generators.create({
          subscriptionItem: item,
          spec: { pattern: { kind: 'poisson', meanPerHour: 5 }, action: 'increment', seed },
        });
      }
      sim.testClock.advance({ frozenTime: MAR_1_2025 + 3 * DAY });
      return { sim, item };
    };
    const failed = twin();
    const before = JSON.stringify(failed.sim.snapshot());
    // The checkpoint keeps the list of generators by its length; materialize is the one call that
    // removes from it, so it must keep the list as it was.
    const materialize = GeneratedUsage.prototype.materialize;
    vi.spyOn(GeneratedUsage.prototype, 'materialize').mockImplementation(function (
      this: GeneratedUsage,
      item: string,
    ) {
      materialize.call(this, item);
      throw new Error('fails after removing');
    });
    expect(() => failed.sim.generators.materialize({ subscriptionItem: failed.item })).toThrow(
      'fails after removing',
    );
    vi.restoreAllMocks();
    expect(JSON.stringify(failed.sim.snapshot())).toBe(before);
    expect(failed.sim.generators.list({ limit: 10 }).data).toHaveLength(2);
    const untouched = twin();
    for (const { sim } of [failed, untouched]) sim.testClock.advance({ frozenTime: END });
    expect(billed(failed.sim)).toEqual(billed(untouched.sim));
    expect(JSON.stringify(failed.sim.snapshot())).toBe(JSON.stringify(untouched.sim.snapshot()));
  });
});
