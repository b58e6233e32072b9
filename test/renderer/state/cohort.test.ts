import { describe, expect, it } from 'vitest';
import type { Price } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { CohortState } from '../../../renderer/state/cohort.svelte';
import { EngineRefusal, FakeTransport } from '../fake-transport';

const price = { id: 'price_1', recurring: { usageType: 'metered' } } as Price;

function setup() {
  let n = 0;
  const transport = new FakeTransport()
    .on('customers.create', (args) => ({ id: `cust_${++n}`, name: args.name }) as never)
    .on(
      'subscriptions.create',
      (args) =>
        ({
          id: `sub_${n}`,
          items: { data: [{ id: `si_${n}`, price: args.items[0]!.price }] },
        }) as never,
    )
    .on('generators.create', (args) => ({ id: `gen_${n}`, spec: args.spec }) as never)
    .on('workspace.current', () => null);
  const app = new AppState(createApiClient(transport));
  return { transport, app, cohort: new CohortState(app) };
}

describe('CohortState', () => {
  it('creates each previewed customer with a subscription and a generator of its size', async () => {
    const { transport, app, cohort } = setup();
    cohort.count = 3;
    cohort.prefix = 'Team';
    cohort.seasonal = false;
    const sizes = cohort.sizes;
    const revision = app.revision;
    await cohort.create(price);
    expect(
      transport.callsOf('customers.create').map(([args]) => (args as { name: string }).name),
    ).toEqual(['Team 1', 'Team 2', 'Team 3']);
    const patterns = transport
      .callsOf('generators.create')
      .map(
        ([args]) =>
          (args as { spec: { pattern: { meanPerHour: number } } }).spec.pattern.meanPerHour,
      );
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

  it('stops at the first refusal and shows it', async () => {
    const { transport, cohort } = setup();
    cohort.count = 3;
    transport.on('generators.create', () => {
      throw new EngineRefusal('parameter_invalid', 'spec.pattern', 'Invalid spec.pattern.');
    });
    await cohort.create(price);
    expect(transport.callsOf('customers.create')).toHaveLength(1);
    expect(cohort.task.error?.code).toBe('parameter_invalid');
  });
});
