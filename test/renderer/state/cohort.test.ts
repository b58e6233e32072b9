import { describe, expect, it } from 'vitest';
import type { Price } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { CohortState } from '../../../renderer/state/cohort.svelte';
import { EngineRefusal, FakeTransport } from '../fake-transport';

const price = { id: 'price_1', recurring: { usageType: 'metered' } } as Price;

type Batch = {
  customers: {
    name: string;
    subscription?: { items: { price: string }[] };
    generators?: { spec: { pattern: { meanPerHour: number } } }[];
  }[];
};

function setup() {
  const transport = new FakeTransport()
    .on(
      'customers.createBatch',
      (args) =>
        ({
          object: 'list',
          data: args.customers.map((_, index) => ({
            customer: `cust_${index + 1}`,
            subscription: `sub_${index + 1}`,
            items: [`si_${index + 1}`],
            generators: [`gen_${index + 1}`],
          })),
        }) as never,
    )
    .on('workspace.current', () => null);
  const app = new AppState(createApiClient(transport));
  return { transport, app, cohort: new CohortState(app) };
}

const batchOf = (transport: FakeTransport) =>
  transport.callsOf('customers.createBatch').map(([args]) => args as Batch);

describe('CohortState', () => {
  it('creates every previewed customer with a subscription and a generator of its size, in one call', async () => {
    const { transport, app, cohort } = setup();
    cohort.count = 3;
    cohort.prefix = 'Team';
    cohort.seasonal = false;
    const sizes = cohort.sizes;
    const revision = app.revision;
    await cohort.create(price);
    const batches = batchOf(transport);
    expect(batches).toHaveLength(1);
    expect(transport.calls.filter((call) => call.method !== 'workspace.current')).toHaveLength(1);
    const entries = batches[0]!.customers;
    expect(entries.map((entry) => entry.name)).toEqual(['Team 1', 'Team 2', 'Team 3']);
    expect(entries.map((entry) => entry.subscription?.items[0]!.price)).toEqual([
      'price_1',
      'price_1',
      'price_1',
    ]);
    const patterns = entries.map((entry) => entry.generators![0]!.spec.pattern.meanPerHour);
    expect(patterns).toEqual(sizes);
    // One reload for the whole cohort.
    expect(app.revision).toBe(revision + 1);
    expect(app.notices.at(-1)?.text).toBe('Added 3 customers with their usage generators.');
  });

  it('refuses a plan out of range without calling the engine', async () => {
    const { transport, cohort } = setup();
    cohort.count = 0;
    expect(cohort.problem).toBe('How many: a whole number from 1 to 1000.');
    expect(cohort.sizes).toEqual([]);
    await cohort.create(price);
    expect(transport.calls).toEqual([]);
  });

  it('shows the refusal of the batch, which made nothing', async () => {
    const { transport, app, cohort } = setup();
    cohort.count = 3;
    transport.on('customers.createBatch', () => {
      throw new EngineRefusal(
        'parameter_invalid',
        'customers[1].generators[0].spec.pattern',
        'Invalid spec.pattern.',
      );
    });
    await cohort.create(price);
    expect(batchOf(transport)).toHaveLength(1);
    expect(cohort.task.error?.code).toBe('parameter_invalid');
    expect(app.notices.some((notice) => notice.text.startsWith('Added'))).toBe(false);
  });
});
