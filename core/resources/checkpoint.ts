// All-or-nothing calls: a checkpoint of the state before a call, and the state rebuilt from it
// when the call fails part-way. Cheap to take: objects that never change once made (products,
// prices, events, journal entries, pending lines, final invoices) are kept by reference; what can
// change is copied; usage columns are kept as they are, except the items with generators, whose
// manual records and cursor positions are enough to regenerate them.
import { copyPlain } from '../values/json';
import type { Invoice } from '../public/types';
import type { UsageColumns } from '../rules/usage/columns';
import type { StoreMark } from '../rules/meters/store';
import type { Snapshot } from './snapshot';
import { ScenarioState } from './state';

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
]);

/** Invoices in these states never change again, so they are kept by reference. */
const finalStatuses = new Set<Invoice['status']>(['paid', 'void']);

export interface Checkpoint {
  fields: Partial<Record<keyof Snapshot, unknown>>;
  /** Live invoice objects that may change, with a copy of each as it was. */
  openInvoices: [Invoice, Invoice][];
  /** Per item: its columns as they are (no generators) or its manual records (generators). */
  usage: Map<string, { columns: UsageColumns; regenerate: boolean }>;
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
    else if (appendOnly.has(key)) fields[key] = [...(value as unknown[])];
    else fields[key] = copyPlain(value);
  }
  const openInvoices = state.data.invoices
    .filter((invoice) => !finalStatuses.has(invoice.status))
    .map((invoice): [Invoice, Invoice] => [invoice, copyPlain(invoice)]);
  const usage = new Map<string, { columns: UsageColumns; regenerate: boolean }>();
  for (const [item, columns] of state.usage) {
    const regenerate = state.generated.has(item);
    usage.set(item, {
      columns: regenerate ? state.generated.persisted(item, columns) : columns,
      regenerate,
    });
  }
  return { fields, openInvoices, usage, meterEvents: state.meterEvents.mark() };
}

/** The state as it was when the checkpoint was taken (the failed call's state is dropped). */
export function restoreCheckpoint(state: ScenarioState, checkpoint: Checkpoint): ScenarioState {
  const data = state.data as unknown as Record<string, unknown>;
  for (const key of Object.keys(data))
    if (key !== 'usage' && !(key in checkpoint.fields)) delete data[key];
  Object.assign(data, checkpoint.fields);
  for (const [live, copy] of checkpoint.openInvoices) {
    for (const key of Object.keys(live)) delete (live as unknown as Record<string, unknown>)[key];
    Object.assign(live, copy);
  }
  const usage = new Map<string, UsageColumns>();
  for (const [item, { columns, regenerate }] of checkpoint.usage) {
    usage.set(item, regenerate ? columns.clone() : columns);
  }
  // The store is kept: appends are rolled back here (meter event calls also undo their own).
  state.meterEvents.rollback(checkpoint.meterEvents);
  return new ScenarioState(state.data, usage, state.meterEvents);
}
