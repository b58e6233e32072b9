// Billing thresholds: an invoice in the middle of a period when the period's unbilled spend
// reaches `billingThresholds.amountGte`, or an item's usage since its last threshold invoice
// reaches its `billingThresholds.usageGte`. Checked after every accepted usage record or meter
// event, and at the moment generated usage crosses one while the clock moves.
import { invalidRequest } from '../values/errors';
import { addIntervals } from '../rules/periods';
import { licensedLine, meteredLine, previouslyBilledLine, prorationLine } from '../rules/lines';
import type { LineContext, Span } from '../rules/lines';
import type { UsageView } from '../rules/usage/view';
import { lowerBound } from '../rules/usage/view';
import type {
  Invoice,
  InvoiceLine,
  ItemBillingThresholds,
  Price,
  Subscription,
  SubscriptionBillingThresholds,
} from '../public/types';
import { createInvoice, invoiceBody, takePendingLines, usageLine } from './invoicing';
import { billedSoFar } from './threshold-billed';
import type { ItemThresholdsArgs, SubscriptionThresholdsArgs } from './schemas';
import type { ScenarioState } from './state';

const DAY = 86_400;

// ---- checking the parameters ---------------------------------------------------------------------

function invalid(param: string, message: string): never {
  throw invalidRequest('invalid_billing_thresholds', param, message);
}

function positiveInteger(value: number, param: string, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    invalid(
      param,
      `${param} is ${value}: ${what} must be a positive whole number (at least 1, at most ${Number.MAX_SAFE_INTEGER}). Pass a larger value, or leave billingThresholds out for no threshold.`,
    );
  return value;
}

/** An item of the subscription as it will be, with where its fields were given. */
export interface ThresholdItem {
  price: Price;
  thresholds: ItemThresholdsArgs | null;
  /** The param naming this item's entry (`items[2]`); null for an item the call doesn't list. */
  param: string | null;
  /** The formula of the price's meter, null for usage records. */
  meterFormula: string | null;
}

/** The item's usage threshold, checked. NOTE: usage thresholds apply to metered items only. */
function itemThresholds(item: ThresholdItem): ItemBillingThresholds | null {
  if (item.thresholds === null) return null;
  const param = item.param ? `${item.param}.billingThresholds.usageGte` : 'billingThresholds';
  if (item.price.recurring.usageType !== 'metered')
    invalid(
      item.param ? `${item.param}.billingThresholds` : 'billingThresholds',
      `${item.price.id} is a licensed price: usageGte counts metered usage. Remove the item's billingThresholds, or set billingThresholds.amountGte on the subscription.`,
    );
  return { usageGte: positiveInteger(item.thresholds.usageGte, param, 'usageGte') };
}

/**
 * NOTE: thresholds need usage that only grows within a period, so that what was billed early is
 * never more than the period bills: meters that sum or count, and usage-record prices of any
 * aggregation but last_ever (which looks back into earlier periods).
 */
function checkFormula(item: ThresholdItem): void {
  const { price } = item;
  if (price.recurring.usageType !== 'metered') return;
  const formula = item.meterFormula;
  const unsupported =
    price.recurring.meter === null
      ? price.recurring.aggregateUsage === 'last_ever'
      : formula !== 'sum' && formula !== 'count';
  if (!unsupported) return;
  const what =
    price.recurring.meter === null
      ? 'aggregates usage with last_ever, which carries values from earlier periods'
      : `is billed by meter ${price.recurring.meter}, whose formula is ${formula}`;
  throw invalidRequest(
    'billing_thresholds_unsupported_formula',
    item.param ? `${item.param}.price` : 'billingThresholds',
    `${price.id} ${what}: billing thresholds need sum or count meters (or usage records aggregated by sum, max or last_during_period). Use such a price, or remove the billing thresholds.`,
  );
}

/**
 * The subscription's thresholds and each item's, checked together; nothing changes. `args`
 * undefined keeps `current`; null removes it.
 */
export function checkThresholds(
  args: SubscriptionThresholdsArgs | null | undefined,
  current: SubscriptionBillingThresholds | null,
  items: ThresholdItem[],
): { subscription: SubscriptionBillingThresholds | null; items: (ItemBillingThresholds | null)[] } {
  let subscription = current;
  if (args === null) subscription = null;
  else if (args !== undefined)
    subscription = {
      amountGte:
        args.amountGte === undefined
          ? null
          : positiveInteger(args.amountGte, 'billingThresholds.amountGte', 'amountGte'),
      resetBillingCycleAnchor: args.resetBillingCycleAnchor ?? false,
    };
  const perItem = items.map(itemThresholds);
  const anyUsage = perItem.some((thresholds) => thresholds !== null);
  // NOTE: resetBillingCycleAnchor alone sets no threshold: it needs amountGte or a usageGte.
  if (subscription !== null && subscription.amountGte === null && !anyUsage)
    invalid(
      'billingThresholds',
      'billingThresholds has no threshold: give billingThresholds.amountGte, or items[].billingThresholds.usageGte on a metered item (resetBillingCycleAnchor alone triggers nothing).',
    );
  if (subscription?.amountGte != null || anyUsage) {
    if (!items.some((item) => item.price.recurring.usageType === 'metered'))
      invalid(
        'billingThresholds.amountGte',
        'The subscription has no metered item: a threshold bills usage early, and licensed items are billed in advance already. Remove billingThresholds, or add a metered item.',
      );
    items.forEach(checkFormula);
  }
  return { subscription, items: perItem };
}

/** True when the subscription has a threshold of either kind. */
export function hasThresholds(subscription: Subscription): boolean {
  return (
    subscription.billingThresholds?.amountGte != null ||
    subscription.items.data.some((item) => item.billingThresholds != null)
  );
}

// ---- evaluating them ---------------------------------------------------------------------------

/**
 * NOTE: thresholds are evaluated only while the subscription runs, never during a trial, and not
 * in the last 86,400 s before the period end (that invoice comes soon enough).
 */
function evaluable(state: ScenarioState, subscription: Subscription, at: number): boolean {
  return (
    hasThresholds(subscription) &&
    !state.isEnded(subscription) &&
    subscription.status !== 'trialing' &&
    at >= subscription.currentPeriodStart &&
    at < subscription.currentPeriodEnd - DAY
  );
}

const sumOf = (entries: { amount: number }[]) => entries.reduce((t, e) => t + e.amount, 0);

/**
 * The threshold invoice's metered lines at `at` (each item's usage so far, then what threshold
 * invoices of its span billed already) and whether a threshold is crossed. `usageOf` reads
 * usage-record items from columns that run ahead of the clock (a clock move's look-ahead).
 */
function thresholdLines(
  state: ScenarioState,
  context: LineContext,
  subscription: Subscription,
  at: number,
  usageOf?: (item: string) => UsageView | undefined,
): { lines: InvoiceLine[]; crossed: boolean } {
  const lines: InvoiceLine[] = [];
  let crossed = false;
  for (const item of subscription.items.data) {
    const price = state.price(item.price);
    if (price.recurring.usageType !== 'metered') continue;
    // Usage stamped at `at` was reported before the check: it is billed now.
    const span = { start: Math.max(subscription.currentPeriodStart, item.usageStart), end: at + 1 };
    if (span.end <= span.start) continue;
    const ahead = price.recurring.meter === null ? usageOf?.(item.id) : undefined;
    const usage = ahead
      ? meteredLine(context, item, price, ahead, span)
      : usageLine(state, context, subscription.customer, item, price, span);
    const billed = billedSoFar(state, subscription, item);
    lines.push(usage);
    if (billed.amount > 0) lines.push(previouslyBilledLine(context, usage, billed.amount));
    // NOTE: a usage threshold counts the units since the item's last threshold invoice.
    if (
      item.billingThresholds &&
      usage.quantity - billed.quantity >= item.billingThresholds.usageGte
    )
      crossed = true;
  }
  const amountGte = subscription.billingThresholds?.amountGte ?? null;
  if (!crossed && amountGte !== null && lines.length > 0) {
    // NOTE: the amount compared is what is unbilled so far after discounts and credit grants,
    // before tax, floored at 0.
    const priced = invoiceBody(
      state,
      null,
      subscription,
      'subscription_threshold',
      { start: subscription.currentPeriodStart, end: at },
      lines,
      at,
      'draft',
    );
    const unbilled =
      priced.subtotal - sumOf(priced.totalDiscountAmounts) - sumOf(priced.totalCreditGrantAmounts);
    crossed = Math.max(0, unbilled) >= amountGte;
  }
  return { lines, crossed };
}

/** A context whose line ids are throwaway (a check that may not invoice). */
function probeContext(state: ScenarioState): LineContext {
  let probe = 0;
  return { ...state.lineContext, newLineId: () => `il_threshold_check_${probe++}` };
}

/** True when a threshold of the subscription is crossed at `at`. */
function crossedAt(
  state: ScenarioState,
  subscription: Subscription,
  at: number,
  usageOf?: (item: string) => UsageView | undefined,
): boolean {
  return (
    evaluable(state, subscription, at) &&
    thresholdLines(state, probeContext(state), subscription, at, usageOf).crossed
  );
}

/**
 * NOTE: with resetBillingCycleAnchor the threshold invoice closes the period at `at`: licensed
 * items are credited for the rest of it and charged a whole new period from `at`, which becomes
 * the billing cycle anchor; metered usage and what counts as billed restart after `at`.
 */
function resetLines(state: ScenarioState, subscription: Subscription, at: number): InvoiceLine[] {
  const context = state.lineContext;
  const period = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };
  const rule = state.periodRule(subscription);
  const next: Span = { start: at, end: addIntervals(at, rule.interval, rule.intervalCount) };
  const credits: InvoiceLine[] = [];
  const charges: InvoiceLine[] = [];
  for (const item of subscription.items.data) {
    const price = state.price(item.price);
    if (price.recurring.usageType !== 'licensed') continue;
    if (at > period.start)
      credits.push(prorationLine(context, item, price, item.quantity ?? 1, period, at, -1));
    charges.push(licensedLine(context, item, price, next));
  }
  return [...takePendingLines(state, subscription.id), ...credits, ...charges];
}

function restartCycle(state: ScenarioState, subscription: Subscription, at: number): void {
  const rule = state.periodRule(subscription);
  subscription.billingCycleAnchor = at;
  subscription.currentPeriodStart = at;
  subscription.currentPeriodEnd = addIntervals(at, rule.interval, rule.intervalCount);
  state.data.periodIndex[subscription.id] = 0;
  for (const item of subscription.items.data)
    if (state.price(item.price).recurring.usageType === 'metered') item.usageStart = at + 1;
  state.emit('customer.subscription.updated', subscription);
}

/**
 * Creates the threshold invoice at the clock's time if a threshold is crossed: a draft that
 * finalizes after the finalization delay. NOTE: it is frozen: usage reported later, even stamped
 * earlier, never changes it; the next invoice of the period bills it (less what this one billed).
 */
export function evaluateThresholds(
  state: ScenarioState,
  subscription: Subscription,
): Invoice | null {
  const at = state.now;
  if (!crossedAt(state, subscription, at)) return null;
  const reset = subscription.billingThresholds?.resetBillingCycleAnchor === true;
  const metered = thresholdLines(state, state.lineContext, subscription, at).lines;
  const lines = reset ? [...metered, ...resetLines(state, subscription, at)] : metered;
  const period = { start: subscription.currentPeriodStart, end: at };
  const invoice = createInvoice(state, subscription, 'subscription_threshold', period, lines);
  invoice.finalizesAt = at + state.data.settings.finalizationDelaySeconds;
  if (reset) restartCycle(state, subscription, at);
  return invoice;
}

/** Evaluates the thresholds of every subscription of the customer (after meter events). */
export function evaluateCustomerThresholds(state: ScenarioState, customer: string): void {
  for (const subscription of state.data.subscriptions)
    if (subscription.customer === customer && hasThresholds(subscription))
      evaluateThresholds(state, subscription);
}

/** The subscriptions whose thresholds generated usage could cross during a clock move. */
export function watchedSubscriptions(state: ScenarioState): Subscription[] {
  return state.data.subscriptions.filter(
    (subscription) =>
      hasThresholds(subscription) &&
      subscription.items.data.some((item) => state.generated.has(item.id)),
  );
}

/** The distinct timestamps in (after, until] of the columns, in order. */
function timesBetween(columns: UsageView[], after: number, until: number): number[] {
  const times = new Set<number>();
  for (const usage of columns) {
    const from = lowerBound(usage.timestamps, usage.length, after + 1);
    for (let i = from; i < usage.length && usage.timestamps[i]! <= until; i++)
      times.add(usage.timestamps[i]!);
  }
  return [...times].sort((a, b) => a - b);
}

/**
 * The first moment in (now, until] at which generated usage crosses a threshold of one of
 * `watched`, or null. NOTE: the moment is a generated record's timestamp, so a threshold invoice
 * carries the time to the generator's resolution. It is found by bisection over those timestamps,
 * which finds the first crossing when the unbilled amount does not fall as usage grows (every
 * case but volume tiers or last_during_period usage that drops); otherwise it finds a later one,
 * or none if the amount is back under the threshold at `until`.
 */
export function nextThresholdCrossing(
  state: ScenarioState,
  watched: readonly Subscription[],
  until: number,
): number | null {
  let first: number | null = null;
  for (const subscription of watched) {
    const last = Math.min(until, subscription.currentPeriodEnd - DAY - 1, (first ?? Infinity) - 1);
    if (last <= state.now || !evaluable(state, subscription, last)) continue;
    const ahead = new Map<string, UsageView>();
    for (const item of subscription.items.data)
      if (state.generated.has(item.id))
        ahead.set(item.id, state.generated.lookAhead(item.id, state.columns(item.id), last + 1));
    const times = timesBetween([...ahead.values()], state.now, last);
    const crossed = (index: number) =>
      crossedAt(state, subscription, times[index]!, (item) => ahead.get(item));
    if (times.length === 0 || !crossed(times.length - 1)) continue;
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (crossed(mid)) hi = mid;
      else lo = mid + 1;
    }
    first = times[lo]!;
  }
  return first;
}
