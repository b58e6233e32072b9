// The one registry: every method of the engine API, by namespace, as its resource module
// declares it. The public API, dispatch, the scenario journal and replay, and the contract's
// types are all derived from here; adding a method is adding an entry to a resource module.
// A namespace holds entries or further namespaces ('billing.meters.create').
import { analysis } from '../resources/analysis';
import { prices, products, quote } from '../resources/catalog';
import { testClock } from '../resources/clock';
import { coupons } from '../resources/coupons';
import { creditBalanceSummary, creditGrants } from '../resources/credit-grants';
import { customers } from '../resources/customers';
import type { MethodEntry } from '../resources/entry';
import { events, webhookEndpoints, webhooks } from '../resources/events';
import { generators } from '../resources/generators';
import { invoices } from '../resources/invoices';
import { alerts, meterEventAdjustments, meterEvents, meters } from '../resources/meters';
import { settings } from '../resources/settings';
import { subscriptions } from '../resources/subscriptions';
import { taxRates } from '../resources/tax-rates';
import { usageRecords } from '../resources/usage';

export const namespaces = {
  products,
  prices,
  customers,
  coupons,
  taxRates,
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
  // Namespaces nest: 'billing.creditGrants.create' is namespaces.billing.creditGrants.create.
  billing: {
    creditGrants,
    creditBalanceSummary,
    meters,
    meterEvents,
    meterEventAdjustments,
    alerts,
  },
};

export type Namespaces = typeof namespaces;

/** A namespace: entries and nested namespaces by name. */
export interface NamespaceTree {
  readonly [name: string]: MethodEntry | NamespaceTree;
}

/** The dotted names of the entries under T: 'create', 'creditGrants.create', ... */
export type MethodNames<T> = {
  [K in Extract<keyof T, string>]: T[K] extends { run: unknown } ? K : `${K}.${MethodNames<T[K]>}`;
}[Extract<keyof T, string>];

/** 'prices.create', 'billing.creditGrants.create', ... and the top-level 'quote'. */
export type EngineMethod = MethodNames<Namespaces> | 'quote';

/** The entry at a dotted path under T, as a type. */
type EntryAt<T, P extends string> = P extends keyof T
  ? T[P]
  : P extends `${infer Head}.${infer Rest}`
    ? Head extends keyof T
      ? EntryAt<T[Head], Rest>
      : never
    : never;

/** The entry of a method name, as a type. */
export type EntryOf<M extends EngineMethod> = M extends 'quote'
  ? typeof quote
  : EntryAt<Namespaces, M>;

/** An entry, told apart from a nested namespace by its handler. */
export function isEntry(value: MethodEntry | NamespaceTree): value is MethodEntry {
  return typeof value.run === 'function' && Array.isArray(value.params);
}

/** Every entry under a namespace tree with its dotted name, depth first in declaration order. */
export function flattenNamespaces(tree: NamespaceTree, prefix = ''): [string, MethodEntry][] {
  return Object.entries(tree).flatMap(([name, value]) =>
    isEntry(value)
      ? [[`${prefix}${name}`, value] as [string, MethodEntry]]
      : flattenNamespaces(value, `${prefix}${name}.`),
  );
}

/** Every entry by its full method name, in the order above. */
export const registry: ReadonlyMap<EngineMethod, MethodEntry> = new Map<EngineMethod, MethodEntry>([
  ...flattenNamespaces(namespaces as unknown as NamespaceTree).map(
    ([name, entry]) => [name as EngineMethod, entry] as const,
  ),
  ['quote', quote as unknown as MethodEntry],
]);

/** How many leading arguments a method requires, and how many it takes. */
export function arityOf(entry: MethodEntry): readonly [number, number] {
  const optional = entry.params.map((p) => p.schema.safeParse(undefined).success);
  const required = optional.lastIndexOf(false) + 1;
  return [required, entry.params.length];
}
