// The engine's API, shaped like the guide's SDK. Every method is synchronous; `await` works on it
// all the same. Argument types here are what callers send; the engine validates them at run time.
import type { DailySeries, GeneratedRecord, GeneratorSpec } from '../rules/generators';
import type {
  AggregateUsage,
  AggregationExplanation,
  BillingEvent,
  Customer,
  EventType,
  Interval,
  Invoice,
  List,
  Price,
  Product,
  ProrationBehavior,
  Quote,
  SimulatorSettings,
  Subscription,
  TestCard,
  TestClock,
  TiersMode,
  UnixSeconds,
  UpcomingInvoice,
  UsageAction,
  UsageGenerator,
  UsageRecord,
  UsageRecordBatch,
  UsageRecordSummary,
  UsageType,
  WebhookDelivery,
  WebhookEndpoint,
} from '../public/types';

export interface ProductCreateArgs {
  name: string;
}

export interface PriceTierArgs {
  upTo: number | 'inf';
  unitAmount?: number;
  unitAmountDecimal?: string;
  flatAmount?: number;
  flatAmountDecimal?: string;
}

export interface PriceCreateArgs {
  product: string;
  currency: string;
  nickname?: string;
  /** 'usage' (the guide's word) is the same as 'per_unit'. */
  billingScheme?: 'per_unit' | 'usage' | 'tiered';
  unitAmount?: number;
  unitAmountDecimal?: string;
  tiers?: PriceTierArgs[];
  tiersMode?: TiersMode;
  transformQuantity?: { divideBy: number; round: 'up' | 'down' };
  recurring: {
    interval: Interval;
    intervalCount?: number;
    usageType?: UsageType;
    aggregateUsage?: AggregateUsage;
  };
}

/** Price arguments not yet created, for previews (the product may be left out). */
export type QuotablePrice = Omit<PriceCreateArgs, 'product'> & { product?: string };

export interface ListArgs {
  limit?: number;
}

export interface CustomerCreateArgs {
  id?: string;
  name: string;
  email?: string;
  paymentMethod?: TestCard;
}

export interface CustomerUpdateArgs {
  name?: string;
  email?: string;
  paymentMethod?: TestCard;
}

export interface SubscriptionItemArgs {
  price: string;
  quantity?: number;
}

export interface SubscriptionCreateArgs {
  customer: string;
  items: SubscriptionItemArgs[];
}

export interface SubscriptionUpdateArgs {
  /** Items to change (with id) or add (without id). */
  items?: { id?: string; price?: string; quantity?: number }[];
  prorationBehavior?: ProrationBehavior;
  cancelAtPeriodEnd?: boolean;
}

export interface SubscriptionListArgs extends ListArgs {
  customer?: string;
  status?: Subscription['status'];
}

export interface SubscriptionCancelArgs {
  invoiceNow?: boolean;
}

export interface UsageRecordArgs {
  quantity: number;
  timestamp?: UnixSeconds;
  action?: UsageAction;
}

export interface UsageRecordCreateArgs extends UsageRecordArgs {
  subscriptionItem: string;
}

export interface UsageRecordBatchArgs {
  subscriptionItem: string;
  records: UsageRecordArgs[];
}

export interface GeneratorCreateArgs {
  subscriptionItem: string;
  /** An id of your own (gen_...); by default one is made. */
  id?: string;
  /** The spec (core/generators/spec.ts); `seed` defaults to one drawn from the scenario's seed,
   * `start` to the test clock's time. */
  spec: Omit<GeneratorSpec, 'seed'> & { seed?: number };
}

export interface GeneratorPreviewArgs {
  spec: Omit<GeneratorSpec, 'seed'> & { seed?: number };
  /** Records to return (default 200). */
  count?: number;
  /** Days of per-day series (default 30). */
  days?: number;
}

export interface GeneratorPreview {
  records: GeneratedRecord[];
  daily: DailySeries;
}

export interface RequestOptions {
  idempotencyKey?: string;
}

export interface InvoiceListArgs extends ListArgs {
  subscription?: string;
  customer?: string;
  status?: Invoice['status'];
}

export interface EventListArgs extends ListArgs {
  type?: EventType;
}

export interface VerifyOptions {
  secret?: string;
  /** Seconds a signature stays valid; default 300. */
  tolerance?: number;
  /** Unix seconds to check against; default the test clock's frozenTime. */
  now?: UnixSeconds;
}

export interface SimulatorApi {
  products: {
    create(args: ProductCreateArgs): Product;
    retrieve(id: string): Product;
    list(args?: ListArgs): List<Product>;
  };
  prices: {
    create(args: PriceCreateArgs): Price;
    retrieve(id: string): Price;
    list(args?: ListArgs & { product?: string }): List<Price>;
  };
  customers: {
    create(args: CustomerCreateArgs): Customer;
    retrieve(id: string): Customer;
    list(args?: ListArgs): List<Customer>;
    update(id: string, args: CustomerUpdateArgs): Customer;
  };
  subscriptions: {
    create(args: SubscriptionCreateArgs): Subscription;
    retrieve(id: string): Subscription;
    list(args?: SubscriptionListArgs): List<Subscription>;
    update(id: string, args: SubscriptionUpdateArgs): Subscription;
    cancel(id: string, args?: SubscriptionCancelArgs): Subscription;
  };
  usageRecords: {
    create(args: UsageRecordCreateArgs, options?: RequestOptions): UsageRecord;
    createBatch(args: UsageRecordBatchArgs, options?: RequestOptions): UsageRecordBatch;
    summaries(args: { subscriptionItem: string; limit?: number }): List<UsageRecordSummary>;
  };
  /** Seeded synthetic usage attached to metered items; records come as the clock moves. */
  generators: {
    create(args: GeneratorCreateArgs): UsageGenerator;
    list(args?: ListArgs & { subscriptionItem?: string }): List<UsageGenerator>;
    /** Stops a generator: it reports nothing more; what it reported stays. */
    stop(id: string): UsageGenerator;
    /** Keeps the item's generated records as stored records and removes its generators. */
    materialize(args: { subscriptionItem: string }): {
      subscriptionItem: string;
      timestamps: number;
    };
    /** The first records and a per-day series of a spec, computed without touching state. */
    preview(args: GeneratorPreviewArgs): GeneratorPreview;
  };
  invoices: {
    retrieve(id: string): Invoice;
    list(args?: InvoiceListArgs): List<Invoice>;
    /** The open period's invoice as it stands; with items/prorationBehavior, as it would be
     * after that subscriptions.update (a proration preview). Changes nothing. */
    upcoming(args: {
      subscription: string;
      items?: SubscriptionUpdateArgs['items'];
      prorationBehavior?: ProrationBehavior;
    }): UpcomingInvoice;
    pay(id: string): Invoice;
    voidInvoice(id: string): Invoice;
    markUncollectible(id: string): Invoice;
  };
  events: {
    retrieve(id: string): BillingEvent;
    list(args?: EventListArgs): List<BillingEvent>;
  };
  webhookEndpoints: {
    create(args: { url: string }): WebhookEndpoint;
    list(args?: ListArgs): List<WebhookEndpoint>;
    /** The signed payload each endpoint receives for an event. */
    deliveries(args: { event: string }): WebhookDelivery[];
  };
  webhooks: {
    verify(rawBody: string, signatureHeader: string | null, options?: VerifyOptions): BillingEvent;
    generateTestHeader(args: { payload: string; secret: string; timestamp: UnixSeconds }): string;
  };
  testClock: {
    retrieve(): TestClock;
    advance(args: { frozenTime: UnixSeconds }): TestClock;
    advanceBillingPeriod(args: { subscription: string }): TestClock;
  };
  settings: {
    retrieve(): SimulatorSettings;
    update(args: Partial<SimulatorSettings>): SimulatorSettings;
  };
  /** Read-only views the UI draws from: pre-bucketed, never one point per record. */
  analysis: {
    usageSeries(args: UsageSeriesArgs): UsageSeries;
    strategies(args: { subscriptionItem: string; price?: string }): StrategyComparison;
    comparePrices(args: { prices: string[]; subscription?: string }): PriceComparison;
  };
  /** Prices a quantity under a price without touching state (for price curves). */
  quote(price: string | QuotablePrice, quantity: number): Quote;
}

export interface UsageSeriesArgs {
  subscriptionItem: string;
  /** Default: from the item's creation to the test clock. */
  start?: UnixSeconds;
  end?: UnixSeconds;
  /** Number of equal buckets (default 200, at most 2000). */
  buckets?: number;
}

export interface UsageSeries {
  subscriptionItem: string;
  start: UnixSeconds;
  end: UnixSeconds;
  /** Per bucket: the total, the peak and the last per-timestamp value (null when empty). */
  buckets: {
    start: UnixSeconds;
    end: UnixSeconds;
    sum: number;
    max: number;
    last: number | null;
    count: number;
  }[];
  /** Billing period boundaries that fall in the range. */
  periods: { start: UnixSeconds; end: UnixSeconds }[];
  totalTimestamps: number;
}

export interface StrategyComparison {
  subscriptionItem: string;
  price: string;
  currency: string;
  /** Newest period first, like usage summaries. */
  periods: {
    start: UnixSeconds;
    end: UnixSeconds;
    open: boolean;
    strategies: Record<
      AggregateUsage,
      { aggregation: AggregationExplanation; amount: number; amountExact: string }
    >;
  }[];
}

export interface PriceComparison {
  prices: string[];
  /** One row per (period, customer), oldest first; amounts in minor units per price id. */
  rows: {
    periodStart: UnixSeconds;
    periodEnd: UnixSeconds;
    customer: string;
    subscription: string;
    amounts: Record<string, number>;
  }[];
  totals: Record<string, number>;
  currency: string;
}
