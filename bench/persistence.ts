// `npx tsx bench/persistence.ts [--records N] [--invoices N]`: the save/load path of the
// workspace file store, each figure beside its goal (issues 10 and 16). A workspace with N stored
// usage records (default 10M, manual records in columns) and one with N invoices (default 100k)
// are written to a temp folder with the real store, then, through dispatch as a host runs it:
// one usage record saved durably, an advance to the invoice, a reload, and the longest event-loop
// block of each (the larger of monitorEventLoopDelay's max and the longest gap between 5 ms ticks).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatcher } from '../core/dispatch';
import type { Dispatch } from '../core/dispatch';
import { Workspace } from '../core/workspace';
import { LowdbWorkspaceStore } from '../electron/store';
import { watched } from './event-loop-probe';
import { manyInvoicesSnapshot } from './many-invoices';
import { figure, writeResults } from './report';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

const RECORDS = option('records', 10_000_000);
const INVOICES = option('invoices', 100_000);
const ITEMS = 100;

async function openWorkspace(file: string) {
  const store = await LowdbWorkspaceStore.open({ file });
  const workspace = await Workspace.load({ store, now: Date.now });
  const dispatch = createDispatcher(workspace, {
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
    now: () => performance.now(),
  });
  return { store, workspace, dispatch };
}

async function call(dispatch: Dispatch, method: string, ...args: unknown[]): Promise<unknown> {
  const result = await dispatch(method, args);
  if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
  if ('saved' in result && result.saved === false) throw new Error(`${method} was not saved`);
  return result.data;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/** One figure through the bench reporter: `value` against a goal it must stay under. */
function line(
  id: string,
  label: string,
  value: number,
  goal: number,
  unit: 'ms' | 'B' = 'ms',
): void {
  figure({ id, label, value, unit, goal: { atMost: goal } });
}

/** A workspace holding `records` manual usage records over ITEMS metered subscriptions. */
async function usageWorkspace(
  folder: string,
): Promise<{ file: string; items: string[]; subscription: string }> {
  const file = join(folder, 'records.json');
  const { store, workspace, dispatch } = await openWorkspace(file);
  await call(dispatch, 'workspace.create', { name: 'records' });
  const sim = workspace.simulator!;
  const start = sim.view().clock.frozenTime;
  const perItem = Math.ceil(RECORDS / ITEMS);
  const product = sim.products.create({ name: 'API' }).id;
  const price = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmountDecimal: '0.002',
    recurring: { interval: 'month', usageType: 'metered' },
  }).id;
  const items: string[] = [];
  let subscription = '';
  for (let i = 0; i < ITEMS; i++) {
    const customer = sim.customers.create({ name: `C${i}`, paymentMethod: 'pm_card_visa' }).id;
    const created = sim.subscriptions.create({ customer, items: [{ price }] });
    subscription ||= created.id;
    items.push(created.items.data[0]!.id);
  }
  sim.testClock.advance({ frozenTime: start + perItem + 10 });
  const batch = 10_000;
  for (const item of items) {
    for (let from = 0; from < perItem; from += batch) {
      const count = Math.min(batch, perItem - from);
      const records = Array.from({ length: count }, (_, i) => ({
        timestamp: start + 1 + from + i,
        quantity: 1 + ((from + i) % 7),
      }));
      sim.usageRecords.createBatch({ subscriptionItem: item, records });
    }
  }
  await call(dispatch, 'workspace.save');
  await workspace.flush();
  await store.close();
  return { file, items, subscription };
}

/** A workspace with `INVOICES` invoices (a small billed scenario's invoices repeated). */
async function invoiceWorkspace(folder: string): Promise<string> {
  const file = join(folder, 'invoices.json');
  const store = await LowdbWorkspaceStore.open({ file });
  await store.save({
    revision: 1,
    currentScenario: 'scn_invoices',
    scenarios: [
      {
        id: 'scn_invoices',
        name: 'invoices',
        createdAt: 0,
        lastOpenedAt: 0,
        snapshot: manyInvoicesSnapshot(INVOICES),
      },
    ],
  });
  await store.close();
  return file;
}

async function main(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'meterlab-persistence-'));
  try {
    console.log(
      `persistence bench: ${RECORDS.toLocaleString('en')} stored records, ${INVOICES.toLocaleString('en')} invoices`,
    );
    let started = performance.now();
    const { file, items, subscription } = await usageWorkspace(folder);
    console.log(
      `  (setup: ${RECORDS} records ingested and saved in ${fmt(performance.now() - started)})`,
    );

    const load = await watched(() => openWorkspace(file));
    const { store, workspace, dispatch } = load.value;
    const firstPaint = await watched(async () => {
      await call(dispatch, 'workspace.list');
      await call(dispatch, 'workspace.current');
      await call(dispatch, 'invoices.list', { limit: 20 });
    });
    line(
      'persist-load-first-paint',
      `load to first paint, ${RECORDS.toLocaleString('en')} stored records`,
      load.ms + firstPaint.ms,
      1000,
    );
    line(
      'persist-load-block',
      'longest event-loop block during that load',
      Math.max(load.blockMs, firstPaint.blockMs),
      100,
    );
    // Usage columns held per stored record (exact arrays after a load: 12 bytes).
    const footprint = workspace.simulator!.usageFootprint();
    line(
      'persist-bytes-per-record',
      'memory per stored record (usage columns after load)',
      footprint.bytes / footprint.timestamps,
      16,
      'B',
    );
    const saves: number[] = [];
    const blocks: number[] = [];
    for (let i = 0; i < 7; i++) {
      const timestamp = workspace.simulator!.view().clock.frozenTime - 1;
      const one = await watched(() =>
        call(dispatch, 'usageRecords.create', {
          subscriptionItem: items[i % items.length],
          quantity: 1,
          timestamp,
          action: 'increment',
        }),
      );
      saves.push(one.ms);
      blocks.push(one.blockMs);
    }
    line(
      'persist-save-one-record',
      `one usage record saved durably, ${RECORDS.toLocaleString('en')} stored (median of 7)`,
      median(saves),
      20,
    );
    line(
      'persist-save-one-block',
      'longest event-loop block during those saves',
      Math.max(...blocks),
      100,
    );

    const advance = await watched(async () => {
      await call(dispatch, 'testClock.advanceBillingPeriod', { subscription });
      await call(dispatch, 'invoices.list', { subscription, limit: 1 });
    });
    line(
      'persist-advance-invoice',
      `advance → invoice, ${RECORDS.toLocaleString('en')} stored records`,
      advance.ms,
      200,
    );
    line(
      'persist-advance-block',
      'longest event-loop block during that advance',
      advance.blockMs,
      100,
    );
    await workspace.flush();
    await store.close();

    started = performance.now();
    const invoicesFile = await invoiceWorkspace(folder);
    console.log(`  (setup: ${INVOICES} invoices written in ${fmt(performance.now() - started)})`);
    const opened = await watched(() => openWorkspace(invoicesFile));
    line(
      'persist-load-invoices',
      `load of ${INVOICES.toLocaleString('en')} invoices`,
      opened.ms,
      1000,
    );
    line(
      'persist-load-invoices-block',
      'longest event-loop block during that load',
      opened.blockMs,
      100,
    );
    const change = await watched(() =>
      call(opened.value.dispatch, 'customers.create', { name: 'One more' }),
    );
    line(
      'persist-save-invoices',
      `save after a change, ${INVOICES.toLocaleString('en')} invoices`,
      change.ms,
      1000,
    );
    line(
      'persist-save-invoices-block',
      'longest event-loop block during that save',
      change.blockMs,
      100,
    );
    await opened.value.workspace.flush();
    await opened.value.store.close();
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  writeResults();
}

await main();
