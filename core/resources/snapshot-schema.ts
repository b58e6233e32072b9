// One schema of the whole snapshot, value by value: a saved scenario is checked against it when
// it is loaded (workspace open, createSimulator({ snapshot }), templates), so a damaged value
// (a clock of -5, a total of "abc", 1e300, lines that are null) is refused at load with its path
// and reason instead of failing later. Objects are open (z.object): a field added later does not
// make an older Meterlab refuse the file; every field the engine reads is checked. Argument
// schemas are reused where the stored value has their shape.
import { z } from 'zod';
import { eventTypes } from '../public/descriptions';
import { generatorSpecSchema } from '../rules/generators/spec';
import { objectId, unixSeconds } from '../values/validation';
import { settingsUpdateArgs } from './schemas';

const id = objectId;
const time = unixSeconds;
const nullableTime = time.nullable();
/** Minor units: a whole number within exact range, either sign (a credit line is negative). */
const minor = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** An exact amount as the engine writes it: a plain decimal, no exponent. */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'use a plain decimal such as 12.5');
const currency = z.string().regex(/^[A-Z]{3}$/, 'use an upper-case ISO 4217 code such as EUR');
const text = z.string().max(100_000);
const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
const testCard = z.enum([
  'pm_card_visa',
  'pm_card_chargeDeclined',
  'pm_card_chargeDeclinedInsufficientFunds',
]);
const aggregateUsage = z.enum(['sum', 'max', 'last_during_period', 'last_ever']);

const product = z.object({ id, object: z.literal('product'), name: text, created: time });

const price = z.object({
  id,
  object: z.literal('price'),
  product: id,
  currency,
  nickname: text.nullable(),
  billingScheme: z.enum(['per_unit', 'tiered']),
  unitAmount: minor.nullable(),
  unitAmountDecimal: decimal.nullable(),
  tiers: z
    .array(
      z.object({
        upTo: z.union([count, z.literal('inf')]),
        unitAmountDecimal: decimal.nullable(),
        flatAmountDecimal: decimal.nullable(),
      }),
    )
    .nullable(),
  tiersMode: z.enum(['graduated', 'volume']).nullable(),
  transformQuantity: z.object({ divideBy: count.min(1), round: z.enum(['up', 'down']) }).nullable(),
  recurring: z.object({
    interval: z.enum(['day', 'week', 'month', 'year']),
    intervalCount: count.min(1),
    usageType: z.enum(['licensed', 'metered']),
    aggregateUsage: aggregateUsage.nullable(),
    meter: id.nullable(),
  }),
  created: time,
});

const customer = z.object({
  id,
  object: z.literal('customer'),
  name: text,
  email: text.nullable(),
  paymentMethod: testCard.nullable(),
  balance: minor,
  currency: currency.nullable(),
  created: time,
});

const discount = z.object({
  id,
  object: z.literal('discount'),
  coupon: id,
  subscription: id,
  start: time,
  end: nullableTime,
});

const subscriptionItem = z.object({
  id,
  object: z.literal('subscription_item'),
  subscription: id,
  price: id,
  quantity: count.nullable(),
  usageStart: time,
  created: time,
});

const subscription = z.object({
  id,
  object: z.literal('subscription'),
  customer: id,
  status: z.enum(['trialing', 'active', 'past_due', 'canceled', 'unpaid']),
  currency,
  startDate: time,
  billingCycleAnchor: time,
  trialStart: nullableTime,
  trialEnd: nullableTime,
  currentPeriodStart: time,
  currentPeriodEnd: time,
  cancelAtPeriodEnd: z.boolean(),
  canceledAt: nullableTime,
  endedAt: nullableTime,
  latestInvoice: id.nullable(),
  items: list(subscriptionItem),
  discounts: z.array(discount),
  defaultTaxRates: z.array(id),
  minimumCommitment: z.object({ amount: minor, currency: z.string() }).nullable(),
  created: time,
});

const span = z.object({ start: time, end: time });

const line = z.object({
  id,
  object: z.literal('line_item'),
  type: z.enum(['subscription', 'minimum_commitment_true_up']),
  subscriptionItem: id.nullable(),
  price: id.nullable(),
  description: text,
  quantity: z.number().finite(),
  quantityDecimal: decimal.optional(),
  amount: minor,
  amountExact: decimal,
  currency,
  period: span,
  proration: z.boolean(),
  discountable: z.boolean(),
  discountAmounts: z.array(z.object({ discount: id, amount: minor })),
  creditGrantAmounts: z.array(z.object({ creditGrant: id, amount: minor })),
  taxAmounts: z.array(
    z.object({ taxRate: id, amount: minor, inclusive: z.boolean(), taxableAmount: minor }),
  ),
  explanation: z.object({
    aggregation: z.object({ strategy: aggregateUsage, quantity: z.number().finite() }).nullable(),
    pricing: z.object({ amountExact: decimal, amount: minor, steps: z.array(z.object({})) }),
    summary: text,
  }),
});

const invoice = z.object({
  id,
  object: z.literal('invoice'),
  status: z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']),
  customer: id,
  subscription: id.nullable(),
  currency,
  periodStart: time,
  periodEnd: time,
  billingReason: z.enum([
    'subscription_create',
    'subscription_cycle',
    'subscription_update',
    'subscription_cancel',
    'manual',
  ]),
  discounts: z.array(discount),
  defaultTaxRates: z.array(id),
  subtotal: minor,
  totalDiscountAmounts: z.array(z.object({ discount: id, amount: minor })),
  totalCreditGrantAmounts: z.array(z.object({ creditGrant: id, amount: minor })),
  tax: minor,
  totalTaxAmounts: z.array(z.object({ taxRate: id, amount: minor })),
  totalExcludingTax: minor,
  total: minor,
  startingBalance: minor,
  endingBalance: minor.nullable(),
  amountDue: minor,
  amountPaid: minor,
  amountRemaining: minor,
  attemptCount: count,
  attempts: z.array(
    z.object({
      at: time,
      paymentMethod: z.string().nullable(),
      outcome: z.enum(['succeeded', 'failed']),
    }),
  ),
  nextPaymentAttempt: nullableTime,
  lines: list(line),
  steps: z.array(z.object({ step: z.string(), amount: minor, summary: text })),
  created: time,
  finalizesAt: nullableTime,
  finalizedAt: nullableTime,
  paidAt: nullableTime,
});

const event = z.object({
  id,
  object: z.literal('event'),
  type: z.enum(eventTypes),
  created: time,
  data: z.object({}),
});

const webhookEndpoint = z.object({
  id,
  object: z.literal('webhook_endpoint'),
  url: z.string(),
  secret: z.string(),
  created: time,
  enabledEvents: z.array(z.enum([...eventTypes, '*'])).optional(),
});

const balanceTransaction = z.object({
  id,
  customer: id,
  type: z.enum(['adjustment', 'applied_to_invoice', 'unapplied_from_invoice']),
  amount: minor,
  currency,
  invoice: id.nullable(),
  endingBalance: minor,
  created: time,
});

const coupon = z.object({
  id,
  percentOff: z.number().gt(0).max(100).nullable(),
  amountOff: minor.nullable(),
  currency: currency.nullable(),
  duration: z.enum(['once', 'repeating', 'forever']),
  durationInMonths: count.nullable(),
  created: time,
});

const taxRate = z.object({
  id,
  displayName: text,
  percentage: z.number().min(0).max(100),
  inclusive: z.boolean(),
  active: z.boolean(),
  created: time,
});

const creditGrant = z.object({
  id,
  customer: id,
  amount: z.object({
    type: z.literal('monetary'),
    monetary: z.object({ value: minor, currency: z.string() }),
  }),
  category: z.enum(['paid', 'promotional']),
  priority: count.max(100),
  effectiveAt: time,
  expiresAt: nullableTime,
  voidedAt: nullableTime,
  created: time,
});

const creditBalanceTransaction = z.object({
  id,
  creditGrant: id,
  customer: id,
  type: z.enum(['applied', 'expired', 'restored']),
  amount: minor,
  currency: z.string(),
  invoice: id.nullable(),
  created: time,
});

/** Checks columns of numbers with a loop (they can hold millions): the first bad entry named. */
function columnsOf(name: string, check: (value: unknown) => boolean, rule: string) {
  return z.array(z.unknown()).superRefine((values, ctx) => {
    for (let i = 0; i < values.length; i++) {
      if (!check(values[i])) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `${name} must hold ${rule} (got ${JSON.stringify(values[i]) ?? typeof values[i]})`,
        });
        return;
      }
    }
  });
}

const isTime = (value: unknown) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
const isFinite = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

const usageColumns = z
  .object({
    timestamps: columnsOf('timestamps', isTime, 'unix seconds'),
    values: columnsOf('values', isFinite, 'finite numbers'),
  })
  .refine((columns) => columns.timestamps.length === columns.values.length, {
    message: 'timestamps and values must be as long as each other',
  });

const storedGenerator = z.object({
  generator: z.object({
    id,
    object: z.literal('usage_generator'),
    subscriptionItem: id,
    spec: generatorSpecSchema,
    status: z.enum(['active', 'stopped']),
    created: time,
  }),
  cursor: z.object({ start: time, slot: count, last: z.number().finite().nullable() }),
});

const meterColumns = z.object({
  meter: id,
  customer: id,
  timestamps: columnsOf('timestamps', isTime, 'unix seconds'),
  created: columnsOf('created', isTime, 'unix seconds'),
  seqs: columnsOf('seqs', (value) => Number.isSafeInteger(value), 'whole numbers'),
  values: columnsOf(
    'values',
    (value) => isFinite(value) || typeof value === 'string',
    'numbers or decimal strings',
  ),
});

const billing = z.object({
  meters: z.array(
    z.object({
      id,
      object: z.literal('billing.meter'),
      eventName: z.string(),
      status: z.enum(['active', 'inactive']),
      created: time,
    }),
  ),
  alerts: z.array(z.object({ id, object: z.literal('billing.alert') })),
  alertsFired: z.record(z.string(), z.array(id)),
  meterEvents: z.object({
    nextSeq: count,
    partitions: z.array(meterColumns),
    identifiers: z.record(z.string(), z.string()),
  }),
});

/** The whole snapshot of the current schemaVersion, as migrateSnapshot hands it on. */
export const snapshotSchema = z.object({
  schemaVersion: z.number().int(),
  seed: z.number().int().min(0).max(0xffffffff),
  idCounter: count,
  usageRecordCounter: count,
  eventCounter: count,
  generatorCounter: count,
  rngState: z.number().int().min(0).max(0xffffffff),
  clock: z.object({ id, object: z.literal('test_clock'), frozenTime: time }),
  // Stored settings are complete; their ranges are those settings.update accepts.
  settings: settingsUpdateArgs.required(),
  products: z.array(product),
  prices: z.array(price),
  customers: z.array(customer),
  subscriptions: z.array(subscription),
  periodIndex: z.record(z.string(), count),
  invoices: z.array(invoice),
  events: z.array(event),
  webhookEndpoints: z.array(webhookEndpoint),
  webhookAttempts: z.array(z.object({ endpoint: id, event: id })).optional(),
  balanceTransactions: z.array(balanceTransaction),
  coupons: z.array(coupon),
  taxRates: z.array(taxRate),
  creditGrants: z.array(creditGrant),
  creditBalanceTransactions: z.array(creditBalanceTransaction),
  pendingLines: z.array(z.object({ subscription: id, line })),
  idempotency: z.record(
    z.string(),
    z.object({ fingerprint: z.string(), response: z.unknown(), createdAt: time }),
  ),
  journal: z.array(
    z.object({ at: time, method: z.string(), args: z.array(z.unknown()), result: id.optional() }),
  ),
  generators: z.array(storedGenerator),
  usage: z.record(z.string(), usageColumns.nullable()),
  billing,
});
