// All-or-nothing calls: a checkpoint of the state before a call, and the state rebuilt from it
// when the call fails part-way. Cheap to take: objects that never change once made (products,
// prices, events, journal entries, pending lines, final invoices) are kept by reference;
// customers and subscriptions are copied only when the call reaches them (ScenarioState.willChange);
// the rest that can change is copied; usage columns are kept as they are, except the items with
// generators, whose manual records and cursor positions are enough to regenerate them.
import { copyPlain } from '../values/json';
import type { Invoice } from '../public/types';
import type { UsageColumns } from '../rules/usage/columns';
import type { StoreMark } from '../rules/meters/store';
import type { Snapshot } from './snapshot';
import { ScenarioState } from './state';
import type { Changes } from './state';

/** Lists whose elements never change once added: a shallow copy restores them. */
const appendOnly = new Set([
  'products',
  'prices',
  'events',
  'journal',
  'pendingLines',
  'webhookEndpoints',
  'coupons',
  'balanceTransactions',
  'creditBalanceTransactions',
  // Changed in place only after ScenarioState.willChange, which copies them first.
  'customers',
  'subscriptions',
]);

/** Invoices in these states never change again, so they are kept by reference. */
const finalStatuses = new Set<Invoice['status']>(['paid', 'void']);

export interface Checkpoint {
  fields: Partial<Record<keyof Snapshot, unknown>>;
  /** Live invoice objects that may change, with a copy of each as it was. */
  openInvoices: [Invoice, Invoice][];
  /** Customers and subscriptions the call reached, each with a copy as it was; period indexes. */
  changed: Changes;
  /** Each item's usage columns, kept as they are. */
  usage: Map<string, UsageColumns>;
  /** Items with generators -> their manual records, from which the rest is regenerated. */
  manual: Map<string, UsageColumns>;
  /** Where the meter event store was (a clock move appends generated events). */
  meterEvents: StoreMark;
}

export function takeCheckpoint(state: ScenarioState): Checkpoint {
  state.generated.savePositions();
  state.meterGenerators.savePositions();
  const fields: Checkpoint['fields'] = {};
  for (const [key, value] of Object.entries(state.data) as [keyof Snapshot, unknown][]) {
    if (key === 'usage') continue;
    if (key === 'invoices') fields.invoices = [...state.data.invoices];
    else if (key === 'idempotency') fields.idempotency = { ...state.data.idempotency };
    // Entries get new fields, never edited ones (a stopped generator is a new object).
    // Kept as it is: ScenarioState.setPeriodIndex keeps what a call overwrites.
    else if (key === 'periodIndex') fields.periodIndex = state.data.periodIndex;
    else if (key === 'generators') fields.generators = state.data.generators.map((e) => ({ ...e }));
    else if (appendOnly.has(key)) fields[key] = [...(value as unknown[])];
    else fields[key] = copyPlain(value);
  }
  const openInvoices = state.data.invoices
    .filter((invoice) => !finalStatuses.has(invoice.status))
    .map((invoice): [Invoice, Invoice] => [invoice, copyPlain(invoice)]);
  return {
    fields,
    openInvoices,
    changed: state.recordChanges(),
    usage: new Map(state.usage),
    manual: state.generated.manualByItem(),
    meterEvents: state.meterEvents.mark(),
  };
}

/** The call succeeded: what it changes from here on needs no copies. */
export function releaseCheckpoint(state: ScenarioState): void {
  state.stopRecordingChanges();
}

/** Puts each live object back as its copy was (other objects may still point to it). */
function putBack(live: object, copy: object): void {
  for (const key of Object.keys(live)) delete (live as Record<string, unknown>)[key];
  Object.assign(live, copy);
}

/** The state as it was when the checkpoint was taken (the failed call's state is dropped). */
export function restoreCheckpoint(state: ScenarioState, checkpoint: Checkpoint): ScenarioState {
  state.stopRecordingChanges();
  const data = state.data as unknown as Record<string, unknown>;
  for (const key of Object.keys(data))
    if (key !== 'usage' && !(key in checkpoint.fields)) delete data[key];
  Object.assign(data, checkpoint.fields);
  for (const [live, copy] of checkpoint.openInvoices) putBack(live, copy);
  for (const [live, copy] of checkpoint.changed.objects) putBack(live, copy);
  for (const [subscription, index] of checkpoint.changed.periodIndex) {
    if (index === undefined) delete state.data.periodIndex[subscription];
    else state.data.periodIndex[subscription] = index;
  }
  const usage = new Map<string, UsageColumns>();
  for (const [item, columns] of checkpoint.usage) {
    usage.set(item, checkpoint.manual.get(item)?.clone() ?? columns);
  }
  // The store is kept: appends are rolled back here (meter event calls also undo their own).
  state.meterEvents.rollback(checkpoint.meterEvents);
  return new ScenarioState(state.data, usage, state.meterEvents);
}
