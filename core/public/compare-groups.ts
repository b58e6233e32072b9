// Compare's table and per-customer chart at scale: rows grouped and sorted with maps (10,000
// customers make 20,000 rows), and the chart cut to the customers with the most revenue. The
// engine sums them for the Compare view (analysis.comparePrices with `page`); dependency-free.
import type { Customer, PriceComparison } from './types';

export interface GroupTotal {
  key: string;
  label: string;
  amounts: Record<string, number>;
}

/** Sums the engine's per-(period, customer) amounts by a key, in first-seen order. */
export function groupAmounts(
  comparison: Pick<PriceComparison, 'prices' | 'rows'>,
  keyOf: (row: PriceComparison['rows'][number]) => { key: string; label: string },
): GroupTotal[] {
  // A map, not a search of the list: 10,000 customers are 10,000 groups.
  const groups = new Map<string, GroupTotal>();
  for (const row of comparison.rows) {
    const { key, label } = keyOf(row);
    let group = groups.get(key);
    if (!group) {
      group = { key, label, amounts: {} };
      groups.set(key, group);
    }
    for (const price of comparison.prices) {
      group.amounts[price] = (group.amounts[price] ?? 0) + (row.amounts[price] ?? 0);
    }
  }
  return [...groups.values()];
}

/** Bars drawn per chart: a bar per customer of 10,000 says nothing and takes seconds to draw. */
export const chartedGroups = 20;

/**
 * The `count` groups with the most revenue under `price` (largest first), and the rest added up
 * in one group labelled with how many it holds; all of them, in their order, when they fit.
 */
export function largestGroups(
  groups: GroupTotal[],
  price: string | null,
  count = chartedGroups,
): GroupTotal[] {
  if (groups.length <= count) return groups;
  const amount = (group: GroupTotal) => (price === null ? 0 : (group.amounts[price] ?? 0));
  const sorted = [...groups].sort((a, b) => amount(b) - amount(a));
  const rest = sorted.slice(count - 1);
  const others: GroupTotal = {
    key: '',
    label: `${rest.length.toLocaleString('en')} others`,
    amounts: {},
  };
  for (const group of rest) {
    for (const [key, value] of Object.entries(group.amounts)) {
      others.amounts[key] = (others.amounts[key] ?? 0) + value;
    }
  }
  return [...sorted.slice(0, count - 1), others];
}

type ComparisonRow = PriceComparison['rows'][number];

/** The orders Compare's table offers: by period, by customer, by amount under one price. */
export type ComparisonSort = 'period' | 'customer' | 'amount';

/**
 * The rows in `sort` order: period start then customer name; customer name then period start;
 * or amount under `price`, largest first, then period start. Ties keep the engine's order.
 */
export function rowsInOrder(
  comparison: Pick<PriceComparison, 'rows'>,
  sort: ComparisonSort,
  price: string | null,
  nameOf: (customer: string) => string = (customer) => customer,
): ComparisonRow[] {
  // Names ranked once per customer with one collator: 20,000 rows then sort by a number.
  const collator = new Intl.Collator('en', { numeric: true });
  const customers = [...new Set(comparison.rows.map((row) => row.customer))];
  const names = new Map(customers.map((customer) => [customer, nameOf(customer)]));
  const rank = new Map(
    customers
      .sort((a, b) => collator.compare(names.get(a)!, names.get(b)!))
      .map((customer, at) => [customer, at]),
  );
  // Sorted by position, each row's keys read once into arrays: 20,000 rows make ~300,000
  // comparisons, too many for map look-ups in each.
  const rows = comparison.rows;
  const ranks = Int32Array.from(rows, (row) => rank.get(row.customer)!);
  const starts = Float64Array.from(rows, (row) => row.periodStart);
  const amounts = Float64Array.from(rows, (row) =>
    price === null ? 0 : (row.amounts[price] ?? 0),
  );
  const order: Record<ComparisonSort, (a: number, b: number) => number> = {
    period: (a, b) => starts[a]! - starts[b]! || ranks[a]! - ranks[b]!,
    customer: (a, b) => ranks[a]! - ranks[b]! || starts[a]! - starts[b]!,
    amount: (a, b) => amounts[b]! - amounts[a]! || starts[a]! - starts[b]!,
  };
  return Array.from(rows.keys())
    .sort(order[sort])
    .map((at) => rows[at]!);
}

/** The engine's rows by period start, then customer name: the table reads in time order. */
export function rowsInTimeOrder(
  comparison: Pick<PriceComparison, 'rows'>,
  nameOf?: (customer: string) => string,
): ComparisonRow[] {
  return rowsInOrder(comparison, 'period', null, nameOf);
}

/** Customer names by id (a search of the list per row was O(n²)). */
export function namesById(customers: readonly Customer[]): ReadonlyMap<string, string> {
  return new Map(customers.map((customer) => [customer.id, customer.name]));
}
