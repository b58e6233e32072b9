// All-or-nothing calls: a checkpoint of the state before a call, and the state rebuilt from it
// when the call fails part-way. Cheap to take, whatever the size of the scenario: lists a call
// only appends to (products, prices, events, journal entries, invoices, ...) are kept as their
// length; customers, subscriptions and generator entries are copied only when the call reaches
// them (ScenarioState.willChange); invoices that may still change are copied; the rest that can
// change is copied; usage columns are kept as they are, except the items with generators, whose
// manual records and cursor positions are enough to regenerate them (done only when the failed
// call moved the clock or changed generators: otherwise their live records are kept too).
import { copyPlain } from '../values/json';
import type { Invoice } from '../public/types';
import type { UsageColumns } from '../rules/usage/columns';
import type { ManualMark } from '../rules/usage/generated';
import type { StoreMark } from '../rules/meters/store';
import type { Snapshot } from './snapshot';
import { ScenarioState } from './state';
import type { Changes } from './state';

/**
 * Lists a call only appends to or replaces (never removes from in place), whose elements never
 * change once added: the array and its length restore them.
 */
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
  // Invoices that may still change are copied (openInvoices; ScenarioState.changeableInvoices).
  'invoices',
  // Changed in place only after ScenarioState.willChange; materialize, the one call that removes
  // generators, keeps the list as it was in the checkpoint's manual mark.
  'generators',
]);

export interface Checkpoint {
  fields: Partial<Record<keyof Snapshot, unknown>>;
  /** The length of each append-only list (in fields) when the checkpoint was taken. */
  lengths: [keyof Snapshot, number][];
  /** Live invoice objects that may change, with a copy of each as it was. */
  openInvoices: [Invoice, Invoice][];
  /** Customers and subscriptions the call reached, each with a copy as it was; period indexes. */
  changed: Changes;
  /**
   * How many items had usage columns: the first ones of ScenarioState.usage, which only gains
   * items (in order) and keeps each item's columns object, so they are kept as they are.
   */
  usageItems: number;
  /** Items with generators -> their manual records, from which the rest is regenerated. */
  manual: ManualMark;
  /** Where the meter event store was (a clock move appends generated events). */
  meterEvents: StoreMark;
}

export function takeCheckpoint(state: ScenarioState): Checkpoint {
  // From here to the end of the call the stored positions stay as they are now.
  state.generated.savePositions();
  state.meterGenerators.savePositions();
  const fields: Checkpoint['fields'] = {};
  const lengths: Checkpoint['lengths'] = [];
  const data = state.data as unknown as Record<keyof Snapshot, unknown>;
  for (const key of Object.keys(data) as (keyof Snapshot)[]) {
    const value = data[key];
    if (key === 'usage') continue;
    if (key === 'idempotency') fields.idempotency = { ...state.data.idempotency };
    // Kept as it is: ScenarioState.setPeriodIndex keeps what a call overwrites.
    else if (key === 'periodIndex') fields.periodIndex = state.data.periodIndex;
    else if (appendOnly.has(key)) {
      fields[key] = value;
      lengths.push([key, (value as unknown[]).length]);
    } else fields[key] = copyPlain(value);
  }
  const openInvoices: [Invoice, Invoice][] = [];
  for (const invoice of state.changeableInvoices())
    openInvoices.push([invoice, copyPlain(invoice)]);
  return {
    fields,
    lengths,
    openInvoices,
    changed: state.recordChanges(),
    usageItems: state.usage.size,
    manual: state.generated.markManual(),
    meterEvents: state.meterEvents.mark(),
  };
}

/** The call succeeded: what it changes from here on needs no copies. */
export function releaseCheckpoint(state: ScenarioState): void {
  state.stopRecordingChanges();
  state.generated.stopMarkingManual();
}

/** Puts each live object back as its copy was (other objects may still point to it). */
function putBack(live: object, copy: object): void {
  for (const key of Object.keys(live)) delete (live as Record<string, unknown>)[key];
  Object.assign(live, copy);
}

/** The state as it was when the checkpoint was taken (the failed call's state is dropped). */
export function restoreCheckpoint(state: ScenarioState, checkpoint: Checkpoint): ScenarioState {
  state.stopRecordingChanges();
  const generatedKept = generatedUnchanged(state, checkpoint);
  const manual = state.generated.manualAsOf(checkpoint.manual);
  state.generated.stopMarkingManual();
  const data = state.data as unknown as Record<string, unknown>;
  for (const key of Object.keys(data))
    if (key !== 'usage' && !(key in checkpoint.fields)) delete data[key];
  Object.assign(data, checkpoint.fields);
  for (const [key, length] of checkpoint.lengths) (data[key] as unknown[]).length = length;
  if (checkpoint.manual.storedBefore) state.data.generators = checkpoint.manual.storedBefore;
  for (const [live, copy] of checkpoint.openInvoices) putBack(live, copy);
  for (const [live, copy] of checkpoint.changed.objects ?? []) putBack(live, copy);
  for (const [subscription, index] of checkpoint.changed.periodIndex ?? []) {
    if (index === undefined) delete state.data.periodIndex[subscription];
    else state.data.periodIndex[subscription] = index;
  }
  const usage = new Map<string, UsageColumns>();
  for (const [item, columns] of state.usage) {
    if (usage.size === checkpoint.usageItems) break;
    usage.set(item, generatedKept ? columns : (manual.get(item)?.clone() ?? columns));
  }
  // The store is kept: appends are rolled back here (meter event calls also undo their own).
  state.meterEvents.rollback(checkpoint.meterEvents);
  return new ScenarioState(
    state.data,
    usage,
    state.meterEvents,
    generatedKept ? state.generated : undefined,
  );
}

/**
 * Whether the failed call left generated usage as a snapshot sees it: the clock where it was, no
 * generator added, removed or changed, no manual records of their items replaced. Generators may
 * still have caught up to the clock (reads generate lazily), but a snapshot generates up to the
 * clock anyway. Then the live records and cursors are kept: making every generated record again
 * would cost a refused call seconds in a scenario of millions.
 */
function generatedUnchanged(state: ScenarioState, checkpoint: Checkpoint): boolean {
  const clock = checkpoint.fields.clock as Snapshot['clock'];
  const generators = checkpoint.lengths.find(([key]) => key === 'generators')?.[1];
  const changedGenerator = [...(checkpoint.changed.objects?.keys() ?? [])].some(
    (object) => 'cursor' in object,
  );
  return (
    clock.frozenTime === state.now &&
    state.data.generators.length === generators &&
    checkpoint.manual.changes.length === 0 &&
    checkpoint.manual.storedBefore === null &&
    !changedGenerator
  );
}
