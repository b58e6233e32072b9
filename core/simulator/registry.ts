// The one registry: every method of the engine API, by namespace, as its resource module
// declares it. The public API, dispatch, the scenario journal and replay, and the contract's
// types are all derived from here; adding a method is adding an entry to a resource module.
import { analysis } from '../resources/analysis';
import { prices, products, quote } from '../resources/catalog';
import { testClock } from '../resources/clock';
import { customers } from '../resources/customers';
import type { MethodEntry } from '../resources/entry';
import { events, webhookEndpoints, webhooks } from '../resources/events';
import { generators } from '../resources/generators';
import { invoices } from '../resources/invoices';
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
};

export type Namespaces = typeof namespaces;
type Namespace = keyof Namespaces;

/** 'prices.create', 'testClock.advance', ... and the top-level 'quote'. */
export type EngineMethod =
  { [N in Namespace]: `${N}.${Extract<keyof Namespaces[N], string>}` }[Namespace] | 'quote';

/** The entry of a method name, as a type. */
export type EntryOf<M extends EngineMethod> = M extends 'quote'
  ? typeof quote
  : M extends `${infer N extends Namespace}.${infer F}`
    ? F extends keyof Namespaces[N]
      ? Namespaces[N][F]
      : never
    : never;

/** Every entry by its full method name, in the order above. */
export const registry: ReadonlyMap<EngineMethod, MethodEntry> = new Map<EngineMethod, MethodEntry>([
  ...Object.entries(namespaces).flatMap(([namespace, entries]) =>
    Object.entries(entries).map(
      ([name, entry]) =>
        [`${namespace}.${name}` as EngineMethod, entry as unknown as MethodEntry] as const,
    ),
  ),
  ['quote', quote as unknown as MethodEntry],
]);

/** How many leading arguments a method requires, and how many it takes. */
export function arityOf(entry: MethodEntry): readonly [number, number] {
  const optional = entry.params.map((p) => p.schema.safeParse(undefined).success);
  const required = optional.lastIndexOf(false) + 1;
  return [required, entry.params.length];
}
