// The one state every resource module works on: the snapshot (plain JSON, the truth) plus the
// indexes and usage columns built from it. Lookups, ids, events and usage access live here;
// each resource's rules live in its own module.
import { invalidRequest } from '../values/errors';
import type { MeterlabError } from '../values/errors';
import { makeId } from '../values/ids';
import { copy, copyPlain } from '../values/json';
import type { LineContext, Span } from '../rules/lines';
import { periodAt } from '../rules/periods';
import type { PeriodRule } from '../rules/periods';
import { GeneratedUsage } from '../rules/usage/generated';
import type { StoredGenerator } from '../rules/usage/generated';
import { MeterEventGenerators } from '../rules/meters/generated';
import { UsageColumns } from '../rules/usage/columns';
import { MeterEventStore } from '../rules/meters/store';
import type {
  BillingEvent,
  Coupon,
  CreditGrant,
  Customer,
  EventType,
  Invoice,
  List,
  Meter,
  Price,
  Product,
  Subscription,
  SubscriptionItem,
  TaxRate,
} from '../public/types';
import { joinColumns } from './snapshot';
import type { SaveView, Snapshot } from './snapshot';

const DAY = 86_400;

/** Invoices in these states never change again (checkpoints keep them by reference). */
const settledStatuses = new Set<Invoice['status']>(['paid', 'void']);

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

/**
 * A page of a list (callers pass the objects newest first): at most `limit` objects (default
 * 100), after the one with id `startingAfter`, so every object can be read, page by page.
 */
export function list<T>(
  data: T[],
  page: { limit?: number | undefined; startingAfter?: string | undefined } = {},
): List<T> {
  let from = 0;
  if (page.startingAfter !== undefined) {
    from = data.findIndex((object) => (object as { id?: unknown }).id === page.startingAfter) + 1;
    if (from === 0) {
      throw invalidRequest(
        'resource_missing',
        'startingAfter',
        `startingAfter '${page.startingAfter}' is not in this list: pass the id of the last object of the page before.`,
      );
    }
  }
  const limit = page.limit ?? 100;
  const rest = data.length - from;
  return {
    object: 'list',
    data: data.slice(from, from + limit).map(copy),
    hasMore: rest > limit,
  };
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

/** What a checkpointed call changed in place: copies of objects and old period indexes. */
export interface Changes {
  /** Made at the first change, as a call that changes nothing in place needs neither map. */
  objects: Map<object, object> | null;
  periodIndex: Map<string, number | undefined> | null;
}

interface EventIndex {
  /** The list indexed (pruning makes a new one), and how many of its events are in byId. */
  events: BillingEvent[];
  indexed: number;
  byId: Map<string, BillingEvent>;
}

export interface ItemOf {
  item: SubscriptionItem;
  subscription: Subscription;
}

export class ScenarioState {
  readonly data: Snapshot;
  /** Item -> its usage columns. Only gains items, and keeps each one's columns (checkpoints rely on it). */
  readonly usage = new Map<string, UsageColumns>();
  private readonly productsById = new Map<string, Product>();
  private readonly pricesById = new Map<string, Price>();
  private readonly customersById = new Map<string, Customer>();
  private readonly subscriptionsById = new Map<string, Subscription>();
  private readonly itemsById = new Map<string, ItemOf>();
  private readonly invoicesById = new Map<string, Invoice>();
  /**
   * Every invoice that is not paid or void (it may still change), and some that became so since
   * the last changeableInvoices(): what a checkpoint copies, so its cost is the open invoices,
   * not all of them.
   */
  private unsettledInvoices: Invoice[] = [];
  /**
   * Event id -> event, built at the first lookup and caught up at each one after: most scenarios
   * look few events up, and an index kept at each emit cost as much as the rest of the emit.
   */
  private eventIndex: EventIndex | null = null;
  private readonly couponsById = new Map<string, Coupon>();
  private readonly taxRatesById = new Map<string, TaxRate>();
  private readonly creditGrantsById = new Map<string, CreditGrant>();
  private readonly metersById = new Map<string, Meter>();
  private readonly metersByEventName = new Map<string, Meter>();
  /** Every meter event, in columns per (meter, customer), with the identifier window. */
  readonly meterEvents: MeterEventStore;
  /** Subscription id -> its threshold invoices, oldest first (what a period billed early). */
  private readonly thresholdInvoicesById = new Map<string, Invoice[]>();
  /** Subscription id -> its period-close draft awaiting finalization. */
  readonly gracefulDrafts = new Map<string, Invoice>();
  readonly generated: GeneratedUsage;
  /**
   * Mutating calls run on this state, counted as they end (made or refused): what read-only
   * results are cached by (analysis.comparePrices), so a change of any kind drops them.
   */
  changes = 0;
  /**
   * While a checkpointed call runs: each customer and subscription it may change, with a copy as
   * it was. Copying only what a call reaches keeps a checkpoint's cost independent of how many
   * customers the scenario has.
   */
  private changing: Changes | null = null;
  /**
   * The two objects willChange saw last in this checkpoint: a call reaches the same ones many
   * times in a row (pricing an invoice: its subscription, its customer, again and again).
   */
  private lastChanging: object | null = null;
  private beforeLastChanging: object | null = null;
  /**
   * The customer and subscription looked up last: pricing an invoice asks for its own several
   * times in a row, and a lookup in a map of thousands costs a cache miss or two.
   */
  private lastCustomer: Customer | undefined;
  private lastSubscription: Subscription | undefined;
  /** Generators of meter events (their events are in meterEvents). */
  readonly meterGenerators: MeterEventGenerators;
  readonly lineContext: LineContext = {
    newLineId: () => this.newId('il'),
    productName: (price) => this.productsById.get(price.product)?.name ?? price.product,
  };

  /**
   * `columns`: usage columns to adopt instead of reading data.usage, `meterEvents` the meter
   * event store to keep, and `generated` the generated usage to keep, its records in `columns`
   * (a restored checkpoint; without it, generated records are made again from the cursors).
   */
  constructor(
    data: Snapshot,
    columns?: ReadonlyMap<string, UsageColumns>,
    meterEvents?: MeterEventStore,
    generated?: GeneratedUsage,
  ) {
    this.data = data;
    for (const product of data.products) this.productsById.set(product.id, product);
    for (const price of data.prices) this.pricesById.set(price.id, price);
    for (const customer of data.customers) this.customersById.set(customer.id, customer);
    for (const subscription of data.subscriptions) this.addSubscription(subscription);
    for (const invoice of data.invoices) {
      this.invoicesById.set(invoice.id, invoice);
      if (!settledStatuses.has(invoice.status)) this.unsettledInvoices.push(invoice);
      this.indexThresholdInvoice(invoice);
      if (
        invoice.status === 'draft' &&
        invoice.billingReason === 'subscription_cycle' &&
        invoice.subscription
      ) {
        this.gracefulDrafts.set(invoice.subscription, invoice);
      }
    }
    for (const coupon of data.coupons) this.couponsById.set(coupon.id, coupon);
    for (const rate of data.taxRates) this.taxRatesById.set(rate.id, rate);
    for (const grant of data.creditGrants) this.creditGrantsById.set(grant.id, grant);
    for (const [item, adopted] of columns ?? []) this.usage.set(item, adopted);
    for (const [item, json] of columns ? [] : Object.entries(data.usage)) {
      if (!json)
        throw invalidRequest(
          'snapshot_invalid',
          `snapshot.usage.${item}`,
          'Usage columns are missing: join the bulk data first (joinSnapshot).',
        );
      this.usage.set(item, UsageColumns.fromJSON(json));
    }
    for (const meter of data.billing.meters) this.indexMeter(meter);
    this.meterEvents =
      meterEvents ?? new MeterEventStore(data.seed, data.billing.meterEvents, this.now);
    // The store holds the events from here on; snapshot() writes them back.
    data.billing.meterEvents = { nextSeq: 0, partitions: [], identifiers: {} };
    if (generated) this.generated = generated;
    else {
      this.generated = new GeneratedUsage(data.generators);
      this.generated.restore((item) => this.writableColumns(item));
    }
    this.meterGenerators = new MeterEventGenerators(data.billing.meterGenerators ?? []);
  }

  get now(): number {
    return this.data.clock.frozenTime;
  }

  newId(prefix: string): string {
    return makeId(prefix, this.data.seed, this.data.idCounter++);
  }

  /**
   * The state as a save stores it, without a copy: the snapshot's JSON part sharing the live
   * objects (each item's usage listed as null) and each item's stored usage columns (for items
   * with generators, their manual records). It stays true only until the next change: a caller
   * reads it before any mutating call runs (the workspace holds them back meanwhile), or owns it
   * (a simulator that is dropped).
   */
  saveView(): SaveView {
    // Positions as of the clock, so a snapshot doesn't depend on which reads happened first.
    for (const item of this.usage.keys()) this.columns(item);
    this.generated.savePositions();
    this.meterGenerators.savePositions();
    const usage: Snapshot['usage'] = {};
    const columns = new Map<string, UsageColumns>();
    for (const [item, live] of this.usage) {
      usage[item] = null;
      columns.set(item, this.generated.persisted(item, live));
    }
    const meterEvents = this.meterEvents.toJSON(this.now);
    return {
      snapshot: { ...this.data, usage, billing: { ...this.data.billing, meterEvents } },
      columns,
    };
  }

  snapshot(): Snapshot {
    const { snapshot: live, columns } = this.saveView();
    // The meter events and usage arrays are fresh already; copying them again would double a
    // large snapshot's cost.
    const plain = copy({ ...live, usage: {}, billing: { ...live.billing, meterEvents: null } });
    return joinColumns({
      snapshot: { ...plain, billing: { ...plain.billing, meterEvents: live.billing.meterEvents } },
      columns,
    });
  }

  /** Starts keeping a copy of each customer and subscription before it changes (a checkpoint). */
  recordChanges(): Changes {
    this.changing = { objects: null, periodIndex: null };
    this.lastChanging = this.beforeLastChanging = null;
    return this.changing;
  }

  stopRecordingChanges(): void {
    this.changing = null;
    this.lastChanging = this.beforeLastChanging = null;
  }

  /** A call is changing the state (a checkpoint is running): read-only caches stand aside. */
  get midChange(): boolean {
    return this.changing !== null;
  }

  /**
   * Call before changing a customer, subscription or generator entry in place (lookups call it
   * too): a running checkpoint keeps its copy, so a failed call can put it back.
   */
  willChange<T extends Customer | Subscription | StoredGenerator>(object: T): T {
    if (this.changing !== null && object !== this.lastChanging) {
      if (object !== this.beforeLastChanging) {
        const objects = (this.changing.objects ??= new Map());
        if (!objects.has(object)) objects.set(object, copyPlain(object));
      }
      this.beforeLastChanging = this.lastChanging;
      this.lastChanging = object;
    }
    return object;
  }

  /** Sets the index of a subscription's current period (a running checkpoint keeps the old). */
  setPeriodIndex(subscription: string, index: number): void {
    if (this.changing !== null) {
      const before = (this.changing.periodIndex ??= new Map());
      if (!before.has(subscription)) before.set(subscription, this.data.periodIndex[subscription]);
    }
    this.data.periodIndex[subscription] = index;
  }

  // ---- new objects ---------------------------------------------------------------------------

  addProduct(product: Product): void {
    this.data.products.push(product);
    this.productsById.set(product.id, product);
  }
  addPrice(price: Price): void {
    this.data.prices.push(price);
    this.pricesById.set(price.id, price);
  }
  addCustomer(customer: Customer): void {
    this.data.customers.push(customer);
    this.customersById.set(customer.id, customer);
  }
  /** Indexes a subscription and its items (the caller pushes a new one onto data first). */
  addSubscription(subscription: Subscription): void {
    this.subscriptionsById.set(subscription.id, subscription);
    for (const item of subscription.items.data) this.addItem(item, subscription);
  }
  addItem(item: SubscriptionItem, subscription: Subscription): void {
    this.itemsById.set(item.id, { item, subscription });
  }
  addCoupon(coupon: Coupon): void {
    this.data.coupons.push(coupon);
    this.couponsById.set(coupon.id, coupon);
  }
  addTaxRate(rate: TaxRate): void {
    this.data.taxRates.push(rate);
    this.taxRatesById.set(rate.id, rate);
  }
  addCreditGrant(grant: CreditGrant): void {
    this.data.creditGrants.push(grant);
    this.creditGrantsById.set(grant.id, grant);
  }
  addMeter(meter: Meter): void {
    this.data.billing.meters.push(meter);
    this.indexMeter(meter);
  }
  private indexMeter(meter: Meter): void {
    this.metersById.set(meter.id, meter);
    this.metersByEventName.set(meter.eventName, meter);
  }
  addInvoice(invoice: Invoice): void {
    this.data.invoices.push(invoice);
    this.invoicesById.set(invoice.id, invoice);
    if (!settledStatuses.has(invoice.status)) this.unsettledInvoices.push(invoice);
    this.indexThresholdInvoice(invoice);
  }

  /**
   * The invoices that may still change: every one that is not paid or void (a status no invoice
   * leaves). Those that settled since the last read leave the index here.
   */
  changeableInvoices(): readonly Invoice[] {
    this.unsettledInvoices = this.unsettledInvoices.filter(
      (invoice) => !settledStatuses.has(invoice.status),
    );
    return this.unsettledInvoices;
  }
  private indexThresholdInvoice(invoice: Invoice): void {
    if (invoice.billingReason !== 'subscription_threshold' || !invoice.subscription) return;
    const known = this.thresholdInvoicesById.get(invoice.subscription);
    if (known) known.push(invoice);
    else this.thresholdInvoicesById.set(invoice.subscription, [invoice]);
  }
  /** The subscription's threshold invoices, oldest first. */
  thresholdInvoices(subscription: string): readonly Invoice[] {
    return this.thresholdInvoicesById.get(subscription) ?? [];
  }

  // ---- lookups -------------------------------------------------------------------------------

  product(id: string, param = 'product'): Product {
    return found(this.productsById, id, 'product', param);
  }
  price(id: string, param = 'price'): Price {
    return found(this.pricesById, id, 'price', param);
  }
  hasCustomer(id: string): boolean {
    return this.customersById.has(id);
  }
  customer(id: string, param = 'customer'): Customer {
    let customer = this.lastCustomer;
    if (customer?.id !== id)
      customer = this.lastCustomer = found(this.customersById, id, 'customer', param);
    return this.willChange(customer);
  }
  subscription(id: string, param = 'subscription'): Subscription {
    let subscription = this.lastSubscription;
    if (subscription?.id !== id) {
      subscription = found(this.subscriptionsById, id, 'subscription', param);
      this.lastSubscription = subscription;
    }
    return this.willChange(subscription);
  }
  /** A subscription by id, or undefined (for invoices whose subscription may be gone). */
  subscriptionOf(invoice: Invoice): Subscription | undefined {
    const subscription = invoice.subscription
      ? this.subscriptionsById.get(invoice.subscription)
      : undefined;
    return subscription && this.willChange(subscription);
  }
  item(id: string, param = 'subscriptionItem'): ItemOf {
    const itemOf = found(this.itemsById, id, 'subscription item', param);
    this.willChange(itemOf.subscription);
    return itemOf;
  }
  coupon(id: string, param = 'coupon'): Coupon {
    return found(this.couponsById, id, 'coupon', param);
  }
  taxRate(id: string, param = 'taxRate'): TaxRate {
    return found(this.taxRatesById, id, 'tax rate', param);
  }
  creditGrant(id: string, param = 'id'): CreditGrant {
    return found(this.creditGrantsById, id, 'credit grant', param);
  }
  meter(id: string, param = 'id'): Meter {
    return found(this.metersById, id, 'meter', param);
  }
  /** The meter of an event name (active or not), or undefined. */
  meterOfEvent(eventName: string): Meter | undefined {
    return this.metersByEventName.get(eventName);
  }
  invoice(id: string, param = 'id'): Invoice {
    return found(this.invoicesById, id, 'invoice', param);
  }
  event(id: string, param = 'id'): BillingEvent {
    return copy(found(this.eventsById(), id, 'event', param));
  }

  isEnded(subscription: Subscription): boolean {
    return subscription.endedAt !== null;
  }

  periodRule(subscription: Subscription): PeriodRule {
    const price = this.price(subscription.items.data[0]!.price);
    return {
      anchor: subscription.billingCycleAnchor,
      interval: price.recurring.interval,
      intervalCount: price.recurring.intervalCount,
    };
  }

  /**
   * Billing periods of a subscription from the first to the current one, newest first. A first
   * period before the anchor (a trial, a backdated or anchored start) is index -1.
   */
  periodsOf(subscription: Subscription): Span[] {
    const rule = this.periodRule(subscription);
    const current = this.data.periodIndex[subscription.id]!;
    const periods: Span[] = [];
    for (let index = current; index >= 0; index--) periods.push(periodAt(rule, index));
    const { startDate, trialEnd, billingCycleAnchor: anchor } = subscription;
    if (trialEnd !== null && startDate < trialEnd && trialEnd < anchor) {
      // A trial, then a first paid period up to a later anchor.
      if (current >= -1) periods.push({ start: trialEnd, end: anchor });
      periods.push({ start: startDate, end: trialEnd });
    } else if (startDate < anchor) periods.push({ start: startDate, end: anchor });
    return periods;
  }

  /** What periodsOf reads, as a string: subscriptions with one key have the same periods. */
  periodsKey(subscription: Subscription): string {
    const { anchor, interval, intervalCount } = this.periodRule(subscription);
    const { startDate, trialEnd } = subscription;
    const current = this.data.periodIndex[subscription.id]!;
    return `${anchor} ${interval} ${intervalCount} ${current} ${startDate} ${trialEnd}`;
  }

  // ---- usage ---------------------------------------------------------------------------------

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
    this.generated.sync(itemId, columns, this.generationLimit(itemId));
    return columns;
  }

  /** Generates the item's records up to the clock (as columns() does); returns the slots walked. */
  generateUpToClock(itemId: string): number {
    const columns = this.usage.get(itemId);
    return columns ? this.generated.sync(itemId, columns, this.generationLimit(itemId)) : 0;
  }

  /** Generators report up to the clock, and never past the end of their subscription. */
  generationLimit(itemId: string): number {
    const ended = this.itemsById.get(itemId)?.subscription.endedAt ?? null;
    return Math.min(this.now + 1, ended ?? Infinity);
  }

  // ---- events --------------------------------------------------------------------------------

  emit(type: EventType, data: BillingEvent['data']): void {
    const event: BillingEvent = {
      id: makeId('evt', this.data.seed, this.data.eventCounter++),
      object: 'event',
      type,
      created: this.now,
      data: eventData(data),
    };
    this.data.events.push(event);
  }

  /** The event index, caught up with the events emitted since the last lookup. */
  private eventsById(): ReadonlyMap<string, BillingEvent> {
    const events = this.data.events;
    let index = this.eventIndex;
    if (index?.events !== events) index = this.eventIndex = { events, indexed: 0, byId: new Map() };
    for (; index.indexed < events.length; index.indexed++) {
      const event = events[index.indexed]!;
      index.byId.set(event.id, event);
    }
    return index.byId;
  }

  /** NOTE: like Stripe, events are kept for 30 days (of simulated time; a setting), then dropped. */
  pruneEvents(): void {
    const days = this.data.settings.eventRetentionDays;
    if (days === 0) return;
    const cutoff = this.now - days * DAY;
    const events = this.data.events;
    if (events.length === 0 || events[0]!.created >= cutoff) return;
    // Events are emitted as the clock moves forward, so the old ones are the first ones: those
    // after them are kept as a block (unless the list is out of order: then all are looked at).
    let old = 0;
    while (old < events.length && events[old]!.created < cutoff) old++;
    let ordered = true;
    for (let i = old; ordered && i < events.length; i++) ordered = events[i]!.created >= cutoff;
    const end = ordered ? old : events.length;
    // NOTE: an event still on its way to a webhook endpoint is kept until its delivery settles.
    const pending = new Set(
      (this.data.webhookQueue ?? [])
        .filter((entry) => entry.status === 'pending')
        .map((entry) => entry.event),
    );
    const index = this.eventIndex?.events === events ? this.eventIndex : null;
    const kept: BillingEvent[] = [];
    let droppedIndexed = 0;
    for (let i = 0; i < end; i++) {
      const event = events[i]!;
      if (event.created >= cutoff || pending.has(event.id)) kept.push(event);
      else if (index) {
        index.byId.delete(event.id);
        if (i < index.indexed) droppedIndexed++;
      }
    }
    // A new array: a checkpoint keeps the old one as an append-only list.
    const rest = events.slice(end);
    this.data.events = kept.length === 0 ? rest : kept.concat(rest);
    // The events kept keep their order: the indexed ones are still the first ones.
    if (index) {
      index.indexed -= droppedIndexed;
      index.events = this.data.events;
    }
  }

  /** NOTE: idempotency keys are remembered for a TTL of simulated time, then forgotten. */
  pruneIdempotencyKeys(): void {
    const ttl = this.data.settings.idempotencyKeyTtlSeconds;
    for (const [key, entry] of Object.entries(this.data.idempotency)) {
      if (entry.createdAt + ttl <= this.now) delete this.data.idempotency[key];
    }
  }
}
