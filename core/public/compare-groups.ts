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
  const sorted = largestFirst(groups.map(amount)).map((at) => groups[at]!);
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

/** Positions of `amounts`, largest amount first; equal amounts keep their order. */
export function largestFirst(amounts: ArrayLike<number>): number[] {
  return Array.from({ length: amounts.length }, (_, at) => at).sort(
    (a, b) => amounts[b]! - amounts[a]!,
  );
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
  const customers = [...new Set(comparison.rows.map((row) => row.customer))];
  const classes = nameRanks(customers.map(nameOf));
  // A customer's rank: its name's place, then (same names) its first row's, as a stable sort.
  const rank = new Map(
    customers.map((customer, at) => [customer, classes[at]! * customers.length + at]),
  );
  const rows = comparison.rows;
  return rowOrder(
    sort,
    Float64Array.from(rows, (row) => row.periodStart),
    Float64Array.from(rows, (row) => rank.get(row.customer)!),
    Float64Array.from(rows, (row) => (price === null ? 0 : (row.amounts[price] ?? 0))),
  ).map((at) => rows[at]!);
}

/**
 * Each name's place in the order Compare lists customers by (numbers in names read as numbers:
 * "Customer 9" before "Customer 10"); names that order treats as equal share one place.
 */
export function nameRanks(names: readonly string[]): Int32Array {
  // One collator for the whole sort (10,000 names: 5-18 ms here), then equal neighbours share.
  const collator = new Intl.Collator('en', { numeric: true });
  const sorted = Array.from(names.keys()).sort((a, b) => collator.compare(names[a]!, names[b]!));
  const ranks = new Int32Array(names.length);
  let rank = 0;
  sorted.forEach((at, index) => {
    if (index > 0 && collator.compare(names[sorted[index - 1]!]!, names[at]!) !== 0) rank = index;
    ranks[at] = rank;
  });
  return ranks;
}

/**
 * Row positions in `sort` order, from each row's period start, customer rank (nameRanks, made
 * distinct per customer) and amount under the ranked price; ties keep the rows' order.
 */
export function rowOrder(
  sort: ComparisonSort,
  starts: ArrayLike<number>,
  ranks: ArrayLike<number>,
  amounts: ArrayLike<number>,
): number[] {
  // Sorted by position, each row's keys read once into arrays: 20,000 rows make ~300,000
  // comparisons, too many for map look-ups in each.
  const order: Record<ComparisonSort, (a: number, b: number) => number> = {
    period: (a, b) => starts[a]! - starts[b]! || ranks[a]! - ranks[b]!,
    customer: (a, b) => ranks[a]! - ranks[b]! || starts[a]! - starts[b]!,
    amount: (a, b) => amounts[b]! - amounts[a]! || starts[a]! - starts[b]!,
  };
  return Array.from({ length: starts.length }, (_, at) => at).sort(order[sort]);
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
