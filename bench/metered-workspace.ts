// A workspace on disk (the real file store, electron/store.ts) holding one scenario of metered
// subscriptions with many stored usage records: what the growth curves measure and what the e2e
// test opens with 10M records. Setup goes through dispatch; the records go straight to the open
// simulator, 10,000 a createBatch, so their ingest is timed without a save per batch.
import { createDispatcher } from '../core/dispatch';
import type { Simulator } from '../core/simulator';
import { Workspace } from '../core/workspace';
import { LowdbWorkspaceStore } from '../electron/store';

/** The records lie in the first 28 days of the first period; the clock stands at their end. */
export const USAGE_SECONDS = 28 * 86_400;
/** EUR 0.002 per record of quantity 1. */
export const UNIT_AMOUNT_DECIMAL = '0.2';
const BATCH = 10_000;

export interface MeteredWorkspace {
  workspace: Workspace;
  store: LowdbWorkspaceStore;
  simulator: Simulator;
  /** When the subscriptions started (the scenario's creation time). */
  start: number;
  /** The subscription items, one per customer, in customer order. */
  items: string[];
}

export async function openWorkspace(
  file: string,
): Promise<{ workspace: Workspace; store: LowdbWorkspaceStore }> {
  const store = await LowdbWorkspaceStore.open({ file });
  const workspace = await Workspace.load({ store, now: Date.now });
  return { workspace, store };
}

/**
 * A new workspace at `file` with `customers` customers on one monthly metered price; with
 * `perHour`, each subscription gets a Poisson generator sending that many records an hour (one
 * slot an hour), for a fast-forward to generate its usage. The clock then stands 28 days on.
 */
export async function meteredWorkspace(
  file: string,
  customers: number,
  perHour?: number,
): Promise<MeteredWorkspace> {
  const { workspace, store } = await openWorkspace(file);
  const dispatch = createDispatcher(workspace, {
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
  });
  const call = async (method: string, ...args: unknown[]) => {
    const result = await dispatch(method, args);
    if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
    return result.data as { id: string };
  };
  await call('workspace.create', { name: `${customers} customers, metered` });
  const product = (await call('products.create', { name: 'API access' })).id;
  const price = (
    await call('prices.create', {
      product,
      nickname: 'API calls',
      currency: 'EUR',
      unitAmountDecimal: UNIT_AMOUNT_DECIMAL,
      recurring: { interval: 'month', usageType: 'metered' },
    })
  ).id;
  await call('customers.createBatch', {
    customers: Array.from({ length: customers }, (_, index) => ({
      name: `Customer ${index + 1}`,
      paymentMethod: 'pm_card_visa',
      subscription: { items: [{ price }] },
      ...(perHour
        ? {
            generators: [
              {
                spec: {
                  pattern: { kind: 'poisson', meanPerHour: perHour },
                  action: 'increment',
                  resolutionSeconds: 3600,
                  seed: index,
                },
              },
            ],
          }
        : {}),
    })),
  });
  const simulator = workspace.simulator!;
  const start = simulator.testClock.retrieve().frozenTime;
  simulator.testClock.advance({ frozenTime: start + USAGE_SECONDS });
  const items = simulator.subscriptions
    .list({ limit: customers })
    .data.map((subscription) => subscription.items.data[0]!.id)
    .reverse();
  return { workspace, store, simulator, start, items };
}

/**
 * `total` records of quantity 1, spread evenly over the items and over the usage seconds, in
 * batches of 10,000 (the last one of an item smaller). Not saved: the caller saves when it likes.
 */
export function ingest(metered: MeteredWorkspace, total: number): void {
  const { simulator, items, start } = metered;
  const perItem = Math.ceil(total / items.length);
  const records = Array.from({ length: BATCH }, () => ({ quantity: 1, timestamp: 0 }));
  let left = total;
  for (const item of items) {
    const count = Math.min(perItem, left);
    left -= count;
    for (let first = 0; first < count; first += BATCH) {
      const size = Math.min(BATCH, count - first);
      for (let i = 0; i < size; i++)
        records[i]!.timestamp = start + 1 + Math.floor(((first + i) * (USAGE_SECONDS - 2)) / count);
      simulator.usageRecords.createBatch({
        subscriptionItem: item,
        records: size === BATCH ? records : records.slice(0, size),
      });
    }
  }
}

/** Saves every change to the workspace file now and waits until it is durable. */
export async function saveNow(workspace: Workspace): Promise<void> {
  workspace.markChanged();
  await workspace.save();
}
