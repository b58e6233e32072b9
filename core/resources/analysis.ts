// Read-only views for charts and teaching: pre-bucketed usage series, the four aggregation
// strategies side by side, and candidate prices over the same usage. Computed by the same
// aggregation and pricing modules that invoices use, so the UI teaches what the invoice bills.
import { aggregateUsage, aggregators } from '../rules/aggregation';
import { aggregateMeter } from '../rules/meters/aggregate';
import { MeterEventColumns } from '../rules/meters/columns';
import { uniqueValueAt } from '../rules/meters/generated';
import { indexRange } from '../rules/usage/view';
import type {
  CustomerPage,
  EventPage,
  InvoicePage,
  InvoiceStatus,
  MeterFormula,
  PriceComparison,
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
import {
  groupAmounts,
  largestGroups,
  rowsInOrder,
  type GroupTotal,
} from '../public/compare-groups';
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

type Comparison = Omit<PriceComparison, 'summary'>;

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
  comparison: Comparison;
  nameOf: (customer: string) => string;
  byCustomer: GroupTotal[];
  months: ReturnType<typeof comparisonByCalendarMonth>;
  orders: Map<string, PriceComparison['rows']>;
  charted: Map<string, GroupTotal[]>;
}
const comparisonCaches = new WeakMap<ScenarioState, ComparisonCache>();

function comparePrices(state: ScenarioState, args: CompareArgs): PriceComparison {
  if (!args.page) return comparisonOf(state, args);
  const { page, ...rest } = args;
  const key = canonicalJson(rest);
  let cache = comparisonCaches.get(state);
  const fresh =
    cache !== undefined &&
    cache.changes === state.changes &&
    cache.now === state.now &&
    cache.key === key;
  if (!fresh || state.midChange) {
    const comparison = comparisonOf(state, rest);
    const names = new Map(state.data.customers.map((customer) => [customer.id, customer.name]));
    const nameOf = (customer: string) => names.get(customer) ?? customer;
    cache = {
      changes: state.changes,
      now: state.now,
      key,
      comparison,
      nameOf,
      byCustomer: groupAmounts(comparison, (row) => ({
        key: row.customer,
        label: nameOf(row.customer),
      })),
      months: comparisonByCalendarMonth(comparison, state.now),
      orders: new Map(),
      charted: new Map(),
    };
    if (!state.midChange) comparisonCaches.set(state, cache);
  }
  return copy(summarized(cache!, page));
}

function comparisonOf(state: ScenarioState, args: CompareArgs): Comparison {
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
  const candidates = prices.map((price) => ({
    price,
    strategy: price.recurring.aggregateUsage ?? 'sum',
    adjustment: adjustments.find((entry) => entry.key === price.id),
  }));
  const strategies = [...new Set(candidates.map((candidate) => candidate.strategy))];
  // Subscriptions started together on one price share their periods (10,000 made in one batch
  // have one list): each list is computed once per call, read only.
  const periodLists = new Map<string, Span[]>();
  const periodsOf = (subscription: Subscription) => {
    const key = state.periodsKey(subscription);
    let periods = periodLists.get(key);
    if (!periods) periodLists.set(key, (periods = state.periodsOf(subscription).reverse()));
    return periods;
  };
  const rows: PriceComparison['rows'] = [];
  const totals: Record<string, number> = Object.fromEntries(prices.map((price) => [price.id, 0]));
  for (const subscription of subscriptions) {
    if (subscription.currency !== currency) continue;
    const metered = subscription.items.data.filter(
      (item) => state.price(item.price).recurring.usageType === 'metered',
    );
    if (metered.length === 0) continue;
    const usage = metered.map((item) => state.columns(item.id));
    const periods = periodsOf(subscription);
    // Per period, per strategy: each metered item's quantity (undefined before the item began),
    // aggregated once however many candidates share the strategy. The quantity only, as
    // aggregateUsage's sentence is not shown here.
    const quantities = periods.map((period) =>
      strategies.map((strategy) =>
        metered.map((item, index) => {
          if (period.end <= item.created) return undefined;
          const [lo, hi] = indexRange(
            usage[index]!,
            Math.max(period.start, item.created),
            period.end,
          );
          return aggregators[strategy](usage[index]!, lo, hi).quantity;
        }),
      ),
    );
    const amountsOf = candidates.map(({ price, strategy, adjustment }) => {
      const at = strategies.indexOf(strategy);
      if (!adjustment)
        return quantities.map((perStrategy) => {
          let amount = 0;
          for (const quantity of perStrategy[at]!)
            if (quantity !== undefined) amount += quoteOf(price, quantity).amount;
          return amount;
        });
      const own = quantities.map((perStrategy) =>
        perStrategy[at]!.flatMap((quantity) =>
          quantity === undefined ? [] : [quoteOf(price, quantity)],
        ),
      );
      const spans = periods.map((period) => ({ ...period, open: period.end > state.now }));
      return adjustedAmounts(adjustment, spans, own).map((amount) => amount ?? 0);
    });
    periods.forEach((period, index) => {
      const amounts: Record<string, number> = {};
      prices.forEach((price, at) => {
        const amount = amountsOf[at]![index]!;
        amounts[price.id] = amount;
        totals[price.id]! += amount;
      });
      rows.push({
        periodStart: period.start,
        periodEnd: period.end,
        customer: subscription.customer,
        subscription: subscription.id,
        amounts,
      });
    });
  }
  return { prices: prices.map((price) => price.id), rows, totals, currency };
}

/**
 * What the Compare view draws, summed here so the view gets kilobytes, not a row per customer
 * and period (10,000 customers made 3.4 MB): months, the top customers, one page of rows.
 */
function summarized(
  cache: ComparisonCache,
  page: NonNullable<CompareArgs['page']>,
): PriceComparison {
  const { comparison, nameOf, byCustomer } = cache;
  const price = page.price ?? comparison.prices[0]!;
  if (!comparison.prices.includes(price))
    throw invalidRequest(
      'parameter_invalid',
      'page.price',
      `${price} is not one of the compared prices: rank by one of ${comparison.prices.join(', ')}.`,
    );
  const top = page.top ?? 20;
  let charted = cache.charted.get(`${price} ${top}`);
  if (!charted)
    cache.charted.set(`${price} ${top}`, (charted = largestGroups(byCustomer, price, top)));
  // largestGroups keeps every group when they fit, else the top - 1 and the rest as one.
  const listed = charted === byCustomer ? charted : charted.slice(0, -1);
  const others = charted === byCustomer ? null : charted.at(-1)!;
  const sort = page.sort ?? 'period';
  const offset = page.offset ?? 0;
  const limit = page.limit ?? 100;
  let ordered = cache.orders.get(`${sort} ${price}`);
  if (!ordered)
    cache.orders.set(`${sort} ${price}`, (ordered = rowsInOrder(comparison, sort, price, nameOf)));
  const rows = ordered
    .slice(offset, offset + limit)
    .map((row) => ({ ...row, customerName: nameOf(row.customer) }));
  return {
    ...comparison,
    rows,
    summary: {
      months: cache.months,
      customers: listed.map((group) => ({
        customer: group.key,
        name: group.label,
        amounts: group.amounts,
      })),
      others: others && {
        customers: byCustomer.length - listed.length,
        amounts: others.amounts,
      },
      price,
      customerCount: byCustomer.length,
      rowCount: comparison.rows.length,
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
