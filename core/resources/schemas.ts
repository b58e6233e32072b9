// Argument schemas of the API. Validated once, at the edge of each call; the engine below trusts
// what passed. createBatch's records are checked by a hand loop instead (see usage.ts): a batch of
// 10k records must validate in well under a millisecond.
import { z } from 'zod';
import { objectId, safeQuantity, unixSeconds } from '../values/validation';
import { eventTypes } from '../public/descriptions';
import type { GeneratorSpec } from '../public/types';
import { couponFieldsSchema } from '../rules/pipeline/coupon-fields';

const listLimit = z.number().int().min(1).max(10_000).optional();
/** A list page: at most `limit` objects, after the object `startingAfter` (newest first). */
const page = { limit: listLimit, startingAfter: objectId.optional() };
const testCard = z.enum([
  'pm_card_visa',
  'pm_card_chargeDeclined',
  'pm_card_chargeDeclinedInsufficientFunds',
]);
const name = z.string().trim().min(1).max(500);

export const listArgs = z.strictObject(page).optional();
export const productCreateArgs = z.strictObject({ name });
export const priceListArgs = z.strictObject({ ...page, product: objectId.optional() }).optional();

export const customerCreateArgs = z.strictObject({
  id: z
    .string()
    .regex(/^cust_[A-Za-z0-9]{1,64}$/, 'use "cust_" followed by letters and digits')
    .optional(),
  name,
  email: z.email().optional(),
  paymentMethod: testCard.optional(),
});
export const customerUpdateArgs = z.strictObject({
  name: name.optional(),
  email: z.email().optional(),
  paymentMethod: testCard.optional(),
});

export const balanceTransactionArgs = z.strictObject({
  amount: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().min(1),
  description: z.string().max(500).optional(),
});

/** Coupon fields are typed here and checked together by createCoupon (code invalid_coupon). */
export const couponCreateArgs = couponFieldsSchema.extend({ name: name.optional() });

const fourDecimals = (value: number) => Math.round(value * 10_000) / 10_000 === value;
export const taxRateCreateArgs = z.strictObject({
  displayName: name,
  percentage: z.number().min(0).max(100).refine(fourDecimals, 'use at most 4 decimal places'),
  inclusive: z.boolean(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'use an ISO 3166-1 alpha-2 code such as DE')
    .optional(),
});
export const taxRateUpdateArgs = z.strictObject({ displayName: name });

const discountEntries = z.array(z.strictObject({ coupon: objectId })).max(20);
const defaultTaxRates = z.array(objectId).max(10);

const itemQuantity = z.number().int().min(0).max(1_000_000_000);
// Billing thresholds: numbers are checked by billing-thresholds.ts, whose errors name the fix.
const subscriptionBillingThresholds = z.strictObject({
  amountGte: z.number().optional(),
  resetBillingCycleAnchor: z.boolean().optional(),
});
const itemBillingThresholds = z.strictObject({ usageGte: z.number() });
export type SubscriptionThresholdsArgs = z.output<typeof subscriptionBillingThresholds>;
export type ItemThresholdsArgs = z.output<typeof itemBillingThresholds>;

export const subscriptionCreateArgs = z.strictObject({
  customer: objectId,
  items: z
    .array(
      z.strictObject({
        price: objectId,
        quantity: itemQuantity.optional(),
        billingThresholds: itemBillingThresholds.optional(),
      }),
    )
    .min(1)
    .max(20),
  discounts: discountEntries.optional(),
  defaultTaxRates: defaultTaxRates.optional(),
  billingCycleAnchor: unixSeconds.optional(),
  trialEnd: unixSeconds.optional(),
  trialPeriodDays: z.number().int().min(1).max(730).optional(),
  backdateStartDate: unixSeconds.optional(),
  /** How the first partial period's licensed time is billed: prorated, or free with 'none'. */
  prorationBehavior: z.enum(['create_prorations', 'none']).optional(),
  minimumCommitment: z
    .strictObject({
      amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
      currency: z.string().min(1),
    })
    .optional(),
  billingThresholds: subscriptionBillingThresholds.optional(),
});
export const prorationBehavior = z.enum(['create_prorations', 'always_invoice', 'none']);
const subscriptionUpdateItems = z
  .array(
    z.strictObject({
      id: objectId.optional(),
      price: objectId.optional(),
      quantity: itemQuantity.optional(),
      /** null removes the item's threshold. */
      billingThresholds: itemBillingThresholds.nullable().optional(),
    }),
  )
  .max(20);
export const subscriptionUpdateArgs = z.strictObject({
  items: subscriptionUpdateItems.optional(),
  discounts: discountEntries.optional(),
  defaultTaxRates: defaultTaxRates.optional(),
  prorationBehavior: prorationBehavior.optional(),
  cancelAtPeriodEnd: z.boolean().optional(),
  /** Replaces the subscription's thresholds; null removes them. */
  billingThresholds: subscriptionBillingThresholds.nullable().optional(),
});
export const subscriptionListArgs = z
  .strictObject({
    ...page,
    customer: objectId.optional(),
    status: z.enum(['trialing', 'active', 'past_due', 'canceled', 'unpaid']).optional(),
  })
  .optional();
export const subscriptionCancelArgs = z
  .strictObject({ invoiceNow: z.boolean().optional() })
  .optional();

export const usageAction = z.enum(['increment', 'set']);
export const usageRecordCreateArgs = z.strictObject({
  subscriptionItem: objectId,
  quantity: safeQuantity,
  timestamp: unixSeconds.optional(),
  action: usageAction.optional(),
});
/** A batch's records are typed here but checked by ingestBatch's own loop (fast at 100k). */
export interface BatchRecord {
  quantity: number;
  timestamp?: number;
  action?: 'increment' | 'set';
}
const MAX_BATCH_RECORDS = 100_000;
export const usageRecordBatchEnvelope = z.strictObject({
  subscriptionItem: objectId,
  // One check of the array, not one schema run per record: ingestBatch's loop checks each record
  // (10k records of schema runs cost more than storing them).
  records: z.custom<BatchRecord[]>(
    (records) =>
      Array.isArray(records) && records.length >= 1 && records.length <= MAX_BATCH_RECORDS,
    `pass an array of 1 to ${MAX_BATCH_RECORDS.toLocaleString('en-US')} usage records (split larger batches)`,
  ),
});
export const requestOptions = z
  .strictObject({ idempotencyKey: z.string().min(1).max(255).optional() })
  .optional();
export const summariesArgs = z.strictObject({ subscriptionItem: objectId, limit: listLimit });

export const invoiceListArgs = z
  .strictObject({
    ...page,
    subscription: objectId.optional(),
    customer: objectId.optional(),
    status: z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']).optional(),
  })
  .optional();
/** A proration preview takes the update's items and prorationBehavior. */
export const upcomingArgs = z.strictObject({
  subscription: objectId,
  items: subscriptionUpdateItems.optional(),
  prorationBehavior: prorationBehavior.optional(),
});
export const eventListArgs = z
  .strictObject({ ...page, type: z.string().min(1).optional() })
  .optional();

export const eventTypeArg = z.enum([...eventTypes, '*']);
export const webhookEndpointCreateArgs = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  enabledEvents: z.array(eventTypeArg).min(1).max(20).optional(),
});
export const webhookAttemptArgs = z.strictObject({
  endpoint: objectId,
  event: objectId,
  attempt: z.number().int().min(1).max(1000),
  url: z.string().max(2048),
  status: z.number().int().min(100).max(599).nullable(),
  error: z.string().max(500).nullable(),
  latencyMs: z.number().min(0).max(3_600_000),
  responseExcerpt: z.string().max(500),
  sentAt: unixSeconds,
  /** What follows a failed try of a queued delivery: the host's own quick retry, the test
   * clock's schedule (the default), or nothing (the try can never succeed). */
  retry: z.enum(['realTime', 'testClock', 'never']).optional(),
  /** The try was a resend the user asked for (webhookEndpoints.resend). */
  resend: z.boolean().optional(),
});
export const webhookQueueArgs = z.strictObject({
  events: z.array(objectId).min(1).max(10_000),
});
export const webhookResendArgs = z.strictObject({ event: objectId, endpoint: objectId });
export const webhookAttemptListArgs = z
  .strictObject({ ...page, endpoint: objectId.optional(), event: objectId.optional() })
  .optional();
export const deliveriesArgs = z.strictObject({ event: objectId });
export const verifyOptions = z
  .strictObject({
    secret: z.string().min(1).optional(),
    tolerance: z.number().int().min(0).optional(),
    now: unixSeconds.optional(),
  })
  .optional();
export const testHeaderArgs = z.strictObject({
  payload: z.string(),
  secret: z.string().min(1),
  timestamp: unixSeconds,
});

export const advanceArgs = z.strictObject({ frozenTime: unixSeconds });
export const advanceBillingPeriodArgs = z.strictObject({ subscription: objectId });
export const settingsUpdateArgs = z.strictObject({
  finalizationDelaySeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional(),
  // NOTE: retries run in the order of the schedule, so its days must increase.
  retryScheduleDays: z
    .array(z.number().int().min(1).max(365))
    .max(10)
    .refine((days) => days.every((day, i) => i === 0 || day > days[i - 1]!), {
      message: 'list the days in increasing order, such as [1, 3, 5, 7]',
    })
    .optional(),
  whenRetriesExhausted: z.enum(['cancel', 'unpaid']).optional(),
  idempotencyKeyTtlSeconds: z
    .number()
    .int()
    .min(0)
    .max(365 * 86_400)
    .optional(),
  eventRetentionDays: z.number().int().min(0).max(3650).optional(),
  maxGeneratedRecordsPerAdvance: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export const usageSeriesArgs = z.strictObject({
  subscriptionItem: objectId,
  start: unixSeconds.optional(),
  end: unixSeconds.optional(),
  buckets: z.number().int().min(1).max(2000).optional(),
});
export const strategiesArgs = z.strictObject({
  subscriptionItem: objectId,
  price: objectId.optional(),
});
export const recordsVsMetersArgs = z.strictObject({
  subscriptionItem: objectId,
  price: objectId.optional(),
  /** How many distinct ids the stream's events draw from, for unique_count (default 10). */
  uniqueValues: z.number().int().min(1).max(1_000_000).optional(),
});
export const comparePricesArgs = z.strictObject({
  prices: z.array(objectId).min(1).max(5),
  subscription: objectId.optional(),
  /** A coupon (an id from coupons.create) and a minimum per period for a candidate price. */
  adjustments: z
    .array(
      z.strictObject({
        price: objectId,
        coupon: objectId.optional(),
        minimumCommitment: z.strictObject({ amount: z.number() }).optional(),
      }),
    )
    .max(5)
    .optional(),
  /**
   * What the Compare view shows instead of every row: the sums (by month, top customers) and
   * one page of rows, each with its customer's name. Without it, every row (exports).
   */
  page: z
    .strictObject({
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
      sort: z.enum(['period', 'customer', 'amount']).optional(),
      /** The price the `amount` order and the top customers are ranked by; the first by default. */
      price: objectId.optional(),
      /** Customer bars: the largest `top - 1` and the rest as one, or all when they fit. */
      top: z.number().int().min(1).max(100).optional(),
    })
    .optional(),
});
export const invoicePageArgs = z
  .strictObject({
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    status: z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']).optional(),
  })
  .optional();
export const customerPageArgs = z
  .strictObject({
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    name: z.string().max(500).optional(),
  })
  .optional();
export const eventPageArgs = z
  .strictObject({
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    type: z.string().min(1).optional(),
  })
  .optional();
export const quoteQuantity = safeQuantity;
export const objectIdOf = objectId;
export const rawBody = z.string();
/** A spec as callers send it; checked whole by parseGeneratorSpec once seed and start are set. */
const generatorSpecInput = z.custom<Omit<GeneratorSpec, 'seed'> & { seed?: number }>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'pass a generator spec object',
);
export const generatorCreateArgs = z.strictObject({
  /** The metered item to report usage records to; or else `meterEvents`. */
  subscriptionItem: objectId.optional(),
  /** The meter (by event name) and customer to send meter events for. */
  meterEvents: z
    .strictObject({
      eventName: z.string().min(1).max(100),
      customer: objectId,
      uniqueValues: z
        .strictObject({
          count: z.number().int().min(1).max(1_000_000),
          payloadKey: z.string().min(1).max(100).optional(),
        })
        .optional(),
    })
    .optional(),
  spec: generatorSpecInput,
  id: z
    .string()
    .regex(/^gen_[A-Za-z0-9]{1,64}$/, 'use "gen_" followed by letters and digits')
    .optional(),
});
/** Most customers one createBatch call makes (the UI's cohorts go up to 1,000). */
export const MAX_BATCH_CUSTOMERS = 1000;
/**
 * customers.createBatch: each entry a customer as customers.create takes it, optionally with a
 * subscription (subscriptions.create's fields but the customer) and generators on its items.
 */
export const customerBatchArgs = z.strictObject({
  customers: z
    .array(
      customerCreateArgs.extend({
        subscription: subscriptionCreateArgs.omit({ customer: true }).optional(),
        generators: z
          .array(
            generatorCreateArgs.omit({ subscriptionItem: true }).extend({
              /** Which of the subscription's items it reports to (index in items; default 0). */
              item: z.number().int().min(0).max(19).optional(),
            }),
          )
          .max(20)
          .optional(),
      }),
    )
    .min(1)
    .max(MAX_BATCH_CUSTOMERS),
});
export const generatorListArgs = z
  .strictObject({ ...page, subscriptionItem: objectId.optional() })
  .optional();
export const materializeArgs = z.strictObject({ subscriptionItem: objectId });
export const generatorPreviewArgs = z.strictObject({
  spec: generatorSpecInput,
  count: z.number().int().min(1).max(10_000).optional(),
  days: z.number().int().min(1).max(3660).optional(),
});

export const creditGrantCreateArgs = z.strictObject({
  customer: objectId,
  amount: z.strictObject({
    type: z.literal('monetary'),
    monetary: z.strictObject({
      value: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
      currency: z.string().min(1),
    }),
  }),
  category: z.enum(['paid', 'promotional']).optional(),
  applicabilityConfig: z.strictObject({
    scope: z.strictObject({ priceType: z.literal('metered') }),
  }),
  priority: z.number().int().min(0).max(100).optional(),
  effectiveAt: unixSeconds.optional(),
  expiresAt: unixSeconds.optional(),
  name: name.optional(),
});
export const creditGrantListArgs = z
  .strictObject({ ...page, customer: objectId.optional() })
  .optional();
export const creditBalanceSummaryArgs = z.strictObject({ customer: objectId });
// ---- billing meters ------------------------------------------------------------------------------
const payloadKey = z.string().min(1).max(100);
export const meterCreateArgs = z.strictObject({
  displayName: z.string().min(1).max(250),
  eventName: z.string().min(1).max(100),
  // Formula and mapping type are checked by the meter module, for their own error codes.
  defaultAggregation: z.strictObject({ formula: z.string() }),
  customerMapping: z.strictObject({ type: z.string(), eventPayloadKey: payloadKey }).optional(),
  valueSettings: z.strictObject({ eventPayloadKey: payloadKey }).optional(),
});
export const meterListArgs = z
  .strictObject({ ...page, status: z.enum(['active', 'inactive']).optional() })
  .optional();
const meterEventFields = {
  eventName: z.string().min(1).max(100),
  // Keys and values are checked by the meter event intake, for its own error codes.
  payload: z.record(z.string(), z.unknown()),
  identifier: z.string().min(1).max(100).optional(),
  timestamp: unixSeconds.optional(),
};
export const meterEventCreateArgs = z.strictObject(meterEventFields);
/** A batch's events are typed here but checked by the intake's own loop (fast at 100k). */
export const meterEventBatchArgs = z.strictObject({
  events: z.custom<z.input<typeof meterEventCreateArgs>[]>(
    (value) => Array.isArray(value) && value.length >= 1 && value.length <= 100_000,
    'pass a list of 1 to 100,000 events',
  ),
});
export const meterEventAdjustmentArgs = z.strictObject({
  eventName: z.string().min(1).max(100),
  type: z.string(),
  cancel: z.strictObject({ identifier: z.string().min(1).max(100) }),
});
export const eventSummariesArgs = z.strictObject({
  customer: objectId,
  startTime: unixSeconds,
  endTime: unixSeconds,
  valueGroupingWindow: z.enum(['hour', 'day']).optional(),
  limit: z.number().int().min(1).max(100).optional(),
  startingAfter: z.string().min(1).optional(),
});
export const alertCreateArgs = z.strictObject({
  alertType: z.literal('usage_threshold'),
  title: z.string().min(1).max(256),
  usageThreshold: z.strictObject({
    meter: objectId,
    gte: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    recurrence: z.literal('one_time'),
    filters: z
      .array(z.strictObject({ type: z.literal('customer'), customer: objectId }))
      .max(1)
      .optional(),
  }),
});
