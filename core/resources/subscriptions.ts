// Subscriptions: create (the first invoice at once), update (price swaps, quantities, new items,
// prorations), cancel (now or at period end). NOTE rules are marked where they are coded.
import type { z } from 'zod';
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import { firstPeriodLine, prorationLine } from '../rules/lines';
import type { LineContext } from '../rules/lines';
import type { InvoiceLine, Price, Subscription, SubscriptionItem } from '../public/types';
import { method, param } from './entry';
import { cancelNow, invoiceNow, periodLines, takePendingLines, usageLinesSoFar } from './invoicing';
import {
  objectIdOf,
  subscriptionCancelArgs,
  subscriptionCreateArgs,
  subscriptionListArgs,
  subscriptionUpdateArgs,
} from './schemas';
import { list } from './state';
import type { ScenarioState } from './state';
import { settleCurrency } from './balance';
import { buildDiscounts, checkDiscountEntries } from './coupons';
import { checkTaxRates } from './tax-rates';
import { planStart } from './subscription-start';
import { checkThresholds } from './billing-thresholds';
import type { ThresholdItem } from './billing-thresholds';

export type SubscriptionUpdate = z.output<typeof subscriptionUpdateArgs>;

/** Checks that prices can share one subscription: same currency, same billing interval. */
function checkItemPrices(
  state: ScenarioState,
  prices: { price: Price; param: string }[],
  subscription?: Subscription,
): void {
  const first = subscription ? state.price(subscription.items.data[0]!.price) : prices[0]!.price;
  for (const { price, param: where } of prices) {
    if (price.currency !== first.currency) {
      throw invalidRequest(
        'currency_mismatch',
        where,
        `Price ${price.id} is in ${price.currency} but the subscription bills in ${first.currency}: use prices of one currency.`,
      );
    }
    if (
      price.recurring.interval !== first.recurring.interval ||
      price.recurring.intervalCount !== first.recurring.intervalCount
    ) {
      throw invalidRequest(
        'interval_mismatch',
        where,
        `Price ${price.id} bills every ${price.recurring.intervalCount} ${price.recurring.interval} but the subscription every ${first.recurring.intervalCount} ${first.recurring.interval}: items of one subscription share their billing interval.`,
      );
    }
  }
}

function checkItemQuantity(
  price: Price,
  quantity: number | undefined,
  where: string,
): number | null {
  if (price.recurring.usageType === 'metered') {
    if (quantity !== undefined) {
      throw invalidRequest(
        'quantity_not_allowed',
        where,
        'Metered items have no quantity: their usage records decide what is billed. Remove quantity.',
      );
    }
    return null;
  }
  return quantity ?? 1;
}

function newItem(
  state: ScenarioState,
  subscription: string,
  price: Price,
  quantity: number | null,
  id = state.newId('si'),
): SubscriptionItem {
  return {
    id,
    object: 'subscription_item',
    subscription,
    price: price.id,
    quantity,
    usageStart: state.now,
    billingThresholds: null,
    created: state.now,
  };
}

function meterFormulaOf(state: ScenarioState, price: Price): string | null {
  const meter = price.recurring.meter;
  return meter === null ? null : state.meter(meter, 'price').defaultAggregation.formula;
}

/**
 * The thresholds an update leaves, checked against the items it leaves (changed prices and added
 * items included); nothing changes. NOTE: one usage threshold per item: an item listed twice with
 * a threshold is refused.
 */
function updatedThresholds(
  state: ScenarioState,
  subscription: Subscription,
  args: SubscriptionUpdate,
) {
  const entries = args.items ?? [];
  entries.forEach((entry, index) => {
    if (entry.id === undefined || entry.billingThresholds === undefined) return;
    const earlier = entries.findIndex((other) => other.id === entry.id);
    if (earlier !== index)
      throw invalidRequest(
        'invalid_billing_thresholds',
        `items[${index}].billingThresholds`,
        `items[${index}] sets a threshold for ${entry.id}, which items[${earlier}] lists already: an item has one usage threshold. List the item once.`,
      );
  });
  const existing = subscription.items.data.map((item): ThresholdItem => {
    const index = entries.findIndex((entry) => entry.id === item.id);
    const entry = entries[index];
    const price = entry?.price
      ? state.price(entry.price, `items[${index}].price`)
      : state.price(item.price);
    return {
      price,
      thresholds:
        entry?.billingThresholds !== undefined ? entry.billingThresholds : item.billingThresholds,
      param: index >= 0 ? `items[${index}]` : null,
      meterFormula: meterFormulaOf(state, price),
    };
  });
  const added = entries.flatMap((entry, index): ThresholdItem[] => {
    if (entry.id !== undefined || entry.price === undefined) return [];
    const price = state.price(entry.price, `items[${index}].price`);
    return [
      {
        price,
        thresholds: entry.billingThresholds ?? null,
        param: `items[${index}]`,
        meterFormula: meterFormulaOf(state, price),
      },
    ];
  });
  const checked = checkThresholds(args.billingThresholds, subscription.billingThresholds, [
    ...existing,
    ...added,
  ]);
  return {
    subscription: checked.subscription,
    existing: checked.items.slice(0, existing.length),
    added: checked.items.slice(existing.length),
  };
}

function createSubscription(
  state: ScenarioState,
  args: z.output<typeof subscriptionCreateArgs>,
): Subscription {
  const customer = state.customer(args.customer);
  const prices = args.items.map((entry, index) => ({
    price: state.price(entry.price, `items[${index}].price`),
    param: `items[${index}].price`,
  }));
  checkItemPrices(state, prices);
  const quantities = args.items.map((entry, index) =>
    checkItemQuantity(prices[index]!.price, entry.quantity, `items[${index}].quantity`),
  );
  const seen = new Set<string>();
  for (const { price, param: where } of prices) {
    if (seen.has(price.id))
      throw invalidRequest(
        'duplicate_price',
        where,
        `Price ${price.id} appears twice: list each price once and set its quantity instead.`,
      );
    seen.add(price.id);
  }
  const first = prices[0]!.price;
  settleCurrency(customer, first.currency, 'items[0].price');
  const coupons = checkDiscountEntries(state, first.currency, args.discounts ?? []);
  const taxRates = checkTaxRates(state, args.defaultTaxRates ?? []);
  const minimum = args.minimumCommitment;
  if (minimum && minimum.currency.toUpperCase() !== first.currency)
    throw invalidRequest(
      'currency_mismatch',
      'minimumCommitment.currency',
      `The minimum commitment is in ${minimum.currency} but the subscription bills in ${first.currency}: state it in ${first.currency}.`,
    );
  const thresholds = checkThresholds(
    args.billingThresholds,
    null,
    prices.map(({ price }, index) => ({
      price,
      thresholds: args.items[index]!.billingThresholds ?? null,
      param: `items[${index}]`,
      meterFormula: meterFormulaOf(state, price),
    })),
  );
  const start = planStart(state, args, first);
  const id = state.newId('sub');
  const subscription: Subscription = {
    id,
    object: 'subscription',
    customer: args.customer,
    status: start.status,
    currency: first.currency,
    startDate: start.startDate,
    billingCycleAnchor: start.anchor,
    trialStart: start.trialEnd === null ? null : state.now,
    trialEnd: start.trialEnd,
    currentPeriodStart: start.current.start,
    currentPeriodEnd: start.current.end,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    latestInvoice: null,
    items: {
      object: 'list',
      data: prices.map(({ price }, index) => newItem(state, id, price, quantities[index]!)),
      hasMore: false,
    },
    discounts: [],
    defaultTaxRates: taxRates,
    // NOTE: a minimum commitment (a Meterlab extension) is a positive amount per period.
    minimumCommitment: minimum ? { amount: minimum.amount, currency: first.currency } : null,
    billingThresholds: thresholds.subscription,
    created: state.now,
  };
  subscription.items.data.forEach((item, index) => {
    item.billingThresholds = thresholds.items[index]!;
  });
  subscription.discounts = buildDiscounts(state, subscription, coupons);
  customer.currency = first.currency;
  state.data.subscriptions.push(subscription);
  state.setPeriodIndex(id, start.periodIndex);
  state.addSubscription(subscription);
  state.emit('customer.subscription.created', subscription);
  // NOTE: licensed items are invoiced for the first period at once (a partial first period
  // prorated, a trial at 0); a metered-only subscription gets an invoice of 0, paid at once.
  if (start.noInvoice) return subscription;
  const prorated = start.prorated;
  const firstLines = prorated
    ? subscription.items.data
        .map((item) => ({ item, price: state.price(item.price) }))
        .filter(({ price }) => price.recurring.usageType === 'licensed')
        .map(({ item, price }) =>
          firstPeriodLine(state.lineContext, item, price, prorated.span, prorated.imaginedEnd),
        )
    : [];
  const lines = periodLines(state, state.lineContext, subscription, {
    meteredUntil: null,
    pending: firstLines,
    licensedPeriod: start.inAdvance,
  });
  const period = { start: start.startDate, end: start.current.end };
  invoiceNow(state, subscription, 'subscription_create', period, lines);
  return subscription;
}

/** The subscription, refused when it has ended. */
export function openSubscription(state: ScenarioState, id: string, where: string): Subscription {
  const subscription = state.subscription(id, where);
  if (state.isEnded(subscription)) {
    throw invalidRequest(
      'subscription_ended',
      where,
      `${subscription.id} has ended: create a new subscription instead.`,
    );
  }
  return subscription;
}

type ItemChange =
  | { kind: 'add'; price: Price; quantity: number | null }
  | {
      kind: 'change';
      item: SubscriptionItem;
      oldPrice: Price;
      price: Price;
      quantity: number | null;
    };

/** Every change of an update, validated; nothing is built until all pass. */
function checkChanges(
  state: ScenarioState,
  subscription: Subscription,
  items: NonNullable<SubscriptionUpdate['items']>,
): ItemChange[] {
  return items.map((change, index) => {
    const where = `items[${index}]`;
    const newPrice = change.price ? state.price(change.price, `${where}.price`) : undefined;
    if (change.id === undefined) {
      if (!newPrice)
        throw invalidRequest(
          'parameter_missing',
          `${where}.price`,
          'A new item needs a price: pass items[].price, or items[].id to change an existing item.',
        );
      checkItemPrices(state, [{ price: newPrice, param: `${where}.price` }], subscription);
      if (subscription.items.data.some((item) => item.price === newPrice.id)) {
        throw invalidRequest(
          'duplicate_price',
          `${where}.price`,
          `Price ${newPrice.id} is already on ${subscription.id}: change that item's quantity instead.`,
        );
      }
      const quantity = checkItemQuantity(newPrice, change.quantity, `${where}.quantity`);
      return { kind: 'add', price: newPrice, quantity };
    }
    const item = subscription.items.data.find((candidate) => candidate.id === change.id);
    if (!item)
      throw invalidRequest(
        'resource_missing',
        `${where}.id`,
        `${change.id} is not an item of ${subscription.id}: list the subscription's items.data to find its ids.`,
      );
    const oldPrice = state.price(item.price);
    const price = newPrice ?? oldPrice;
    if (newPrice)
      checkItemPrices(state, [{ price: newPrice, param: `${where}.price` }], subscription);
    if (price.recurring.usageType !== oldPrice.recurring.usageType) {
      throw invalidRequest(
        'usage_type_change',
        `${where}.price`,
        `${item.id} is ${oldPrice.recurring.usageType}; ${price.id} is ${price.recurring.usageType}. Add the new price as a new item instead.`,
      );
    }
    const quantity = checkItemQuantity(
      price,
      change.quantity ??
        (price.recurring.usageType === 'licensed' ? (item.quantity ?? 1) : undefined),
      `${where}.quantity`,
    );
    return { kind: 'change', item, oldPrice, price, quantity };
  });
}

/**
 * Applies a validated update to `subscription` (the real one, or a copy for a preview) and
 * returns the lines it bills. Everything is checked before anything changes.
 */
export function applyUpdate(
  state: ScenarioState,
  subscription: Subscription,
  args: SubscriptionUpdate,
  context: LineContext,
  addItem: (price: Price, quantity: number | null) => SubscriptionItem,
): InvoiceLine[] {
  state.willChange(subscription);
  const behavior = args.prorationBehavior ?? 'create_prorations';
  const now = state.now;
  const period = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };
  const changes = checkChanges(state, subscription, args.items ?? []);
  const lines: InvoiceLine[] = [];
  for (const change of changes) {
    if (change.kind === 'add') {
      const item = addItem(change.price, change.quantity);
      subscription.items.data.push(item);
      if (change.price.recurring.usageType === 'licensed') {
        lines.push(
          prorationLine(context, item, change.price, change.quantity ?? 1, period, now, 1),
        );
      }
      continue;
    }
    const { item, oldPrice, price, quantity } = change;
    if (price.recurring.usageType === 'licensed') {
      // NOTE: licensed changes are prorated to the second: credit the old, charge the new.
      if (price.id !== oldPrice.id || quantity !== item.quantity) {
        lines.push(prorationLine(context, item, oldPrice, item.quantity ?? 1, period, now, -1));
        lines.push(prorationLine(context, item, price, quantity ?? 1, period, now, 1));
      }
    } else if (price.id !== oldPrice.id) {
      // NOTE: metered items are never prorated; the usage so far is billed at the old price
      // (create_prorations: next invoice; always_invoice: now; none: discarded).
      // Records stamped at the moment of the swap were reported before it: usage so far.
      const usedSpan = { start: Math.max(period.start, item.usageStart), end: now + 1 };
      if (behavior !== 'none' && usedSpan.end > usedSpan.start) {
        lines.push(...usageLinesSoFar(state, context, subscription, item, oldPrice, usedSpan));
      }
      item.usageStart = now + 1;
    }
    item.price = price.id;
    item.quantity = quantity;
  }
  if (args.cancelAtPeriodEnd !== undefined) subscription.cancelAtPeriodEnd = args.cancelAtPeriodEnd;
  return lines;
}

/** A preview item of a proposed update: an id of its own, nothing taken from the counters. */
export function previewItem(
  state: ScenarioState,
  subscription: string,
  price: Price,
  quantity: number | null,
  id: string,
): SubscriptionItem {
  return newItem(state, subscription, price, quantity, id);
}

function updateSubscription(
  state: ScenarioState,
  id: string,
  args: SubscriptionUpdate,
): Subscription {
  const subscription = openSubscription(state, id, 'id');
  const coupons =
    args.discounts && checkDiscountEntries(state, subscription.currency, args.discounts);
  const taxRates = args.defaultTaxRates && checkTaxRates(state, args.defaultTaxRates);
  const thresholds = updatedThresholds(state, subscription, args);
  const before = subscription.items.data.length;
  const lines = applyUpdate(state, subscription, args, state.lineContext, (price, quantity) => {
    const item = newItem(state, subscription.id, price, quantity);
    state.addItem(item, subscription);
    return item;
  });
  // NOTE: an update's discounts replace the list; its tax rates apply to invoices made from now.
  if (coupons) subscription.discounts = buildDiscounts(state, subscription, coupons);
  if (taxRates) subscription.defaultTaxRates = taxRates;
  // NOTE: new thresholds apply from the next usage reported; the update itself bills nothing early.
  subscription.billingThresholds = thresholds.subscription;
  subscription.items.data.forEach((item, index) => {
    item.billingThresholds =
      index < before ? thresholds.existing[index]! : thresholds.added[index - before]!;
  });
  state.emit('customer.subscription.updated', subscription);
  const behavior = args.prorationBehavior ?? 'create_prorations';
  if (behavior === 'always_invoice' && lines.length > 0) {
    const period = { start: subscription.currentPeriodStart, end: state.now };
    const pending = takePendingLines(state, subscription.id);
    invoiceNow(state, subscription, 'subscription_update', period, [...pending, ...lines]);
  } else if (behavior === 'create_prorations') {
    for (const line of lines) state.data.pendingLines.push({ subscription: subscription.id, line });
  }
  return subscription;
}

export const subscriptions = {
  create: method({
    params: [param('', subscriptionCreateArgs)],
    mutates: true,
    journal: 'argumentsAndId',
    run: (state, [args]) => copy(createSubscription(state, args)),
  }),
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => copy(state.subscription(id, 'id')),
  }),
  list: method({
    params: [param('', subscriptionListArgs)],
    mutates: false,
    run: (state, [args]) => {
      const found = state.data.subscriptions.filter(
        (s) =>
          (!args?.customer || s.customer === args.customer) &&
          (!args?.status || s.status === args.status),
      );
      return list(found.reverse(), args);
    },
  }),
  update: method({
    params: [param('id', objectIdOf), param('', subscriptionUpdateArgs)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id, args]) => copy(updateSubscription(state, id, args)),
  }),
  cancel: method({
    params: [param('id', objectIdOf), param('', subscriptionCancelArgs)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id, args]) => {
      const subscription = state.subscription(id, 'id');
      if (state.isEnded(subscription)) {
        throw invalidRequest('subscription_ended', 'id', `${subscription.id} has already ended.`);
      }
      cancelNow(state, subscription, args?.invoiceNow ?? false);
      return copy(subscription);
    },
  }),
};
