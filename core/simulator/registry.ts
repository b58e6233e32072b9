// The one registry: every method of the engine API, by namespace, as its resource module
// declares it. The public API, dispatch, the scenario journal and replay, and the contract's
// types are all derived from here; adding a method is adding an entry to a resource module.
// A namespace holds entries or further namespaces ('billing.meters.create').
import { analysis } from '../resources/analysis';
import { prices, products, quote } from '../resources/catalog';
import { testClock } from '../resources/clock';
import { customers } from '../resources/customers';
import type { MethodEntry } from '../resources/entry';
import { events, webhookEndpoints, webhooks } from '../resources/events';
import { generators } from '../resources/generators';
import { invoices } from '../resources/invoices';
import { alerts, meterEventAdjustments, meterEvents, meters } from '../resources/meters';
import { settings } from '../resources/settings';
import { subscriptions } from '../resources/subscriptions';
import { usageRecords } from '../resources/usage';

export const namespaces = {
  products,
  prices,
  customers,
  subscriptions,
  usageRecords,
  generators,
  invoices,
  events,
  webhookEndpoints,
  webhooks,
  testClock,
  settings,
  analysis,
  billing: { meters, meterEvents, meterEventAdjustments, alerts },
};

export type Namespaces = typeof namespaces;

/** What marks an entry (a leaf) among nested namespaces. */
type Leaf = { readonly params: readonly unknown[]; readonly run: unknown };

/** The full names of the entries under a namespace tree, with their path as a prefix. */
type NamesIn<T, Prefix extends string> = {
  [K in Extract<keyof T, string>]: T[K] extends Leaf
    ? `${Prefix}${K}`
    : NamesIn<T[K], `${Prefix}${K}.`>;
}[Extract<keyof T, string>];

/** 'prices.create', 'billing.meters.create', ... and the top-level 'quote'. */
export type EngineMethod = NamesIn<Namespaces, ''> | 'quote';

/** The entry at a dotted path of a namespace tree. */
type EntryAt<T, Path extends string> = Path extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? EntryAt<T[Head], Rest>
    : never
  : Path extends keyof T
    ? T[Path]
    : never;

/** The entry of a method name, as a type. */
export type EntryOf<M extends EngineMethod> = M extends 'quote'
  ? typeof quote
  : EntryAt<Namespaces, M>;

function isEntry(value: object): value is MethodEntry {
  return 'run' in value && 'params' in value;
}

/** [full name, entry] of every entry under `tree`, depth first in declaration order. */
function entriesOf(tree: object, prefix: string): [EngineMethod, MethodEntry][] {
  return Object.entries(tree).flatMap(([name, value]: [string, object]) =>
    isEntry(value)
      ? [[`${prefix}${name}` as EngineMethod, value] as [EngineMethod, MethodEntry]]
      : entriesOf(value, `${prefix}${name}.`),
  );
}

/** Every entry by its full method name, in the order above. */
export const registry: ReadonlyMap<EngineMethod, MethodEntry> = new Map<EngineMethod, MethodEntry>([
  ...entriesOf(namespaces, ''),
  ['quote', quote as unknown as MethodEntry],
]);

/** How many leading arguments a method requires, and how many it takes. */
export function arityOf(entry: MethodEntry): readonly [number, number] {
  const optional = entry.params.map((p) => p.schema.safeParse(undefined).success);
  const required = optional.lastIndexOf(false) + 1;
  return [required, entry.params.length];
}
