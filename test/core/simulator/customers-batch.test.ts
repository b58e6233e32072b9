// customers.createBatch: a cohort of customers with subscriptions and generators in one call, all
// or nothing, journaled so that a scenario file replays it (and materialize can take it apart).
import { describe, expect, it } from 'vitest';
import { exportScenario, replayScenario } from '../../../core/scenario/replay';
import { createSimulator } from '../../../core/simulator';
import { MeterlabError } from '../../../core/values/errors';

const START = 1_740_787_200; // 2025-03-01
const DAY = 86_400;

function catalog() {
  const sim = createSimulator({ startTime: START, seed: 3 });
  const product = sim.products.create({ name: 'API' }).id;
  const price = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmountDecimal: '0.5',
    recurring: { interval: 'month', usageType: 'metered' },
  }).id;
  return { sim, price };
}

const cohort = (price: string, count: number) => ({
  customers: Array.from({ length: count }, (_, index) => ({
    name: `Customer ${index + 1}`,
    paymentMethod: 'pm_card_visa' as const,
    subscription: { items: [{ price }] },
    generators: [
      {
        spec: {
          pattern: { kind: 'constant' as const, perHour: index + 1 },
          action: 'increment' as const,
        },
      },
    ],
  })),
});

describe('customers.createBatch', () => {
  it('makes every customer with its subscription and generator, as the single calls would', () => {
    const { sim, price } = catalog();
    const made = sim.customers.createBatch(cohort(price, 3));
    expect(made.data).toHaveLength(3);
    const names = made.data.map((entry) => sim.customers.retrieve(entry.customer).name);
    expect(names).toEqual(['Customer 1', 'Customer 2', 'Customer 3']);
    expect(sim.customers.list().data).toHaveLength(3);
    expect(sim.subscriptions.list().data).toHaveLength(3);
    expect(sim.generators.list().data).toHaveLength(3);
    const [first] = made.data;
    const subscription = sim.subscriptions.retrieve(first!.subscription!);
    expect(subscription.customer).toBe(first!.customer);
    expect(first!.items).toEqual([subscription.items.data[0]!.id]);
    const generator = sim.generators.list().data.find((g) => g.id === first!.generators[0]);
    expect(generator && 'subscriptionItem' in generator && generator.subscriptionItem).toBe(
      first!.items[0],
    );

    // A month of constant usage: customer n reports n units an hour, billed at half a cent each.
    sim.testClock.advance({ frozenTime: START + 31 * DAY + 2 * 3600 });
    const cycle = sim.invoices
      .list({ limit: 100 })
      .data.filter((invoice) => invoice.billingReason === 'subscription_cycle')
      .map((invoice) => invoice.total)
      .sort((a, b) => a - b);
    // March has 31 days × 24 h = 744 hours: 744 × n units × 0.5 cents.
    expect(cycle).toEqual([372, 744, 1116]);
  });

  it('is all or nothing: a bad entry anywhere refuses the whole batch, naming the entry', () => {
    const { sim, price } = catalog();
    const batch = cohort(price, 5);
    batch.customers[3]!.subscription.items[0]!.price = 'price_missing';
    const before = JSON.stringify(sim.snapshot());
    let refusal: unknown;
    try {
      sim.customers.createBatch(batch);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(MeterlabError);
    expect(refusal).toMatchObject({
      code: 'resource_missing',
      param: 'customers[3].subscription.items[0].price',
    });
    expect(JSON.stringify(sim.snapshot())).toBe(before);
  });

  it('refuses generators without a subscription, and an item index the subscription lacks', () => {
    const { sim, price } = catalog();
    const spec = {
      pattern: { kind: 'constant' as const, perHour: 1 },
      action: 'increment' as const,
    };
    expect(() =>
      sim.customers.createBatch({ customers: [{ name: 'A', generators: [{ spec }] }] }),
    ).toThrowError(expect.objectContaining({ param: 'customers[0].subscription' }));
    expect(() =>
      sim.customers.createBatch({
        customers: [
          { name: 'A', subscription: { items: [{ price }] }, generators: [{ spec, item: 1 }] },
        ],
      }),
    ).toThrowError(expect.objectContaining({ param: 'customers[0].generators[0].item' }));
    expect(sim.customers.list().data).toHaveLength(0);
  });

  it('replays from a scenario file to the same state, also after one generator is materialized', () => {
    const { sim, price } = catalog();
    const made = sim.customers.createBatch(cohort(price, 4));
    sim.testClock.advance({ frozenTime: START + 10 * DAY });
    const replayed = replayScenario(exportScenario(sim.snapshot(), { name: 'Cohort' }));
    expect(replayed.snapshot()).toEqual(sim.snapshot());

    const item = made.data[1]!.items[0]!;
    sim.generators.materialize({ subscriptionItem: item });
    sim.testClock.advance({ frozenTime: START + 40 * DAY });
    const file = exportScenario(sim.snapshot(), { name: 'Cohort' });
    const batchCall = file.calls.find((call) => call.method === 'customers.createBatch')!;
    const entries = (batchCall.args[0] as { customers: { generators?: unknown[] }[] }).customers;
    expect(entries.map((entry) => entry.generators?.length)).toEqual([1, 0, 1, 1]);
    const again = replayScenario(file);
    expect(again.invoices.list({ limit: 100 })).toEqual(sim.invoices.list({ limit: 100 }));
    expect(again.generators.list().data).toHaveLength(3);
  });

  it('takes up to 1,000 customers', () => {
    const { sim, price } = catalog();
    expect(() => sim.customers.createBatch(cohort(price, 1001))).toThrowError(
      expect.objectContaining({ code: 'parameter_invalid', param: 'customers' }),
    );
    expect(sim.customers.createBatch(cohort(price, 1000)).data).toHaveLength(1000);
  });
});
