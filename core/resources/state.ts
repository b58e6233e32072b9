// The engine's state and the billing mechanics behind the API: catalog, subscriptions, usage
// intake rules, invoices, payments and the clock. The API facade (simulator.ts) validates
// arguments and calls in here.
import { invalidRequest } from '../values/errors';
import type { MeterlabError } from '../values/errors';
import { makeId } from '../values/ids';
import { applyTotals, licensedLine, meteredLine } from '../rules/lines';
import type { LineContext, Span } from '../rules/lines';
import { periodAt } from '../rules/periods';
import type { PeriodRule } from '../rules/periods';
import { buildPriceFields } from '../rules/pricing/build';
import type * as schemas from './schemas';
import type { Snapshot } from './snapshot';
import type {
  BillingEvent,
  BillingReason,
  Customer,
  EventType,
  Invoice,
  InvoiceLine,
  List,
  Price,
  Product,
  Subscription,
  SubscriptionItem,
  TestClock,
  UpcomingInvoice,
} from '../public/types';
import { GeneratedUsage } from '../rules/usage/generated';
import { UsageColumns } from '../rules/usage/columns';
import type { UsageWindow } from '../rules/usage/ingest';

/** Where a new usage record of an item may land, and the draft it would update. */
export interface AcceptedSpan extends UsageWindow {
  draft: Invoice | null;
}

/** Reported while the clock advances, between billing events. */
export interface AdvanceProgress {
  from: number;
  to: number;
  at: number;
}

const DAY = 86_400;

/** Engine objects are plain JSON, so a JSON round trip is an exact deep copy. */
/**
 * The object an event keeps: a copy as cheap as a spread. It is enough because the engine never
 * edits an invoice's lines or payment attempts in place (it replaces them), nor an item of a
 * subscription once it is copied here; everything else an event holds is a plain value.
 */
function eventData(data: BillingEvent['data']): BillingEvent['data'] {
  switch (data.object) {
    case 'invoice':
      return { ...data, attempts: [...data.attempts] };
    case 'subscription':
      return {
        ...data,
        items: { ...data.items, data: data.items.data.map((item) => ({ ...item })) },
      };
    default:
      return { ...data };
  }
}

export const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function list<T>(data: T[], limit = 100): List<T> {
  return { object: 'list', data: data.slice(0, limit).map(copy), hasMore: data.length > limit };
}

/** The object with this id, or a resource_missing error naming the param. */
function found<T>(byId: ReadonlyMap<string, T>, id: string, kind: string, param: string): T {
  const object = byId.get(id);
  if (object === undefined) throw notFound(kind, param, id);
  return object;
}

function notFound(kind: string, param: string, id: string): MeterlabError {
  return invalidRequest(
    'resource_missing',
    param,
    `No such ${kind}: '${id}'. Check the id, or list ${kind}s to find it.`,
  );
}

/** What an item without usage reads as. Never written to. */
const EMPTY_USAGE = new UsageColumns();

export class Engine {
  readonly state: Snapshot;
  readonly usage = new Map<string, UsageColumns>();
  private readonly productsById = new Map<string, Product>();
  private readonly pricesById = new Map<string, Price>();
  private readonly customersById = new Map<string, Customer>();
  private readonly subscriptionsById = new Map<string, Subscription>();
  private readonly itemsById = new Map<
    string,
    { item: SubscriptionItem; subscription: Subscription }
  >();
  private readonly invoicesById = new Map<string, Invoice>();
  private readonly eventsById = new Map<string, BillingEvent>();
  /** Subscription id -> its period-close draft awaiting finalization. */
  private readonly gracefulDrafts = new Map<string, Invoice>();
  readonly generated: GeneratedUsage;
  readonly lineContext: LineContext = {
    newLineId: () => this.newId('il'),
    productName: (price) => this.productsById.get(price.product)?.name ?? price.product,
  };

  constructor(state: Snapshot) {
    this.state = state;
    for (const product of state.products) this.productsById.set(product.id, product);
    for (const price of state.prices) this.pricesById.set(price.id, price);
    for (const customer of state.customers) this.customersById.set(customer.id, customer);
    for (const subscription of state.subscriptions) this.indexSubscription(subscription);
    for (const invoice of state.invoices) {
      this.invoicesById.set(invoice.id, invoice);
      if (
        invoice.status === 'draft' &&
        invoice.billingReason === 'subscription_cycle' &&
        invoice.subscription
      ) {
        this.gracefulDrafts.set(invoice.subscription, invoice);
      }
    }
    for (const event of state.events) this.eventsById.set(event.id, event);
    for (const [item, columns] of Object.entries(state.usage)) {
      if (!columns)
        throw invalidRequest(
          'snapshot_invalid',
          `snapshot.usage.${item}`,
          'Usage columns are missing: join the bulk data first (joinSnapshot).',
        );
      this.usage.set(item, UsageColumns.fromJSON(columns));
    }
    this.generated = new GeneratedUsage(state.generators);
    this.generated.restore((item) => this.writableColumns(item));
  }

  private indexSubscription(subscription: Subscription): void {
    this.subscriptionsById.set(subscription.id, subscription);
    for (const item of subscription.items.data) this.registerItem(item, subscription);
  }

  registerItem(item: SubscriptionItem, subscription: Subscription): void {
    this.itemsById.set(item.id, { item, subscription });
  }

  get now(): number {
    return this.state.clock.frozenTime;
  }

  newId(prefix: string): string {
    return makeId(prefix, this.state.seed, this.state.idCounter++);
  }

  snapshot(): Snapshot {
    const usage: Snapshot['usage'] = {};
    // Positions as of the clock, so a snapshot doesn't depend on which reads happened first.
    for (const item of this.usage.keys()) this.columns(item);
    this.generated.savePositions();
    for (const [item, columns] of this.usage)
      usage[item] = this.generated.persisted(item, columns).toJSON();
    // The usage arrays are fresh already; copying them again would double a large snapshot's cost.
    return { ...copy({ ...this.state, usage: {} }), usage };
  }

  // ---- lookups -------------------------------------------------------------------------------

  product(id: string, param = 'product'): Product {
    return found(this.productsById, id, 'product', param);
  }
  price(id: string, param = 'price'): Price {
    return found(this.pricesById, id, 'price', param);
  }
  customer(id: string, param = 'customer'): Customer {
    return found(this.customersById, id, 'customer', param);
  }
  subscription(id: string, param = 'subscription'): Subscription {
    return found(this.subscriptionsById, id, 'subscription', param);
  }
  item(
    id: string,
    param = 'subscriptionItem',
  ): { item: SubscriptionItem; subscription: Subscription } {
    return found(this.itemsById, id, 'subscription item', param);
  }
  invoice(id: string, param = 'id'): Invoice {
    return found(this.invoicesById, id, 'invoice', param);
  }
  event(id: string, param = 'id'): BillingEvent {
    return copy(found(this.eventsById, id, 'event', param));
  }
  /**
   * Runs a write on the item's usage (up to the clock); a new item's columns are kept only if the
   * write succeeds, so a rejected first record leaves no trace.
   */
  writeUsage<T>(itemId: string, write: (columns: UsageColumns) => T): T {
    if (this.usage.has(itemId)) return write(this.columns(itemId));
    const fresh = new UsageColumns();
    const result = write(fresh);
    this.usage.set(itemId, fresh);
    return result;
  }

  /** The item's usage columns, created if missing. */
  writableColumns(itemId: string): UsageColumns {
    let columns = this.usage.get(itemId);
    if (!columns) {
      columns = new UsageColumns();
      this.usage.set(itemId, columns);
    }
    return columns;
  }

  /**
   * The item's usage up to the clock: generated records stamped at or before frozenTime are
   * emitted first (lazily, so a long advance generates each item once, in timestamp order).
   */
  columns(itemId: string): UsageColumns {
    const columns = this.usage.get(itemId);
    if (!columns) return EMPTY_USAGE;
    if (this.generated.has(itemId))
      this.generated.sync(itemId, columns, this.generationLimit(itemId));
    return columns;
  }

  /** Generators report up to the clock, and never past the end of their subscription. */
  generationLimit(itemId: string): number {
    const ended = this.itemsById.get(itemId)?.subscription.endedAt ?? null;
    return Math.min(this.now + 1, ended ?? Infinity);
  }

  periodRule(subscription: Subscription): PeriodRule {
    const price = this.price(subscription.items.data[0]!.price);
    return {
      anchor: subscription.billingCycleAnchor,
      interval: price.recurring.interval,
      intervalCount: price.recurring.intervalCount,
    };
  }

  isEnded(subscription: Subscription): boolean {
    return subscription.endedAt !== null;
  }

  // ---- events --------------------------------------------------------------------------------

  emit(type: EventType, data: BillingEvent['data']): void {
    const event: BillingEvent = {
      id: makeId('evt', this.state.seed, this.state.eventCounter++),
      object: 'event',
      type,
      created: this.now,
      data: eventData(data),
    };
    this.state.events.push(event);
    this.eventsById.set(event.id, event);
  }

  /** NOTE: like Stripe, events are kept for 30 days (of simulated time; a setting), then dropped. */
  pruneEvents(): void {
    const days = this.state.settings.eventRetentionDays;
    if (days === 0) return;
    const cutoff = this.now - days * DAY;
    let drop = 0;
    while (drop < this.state.events.length && this.state.events[drop]!.created < cutoff) {
      this.eventsById.delete(this.state.events[drop]!.id);
      drop++;
    }
    if (drop > 0) this.state.events.splice(0, drop);
  }

  /** NOTE: idempotency keys are remembered for a TTL of simulated time, then forgotten. */
  pruneIdempotencyKeys(): void {
    const ttl = this.state.settings.idempotencyKeyTtlSeconds;
    for (const [key, entry] of Object.entries(this.state.idempotency)) {
      if (entry.createdAt + ttl <= this.now) delete this.state.idempotency[key];
    }
  }

  // ---- catalog -------------------------------------------------------------------------------

  createProduct(name: string): Product {
    const product: Product = { id: this.newId('prod'), object: 'product', name, created: this.now };
    this.state.products.push(product);
    this.productsById.set(product.id, product);
    this.emit('product.created', product);
    return product;
  }

  createPrice(args: unknown): Price {
    const fields = buildPriceFields(args);
    this.product(fields.product, 'product');
    const price: Price = { id: this.newId('price'), object: 'price', ...fields, created: this.now };
    this.state.prices.push(price);
    this.pricesById.set(price.id, price);
    this.emit('price.created', price);
    return price;
  }

  createCustomer(args: ReturnType<typeof schemas.customerCreateArgs.parse>): Customer {
    if (args.id && this.customersById.has(args.id)) {
      throw invalidRequest(
        'resource_already_exists',
        'id',
        `A customer with id '${args.id}' already exists: choose another id or omit it.`,
      );
    }
    const customer: Customer = {
      id: args.id ?? this.newId('cust'),
      object: 'customer',
      name: args.name,
      email: args.email ?? null,
      paymentMethod: args.paymentMethod ?? null,
      created: this.now,
    };
    this.state.customers.push(customer);
    this.customersById.set(customer.id, customer);
    this.emit('customer.created', customer);
    return customer;
  }

  // ---- subscriptions -------------------------------------------------------------------------

  /** Checks that prices can share one subscription: same currency, same billing interval. */
  checkItemPrices(prices: { price: Price; param: string }[], subscription?: Subscription): void {
    const first = subscription ? this.price(subscription.items.data[0]!.price) : prices[0]!.price;
    for (const { price, param } of prices) {
      if (price.currency !== first.currency) {
        throw invalidRequest(
          'currency_mismatch',
          param,
          `Price ${price.id} is in ${price.currency} but the subscription bills in ${first.currency}: use prices of one currency.`,
        );
      }
      if (
        price.recurring.interval !== first.recurring.interval ||
        price.recurring.intervalCount !== first.recurring.intervalCount
      ) {
        throw invalidRequest(
          'interval_mismatch',
          param,
          `Price ${price.id} bills every ${price.recurring.intervalCount} ${price.recurring.interval} but the subscription every ${first.recurring.intervalCount} ${first.recurring.interval}: items of one subscription share their billing interval.`,
        );
      }
    }
  }

  checkItemQuantity(price: Price, quantity: number | undefined, param: string): number | null {
    if (price.recurring.usageType === 'metered') {
      if (quantity !== undefined) {
        throw invalidRequest(
          'quantity_not_allowed',
          param,
          'Metered items have no quantity: their usage records decide what is billed. Remove quantity.',
        );
      }
      return null;
    }
    return quantity ?? 1;
  }

  newItem(
    subscription: string,
    price: Price,
    quantity: number | null,
    id = this.newId('si'),
  ): SubscriptionItem {
    return {
      id,
      object: 'subscription_item',
      subscription,
      price: price.id,
      quantity,
      usageStart: this.now,
      created: this.now,
    };
  }

  createSubscription(args: ReturnType<typeof schemas.subscriptionCreateArgs.parse>): Subscription {
    this.customer(args.customer);
    const prices = args.items.map((entry, index) => ({
      price: this.price(entry.price, `items[${index}].price`),
      param: `items[${index}].price`,
    }));
    this.checkItemPrices(prices);
    const quantities = args.items.map((entry, index) =>
      this.checkItemQuantity(prices[index]!.price, entry.quantity, `items[${index}].quantity`),
    );
    const seen = new Set<string>();
    prices.forEach(({ price, param }) => {
      if (seen.has(price.id))
        throw invalidRequest(
          'duplicate_price',
          param,
          `Price ${price.id} appears twice: list each price once and set its quantity instead.`,
        );
      seen.add(price.id);
    });

    const id = this.newId('sub');
    const first = prices[0]!.price;
    const rule: PeriodRule = {
      anchor: this.now,
      interval: first.recurring.interval,
      intervalCount: first.recurring.intervalCount,
    };
    const period = periodAt(rule, 0);
    const subscription: Subscription = {
      id,
      object: 'subscription',
      customer: args.customer,
      status: 'active',
      currency: first.currency,
      billingCycleAnchor: this.now,
      currentPeriodStart: period.start,
      currentPeriodEnd: period.end,
      cancelAtPeriodEnd: false,
      canceledAt: null,
      endedAt: null,
      latestInvoice: null,
      items: {
        object: 'list',
        data: prices.map(({ price }, index) => this.newItem(id, price, quantities[index]!)),
        hasMore: false,
      },
      created: this.now,
    };
    this.state.subscriptions.push(subscription);
    this.state.periodIndex[id] = 0;
    this.indexSubscription(subscription);
    this.emit('customer.subscription.created', subscription);

    // NOTE: licensed items are invoiced for the first period at once; a metered-only subscription
    // gets an invoice of 0, paid at once.
    const lines = subscription.items.data
      .filter((item) => this.price(item.price).recurring.usageType === 'licensed')
      .map((item) => licensedLine(this.lineContext, item, this.price(item.price), period));
    const invoice = this.createInvoice(subscription, 'subscription_create', period, lines);
    this.finalizeInvoice(invoice);
    return subscription;
  }

  // ---- invoices ------------------------------------------------------------------------------

  createInvoice(
    subscription: Subscription,
    reason: BillingReason,
    period: Span,
    lines: InvoiceLine[],
  ): Invoice {
    const invoice: Invoice = {
      id: this.newId('inv'),
      status: 'draft',
      ...this.invoiceBody(subscription, reason, period, lines, this.now),
    };
    this.state.invoices.push(invoice);
    this.invoicesById.set(invoice.id, invoice);
    subscription.latestInvoice = invoice.id;
    this.emit('invoice.created', invoice);
    return invoice;
  }

  /** An invoice of these lines, not yet paid nor attempted, with its totals (no id, no status). */
  invoiceBody(
    subscription: Subscription,
    reason: BillingReason,
    period: Span,
    lines: InvoiceLine[],
    finalizesAt: number,
  ): Omit<Invoice, 'id' | 'status'> {
    const body: Omit<Invoice, 'id' | 'status'> = {
      object: 'invoice',
      customer: subscription.customer,
      subscription: subscription.id,
      currency: subscription.currency,
      periodStart: period.start,
      periodEnd: period.end,
      billingReason: reason,
      subtotal: 0,
      total: 0,
      amountDue: 0,
      amountPaid: 0,
      amountRemaining: 0,
      attemptCount: 0,
      attempts: [],
      nextPaymentAttempt: null,
      lines: { object: 'list', data: lines, hasMore: false },
      created: this.now,
      finalizesAt,
      finalizedAt: null,
      paidAt: null,
    };
    applyTotals(body);
    return body;
  }

  takePendingLines(subscription: string): InvoiceLine[] {
    const taken = this.state.pendingLines.filter(
      (pending) => pending.subscription === subscription,
    );
    this.state.pendingLines = this.state.pendingLines.filter(
      (pending) => pending.subscription !== subscription,
    );
    return taken.map((pending) => pending.line);
  }

  finalizeInvoice(invoice: Invoice): void {
    if (invoice.subscription && this.gracefulDrafts.get(invoice.subscription) === invoice) {
      this.gracefulDrafts.delete(invoice.subscription);
    }
    invoice.status = 'open';
    invoice.finalizedAt = this.now;
    invoice.finalizesAt = null;
    this.emit('invoice.finalized', invoice);
    this.attemptPayment(invoice);
  }

  /** Charges the customer's default payment method; a failure schedules the next retry. */
  attemptPayment(invoice: Invoice): void {
    if (invoice.amountRemaining === 0) {
      this.markPaid(invoice);
      return;
    }
    const customer = this.customer(invoice.customer);
    const failure = cardFailure(customer.paymentMethod);
    invoice.attemptCount += 1;
    invoice.attempts.push({
      at: this.now,
      paymentMethod: customer.paymentMethod,
      outcome: failure ? 'failed' : 'succeeded',
      failureCode: failure?.code ?? null,
      failureMessage: failure?.message ?? null,
    });
    if (!failure) {
      invoice.amountPaid = invoice.amountDue;
      invoice.amountRemaining = 0;
      this.markPaid(invoice);
      return;
    }
    // NOTE: retries are scheduled from the first failure: 1, 3, 5 and 7 days by default.
    const firstFailure = invoice.attempts.find((attempt) => attempt.outcome === 'failed')!.at;
    const failures = invoice.attempts.filter((attempt) => attempt.outcome === 'failed').length;
    const schedule = this.state.settings.retryScheduleDays;
    invoice.nextPaymentAttempt =
      failures <= schedule.length ? firstFailure + schedule[failures - 1]! * DAY : null;
    this.emit('invoice.payment_failed', invoice);
    const subscription = invoice.subscription
      ? this.subscriptionsById.get(invoice.subscription)
      : undefined;
    if (invoice.nextPaymentAttempt === null) {
      invoice.status = 'uncollectible';
      this.emit('invoice.marked_uncollectible', invoice);
      if (subscription && !this.isEnded(subscription)) this.onRetriesExhausted(subscription);
      return;
    }
    if (subscription && subscription.status === 'active' && !this.isEnded(subscription)) {
      subscription.status = 'past_due';
      this.emit('customer.subscription.updated', subscription);
    }
  }

  markPaid(invoice: Invoice): void {
    invoice.status = 'paid';
    invoice.paidAt = this.now;
    invoice.nextPaymentAttempt = null;
    this.emit('invoice.paid', invoice);
    this.reactivateIfSettled(invoice);
  }

  /** A past_due subscription becomes active again once none of its invoices awaits payment. */
  reactivateIfSettled(invoice: Invoice): void {
    const subscription = invoice.subscription
      ? this.subscriptionsById.get(invoice.subscription)
      : undefined;
    if (!subscription || subscription.status !== 'past_due') return;
    const awaiting = this.state.invoices.some(
      (other) =>
        other.subscription === subscription.id && other.status === 'open' && other.attemptCount > 0,
    );
    if (!awaiting) {
      subscription.status = 'active';
      this.emit('customer.subscription.updated', subscription);
    }
  }

  onRetriesExhausted(subscription: Subscription): void {
    if (this.state.settings.whenRetriesExhausted === 'unpaid') {
      subscription.status = 'unpaid';
      this.emit('customer.subscription.updated', subscription);
      return;
    }
    this.endSubscription(subscription);
  }

  endSubscription(subscription: Subscription): void {
    subscription.status = 'canceled';
    subscription.canceledAt ??= this.now;
    subscription.endedAt = this.now;
    this.state.pendingLines = this.state.pendingLines.filter(
      (pending) => pending.subscription !== subscription.id,
    );
    this.emit('customer.subscription.deleted', subscription);
  }

  // ---- usage ---------------------------------------------------------------------------------

  /**
   * The span a new usage record may land in for this item. NOTE: records before the start of the
   * item's current period are "backdated" and rejected, except while the previous period's
   * invoice is still a draft: then they land in it and update the draft.
   */
  acceptedSpan(item: SubscriptionItem, subscription: Subscription): AcceptedSpan | null {
    const draft = this.draftFor(subscription);
    const draftLine = draft?.lines.data.find(
      (line) =>
        line.subscriptionItem === item.id &&
        line.explanation.aggregation !== null &&
        !line.proration,
    );
    const ended = this.isEnded(subscription);
    if (ended && !draftLine) return null;
    const currentFrom = Math.max(subscription.currentPeriodStart, item.usageStart);
    // A price swap moves usageStart into the current period: the time before it was billed.
    const billedGap =
      draftLine && item.usageStart > subscription.currentPeriodStart
        ? { start: subscription.currentPeriodStart, end: item.usageStart }
        : null;
    return {
      from: draftLine ? draftLine.period.start : currentFrom,
      until: ended ? subscription.endedAt! : Infinity,
      now: this.now,
      billedGap,
      draft: draftLine ? draft : null,
    };
  }

  /** The subscription's period-close invoice still in its finalization grace, if any. */
  draftFor(subscription: Subscription): Invoice | null {
    return this.gracefulDrafts.get(subscription.id) ?? null;
  }

  /** Recomputes a draft's metered line for an item after late usage landed in its period. */
  refreshDraftLine(draft: Invoice, item: SubscriptionItem): void {
    const index = draft.lines.data.findIndex(
      (line) =>
        line.subscriptionItem === item.id &&
        !line.proration &&
        line.explanation.aggregation !== null,
    );
    if (index < 0) return;
    const old = draft.lines.data[index]!;
    // A new lines object: events that hold the old one keep the invoice as it was (eventData).
    draft.lines = { ...draft.lines, data: [...draft.lines.data] };
    draft.lines.data[index] = meteredLine(
      this.lineContext,
      item,
      this.price(old.price),
      this.columns(item.id),
      old.period,
      old.id,
    );
    applyTotals(draft);
    this.emit('invoice.updated', draft);
  }

  usageTarget(itemId: string): {
    item: SubscriptionItem;
    subscription: Subscription;
    price: Price;
    span: AcceptedSpan;
  } {
    const { item, subscription } = this.item(itemId);
    const price = this.price(item.price);
    if (price.recurring.usageType !== 'metered') {
      throw invalidRequest(
        'usage_on_licensed_item',
        'subscriptionItem',
        `${item.id} has a licensed price (${price.id}): usage records need a metered price. Change its quantity instead.`,
      );
    }
    const span = this.acceptedSpan(item, subscription);
    if (!span) {
      throw invalidRequest(
        'subscription_item_ended',
        'subscriptionItem',
        `${item.id} belongs to ${subscription.id}, which ended at ${subscription.endedAt}: usage can no longer be reported for it.`,
      );
    }
    return { item, subscription, price, span };
  }

  // ---- the clock -----------------------------------------------------------------------------

  /** The next billing moment at or before `limit`, or null. */
  nextDueTime(limit: number): number | null {
    let next = Infinity;
    for (const subscription of this.state.subscriptions) {
      if (!this.isEnded(subscription) && subscription.currentPeriodEnd < next)
        next = subscription.currentPeriodEnd;
    }
    for (const invoice of this.state.invoices) {
      if (invoice.status === 'draft' && invoice.finalizesAt !== null && invoice.finalizesAt < next)
        next = invoice.finalizesAt;
      if (
        invoice.status === 'open' &&
        invoice.nextPaymentAttempt !== null &&
        invoice.nextPaymentAttempt < next
      )
        next = invoice.nextPaymentAttempt;
    }
    return next <= limit ? next : null;
  }

  /** Runs everything due at the current time, in a fixed order: closes, finalizations, retries. */
  runDue(): void {
    const now = this.now;
    for (const subscription of this.state.subscriptions) {
      if (!this.isEnded(subscription) && subscription.currentPeriodEnd === now)
        this.closePeriod(subscription);
    }
    for (const invoice of this.state.invoices) {
      if (invoice.status === 'draft' && invoice.finalizesAt !== null && invoice.finalizesAt <= now)
        this.finalizeInvoice(invoice);
    }
    for (const invoice of this.state.invoices) {
      if (
        invoice.status === 'open' &&
        invoice.nextPaymentAttempt !== null &&
        invoice.nextPaymentAttempt <= now
      ) {
        invoice.nextPaymentAttempt = null;
        this.attemptPayment(invoice);
      }
    }
  }

  /** NOTE: the period's invoice is created as a draft: metered usage in arrears, licensed in advance. */
  closePeriod(subscription: Subscription): void {
    const period = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };
    const continues = !subscription.cancelAtPeriodEnd;
    const nextIndex = this.state.periodIndex[subscription.id]! + 1;
    const nextPeriod = periodAt(this.periodRule(subscription), nextIndex);
    const lines: InvoiceLine[] = [];
    for (const item of subscription.items.data) {
      const price = this.price(item.price);
      if (price.recurring.usageType === 'metered') {
        lines.push(
          meteredLine(this.lineContext, item, price, this.columns(item.id), {
            start: Math.max(period.start, item.usageStart),
            end: period.end,
          }),
        );
      }
    }
    lines.push(...this.takePendingLines(subscription.id));
    if (continues) {
      for (const item of subscription.items.data) {
        const price = this.price(item.price);
        if (price.recurring.usageType === 'licensed')
          lines.push(licensedLine(this.lineContext, item, price, nextPeriod));
      }
    }
    const invoice = this.createInvoice(subscription, 'subscription_cycle', period, lines);
    invoice.finalizesAt = this.now + this.state.settings.finalizationDelaySeconds;
    this.gracefulDrafts.set(subscription.id, invoice);
    if (continues) {
      this.state.periodIndex[subscription.id] = nextIndex;
      subscription.currentPeriodStart = nextPeriod.start;
      subscription.currentPeriodEnd = nextPeriod.end;
      this.emit('customer.subscription.updated', subscription);
    } else {
      this.endSubscription(subscription);
    }
  }

  *advanceTo(target: number): Generator<AdvanceProgress, TestClock> {
    const from = this.now;
    const generatedItems = [...this.generated.items()];
    for (const item of generatedItems) {
      const ended = this.itemsById.get(item)?.subscription.endedAt ?? Infinity;
      this.generated.reserveUntil(item, this.writableColumns(item), Math.min(target + 1, ended));
    }
    for (let due = this.nextDueTime(target); due !== null; due = this.nextDueTime(target)) {
      this.state.clock.frozenTime = due;
      this.runDue();
      yield { from, to: target, at: due };
    }
    this.state.clock.frozenTime = target;
    for (const item of generatedItems) this.columns(item).trim();
    this.pruneIdempotencyKeys();
    this.pruneEvents();
    return copy(this.state.clock);
  }

  // ---- upcoming ------------------------------------------------------------------------------

  /** The invoice the open period will produce; `proposedLines` are pending lines to preview. */
  upcoming(subscription: Subscription, proposedLines: InvoiceLine[] = []): UpcomingInvoice {
    if (this.isEnded(subscription)) {
      throw invalidRequest(
        'subscription_ended',
        'subscription',
        `${subscription.id} has ended: it has no upcoming invoice.`,
      );
    }
    let previewLine = 0;
    const context: LineContext = {
      ...this.lineContext,
      newLineId: () => `il_upcoming_${previewLine++}`,
    };
    const period = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };
    const lines: InvoiceLine[] = [];
    for (const item of subscription.items.data) {
      const price = this.price(item.price);
      if (price.recurring.usageType === 'metered') {
        lines.push(
          meteredLine(context, item, price, this.columns(item.id), {
            start: Math.max(period.start, item.usageStart),
            end: period.end,
          }),
        );
      }
    }
    lines.push(
      ...this.state.pendingLines
        .filter((pending) => pending.subscription === subscription.id)
        .map((pending) => copy(pending.line)),
      ...proposedLines,
    );
    if (!subscription.cancelAtPeriodEnd) {
      const next = periodAt(
        this.periodRule(subscription),
        this.state.periodIndex[subscription.id]! + 1,
      );
      for (const item of subscription.items.data) {
        const price = this.price(item.price);
        if (price.recurring.usageType === 'licensed')
          lines.push(licensedLine(context, item, price, next));
      }
    }
    const finalizesAt = period.end + this.state.settings.finalizationDelaySeconds;
    return {
      id: null,
      status: 'upcoming',
      ...this.invoiceBody(subscription, 'subscription_cycle', period, lines, finalizesAt),
    };
  }

  /** Billing periods of a subscription from the first to the current one, newest first. */
  periodsOf(subscription: Subscription): Span[] {
    const rule = this.periodRule(subscription);
    const current = this.state.periodIndex[subscription.id]!;
    const periods: Span[] = [];
    for (let index = current; index >= 0; index--) periods.push(periodAt(rule, index));
    return periods;
  }
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
