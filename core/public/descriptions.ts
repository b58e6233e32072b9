// What the UI shows for each aggregation strategy, pricing model, generator pattern, billing
// reason, invoice pipeline step and event type. Plain data with no dependency, so the renderer imports it as is; the
// engine's modules are the ones these texts describe.
import type {
  AggregateUsage,
  BillingReason,
  EventType,
  InvoiceStepName,
  MeterFormula,
  PatternKind,
  PatternSpec,
  PriceExplanation,
} from './types';

/** What each strategy does, for the UI (from the guide's table). */
export const aggregationStrategies: Record<
  AggregateUsage,
  { title: string; description: string; useFor: string }
> = {
  sum: {
    title: 'Sum',
    description:
      'The total of every value reported in the period. With action increment each record adds; ' +
      'a set replaces the value at its own timestamp only.',
    useFor: 'API calls, GB transferred',
  },
  max: {
    title: 'Max',
    description: 'The highest value seen at any timestamp in the period.',
    useFor: 'Peak concurrent connections',
  },
  last_during_period: {
    title: 'Last during period',
    description:
      'The value at the latest timestamp inside the period. A period with no usage bills 0, ' +
      'even if an earlier period had a value.',
    useFor: 'Active seats at period end',
  },
  last_ever: {
    title: 'Last ever',
    description:
      'The value at the latest timestamp up to the period end, looking back into earlier ' +
      'periods too: a value keeps being billed until a new one is reported.',
    useFor: 'Long-lived quantities reported only when they change, such as licences or storage',
  },
};

/** What each model does, for the UI. */
/** Meter formulas in one line each; `extension` marks Meterlab's own (not in Stripe's API). */
export const meterFormulas: Record<
  MeterFormula,
  { title: string; description: string; extension: boolean }
> = {
  sum: { title: 'Sum', description: 'Adds the values of the events.', extension: false },
  count: {
    title: 'Count',
    description: 'Counts the events; their values are ignored.',
    extension: false,
  },
  last: {
    title: 'Last',
    description: 'The value of the event with the latest timestamp in the period (0 without one).',
    extension: false,
  },
  max: { title: 'Max', description: 'The largest single value of the period.', extension: true },
  unique_count: {
    title: 'Unique count',
    description: 'Counts the distinct strings found at the value key (e.g. active users).',
    extension: true,
  },
};

/**
 * Legacy strategy -> the meter formula a migration proposes, and what the customer would see
 * differently. NOTE: a meter has no last_ever (a period without events bills 0).
 */
export const strategyToFormula: Record<AggregateUsage, { formula: MeterFormula; differs: string }> =
  {
    sum: {
      formula: 'sum',
      differs:
        'Nothing on the invoice for increments; a set record replaced the value at its timestamp, an event always adds.',
    },
    max: {
      formula: 'max',
      differs:
        'max is a Meterlab extension (Stripe meters only know sum, count and last): on such a meter you would bill last or sum instead.',
    },
    last_during_period: {
      formula: 'last',
      differs: 'The same for one value per timestamp; ties go to the latest event sent.',
    },
    last_ever: {
      formula: 'last',
      differs:
        'A period without events bills 0 instead of carrying the last value forward: re-send the value each period.',
    },
  };

export const pricingModels: Record<
  PriceExplanation['model'],
  { title: string; description: string }
> = {
  per_unit: {
    title: 'Per unit',
    description:
      'Every unit costs the same amount: quantity × unit price, rounded once to the currency’s ' +
      'smallest unit (half up). Unit prices may be fractions of a cent, such as EUR 0.002.',
  },
  package: {
    title: 'Package',
    description:
      'Units are sold in packages of a fixed size (transformQuantity.divideBy). The quantity is ' +
      'divided by the package size and rounded up (a started package is billed in full) or down ' +
      '(only complete packages), then each package costs the unit price.',
  },
  graduated: {
    title: 'Graduated tiers',
    description:
      'Each unit is priced by the tier it falls in: the first 100 at one rate, the next ones at ' +
      'the next rate, and so on. Every tier the quantity reaches adds its flat amount once. ' +
      'upTo is inclusive, and quantity 0 falls in the first tier, so its flat amount is charged.',
  },
  volume: {
    title: 'Volume tiers',
    description:
      'The tier that holds the whole quantity prices every unit, and only that tier’s flat amount ' +
      'is added, so crossing a boundary can lower the total. upTo is inclusive, and quantity 0 ' +
      'falls in the first tier, so its flat amount is charged.',
  },
};

export interface PatternInfo<K extends PatternKind> {
  title: string;
  description: string;
  defaults: Extract<PatternSpec, { kind: K }>;
}

/** What the UI shows for each pattern, and the spec a new one starts from. */
export const generatorPatterns: { [K in PatternKind]: PatternInfo<K> } = {
  constant: {
    title: 'Constant rate',
    description:
      'The same number of units every hour. Fractions carry over, so 0.5 per hour reports 1 unit every other hour.',
    defaults: { kind: 'constant', perHour: 100 },
  },
  poisson: {
    title: 'Random arrivals',
    description:
      'Units arrive at random (a Poisson process) with the given mean per hour, so hours vary around the mean.',
    defaults: { kind: 'poisson', meanPerHour: 100 },
  },
  growth: {
    title: 'Growth',
    description:
      'Scales the rate of the pattern inside it over time since the start: linear adds ratePerDay of the starting rate each day, exponential compounds it daily.',
    defaults: {
      kind: 'growth',
      base: { kind: 'poisson', meanPerHour: 100 },
      mode: 'exponential',
      ratePerDay: 0.01,
    },
  },
  seasonality: {
    title: 'Daily and weekly cycles',
    description:
      'Scales the rate of the pattern inside it by time of day (highest at the peak hour, UTC) and by weekday (Monday first). Both average 1, so the mean rate stays the same.',
    defaults: {
      kind: 'seasonality',
      base: { kind: 'poisson', meanPerHour: 100 },
      daily: { peakHourUtc: 14, amplitude: 0.6 },
      weekly: { weights: [1.2, 1.2, 1.2, 1.2, 1.1, 0.5, 0.6] },
    },
  },
  bursts: {
    title: 'Bursts',
    description:
      'Rare spikes: in any hour a burst may start with the given probability, multiplying the rate of the pattern inside it for its duration.',
    defaults: {
      kind: 'bursts',
      base: { kind: 'poisson', meanPerHour: 100 },
      probabilityPerHour: 0.005,
      multiplier: 10,
      durationHours: 3,
    },
  },
  seats: {
    title: 'Seats',
    description:
      "A seat count that moves up or down at random, kept between min and max. Use it with action 'set' (and last_during_period or max): a record is reported at the start and whenever the count changes.",
    defaults: {
      kind: 'seats',
      initial: 10,
      min: 1,
      max: 50,
      stepProbabilityPerHour: 0.02,
      maxStep: 2,
    },
  },
  sum: {
    title: 'Combination',
    description:
      'Adds the patterns inside it: for example a steady base plus random arrivals, or several seat pools.',
    defaults: {
      kind: 'sum',
      components: [
        { kind: 'constant', perHour: 20 },
        { kind: 'poisson', meanPerHour: 80 },
      ],
    },
  },
};

/** Why an invoice exists, in words: two invoices can share a period (creation and cycle). */
export const billingReasons: Record<BillingReason, string> = {
  subscription_create: 'subscription started',
  subscription_cycle: 'period ended',
  subscription_update: 'subscription changed',
  subscription_cancel: 'subscription canceled',
  subscription_threshold: 'billing threshold crossed',
  manual: 'manual',
};

/** The invoice pipeline's steps by name, in the order they run (the invoice view, the print page). */
export const invoiceSteps: Record<InvoiceStepName, string> = {
  lines: 'Lines',
  discounts: 'Discounts',
  credit_grants: 'Credit grants',
  minimum_commitment: 'Minimum commitment',
  tax: 'Tax',
  total: 'Total',
  customer_balance: 'Customer balance',
  amount_due: 'Amount due',
  payment: 'Payment',
};

/** Every event type the engine emits, in the order the UI lists them. */
export const eventTypes = [
  'product.created',
  'price.created',
  'customer.created',
  'customer.updated',
  'coupon.created',
  'tax_rate.created',
  'billing.credit_grant.created',
  'billing.credit_grant.updated',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.created',
  'invoice.updated',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.marked_uncollectible',
  'invoice.voided',
  'billing.alert.triggered',
] as const satisfies readonly EventType[];

/** Fails to compile when an event type is missing from the list above. */
export const everyEventTypeListed: Exclude<EventType, (typeof eventTypes)[number]> extends never
  ? true
  : never = true;
