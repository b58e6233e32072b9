// The engine's public objects. Plain JSON only: they cross IPC, HTTP and snapshots unchanged.
// Times are integer unix seconds (UTC). Invoice amounts are integers of minor units; exact
// (unrounded) amounts travel as decimal strings of minor units.

export type UnixSeconds = number;
/** A decimal number written as a string, in minor units of a currency ('0.2' = EUR 0.002). */
export type DecimalString = string;

export type Interval = 'day' | 'week' | 'month' | 'year';
export type UsageType = 'licensed' | 'metered';
export type AggregateUsage = 'sum' | 'max' | 'last_during_period' | 'last_ever';
export type BillingScheme = 'per_unit' | 'tiered';
export type TiersMode = 'graduated' | 'volume';
export type UsageAction = 'increment' | 'set';
export type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none';
export type TestCard =
  'pm_card_visa' | 'pm_card_chargeDeclined' | 'pm_card_chargeDeclinedInsufficientFunds';

export interface List<T> {
  object: 'list';
  data: T[];
  hasMore: boolean;
}

export interface Product {
  id: string;
  object: 'product';
  name: string;
  created: UnixSeconds;
}

export interface PriceTier {
  /** Inclusive upper bound of the tier, or 'inf' for the last tier. */
  upTo: number | 'inf';
  unitAmountDecimal: DecimalString | null;
  flatAmountDecimal: DecimalString | null;
}

export interface TransformQuantity {
  divideBy: number;
  round: 'up' | 'down';
}

export interface Recurring {
  interval: Interval;
  intervalCount: number;
  usageType: UsageType;
  /** null for licensed prices and prices with a meter. */
  aggregateUsage: AggregateUsage | null;
  /** The billing meter a metered price bills from (`mtr_…`); null bills usage records. */
  meter: string | null;
}

export interface Price {
  id: string;
  object: 'price';
  product: string;
  /** ISO 4217 code, upper case. */
  currency: string;
  nickname: string | null;
  billingScheme: BillingScheme;
  /** Set when the unit amount is a whole number of minor units. */
  unitAmount: number | null;
  /** Always set for per_unit prices: the exact unit amount in minor units. */
  unitAmountDecimal: DecimalString | null;
  tiers: PriceTier[] | null;
  tiersMode: TiersMode | null;
  transformQuantity: TransformQuantity | null;
  recurring: Recurring;
  created: UnixSeconds;
}

export interface Customer {
  id: string;
  object: 'customer';
  name: string;
  email: string | null;
  paymentMethod: TestCard | null;
  /** Minor units of `currency`: negative = credit owed to the customer, positive = owed by them. */
  balance: number;
  /** Fixed by the customer's first subscription or balance transaction; null before. */
  currency: string | null;
  created: UnixSeconds;
}

export type BalanceTransactionType = 'adjustment' | 'applied_to_invoice' | 'unapplied_from_invoice';

/** A move of a customer's credit balance (immutable: undo one with an opposite adjustment). */
export interface CustomerBalanceTransaction {
  id: string;
  object: 'customer_balance_transaction';
  customer: string;
  type: BalanceTransactionType;
  /** Negative credits the customer, positive debits them. */
  amount: number;
  currency: string;
  description: string | null;
  /** The invoice an application belongs to; null for adjustments. */
  invoice: string | null;
  endingBalance: number;
  created: UnixSeconds;
}

export type CouponDuration = 'once' | 'repeating' | 'forever';

export interface Coupon {
  id: string;
  object: 'coupon';
  /** 0 < percentOff <= 100, at most 2 decimal places; null for an amount-off coupon. */
  percentOff: number | null;
  /** Minor units of `currency`; null for a percent-off coupon. */
  amountOff: number | null;
  currency: string | null;
  duration: CouponDuration;
  /** Repeating coupons only. */
  durationInMonths: number | null;
  name: string | null;
  created: UnixSeconds;
}

/** A coupon applied to a subscription. */
export interface Discount {
  id: string;
  object: 'discount';
  coupon: string;
  subscription: string;
  start: UnixSeconds;
  /** Repeating discounts: start + durationInMonths; null for once and forever. */
  end: UnixSeconds | null;
}

export interface TaxRate {
  id: string;
  object: 'tax_rate';
  displayName: string;
  /** 0 to 100, at most 4 decimal places. */
  percentage: number;
  /** Inclusive: already inside the line amount; exclusive: added on top. */
  inclusive: boolean;
  country: string | null;
  active: boolean;
  created: UnixSeconds;
}

export type CreditGrantCategory = 'paid' | 'promotional';

export interface MonetaryAmount {
  type: 'monetary';
  monetary: { value: number; currency: string };
}

/** Prepaid or promotional credit that pays a customer's metered lines. */
export interface CreditGrant {
  id: string;
  object: 'billing.credit_grant';
  customer: string;
  amount: MonetaryAmount;
  category: CreditGrantCategory;
  applicabilityConfig: { scope: { priceType: 'metered' } };
  /** 0 (first) to 100; default 50. */
  priority: number;
  effectiveAt: UnixSeconds;
  expiresAt: UnixSeconds | null;
  name: string | null;
  voidedAt: UnixSeconds | null;
  created: UnixSeconds;
}

/** A debit of a grant (applied to an invoice, or expired) or a credit back (a voided invoice). */
export interface CreditBalanceTransaction {
  id: string;
  object: 'billing.credit_balance_transaction';
  creditGrant: string;
  customer: string;
  type: 'applied' | 'expired' | 'restored';
  /** Positive: what the grant lost (applied, expired) or got back (restored). */
  amount: number;
  currency: string;
  invoice: string | null;
  created: UnixSeconds;
}

export interface CreditBalanceSummary {
  object: 'billing.credit_balance_summary';
  customer: string;
  balances: { availableBalance: MonetaryAmount; ledgerBalance: MonetaryAmount }[];
  /** Meterlab's extension: each of the customer's grants (newest first) with its own ledger. */
  grants: CreditGrantBalance[];
}

/** One grant's ledger: what it paid, lost to expiry, may take on drafts and has left. */
export interface CreditGrantBalance {
  creditGrant: string;
  /** `used_up`: active with nothing left. */
  status: 'active' | 'used_up' | 'scheduled' | 'expired' | 'voided';
  /** Paid on finalized invoices, net of what voided invoices gave back. */
  applied: number;
  /** Lost when the grant expired with credit left. */
  expired: number;
  /** What the customer's drafts are estimated to take when they finalize. */
  pending: number;
  /** What the grant can still pay: 0 once it expired or was voided. */
  remaining: number;
  currency: string;
}

export interface SubscriptionItem {
  id: string;
  object: 'subscription_item';
  subscription: string;
  price: string;
  /** Licensed items only; null for metered items. */
  quantity: number | null;
  /** Start of the span the item's metered usage is billed from (moves on a price swap). */
  usageStart: UnixSeconds;
  /** Metered items only: a threshold invoice when usage since the last one reaches usageGte. */
  billingThresholds: ItemBillingThresholds | null;
  created: UnixSeconds;
}

export interface ItemBillingThresholds {
  /** Units of usage (since the item's last threshold invoice in the period) that trigger one. */
  usageGte: number;
}

export interface SubscriptionBillingThresholds {
  /** The period's unbilled amount (after discounts and credits, before tax) that triggers an invoice; null: none. */
  amountGte: number | null;
  /** A threshold invoice ends the period there and restarts the cycle from that moment. */
  resetBillingCycleAnchor: boolean;
}

export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'canceled' | 'unpaid';

/** A minimum spend per period (a Meterlab extension): a period billed below it gets a true-up. */
export interface MinimumCommitment {
  amount: number;
  currency: string;
}

export interface Subscription {
  id: string;
  object: 'subscription';
  customer: string;
  status: SubscriptionStatus;
  currency: string;
  /** When billing starts: the creation time, or a backdated start. */
  startDate: UnixSeconds;
  /** Whole periods run from here; a first period [startDate, anchor) is partial (or a trial). */
  billingCycleAnchor: UnixSeconds;
  trialStart: UnixSeconds | null;
  trialEnd: UnixSeconds | null;
  currentPeriodStart: UnixSeconds;
  currentPeriodEnd: UnixSeconds;
  cancelAtPeriodEnd: boolean;
  canceledAt: UnixSeconds | null;
  endedAt: UnixSeconds | null;
  latestInvoice: string | null;
  items: List<SubscriptionItem>;
  /** Applied in this order, each to what the earlier ones left. */
  discounts: Discount[];
  /** Tax rate ids applied to every line of the subscription's invoices. */
  defaultTaxRates: string[];
  minimumCommitment: MinimumCommitment | null;
  /** Early invoices when the period's spend or an item's usage crosses a threshold. */
  billingThresholds: SubscriptionBillingThresholds | null;
  created: UnixSeconds;
}

export interface UsageRecord {
  id: string;
  object: 'usage_record';
  subscriptionItem: string;
  quantity: number;
  timestamp: UnixSeconds;
  action: UsageAction;
}

/** A seeded usage generator attached to a metered item (see core/generators). */
export interface UsageGenerator {
  id: string;
  object: 'usage_generator';
  subscriptionItem: string;
  spec: GeneratorSpec;
  /** A stopped generator reports nothing more; what it reported stays. */
  status: 'active' | 'stopped';
  created: UnixSeconds;
}

/**
 * Where a meter event generator sends its events: a meter's event name and a customer, and for a
 * unique_count meter the pool its distinct values are drawn from.
 */
export interface MeterEventsTarget {
  eventName: string;
  customer: string;
  /** unique_count only: each event carries one of `count` distinct ids at `payloadKey`. */
  uniqueValues: { count: number; payloadKey: string } | null;
}

/**
 * A seeded generator of meter events: each record its spec reports becomes one event (the
 * record's quantity is the value; for unique_count, an id drawn from the pool).
 */
export interface MeterEventGenerator {
  id: string;
  object: 'meter_event_generator';
  meterEvents: MeterEventsTarget;
  spec: GeneratorSpec;
  status: 'active' | 'stopped';
  created: UnixSeconds;
}

/** Either kind of generator, as generators.list returns them. */
export type AnyGenerator = UsageGenerator | MeterEventGenerator;

export interface UsageRecordBatch {
  object: 'usage_record_batch';
  subscriptionItem: string;
  count: number;
}

export interface UsageRecordSummary {
  id: string;
  object: 'usage_record_summary';
  subscriptionItem: string;
  period: { start: UnixSeconds; end: UnixSeconds };
  /** The billable quantity under the price's aggregateUsage. */
  totalUsage: number;
  aggregateUsage: AggregateUsage;
  /** True for data[0], the period still open. */
  open: boolean;
}

/** How a quantity was aggregated from the usage records of one period. */
export interface AggregationExplanation {
  strategy: AggregateUsage;
  quantity: number;
  /** Distinct timestamps (records after increment/set were applied) in the span. */
  timestampCount: number;
  /** The timestamp whose value decided the quantity: the peak for max, the last for last_*. */
  decidingTimestamp: UnixSeconds | null;
  span: { start: UnixSeconds; end: UnixSeconds };
  summary: string;
}

export interface PriceStep {
  label: string;
  /** Units priced in this step (a decimal string: package pricing may divide). */
  quantity: string;
  unitAmountDecimal: DecimalString | null;
  flatAmountDecimal: DecimalString | null;
  amountExact: DecimalString;
}

/** How an amount was priced from a quantity. */
export interface PriceExplanation {
  model: 'per_unit' | 'package' | 'graduated' | 'volume';
  /** The quantity after transformQuantity (equals the input otherwise). */
  billedQuantity: number;
  steps: PriceStep[];
  amountExact: DecimalString;
  amount: number;
  rounding: 'half_up';
  summary: string;
}

/** The result of the pure quote(price, quantity). */
export interface Quote {
  currency: string;
  quantity: number;
  amount: number;
  amountExact: DecimalString;
  explanation: PriceExplanation;
}

export interface InvoiceLineExplanation {
  aggregation: AggregationExplanation | null;
  pricing: PriceExplanation;
  /** For proration lines: the share of the period charged or credited. */
  proration: { numerator: number; denominator: number; summary: string } | null;
  /** For lines priced from a billing meter: which events counted and which decided. */
  meter?: MeterAggregationExplanation;
  summary: string;
}

export interface DiscountAmount {
  discount: string;
  amount: number;
}

export interface CreditGrantAmount {
  creditGrant: string;
  amount: number;
}

export interface TaxAmount {
  taxRate: string;
  amount: number;
  inclusive: boolean;
  /** The amount the tax is a percentage of (the line after discounts, credits and inclusive tax). */
  taxableAmount: number;
}

export type InvoiceLineType = 'subscription' | 'minimum_commitment_true_up' | 'previously_billed';

export interface InvoiceLine {
  id: string;
  object: 'line_item';
  type: InvoiceLineType;
  subscriptionItem: string | null;
  /** The price billed; null for a minimum commitment true-up. */
  price: string | null;
  description: string;
  quantity: number;
  /** Meter-priced lines: the exact quantity as a decimal string (quantity is its nearest number). */
  quantityDecimal?: DecimalString;
  amount: number;
  amountExact: DecimalString;
  currency: string;
  period: { start: UnixSeconds; end: UnixSeconds };
  proration: boolean;
  /** Positive subscription lines take discounts; prorations, negative lines and true-ups don't. */
  discountable: boolean;
  discountAmounts: DiscountAmount[];
  creditGrantAmounts: CreditGrantAmount[];
  taxAmounts: TaxAmount[];
  explanation: InvoiceLineExplanation;
}

export type InvoiceStepName =
  | 'lines'
  | 'discounts'
  | 'credit_grants'
  | 'minimum_commitment'
  | 'tax'
  | 'total'
  | 'customer_balance'
  | 'amount_due'
  | 'payment';

/** One step of how an invoice's total was reached, in the order they run. */
export interface InvoiceStep {
  step: InvoiceStepName;
  /** The step's amount in minor units (negative for what it takes off). */
  amount: number;
  summary: string;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
export type BillingReason =
  | 'subscription_create'
  | 'subscription_cycle'
  | 'subscription_update'
  | 'subscription_cancel'
  | 'subscription_threshold'
  | 'manual';

export interface PaymentAttempt {
  at: UnixSeconds;
  paymentMethod: string | null;
  outcome: 'succeeded' | 'failed';
  failureCode: string | null;
  failureMessage: string | null;
}

export interface Invoice {
  id: string;
  object: 'invoice';
  status: InvoiceStatus;
  customer: string;
  subscription: string | null;
  currency: string;
  periodStart: UnixSeconds;
  periodEnd: UnixSeconds;
  billingReason: BillingReason;
  /** The discounts the invoice takes (those live when it was created), in order. */
  discounts: Discount[];
  /** Tax rate ids applied to every line. */
  defaultTaxRates: string[];
  /** Σ line amounts, each already rounded. */
  subtotal: number;
  totalDiscountAmounts: DiscountAmount[];
  totalCreditGrantAmounts: CreditGrantAmount[];
  /** Σ of every tax amount, inclusive and exclusive. */
  tax: number;
  totalTaxAmounts: TaxAmount[];
  totalExcludingTax: number;
  total: number;
  /** The customer's balance before this invoice (a draft: the balance now). */
  startingBalance: number;
  /** The balance after this invoice; null until it is finalized. */
  endingBalance: number | null;
  amountDue: number;
  amountPaid: number;
  amountRemaining: number;
  attemptCount: number;
  attempts: PaymentAttempt[];
  nextPaymentAttempt: UnixSeconds | null;
  lines: List<InvoiceLine>;
  /** How the total was reached: the pipeline's steps with their amounts. */
  steps: InvoiceStep[];
  created: UnixSeconds;
  /** When a draft becomes open; null once finalized. */
  finalizesAt: UnixSeconds | null;
  finalizedAt: UnixSeconds | null;
  paidAt: UnixSeconds | null;
}

/** A preview of the invoice the open period will produce, computed now, stored nowhere. */
export type UpcomingInvoice = Omit<Invoice, 'id' | 'status'> & { id: null; status: 'upcoming' };

export type EventType =
  | 'product.created'
  | 'price.created'
  | 'customer.created'
  | 'customer.updated'
  | 'coupon.created'
  | 'tax_rate.created'
  | 'billing.credit_grant.created'
  | 'billing.credit_grant.updated'
  | 'customer.subscription.created'
  | 'customer.subscription.updated'
  | 'customer.subscription.deleted'
  | 'invoice.created'
  | 'invoice.updated'
  | 'invoice.finalized'
  | 'invoice.paid'
  | 'invoice.payment_failed'
  | 'invoice.marked_uncollectible'
  | 'invoice.voided'
  | 'billing.alert.triggered';

export interface BillingEvent {
  id: string;
  object: 'event';
  type: EventType;
  created: UnixSeconds;
  /** The object the event is about, as it was at that moment. */
  data:
    | Product
    | Price
    | Customer
    | Subscription
    | Invoice
    | Coupon
    | TaxRate
    | CreditGrant
    | BillingAlertTriggered;
}

export interface WebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  secret: string;
  created: UnixSeconds;
  /** Event types sent to this endpoint; '*' is every type. Endpoints saved before it was
   * introduced have none stored and receive every type. */
  enabledEvents?: (EventType | '*')[];
}

/** One try at sending an event to an endpoint over HTTP, as the host that sent it reported. */
export interface WebhookAttempt {
  object: 'webhook_attempt';
  endpoint: string;
  event: string;
  /** 1 for the first try of this event at this endpoint. */
  attempt: number;
  url: string;
  /** The HTTP status answered, or null when none came (timeout, refused, not allowed). */
  status: number | null;
  /** Why no 2xx came without a status: 'timeout', 'connection refused', .... */
  error: string | null;
  latencyMs: number;
  /** The first bytes of the answer (at most 500 characters). */
  responseExcerpt: string;
  /** Wall-clock unix seconds of the try (the host's clock, not the test clock). */
  sentAt: UnixSeconds;
  /** The test clock when the try was reported (retries after the quick ones wait for it). */
  clockTime?: UnixSeconds;
  /** A resend the user asked for: one try out of turn, outside the retry schedule. */
  resend?: boolean;
}

/**
 * An event on its way to one endpoint, queued by the host that sends webhooks: pending until a
 * try gets a 2xx (succeeded) or the retries run out (failed). Kept with the scenario, so a
 * restarted host goes on with the pending ones.
 */
export interface WebhookQueueEntry {
  object: 'webhook_queue_entry';
  event: string;
  eventType: EventType;
  endpoint: string;
  status: 'pending' | 'succeeded' | 'failed';
  /** Tries made so far. */
  attempts: number;
  /** Retries scheduled on the test clock so far (after the quick tries in real time). */
  clockRetries: number;
  /** The test-clock time the next try waits for; null: it goes as soon as its turn comes. */
  nextAttemptAt: UnixSeconds | null;
  /** The user asked for a resend that has not been tried yet. */
  resendRequested: boolean;
}

/** What the host sending webhooks should try now: the event, the endpoint and the entry. */
export interface WebhookDueDelivery {
  entry: WebhookQueueEntry;
  /** Null when the event is no longer kept (older than the retention). */
  event: BillingEvent | null;
  endpoint: WebhookEndpoint;
  /** A resend: one try out of turn. */
  resend: boolean;
}

/** An event's deliveries to one endpoint, with every try, for the Events view. */
export interface WebhookDeliveryLog {
  endpoint: string;
  url: string;
  /** 'not_queued': the event came before any host sending webhooks was running. */
  status: WebhookQueueEntry['status'] | 'not_queued';
  nextAttemptAt: UnixSeconds | null;
  resendRequested: boolean;
  /** Oldest first. */
  attempts: WebhookAttempt[];
}

/** A signed delivery of an event to an endpoint, computed on demand (Meterlab sends nothing). */
export interface WebhookDelivery {
  event: string;
  endpoint: string;
  url: string;
  payload: string;
  signatureHeader: string;
}

export interface TestClock {
  id: string;
  object: 'test_clock';
  frozenTime: UnixSeconds;
}

export interface SimulatorSettings {
  /** Seconds from a period's close to its invoice's finalization (0 allowed). */
  finalizationDelaySeconds: number;
  /** Days after the first failed payment on which payment is retried. */
  retryScheduleDays: number[];
  /** What happens to the subscription when the retries run out. */
  whenRetriesExhausted: 'cancel' | 'unpaid';
  /** Seconds of simulated time an idempotency key is remembered. */
  idempotencyKeyTtlSeconds: number;
  /** Days of simulated time events are kept (Stripe keeps 30); 0 keeps them all. */
  eventRetentionDays: number;
  /** A clock move that would generate more usage records than this is refused up front. */
  maxGeneratedRecordsPerAdvance: number;
}

export interface GeneratorPreview {
  records: GeneratedRecord[];
  daily: DailySeries;
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

/** One usage stream billed by the legacy strategies and by each meter formula (the lab). */
export interface RecordsVsMeters extends StrategyComparison {
  /** How many distinct ids the events drew from (unique_count). */
  uniqueValues: number;
  periods: (StrategyComparison['periods'][number] & {
    formulas: Record<
      MeterFormula,
      { aggregation: MeterAggregationExplanation; amount: number; amountExact: string }
    >;
  })[];
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
    /** The customer's name: on the rows of a page (`page` asked), not on every row. */
    customerName?: string;
  }[];
  totals: Record<string, number>;
  currency: string;
  /** With `page`: the sums the Compare view draws; `rows` then holds only the page. */
  summary?: PriceComparisonSummary;
}

/** Compare's charts and pager, summed by the engine (`analysis.comparePrices` with `page`). */
export interface PriceComparisonSummary {
  /** By calendar month (UTC) of each period's last day, oldest first; open: a period runs on. */
  months: { key: string; label: string; amounts: Record<string, number>; open: boolean }[];
  /**
   * Every customer in first-seen order when they fit in `top` bars; else the `top - 1` with the
   * most revenue under `price`, largest first (ties: first seen).
   */
  customers: { customer: string; name: string; amounts: Record<string, number> }[];
  /** The customers not listed, added up; null when every customer is listed. */
  others: { customers: number; amounts: Record<string, number> } | null;
  /** The price the top customers and the `amount` order are ranked by. */
  price: string;
  customerCount: number;
  /** Rows in all; `rows` is [offset, offset + limit) of them in `sort` order. */
  rowCount: number;
  offset: number;
  limit: number;
  sort: 'period' | 'customer' | 'amount';
}

/** A page of invoices, newest first: `total` match the filter; `counts` are per status, all. */
export interface InvoicePage {
  object: 'invoice_page';
  data: Invoice[];
  offset: number;
  total: number;
  counts: Record<InvoiceStatus, number>;
  /** Zero invoices made at subscription creation, of all statuses (prints leave them out). */
  zeroAtCreation: number;
}

/** A page of customers, newest first: `total` match the name filter. */
export interface CustomerPage {
  object: 'customer_page';
  data: Customer[];
  offset: number;
  total: number;
}

/** A page of the events kept, newest first: `total` match the type filter. */
export interface EventPage {
  object: 'event_page';
  data: BillingEvent[];
  offset: number;
  total: number;
}

// ---- generator specs: plain JSON attached to a subscription item ---------------------------
// Rate patterns (constant, poisson) give an expected number of units per hour; modifiers
// (growth, seasonality, bursts) multiply the expected rate of everything under them; seats is a
// count, not a rate; sum adds.

export interface ConstantPattern {
  kind: 'constant';
  /** Units per hour, fractions carried so the running total stays exact. */
  perHour: number;
}

export interface PoissonPattern {
  kind: 'poisson';
  /** Mean units per hour of random arrivals. */
  meanPerHour: number;
}

export interface GrowthPattern {
  kind: 'growth';
  base: PatternSpec;
  /** linear: rate x (1 + ratePerDay * days); exponential: rate x (1 + ratePerDay) ^ days. */
  mode: 'linear' | 'exponential';
  ratePerDay: number;
}

export interface SeasonalityPattern {
  kind: 'seasonality';
  base: PatternSpec;
  /** rate x (1 + amplitude * cos(hours from the peak)), averaging 1 over a day. */
  daily?: { peakHourUtc: number; amplitude: number };
  /** Relative weights of the UTC weekdays, Monday first, scaled to average 1 over a week. */
  weekly?: { weights: number[] };
}

export interface BurstsPattern {
  kind: 'bursts';
  base: PatternSpec;
  /** Chance that a burst starts in any hour outside a burst. */
  probabilityPerHour: number;
  /** Rate factor during a burst. */
  multiplier: number;
  durationHours: number;
}

export interface SeatsPattern {
  kind: 'seats';
  initial: number;
  /** Default 0. */
  min?: number;
  /** Default: no upper bound. */
  max?: number;
  /** Chance per hour that the count moves, by 1..maxStep up or down. */
  stepProbabilityPerHour: number;
  maxStep: number;
}

export interface SumPattern {
  kind: 'sum';
  components: PatternSpec[];
}

export type PatternSpec =
  | ConstantPattern
  | PoissonPattern
  | GrowthPattern
  | SeasonalityPattern
  | BurstsPattern
  | SeatsPattern
  | SumPattern;

export type PatternKind = PatternSpec['kind'];

export interface GeneratorSpec {
  pattern: PatternSpec;
  /** uint32. The same spec always produces the same records. */
  seed: number;
  action: UsageAction;
  /** First slot; defaults to the start the host passes (the item's creation). */
  start?: UnixSeconds;
  /** Exclusive: slots starting at or after `end` are not generated. */
  end?: UnixSeconds;
  /** Slot length, dividing a day; at most one record per slot, stamped at its start. Default 3600. */
  resolutionSeconds?: number;
  /**
   * Set specs only: also re-report the value held, every this many seconds from the start, even
   * when it did not change (default a day; 0 reports changes only). Under last_during_period and
   * max a period without a record bills 0, so a count that held still all month needs this.
   */
  repeatEverySeconds?: number;
}

export interface GeneratedRecord {
  timestamp: UnixSeconds;
  quantity: number;
}

export interface DailyTotal {
  /** Start of the day: the spec's start plus whole days. */
  start: UnixSeconds;
  /** The units reported during the day. */
  total: number;
}

export interface DailyLevel {
  start: UnixSeconds;
  /** The value in effect at the end of the day (0 before the first record). */
  last: number;
  /** The highest value in effect during the day. */
  peak: number;
}

export type DailySeries =
  { action: 'increment'; days: DailyTotal[] } | { action: 'set'; days: DailyLevel[] };

// ---- billing meters (event-based usage) ----------------------------------------------------------

/** sum, count and last as in Stripe; max and unique_count are Meterlab's extensions. */
export type MeterFormula = 'sum' | 'count' | 'last' | 'max' | 'unique_count';

export interface Meter {
  id: string;
  object: 'billing.meter';
  displayName: string;
  eventName: string;
  defaultAggregation: { formula: MeterFormula };
  customerMapping: { type: 'by_id'; eventPayloadKey: string };
  valueSettings: { eventPayloadKey: string };
  status: 'active' | 'inactive';
  statusTransitions: { deactivatedAt: UnixSeconds | null };
  created: UnixSeconds;
  updated: UnixSeconds;
}

export interface MeterEvent {
  object: 'billing.meter_event';
  eventName: string;
  identifier: string;
  payload: Record<string, string>;
  timestamp: UnixSeconds;
  created: UnixSeconds;
}

export interface MeterEventBatchResult {
  object: 'billing.meter_event_batch';
  count: number;
}

export interface MeterEventAdjustment {
  id: string;
  object: 'billing.meter_event_adjustment';
  eventName: string;
  type: 'cancel';
  cancel: { identifier: string };
  status: 'complete';
}

export interface MeterEventSummary {
  id: string;
  object: 'billing.meter_event_summary';
  meter: string;
  startTime: UnixSeconds;
  endTime: UnixSeconds;
  /** Canonical decimal string: raw usage, not clamped at 0. */
  aggregatedValue: DecimalString;
}

export interface BillingAlert {
  id: string;
  object: 'billing.alert';
  alertType: 'usage_threshold';
  title: string;
  usageThreshold: {
    meter: string;
    gte: number;
    recurrence: 'one_time';
    filters: { type: 'customer'; customer: string }[] | null;
  };
  status: 'active';
}

/** The data of a billing.alert.triggered event. */
export interface BillingAlertTriggered {
  /** The alert's id (the object the event is about). */
  id: string;
  object: 'billing.alert_triggered';
  alert: string;
  customer: string;
  value: DecimalString;
}

/** How a meter's events in one window became a quantity. */
export interface MeterAggregationExplanation {
  meter: string;
  formula: MeterFormula;
  /** The raw aggregate (a canonical decimal string, may be negative). */
  value: DecimalString;
  /** What is billed: max(0, value). */
  quantity: DecimalString;
  /** Non-canceled events counted in the window. */
  eventsCounted: number;
  /** Canceled events in the window (counted nowhere). */
  eventsCanceled: number;
  /** Counted events accepted after the window had ended (during the draft's grace). */
  eventsLate: number;
  /** The event that decided a last or a max: its timestamp, when it was sent and its value. */
  deciding: { timestamp: UnixSeconds; created: UnixSeconds; value: string } | null;
  /** The deciding event's identifier (see MeterEventNote.identifier). */
  decidingIdentifier?: string | null;
  /** The first canceled events of the window, in the order they were sent (eventsCanceled counts all). */
  canceledEvents?: MeterEventNote[];
  /** The first counted events sent after the window had ended (eventsLate counts all). */
  lateEvents?: MeterEventNote[];
  span: { start: UnixSeconds; end: UnixSeconds };
  summary: string;
}

/** One event a meter line's explanation names. */
export interface MeterEventNote {
  /**
   * The client's identifier, or the generated `mev_…` one when it gave none; null when no longer
   * known (a counted event's client identifier is kept 2 days) or for a generator's event.
   */
  identifier: string | null;
  timestamp: UnixSeconds;
  /** When it was sent (the test clock). */
  created: UnixSeconds;
  value: string;
}
