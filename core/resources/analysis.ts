// Read-only views for charts and teaching: pre-bucketed usage series, the four aggregation
// strategies side by side, and candidate prices over the same usage. Computed by the same
// aggregation and pricing modules that invoices use, so the UI teaches what the invoice bills.
import { aggregateUsage, aggregators } from '../rules/aggregation';
import { aggregateMeter } from '../rules/meters/aggregate';
import { MeterEventColumns } from '../rules/meters/columns';
import { uniqueValueAt } from '../rules/meters/generated';
import { indexRange } from '../rules/usage/view';
import type { UsageColumns } from '../rules/usage/columns';
import type {
  CustomerPage,
  EventPage,
  InvoicePage,
  InvoiceStatus,
  MeterFormula,
  PriceComparison,
  PriceComparisonSummary,
  RecordsVsMeters,
  StrategyComparison,
  UsageSeries,
} from '../public/types';
import { method, param } from './entry';
import {
  comparePricesArgs,
  customerPageArgs,
  eventPageArgs,
  invoicePageArgs,
  recordsVsMetersArgs,
  strategiesArgs,
  usageSeriesArgs,
} from './schemas';
import { canonicalJson, copy } from '../values/json';
import { comparisonByCalendarMonth, isZeroCreationInvoice } from '../public/reporting';
import { largestFirst, nameRanks, rowOrder } from '../public/compare-groups';
import type { ScenarioState } from './state';
import { invalidRequest } from '../values/errors';
import { quoteDecimal, quotePrice } from '../rules/pricing';
import { adjustedAmounts } from '../rules/backtest/adjustments';
import type { Span } from '../rules/lines';
import type { z } from 'zod';
import type { AggregateUsage, Price, Quote, Subscription, SubscriptionItem } from '../public/types';

const STRATEGIES: AggregateUsage[] = ['sum', 'max', 'last_during_period', 'last_ever'];

function meteredItem(
  state: ScenarioState,
  itemId: string,
): { item: SubscriptionItem; subscription: Subscription; price: Price } {
  const { item, subscription } = state.item(itemId);
  const price = state.price(item.price);
  if (price.recurring.usageType !== 'metered') {
    throw invalidRequest(
      'usage_on_licensed_item',
      'subscriptionItem',
      `${item.id} has a licensed price: pick a metered item to see its usage.`,
    );
  }
  return { item, subscription, price };
}

/** The item's billing periods, newest first, clipped to the item's life. */
function itemPeriods(
  state: ScenarioState,
  item: SubscriptionItem,
  subscription: Subscription,
): { start: number; end: number; open: boolean }[] {
  return state
    .periodsOf(subscription)
    .filter((period) => period.end > item.created)
    .map((period, index) => ({
      start: Math.max(period.start, item.created),
      end: period.end,
      open: index === 0 && !state.isEnded(subscription),
    }));
}

function usageSeries(
  state: ScenarioState,
  args: { subscriptionItem: string; start?: number; end?: number; buckets?: number },
): UsageSeries {
  const { item, subscription } = meteredItem(state, args.subscriptionItem);
  const start = args.start ?? item.created;
  const end = args.end ?? Math.max(state.now + 1, start + 1);
  if (end <= start)
    throw invalidRequest(
      'parameter_invalid',
      'end',
      `end (${end}) must be after start (${start}).`,
    );
  const count = args.buckets ?? 200;
  const width = (end - start) / count;
  const buckets = Array.from({ length: count }, (_, index) => ({
    start: Math.floor(start + index * width),
    end: index === count - 1 ? end : Math.floor(start + (index + 1) * width),
    sum: 0,
    max: 0,
    last: null as number | null,
    count: 0,
  }));
  const usage = state.columns(item.id);
  const [lo, hi] = indexRange(usage, start, end);
  const timestamps = usage.timestamps;
  const values = usage.values;
  for (let i = lo; i < hi; i++) {
    const bucket = buckets[Math.min(count - 1, Math.floor((timestamps[i]! - start) / width))]!;
    const value = values[i]!;
    bucket.sum += value;
    if (value > bucket.max) bucket.max = value;
    bucket.last = value;
    bucket.count += 1;
  }
  const periods = state
    .periodsOf(subscription)
    .filter((period) => period.end > start && period.start < end)
    .reverse();
  return { subscriptionItem: item.id, start, end, buckets, periods, totalTimestamps: hi - lo };
}

function strategyComparison(
  state: ScenarioState,
  args: { subscriptionItem: string; price?: string },
): StrategyComparison {
  const { item, subscription, price: itemPrice } = meteredItem(state, args.subscriptionItem);
  const price = args.price ? state.price(args.price, 'price') : itemPrice;
  const usage = state.columns(item.id);
  const periods = itemPeriods(state, item, subscription).map((period) => {
    const strategies = {} as StrategyComparison['periods'][number]['strategies'];
    for (const strategy of STRATEGIES) {
      const aggregation = aggregateUsage(strategy, usage, period);
      const quote = quotePrice(price, aggregation.quantity);
      strategies[strategy] = { aggregation, amount: quote.amount, amountExact: quote.amountExact };
    }
    return { ...period, strategies };
  });
  return { subscriptionItem: item.id, price: price.id, currency: price.currency, periods };
}

const FORMULAS: MeterFormula[] = ['sum', 'count', 'last', 'max', 'unique_count'];

/**
 * The item's usage records read as meter events (one event per timestamp, its value the record's;
 * for unique_count an id drawn from a pool, as a generator draws them), billed by each formula
 * beside the legacy strategies, under the same price.
 */
function recordsVsMeters(
  state: ScenarioState,
  args: { subscriptionItem: string; price?: string; uniqueValues?: number },
): RecordsVsMeters {
  const legacy = strategyComparison(state, args);
  const { item } = meteredItem(state, args.subscriptionItem);
  const price = state.price(legacy.price, 'price');
  const usage = state.columns(item.id);
  const unique = { count: args.uniqueValues ?? 10, payloadKey: 'user' };
  const events = new MeterEventColumns('lab', 'lab');
  const ids = new MeterEventColumns('lab', 'lab');
  for (let i = 0; i < usage.length; i++) {
    const timestamp = usage.timestamps[i]!;
    events.append(timestamp, timestamp, i, usage.values[i]!, false);
    ids.append(timestamp, timestamp, i, uniqueValueAt(unique, 1, timestamp), false);
  }
  const periods = legacy.periods.map((period) => {
    const formulas = {} as RecordsVsMeters['periods'][number]['formulas'];
    for (const formula of FORMULAS) {
      const columns = formula === 'unique_count' ? ids : events;
      const aggregation = aggregateMeter('lab', formula, columns, period);
      const quote = quoteDecimal(price, aggregation.quantity);
      formulas[formula] = { aggregation, amount: quote.amount, amountExact: quote.amountExact };
    }
    return { ...period, formulas };
  });
  return { ...legacy, uniqueValues: unique.count, periods };
}

type CompareArgs = z.output<typeof comparePricesArgs>;

/**
 * Each candidate's coupon and minimum, checked. NOTE: a Compare candidate's coupon and minimum
 * apply as in a backtest (the pipeline's discount and minimum steps), from the subscription's
 * first compared period; the open period gets no true-up.
 */
function candidateAdjustments(state: ScenarioState, prices: Price[], args: CompareArgs) {
  return (args.adjustments ?? []).map((entry, index) => {
    const where = `adjustments[${index}]`;
    const price = prices.find((candidate) => candidate.id === entry.price);
    if (!price)
      throw invalidRequest(
        'parameter_invalid',
        `${where}.price`,
        `${entry.price} is not one of the compared prices: list it in prices first.`,
      );
    const coupon = entry.coupon ? state.coupon(entry.coupon, `${where}.coupon`) : null;
    if (coupon?.currency != null && coupon.currency !== price.currency)
      throw invalidRequest(
        'currency_mismatch',
        `${where}.coupon`,
        `Coupon ${coupon.id} takes ${coupon.currency} off but ${price.id} is in ${price.currency}: use a percentOff coupon or one in ${price.currency}.`,
      );
    const amount = entry.minimumCommitment?.amount;
    if (amount !== undefined && !(Number.isSafeInteger(amount) && amount > 0))
      throw invalidRequest(
        'parameter_invalid',
        `${where}.minimumCommitment.amount`,
        `minimumCommitment.amount is ${amount}: pass a positive whole number of minor units per period.`,
      );
    return {
      key: price.id,
      name: price.id,
      price,
      coupon,
      minimumCommitment: amount === undefined ? null : { amount },
    };
  });
}

/**
 * A comparison's rows as columns (row r: its period, subscription and customer, and under the
 * candidate at c its amount amounts[c][r]): a paged comparison of 10,000 customers makes the
 * page's row objects only, not 20,000 rows with an amounts object each.
 */
interface ComparisonColumns {
  prices: Price[];
  currency: string;
  totals: Record<string, number>;
  starts: number[];
  ends: number[];
  /** Each row's period, a position in spans (rows of one period list share them). */
  spanOf: number[];
  spans: Span[];
  subscriptions: string[];
  customers: string[];
  amounts: number[][];
}

/** The row at `at` as comparePrices gives it. */
function rowAt(columns: ComparisonColumns, at: number): PriceComparison['rows'][number] {
  const amounts: Record<string, number> = {};
  columns.prices.forEach((price, candidate) => {
    amounts[price.id] = columns.amounts[candidate]![at]!;
  });
  return {
    periodStart: columns.starts[at]!,
    periodEnd: columns.ends[at]!,
    customer: columns.customers[at]!,
    subscription: columns.subscriptions[at]!,
    amounts,
  };
}

/**
 * The state's customer names by position, with each name's rank (nameRanks) once asked: kept
 * while no customer's id or name changed, which a walk of the list checks far faster than a
 * collator sorts 10,000 names again after each change.
 */
interface CustomerNames {
  ids: string[];
  names: string[];
  indexOf: Map<string, number>;
  ranks: Int32Array | null;
}
const customerNames = new WeakMap<ScenarioState, CustomerNames>();

function customerNamesOf(state: ScenarioState): CustomerNames {
  const customers = state.data.customers;
  const known = customerNames.get(state);
  if (
    known?.ids.length === customers.length &&
    customers.every(
      (customer, at) => known.ids[at] === customer.id && known.names[at] === customer.name,
    )
  )
    return known;
  const ids = customers.map((customer) => customer.id);
  const names: CustomerNames = {
    ids,
    names: customers.map((customer) => customer.name),
    indexOf: new Map(ids.map((id, at) => [id, at])),
    ranks: null,
  };
  customerNames.set(state, names);
  return names;
}

/**
 * The last paged comparison of each state, with what its pages and summaries need: a page click
 * or another ranking price re-reads it instead of pricing every customer again. Not state: it is
 * dropped by any change (state.changes, the clock) and never used while a call is changing the
 * state; what leaves it is copied, so a caller can't alter it.
 */
interface ComparisonCache {
  changes: number;
  now: number;
  key: string;
  columns: ComparisonColumns;
  nameOf: (customer: string) => string;
  /** Customers in the order of their first row; each row's position among them. */
  groups: string[];
  groupOf: Int32Array;
  /** Per candidate, each customer's sum. */
  groupSums: Float64Array[];
  /** Per customer, its rank for the customer orders (name, then first row). */
  groupRanks: Float64Array;
  months: ReturnType<typeof comparisonByCalendarMonth>;
  orders: Map<string, number[]>;
  /** By ranking price and bar count: the customers charted, and the rest as one. */
  charted: Map<string, Pick<PriceComparisonSummary, 'customers' | 'others'>>;
}
const comparisonCaches = new WeakMap<ScenarioState, ComparisonCache>();

function comparePrices(state: ScenarioState, args: CompareArgs): PriceComparison {
  if (!args.page) {
    const columns = comparisonColumns(state, args);
    return {
      prices: columns.prices.map((price) => price.id),
      rows: columns.starts.map((_, at) => rowAt(columns, at)),
      totals: columns.totals,
      currency: columns.currency,
    };
  }
  const { page, ...rest } = args;
  const key = canonicalJson(rest);
  let cache = comparisonCaches.get(state);
  const fresh =
    cache !== undefined &&
    cache.changes === state.changes &&
    cache.now === state.now &&
    cache.key === key;
  if (!fresh || state.midChange) {
    cache = comparisonCache(state, key, comparisonColumns(state, rest));
    if (!state.midChange) comparisonCaches.set(state, cache);
  }
  return copy(summarized(cache!, page));
}

/** What a comparison's pages read: its customers' sums and ranks, its months. */
function comparisonCache(
  state: ScenarioState,
  key: string,
  columns: ComparisonColumns,
): ComparisonCache {
  const names = customerNamesOf(state);
  const nameOf = (customer: string) => {
    const at = names.indexOf.get(customer);
    return at === undefined ? customer : names.names[at]!;
  };
  const rowCount = columns.starts.length;
  const firstRows = new Map<string, number>();
  const groupOf = new Int32Array(rowCount);
  for (let row = 0; row < rowCount; row++) {
    const customer = columns.customers[row]!;
    // A subscription's rows are next to each other: the same customer as the row before.
    if (row > 0 && customer === columns.customers[row - 1]) {
      groupOf[row] = groupOf[row - 1]!;
      continue;
    }
    let group = firstRows.get(customer);
    if (group === undefined) firstRows.set(customer, (group = firstRows.size));
    groupOf[row] = group;
  }
  const groups = [...firstRows.keys()];
  const groupSums = columns.amounts.map((amounts) => {
    const sums = new Float64Array(groups.length);
    for (let row = 0; row < rowCount; row++) sums[groupOf[row]!]! += amounts[row]!;
    return sums;
  });
  // Ranks of the state's names, kept across changes that rename no one; a customer the state
  // no longer lists (named by its id) has the comparison's own customers ranked instead.
  let nameRank: (group: number) => number;
  if (groups.every((customer) => names.indexOf.has(customer))) {
    const ranks = (names.ranks ??= nameRanks(names.names));
    nameRank = (group) => ranks[names.indexOf.get(groups[group]!)!]!;
  } else {
    const ranks = nameRanks(groups.map(nameOf));
    nameRank = (group) => ranks[group]!;
  }
  const groupRanks = Float64Array.from(
    groups,
    (_, group) => nameRank(group) * groups.length + group,
  );
  // Rows share a few periods: each period's sums are what its calendar month adds up (amounts
  // are whole minor units, so the sums are exact in any order).
  const ids = columns.prices.map((price) => price.id);
  // A row holds one amount per price (a price listed twice: the same amount).
  const distinct = [
    ...new Map(ids.map((id, candidate): [string, number] => [id, candidate]).reverse()),
  ];
  const spanSums = distinct.map(([, candidate]) => {
    const sums = new Float64Array(columns.spans.length);
    const amounts = columns.amounts[candidate]!;
    for (let row = 0; row < rowCount; row++) sums[columns.spanOf[row]!]! += amounts[row]!;
    return sums;
  });
  const spans = columns.spans.map((span, at) => {
    const amounts = Object.fromEntries(ids.map((id) => [id, 0]));
    distinct.forEach(([id], index) => {
      amounts[id] = spanSums[index]![at]!;
    });
    return { periodStart: span.start, periodEnd: span.end, amounts };
  });
  return {
    changes: state.changes,
    now: state.now,
    key,
    columns,
    nameOf,
    groups,
    groupOf,
    groupSums,
    groupRanks,
    months: comparisonByCalendarMonth({ prices: ids, rows: spans }, state.now),
    orders: new Map(),
    charted: new Map(),
  };
}

/** Each metered item's quantity in a period under a strategy; undefined before the item began. */
function itemQuantity(
  item: SubscriptionItem,
  usage: UsageColumns,
  strategy: AggregateUsage,
  period: Span,
): number | undefined {
  if (period.end <= item.created) return undefined;
  const [lo, hi] = indexRange(usage, Math.max(period.start, item.created), period.end);
  return aggregators[strategy](usage, lo, hi).quantity;
}

function comparisonColumns(state: ScenarioState, args: CompareArgs): ComparisonColumns {
  const prices = args.prices.map((id, index) => state.price(id, `prices[${index}]`));
  const currency = prices[0]!.currency;
  prices.forEach((price, index) => {
    if (price.currency !== currency) {
      throw invalidRequest(
        'currency_mismatch',
        `prices[${index}]`,
        `Compare prices of one currency: ${price.id} is ${price.currency}, ${prices[0]!.id} is ${currency}.`,
      );
    }
    if (price.recurring.usageType !== 'metered') {
      throw invalidRequest(
        'price_not_metered',
        `prices[${index}]`,
        `${price.id} is licensed: compare metered prices, which bill the same usage.`,
      );
    }
  });
  const adjustments = candidateAdjustments(state, prices, args);
  const subscriptions = args.subscription
    ? [state.subscription(args.subscription)]
    : state.data.subscriptions;
  // A quote depends on the price and the quantity only: customers with the same quantity (idle
  // ones, open periods at 0) share one, as decimal pricing is most of the time at 10,000.
  const quoted = new Map(prices.map((price) => [price.id, new Map<number, Quote>()]));
  const quoteOf = (price: Price, quantity: number) => {
    const known = quoted.get(price.id)!;
    let quote = known.get(quantity);
    if (!quote) known.set(quantity, (quote = quotePrice(price, quantity)));
    return quote;
  };
  const strategies = [...new Set(prices.map((price) => price.recurring.aggregateUsage ?? 'sum'))];
  const candidates = prices.map((price) => ({
    price,
    at: strategies.indexOf(price.recurring.aggregateUsage ?? 'sum'),
    adjustment: adjustments.find((entry) => entry.key === price.id),
  }));
  // Subscriptions started together on one price share their periods (10,000 made in one batch
  // have one list): each list is computed once per call, read only.
  const periodLists = new Map<string, Span[]>();
  // Where each list's periods begin in columns.spans.
  const firstSpans = new Map<Span[], number>();
  const periodsOf = (subscription: Subscription) => {
    const key = state.periodsKey(subscription);
    let periods = periodLists.get(key);
    if (!periods) periodLists.set(key, (periods = state.periodsOf(subscription).reverse()));
    return periods;
  };
  const columns: ComparisonColumns = {
    prices,
    currency,
    totals: Object.fromEntries(prices.map((price) => [price.id, 0])),
    starts: [],
    ends: [],
    spanOf: [],
    spans: [],
    subscriptions: [],
    customers: [],
    amounts: prices.map(() => []),
  };
  // Per strategy, each metered item's quantity in the period at hand, aggregated once however
  // many candidates share the strategy. The quantity only, as aggregateUsage's sentence is not
  // shown here.
  const quantities: (number | undefined)[][] = strategies.map(() => []);
  for (const subscription of subscriptions) {
    if (subscription.currency !== currency) continue;
    const metered: SubscriptionItem[] = [];
    const usage: UsageColumns[] = [];
    for (const item of subscription.items.data) {
      if (state.price(item.price).recurring.usageType !== 'metered') continue;
      metered.push(item);
      usage.push(state.columns(item.id));
    }
    if (metered.length === 0) continue;
    const periods = periodsOf(subscription);
    let firstSpan = firstSpans.get(periods);
    if (firstSpan === undefined) {
      firstSpans.set(periods, (firstSpan = columns.spans.length));
      columns.spans.push(...periods);
    }
    const first = columns.starts.length;
    // A candidate with a coupon or minimum is priced per period first, then adjusted over them.
    const own = adjustments.length
      ? candidates.map(({ adjustment }) => (adjustment ? ([] as Quote[][]) : null))
      : null;
    // Plain loops: this runs 20,000 times in a first call, much of it before the code is optimized.
    for (let index = 0; index < periods.length; index++) {
      const period = periods[index]!;
      for (let at = 0; at < strategies.length; at++)
        for (let item = 0; item < metered.length; item++)
          quantities[at]![item] = itemQuantity(
            metered[item]!,
            usage[item]!,
            strategies[at]!,
            period,
          );
      for (let candidate = 0; candidate < candidates.length; candidate++) {
        const { price, at } = candidates[candidate]!;
        const quotes = own?.[candidate] ? ([] as Quote[]) : null;
        let amount = 0;
        for (let item = 0; item < metered.length; item++) {
          const quantity = quantities[at]![item];
          if (quantity === undefined) continue;
          const quote = quoteOf(price, quantity);
          amount += quote.amount;
          quotes?.push(quote);
        }
        if (quotes) own![candidate]!.push(quotes);
        columns.amounts[candidate]!.push(amount);
      }
      columns.starts.push(period.start);
      columns.ends.push(period.end);
      columns.spanOf.push(firstSpan + index);
      columns.customers.push(subscription.customer);
      columns.subscriptions.push(subscription.id);
    }
    candidates.forEach(({ adjustment }, candidate) => {
      if (!adjustment) return;
      const spans = periods.map((period) => ({ ...period, open: period.end > state.now }));
      adjustedAmounts(adjustment, spans, own![candidate]!).forEach((amount, index) => {
        columns.amounts[candidate]![first + index] = amount ?? 0;
      });
    });
  }
  // Whole minor units: the sums are exact in any order.
  prices.forEach((price, candidate) => {
    let total = 0;
    for (const amount of columns.amounts[candidate]!) total += amount;
    columns.totals[price.id]! += total;
  });
  return columns;
}

/**
 * What the Compare view draws, summed here so the view gets kilobytes, not a row per customer
 * and period (10,000 customers made 3.4 MB): months, the top customers, one page of rows.
 */
function summarized(
  cache: ComparisonCache,
  page: NonNullable<CompareArgs['page']>,
): PriceComparison {
  const { columns, nameOf, groups, groupSums } = cache;
  const ids = columns.prices.map((id) => id.id);
  const price = page.price ?? ids[0]!;
  if (!ids.includes(price))
    throw invalidRequest(
      'parameter_invalid',
      'page.price',
      `${price} is not one of the compared prices: rank by one of ${ids.join(', ')}.`,
    );
  // A customer's amounts as groupAmounts sums them (a price listed twice counts twice).
  const amountsOf = (groups: readonly number[]) => {
    const amounts: Record<string, number> = {};
    ids.forEach((id, candidate) => {
      let sum = 0;
      for (const group of groups) sum += groupSums[candidate]![group]!;
      amounts[id] = (amounts[id] ?? 0) + sum;
    });
    return amounts;
  };
  const top = page.top ?? 20;
  // As largestGroups: every customer when they fit, else the top - 1 and the rest as one.
  let charted = cache.charted.get(`${price} ${top}`);
  if (!charted) {
    const ranked = groups.length <= top ? null : largestFirst(groupSums[ids.indexOf(price)]!);
    const listed = ranked ? ranked.slice(0, top - 1) : Array.from(groups.keys());
    const others = ranked && ranked.slice(top - 1);
    charted = {
      customers: listed.map((group) => ({
        customer: groups[group]!,
        name: nameOf(groups[group]!),
        amounts: amountsOf([group]),
      })),
      others: others && { customers: others.length, amounts: amountsOf(others) },
    };
    cache.charted.set(`${price} ${top}`, charted);
  }
  const sort = page.sort ?? 'period';
  const offset = page.offset ?? 0;
  const limit = page.limit ?? 100;
  let ordered = cache.orders.get(`${sort} ${price}`);
  if (!ordered) {
    const { groupOf, groupRanks } = cache;
    const ranks = new Float64Array(groupOf.length);
    for (let row = 0; row < ranks.length; row++) ranks[row] = groupRanks[groupOf[row]!]!;
    const amounts = columns.amounts[ids.indexOf(price)]!;
    cache.orders.set(
      `${sort} ${price}`,
      (ordered = rowOrder(sort, columns.starts, ranks, amounts)),
    );
  }
  const rows = ordered.slice(offset, offset + limit).map((at) => {
    const row = rowAt(columns, at);
    return { ...row, customerName: nameOf(row.customer) };
  });
  return {
    prices: ids,
    rows,
    totals: columns.totals,
    currency: columns.currency,
    summary: {
      months: cache.months,
      ...charted,
      price,
      customerCount: groups.length,
      rowCount: columns.starts.length,
      offset,
      limit,
      sort,
    },
  };
}

/** Objects stored oldest first, as the newest-first page [offset, offset + limit), copied. */
function newestFirstPage<T>(stored: readonly T[], offset: number, limit = 50): T[] {
  const end = Math.max(0, stored.length - offset);
  return stored
    .slice(Math.max(0, end - limit), end)
    .reverse()
    .map(copy);
}

const INVOICE_STATUSES: InvoiceStatus[] = ['draft', 'open', 'paid', 'uncollectible', 'void'];

/** One page of the invoices, newest first, with how many there are in all and per status. */
function invoicePage(
  state: ScenarioState,
  args: { offset?: number; limit?: number; status?: InvoiceStatus } | undefined,
): InvoicePage {
  const all = state.data.invoices;
  const counts = Object.fromEntries(INVOICE_STATUSES.map((status) => [status, 0])) as Record<
    InvoiceStatus,
    number
  >;
  let zeroAtCreation = 0;
  for (const invoice of all) {
    counts[invoice.status] += 1;
    if (isZeroCreationInvoice(invoice)) zeroAtCreation += 1;
  }
  const matching = args?.status ? all.filter((invoice) => invoice.status === args.status) : all;
  const offset = args?.offset ?? 0;
  const data = newestFirstPage(matching, offset, args?.limit);
  return { object: 'invoice_page', data, offset, total: matching.length, counts, zeroAtCreation };
}

/** One page of the customers, newest first; `name` keeps those whose name contains it. */
function customerPage(
  state: ScenarioState,
  args: { offset?: number; limit?: number; name?: string } | undefined,
): CustomerPage {
  const needle = args?.name?.trim().toLowerCase();
  const all = state.data.customers;
  const matching = needle
    ? all.filter((customer) => customer.name.toLowerCase().includes(needle))
    : all;
  const offset = args?.offset ?? 0;
  const data = newestFirstPage(matching, offset, args?.limit);
  return { object: 'customer_page', data, offset, total: matching.length };
}

/** One page of the events kept, newest first, of one type if given, with the count. */
function eventPage(
  state: ScenarioState,
  args: { offset?: number; limit?: number; type?: string } | undefined,
): EventPage {
  const all = state.data.events;
  const matching = args?.type ? all.filter((event) => event.type === args.type) : all;
  const offset = args?.offset ?? 0;
  const data = newestFirstPage(matching, offset, args?.limit);
  return { object: 'event_page', data, offset, total: matching.length };
}

/** Read-only views the UI draws from: pre-bucketed, never one point per record. */
export const analysis = {
  usageSeries: method({
    params: [param('', usageSeriesArgs)],
    mutates: false,
    run: (state, [args]) => usageSeries(state, args),
  }),
  strategies: method({
    params: [param('', strategiesArgs)],
    mutates: false,
    run: (state, [args]) => strategyComparison(state, args),
  }),
  /** The lab: one usage stream under the legacy strategies and every meter formula. */
  recordsVsMeters: method({
    params: [param('', recordsVsMetersArgs)],
    mutates: false,
    run: (state, [args]) => recordsVsMeters(state, args),
  }),
  comparePrices: method({
    params: [param('', comparePricesArgs)],
    mutates: false,
    run: (state, [args]) => comparePrices(state, args),
  }),
  /** Lists that scale: a page of invoices by offset, with the counts a pager and filter show. */
  invoicePage: method({
    params: [param('', invoicePageArgs)],
    mutates: false,
    run: (state, [args]) => invoicePage(state, args),
  }),
  /** A page of customers by offset, optionally those whose name contains a text, with the count. */
  customerPage: method({
    params: [param('', customerPageArgs)],
    mutates: false,
    run: (state, [args]) => customerPage(state, args),
  }),
  /** A page of the events kept by offset, optionally of one type, with the count. */
  eventPage: method({
    params: [param('', eventPageArgs)],
    mutates: false,
    run: (state, [args]) => eventPage(state, args),
  }),
};
