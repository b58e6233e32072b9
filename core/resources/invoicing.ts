// Invoices as billing makes them: one builder of a period's lines (period close, upcoming,
// cancel), and every change of an invoice's state: created, finalized, charged, paid, voided,
// marked uncollectible, a draft refreshed by late usage.
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import { noAmounts } from '../rules/pipeline/amounts';
import { flat } from '../public/format';
import { licensedLine, meteredLine, meterLine, previouslyBilledLine } from '../rules/lines';
import type { LineContext, Span } from '../rules/lines';
import { aggregateMeter } from '../rules/meters/aggregate';
import type {
  BillingReason,
  Invoice,
  InvoiceLine,
  InvoiceStatus,
  Price,
  Subscription,
  SubscriptionItem,
} from '../public/types';
import type { ScenarioState } from './state';
import { billedSoFar } from './threshold-billed';
import { invoiceDiscounts, useUpOnceDiscounts } from './coupons';
import { bindInvoice, priceInvoice, unbindInvoice } from './invoice-pipeline';
import type { PricedInvoice } from './invoice-pipeline';
import {
  endSubscription,
  markPastDue,
  onRetriesExhausted,
  reactivateIfSettled,
} from './subscription-status';

const DAY = 86_400;

export interface PeriodLinesPlan {
  /** Metered usage is billed from each item's usage start up to here (exclusive); null: none. */
  meteredUntil: number | null;
  /** Pending proration lines (and proposed ones), after the metered lines. */
  pending: InvoiceLine[];
  /** The period licensed items are billed for in advance, or null for none. */
  licensedPeriod: Span | null;
}

/**
 * A metered item's line in arrears over `span`: from its price's meter (the customer's events)
 * or from its usage records. A refreshed draft line keeps its id.
 */
export function usageLine(
  state: ScenarioState,
  context: LineContext,
  customer: string,
  item: SubscriptionItem,
  price: Price,
  span: Span,
  lineId?: string,
): InvoiceLine {
  const meterId = price.recurring.meter;
  if (meterId === null)
    return meteredLine(context, item, price, state.columns(item.id), span, lineId);
  const meter = state.meter(meterId, 'price');
  const events = state.meterEvents.columns(meter.id, customer);
  const aggregation = aggregateMeter(
    meter.id,
    meter.defaultAggregation.formula,
    events,
    span,
    (columns, row) => state.meterEvents.identifierOf(columns, row, state.now),
  );
  return meterLine(context, item, price, aggregation, lineId);
}

/**
 * A metered item's usage line over its open span up to `end`, followed by what threshold invoices
 * of the span billed already (N7.4: the whole span's usage, less what was billed).
 */
export function usageLinesSoFar(
  state: ScenarioState,
  context: LineContext,
  subscription: Subscription,
  item: SubscriptionItem,
  price: Price,
  span: Span,
): InvoiceLine[] {
  const usage = usageLine(state, context, subscription.customer, item, price, span);
  const billed = billedSoFar(state, subscription, item).amount;
  return billed > 0 ? [usage, previouslyBilledLine(context, usage, billed)] : [usage];
}

/**
 * The lines of a subscription's invoice: metered items in arrears over the current period, then
 * the pending lines, then licensed items in advance. NOTE: metered usage in arrears, licensed in
 * advance.
 */
export function periodLines(
  state: ScenarioState,
  context: LineContext,
  subscription: Subscription,
  plan: PeriodLinesPlan,
): InvoiceLine[] {
  // Two passes, so line ids are taken in this order: metered lines first, then licensed.
  const metered: InvoiceLine[] = [];
  for (const item of plan.meteredUntil === null ? [] : subscription.items.data) {
    const price = state.price(item.price);
    if (price.recurring.usageType !== 'metered') continue;
    const span = {
      start: Math.max(subscription.currentPeriodStart, item.usageStart),
      end: plan.meteredUntil!,
    };
    metered.push(...usageLinesSoFar(state, context, subscription, item, price, span));
  }
  const licensed: InvoiceLine[] = [];
  for (const item of plan.licensedPeriod === null ? [] : subscription.items.data) {
    const price = state.price(item.price);
    if (price.recurring.usageType === 'licensed')
      licensed.push(licensedLine(context, item, price, plan.licensedPeriod!));
  }
  return [...metered, ...plan.pending, ...licensed];
}

/**
 * An invoice of these lines, not yet paid nor attempted, priced by the pipeline as a draft (`id`
 * null for a preview, whose status is 'upcoming'). It takes the discounts live now and the default
 * tax rates.
 */
export function invoiceBody<S extends InvoiceStatus | 'upcoming'>(
  state: ScenarioState,
  id: string | null,
  subscription: Subscription,
  reason: BillingReason,
  period: Span,
  lines: InvoiceLine[],
  finalizesAt: number,
  status: S,
): PricedInvoice & { status: S } {
  // Built with every field at once, the status last: an invoice is one object of one shape, its
  // fields inside it (a field added later would go to a separate array of its own).
  const body: PricedInvoice & { status: S } = {
    id,
    object: 'invoice',
    customer: subscription.customer,
    subscription: subscription.id,
    currency: subscription.currency,
    periodStart: period.start,
    periodEnd: period.end,
    billingReason: reason,
    // Most subscriptions have neither: their invoices share one empty array.
    discounts:
      subscription.discounts.length === 0
        ? noAmounts
        : invoiceDiscounts(state, subscription, lines, state.now),
    defaultTaxRates:
      subscription.defaultTaxRates.length === 0 ? noAmounts : [...subscription.defaultTaxRates],
    subtotal: 0,
    totalDiscountAmounts: noAmounts,
    totalCreditGrantAmounts: noAmounts,
    tax: 0,
    totalTaxAmounts: noAmounts,
    totalExcludingTax: 0,
    total: 0,
    startingBalance: 0,
    endingBalance: null,
    amountDue: 0,
    amountPaid: 0,
    amountRemaining: 0,
    attemptCount: 0,
    attempts: noAmounts,
    nextPaymentAttempt: null,
    lines: { object: 'list', data: lines, hasMore: false },
    steps: noAmounts,
    created: state.now,
    finalizesAt,
    finalizedAt: null,
    paidAt: null,
    status,
  };
  priceInvoice(state, body, false);
  return body;
}

export function createInvoice(
  state: ScenarioState,
  subscription: Subscription,
  reason: BillingReason,
  period: Span,
  lines: InvoiceLine[],
): Invoice {
  // Flat: an id is kept by the invoice, its events and indexes (see `flat`).
  const id = flat(state.newId('inv'));
  const invoice: Invoice = invoiceBody(
    state,
    id,
    subscription,
    reason,
    period,
    lines,
    state.now,
    'draft',
  ) as Invoice;
  useUpOnceDiscounts(state, subscription, invoice);
  state.addInvoice(invoice);
  state.willChange(subscription).latestInvoice = invoice.id;
  state.emit('invoice.created', invoice);
  return invoice;
}

/** Creates, finalizes and charges an invoice at once (subscription create, update, cancel). */
export function invoiceNow(
  state: ScenarioState,
  subscription: Subscription,
  reason: BillingReason,
  period: Span,
  lines: InvoiceLine[],
): Invoice {
  const invoice = createInvoice(state, subscription, reason, period, lines);
  finalizeInvoice(state, invoice);
  return invoice;
}

/** The subscription's pending proration lines, removed from the pending list. */
export function takePendingLines(state: ScenarioState, subscription: string): InvoiceLine[] {
  const taken = state.data.pendingLines.filter((pending) => pending.subscription === subscription);
  state.data.pendingLines = state.data.pendingLines.filter(
    (pending) => pending.subscription !== subscription,
  );
  return taken.map((pending) => pending.line);
}

/** Copies of the subscription's pending lines, left pending (previews). */
export function pendingLinesOf(state: ScenarioState, subscription: string): InvoiceLine[] {
  return state.data.pendingLines
    .filter((pending) => pending.subscription === subscription)
    .map((pending) => copy(pending.line));
}

export function finalizeInvoice(state: ScenarioState, invoice: Invoice): void {
  if (invoice.subscription && state.gracefulDrafts.get(invoice.subscription) === invoice) {
    state.gracefulDrafts.delete(invoice.subscription);
  }
  invoice.status = 'open';
  invoice.finalizedAt = state.now;
  invoice.finalizesAt = null;
  bindInvoice(state, invoice);
  state.emit('invoice.finalized', invoice);
  attemptPayment(state, invoice);
}

/** Charges the customer's default payment method; a failure schedules the next retry. */
export function attemptPayment(state: ScenarioState, invoice: Invoice): void {
  if (invoice.amountRemaining === 0) {
    markPaid(state, invoice);
    return;
  }
  const customer = state.customer(invoice.customer);
  const failure = cardFailure(customer.paymentMethod);
  invoice.attemptCount += 1;
  // A new array of the exact length: a push would give most invoices, charged once, room for 17.
  invoice.attempts = invoice.attempts.concat({
    at: state.now,
    paymentMethod: customer.paymentMethod,
    outcome: failure ? 'failed' : 'succeeded',
    failureCode: failure?.code ?? null,
    failureMessage: failure?.message ?? null,
  });
  if (!failure) {
    invoice.amountPaid = invoice.amountDue;
    invoice.amountRemaining = 0;
    markPaid(state, invoice);
    return;
  }
  // NOTE: retries are scheduled from the first failure: 1, 3, 5 and 7 days by default.
  const firstFailure = invoice.attempts.find((attempt) => attempt.outcome === 'failed')!.at;
  const failures = invoice.attempts.filter((attempt) => attempt.outcome === 'failed').length;
  const schedule = state.data.settings.retryScheduleDays;
  invoice.nextPaymentAttempt =
    failures <= schedule.length ? firstFailure + schedule[failures - 1]! * DAY : null;
  state.emit('invoice.payment_failed', invoice);
  const subscription = state.subscriptionOf(invoice);
  if (invoice.nextPaymentAttempt === null) {
    invoice.status = 'uncollectible';
    state.emit('invoice.marked_uncollectible', invoice);
    if (subscription) onRetriesExhausted(state, subscription);
    return;
  }
  if (subscription) markPastDue(state, subscription);
}

function markPaid(state: ScenarioState, invoice: Invoice): void {
  invoice.status = 'paid';
  invoice.paidAt = state.now;
  invoice.nextPaymentAttempt = null;
  state.emit('invoice.paid', invoice);
  reactivateIfSettled(state, invoice);
}

/** invoices.pay: a draft is finalized (and charged); an open or uncollectible one is charged. */
export function payInvoice(state: ScenarioState, invoice: Invoice): void {
  if (invoice.status === 'draft') {
    finalizeInvoice(state, invoice);
    return;
  }
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw invalidRequest(
      'invoice_not_payable',
      'id',
      `Invoice ${invoice.id} is ${invoice.status}: only open or uncollectible invoices can be paid.`,
    );
  }
  invoice.nextPaymentAttempt = null;
  const wasUncollectible = invoice.status === 'uncollectible';
  if (wasUncollectible) invoice.status = 'open';
  attemptPayment(state, invoice);
  // NOTE: a failed manual charge of an uncollectible invoice leaves it uncollectible.
  if (wasUncollectible && invoice.status === 'open') {
    invoice.status = 'uncollectible';
    invoice.nextPaymentAttempt = null;
  }
}

export function voidInvoice(state: ScenarioState, invoice: Invoice): void {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw invalidRequest(
      'invoice_not_voidable',
      'id',
      `Invoice ${invoice.id} is ${invoice.status}: only open or uncollectible invoices can be voided.`,
    );
  }
  invoice.status = 'void';
  invoice.nextPaymentAttempt = null;
  unbindInvoice(state, invoice);
  state.emit('invoice.voided', invoice);
  reactivateIfSettled(state, invoice);
}

export function markUncollectible(state: ScenarioState, invoice: Invoice): void {
  if (invoice.status !== 'open') {
    throw invalidRequest(
      'invoice_not_open',
      'id',
      `Invoice ${invoice.id} is ${invoice.status}: only open invoices can be marked uncollectible.`,
    );
  }
  invoice.status = 'uncollectible';
  invoice.nextPaymentAttempt = null;
  state.emit('invoice.marked_uncollectible', invoice);
  reactivateIfSettled(state, invoice);
}

/** The index of an item's metered line (records or meter) on an invoice, or -1. */
export function usageLineIndex(invoice: Invoice, itemId: string): number {
  return invoice.lines.data.findIndex(
    (line) =>
      line.subscriptionItem === itemId &&
      !line.proration &&
      (line.explanation.aggregation !== null || line.explanation.meter !== undefined),
  );
}

/** Recomputes a draft's metered line for an item after late usage landed in its period. */
export function refreshDraftLine(state: ScenarioState, draft: Invoice, itemId: string): void {
  const index = usageLineIndex(draft, itemId);
  if (index < 0) return;
  const old = draft.lines.data[index]!;
  const { item } = state.item(itemId);
  // A new lines object: events that hold the old one keep the invoice as it was (eventData).
  draft.lines = { ...draft.lines, data: [...draft.lines.data] };
  draft.lines.data[index] = usageLine(
    state,
    state.lineContext,
    draft.customer,
    item,
    state.price(old.price!),
    old.period,
    old.id,
  );
  priceInvoice(state, draft, false);
  state.emit('invoice.updated', draft);
}

/** Cancel now: with invoiceNow the usage so far is invoiced at once, otherwise discarded. */
export function cancelNow(
  state: ScenarioState,
  subscription: Subscription,
  invoice: boolean,
): void {
  state.willChange(subscription).canceledAt = state.now;
  // NOTE: cancel now: with invoiceNow the usage so far is invoiced at once, otherwise discarded.
  if (invoice) {
    const lines = periodLines(state, state.lineContext, subscription, {
      meteredUntil: state.now + 1,
      pending: takePendingLines(state, subscription.id),
      licensedPeriod: null,
    });
    const period = { start: subscription.currentPeriodStart, end: state.now };
    invoiceNow(state, subscription, 'subscription_cancel', period, lines);
  }
  endSubscription(state, subscription);
}

const CARD_FAILURES: Record<string, { code: string; message: string }> = {
  pm_card_chargeDeclined: { code: 'card_declined', message: 'Your card was declined.' },
  pm_card_chargeDeclinedInsufficientFunds: {
    code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
};

/** NOTE: test cards: pm_card_visa succeeds; the declined cards fail as their names say. */
function cardFailure(paymentMethod: string | null): { code: string; message: string } | null {
  if (paymentMethod === null)
    return {
      code: 'payment_method_missing',
      message: 'The customer has no default payment method: set one with customers.update.',
    };
  return CARD_FAILURES[paymentMethod] ?? null;
}
