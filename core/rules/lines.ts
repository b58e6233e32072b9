// Invoice lines: licensed items billed in advance, metered items in arrears, proration lines.
// NOTE: each line is rounded once, half up, from its exact amount; the invoice sums rounded lines.
import { aggregateUsage } from './aggregation';
import { Dec, roundToMinor } from '../values/money';
import { flat, formatMoney, formatQuantity } from '../public/format';
import { noAmounts } from './pipeline/amounts';
import { quoteDecimal, quotePrice } from './pricing';
import type { UsageView } from './usage/view';
import { utcMinutes } from '../values/time';
import { compactInteger } from '../values/integers';
import type {
  InvoiceLine,
  InvoiceLineExplanation,
  MeterAggregationExplanation,
  Price,
  Quote,
  SubscriptionItem,
} from '../public/types';

export interface Span {
  start: number;
  end: number;
}

export interface LineContext {
  newLineId(): string;
  productName(price: Price): string;
}

/**
 * A line, built with all its fields at once (one shape for every line, each field in the object
 * itself): `id` is taken by the caller.
 */
function line(
  id: string,
  fields: Pick<
    InvoiceLine,
    'subscriptionItem' | 'description' | 'quantity' | 'period' | 'proration' | 'explanation'
  > & {
    /** An exact decimal quantity (meter lines), shown beside the whole-unit `quantity`. */
    quantityDecimal?: string;
    price: string;
    currency: string;
    quote: Quote;
    exact?: string;
  },
): InvoiceLine {
  const exact = fields.exact ?? fields.quote.amountExact;
  const amount = fields.exact === undefined ? fields.quote.amount : roundToMinor(exact);
  // NOTE: prorations and negative lines take no discount.
  const discountable = !fields.proration && amount > 0;
  const line: InvoiceLine = {
    id: flat(id),
    object: 'line_item',
    type: 'subscription',
    subscriptionItem: fields.subscriptionItem,
    price: fields.price,
    description: flat(fields.description),
    quantity: fields.quantity,
    amount,
    amountExact: exact,
    currency: fields.currency,
    period: fields.period,
    proration: fields.proration,
    discountable,
    discountAmounts: noAmounts,
    creditGrantAmounts: noAmounts,
    taxAmounts: noAmounts,
    explanation: fields.explanation,
  };
  return fields.quantityDecimal === undefined
    ? line
    : withQuantityDecimal(line, fields.quantityDecimal);
}

/** The line with its exact decimal quantity right after `quantity`, where the API shows it. */
function withQuantityDecimal(line: InvoiceLine, quantityDecimal: string): InvoiceLine {
  const { id, object, type, subscriptionItem, price, description, quantity, ...rest } = line;
  return {
    id,
    object,
    type,
    subscriptionItem,
    price,
    description,
    quantity,
    quantityDecimal,
    ...rest,
  };
}

/** A licensed item billed in advance for `span`. */
export function licensedLine(
  context: LineContext,
  item: SubscriptionItem,
  price: Price,
  span: Span,
): InvoiceLine {
  const quantity = item.quantity ?? 1;
  const quote = quotePrice(price, quantity);
  const explanation: InvoiceLineExplanation = {
    aggregation: null,
    pricing: quote.explanation,
    proration: null,
    summary: flat(
      `Licensed: ${formatQuantity(quantity)} × ${context.productName(price)}, billed in advance for ${utcMinutes(span.start)} – ${utcMinutes(span.end)}.`,
    ),
  };
  return line(context.newLineId(), {
    subscriptionItem: item.id,
    price: price.id,
    currency: price.currency,
    description: `${formatQuantity(quantity)} × ${context.productName(price)}`,
    quantity,
    period: span,
    proration: false,
    quote,
    explanation,
  });
}

/** The last usage quotes of a price, one per quantity slot. */
interface KeptQuotes {
  quantities: Float64Array;
  quotes: (Quote | null)[];
}

const QUOTE_SLOTS = 1024;
const keptQuotes = new WeakMap<Price, KeptQuotes>();

/**
 * quotePrice for a metered line. Customers of one plan often use the same quantities (a usage
 * level shared by many, the periods of no usage): the last quote of each quantity slot is kept per
 * price and shared by the lines of that quantity, explanation and all (quotes are never changed in
 * place).
 */
function usageQuote(price: Price, quantity: number): Quote {
  let kept = keptQuotes.get(price);
  if (kept === undefined) {
    kept = {
      quantities: new Float64Array(QUOTE_SLOTS).fill(NaN),
      quotes: new Array<Quote | null>(QUOTE_SLOTS).fill(null),
    };
    keptQuotes.set(price, kept);
  }
  const slot = quantity & (QUOTE_SLOTS - 1);
  if (kept.quantities[slot] === quantity) return kept.quotes[slot]!;
  const quote = quotePrice(price, quantity);
  kept.quantities[slot] = quantity;
  kept.quotes[slot] = quote;
  return quote;
}

/** A metered item billed in arrears: its usage over `span`, aggregated under the price's strategy. */
export function meteredLine(
  context: LineContext,
  item: SubscriptionItem,
  price: Price,
  usage: UsageView,
  span: Span,
  lineId?: string,
): InvoiceLine {
  const strategy = price.recurring.aggregateUsage ?? 'sum';
  const aggregation = aggregateUsage(strategy, usage, span);
  const quantity = compactInteger(aggregation.quantity);
  const quote = usageQuote(price, quantity);
  const units = formatQuantity(quantity);
  const explanation: InvoiceLineExplanation = {
    aggregation,
    pricing: quote.explanation,
    proration: null,
    summary: flat(
      `Metered (${strategy}): ${units} units over ${utcMinutes(span.start)} – ${utcMinutes(span.end)}, ${formatMoney(quote.amount, price.currency)}.`,
    ),
  };
  // A refreshed draft line keeps its id (and takes none from the counter).
  return line(lineId ?? context.newLineId(), {
    subscriptionItem: item.id,
    price: price.id,
    currency: price.currency,
    description: `${context.productName(price)} (${units} units, ${strategy})`,
    quantity,
    period: span,
    proration: false,
    quote,
    explanation,
  });
}

/**
 * A meter-priced item billed in arrears: the meter's aggregate over the line's span (computed by
 * rules/meters), clamped at 0 and rated by the price, with the events that counted.
 */
export function meterLine(
  context: LineContext,
  item: SubscriptionItem,
  price: Price,
  aggregation: MeterAggregationExplanation,
  lineId?: string,
): InvoiceLine {
  const quote = quoteDecimal(price, aggregation.quantity);
  const span = aggregation.span;
  const explanation: InvoiceLineExplanation = {
    aggregation: null,
    meter: aggregation,
    pricing: quote.explanation,
    proration: null,
    summary: flat(
      `Meter ${aggregation.meter} (${aggregation.formula}): ${formatQuantity(aggregation.quantity)} units over ${utcMinutes(span.start)} – ${utcMinutes(span.end)}, ${formatMoney(quote.amount, price.currency)}.`,
    ),
  };
  return line(lineId ?? context.newLineId(), {
    subscriptionItem: item.id,
    price: price.id,
    currency: price.currency,
    description: `${context.productName(price)} (${formatQuantity(aggregation.quantity)} units, meter ${aggregation.formula})`,
    quantity: Number(aggregation.quantity),
    quantityDecimal: aggregation.quantity,
    period: span,
    proration: false,
    quote,
    explanation,
  });
}

/**
 * A licensed proration: `sign` -1 credits the unused time of the old price, +1 charges the
 * remaining time of the new one. NOTE: prorated to the second over the whole period.
 */
export function prorationLine(
  context: LineContext,
  item: SubscriptionItem,
  price: Price,
  quantity: number,
  period: Span,
  changeAt: number,
  sign: 1 | -1,
): InvoiceLine {
  const quote = quotePrice(price, quantity);
  const remaining = period.end - changeAt;
  const length = period.end - period.start;
  const exact = new Dec(quote.amountExact).mul(remaining).div(length).mul(sign);
  const exactString = exact.toFixed();
  const what = sign < 0 ? 'Unused time' : 'Remaining time';
  const share = `${remaining} of ${length} seconds`;
  const explanation: InvoiceLineExplanation = {
    aggregation: null,
    pricing: quote.explanation,
    proration: {
      numerator: remaining,
      denominator: length,
      summary: flat(
        `${sign < 0 ? 'Credit' : 'Charge'} for ${share} of the period: ${quote.amountExact} × ${remaining} / ${length} = ${exactString} minor units, rounded half up once.`,
      ),
    },
    summary: flat(
      `${what} on ${formatQuantity(quantity)} × ${context.productName(price)} after ${utcMinutes(changeAt)}.`,
    ),
  };
  return line(context.newLineId(), {
    subscriptionItem: item.id,
    price: price.id,
    currency: price.currency,
    description: `${what} on ${formatQuantity(quantity)} × ${context.productName(price)} after ${utcMinutes(changeAt)}`,
    quantity,
    period: { start: changeAt, end: period.end },
    proration: true,
    quote,
    exact: exactString,
    explanation,
  });
}

/** The pricing explanation of a one-unit line of an amount computed elsewhere. */
function oneUnitPricing(label: string, amount: number, currency: string): Quote['explanation'] {
  const exact = String(amount);
  return {
    model: 'per_unit',
    billedQuantity: 1,
    steps: [
      {
        label,
        quantity: '1',
        unitAmountDecimal: exact,
        flatAmountDecimal: null,
        amountExact: exact,
      },
    ],
    amountExact: exact,
    amount,
    rounding: 'half_up',
    summary: flat(`1 × ${formatMoney(amount, currency)}`),
  };
}

/** A one-unit line of an amount the pipeline or a threshold computed (not priced from usage). */
function computedLine(
  fields: Pick<
    InvoiceLine,
    'id' | 'type' | 'subscriptionItem' | 'price' | 'description' | 'amount' | 'currency' | 'period'
  >,
  label: string,
  summary: string,
): InvoiceLine {
  return {
    ...fields,
    object: 'line_item',
    quantity: 1,
    amountExact: String(fields.amount),
    proration: false,
    discountable: false,
    discountAmounts: noAmounts,
    creditGrantAmounts: noAmounts,
    taxAmounts: noAmounts,
    explanation: {
      aggregation: null,
      pricing: oneUnitPricing(label, fields.amount, fields.currency),
      proration: null,
      summary,
    },
  };
}

/**
 * The minimum commitment true-up: one unit of the shortfall, for the period it tops up. NOTE: a
 * true-up takes no discount and no credit.
 */
export function trueUpLine(
  id: string,
  period: Span,
  amount: number,
  currency: string,
  summary: string,
): InvoiceLine {
  return computedLine(
    {
      id,
      type: 'minimum_commitment_true_up',
      subscriptionItem: null,
      price: null,
      description: `Minimum commitment true-up for ${utcMinutes(period.start)} – ${utcMinutes(period.end)}`,
      amount,
      currency,
      period,
    },
    'Shortfall below the minimum',
    summary,
  );
}

/**
 * "Amount previously billed": what earlier threshold invoices of the period billed for the item of
 * `usage`, taken off it. NOTE: the usage line bills the period's whole usage so far (tiers span the
 * threshold invoices); this line, negative, removes what was billed already. It shares the usage
 * line's item and span, so the pipeline counts the two as one net amount.
 */
export function previouslyBilledLine(
  context: LineContext,
  usage: InvoiceLine,
  billed: number,
): InvoiceLine {
  const amount = -billed;
  return computedLine(
    {
      id: context.newLineId(),
      type: 'previously_billed',
      subscriptionItem: usage.subscriptionItem,
      price: usage.price,
      description: `Amount previously billed (${usage.description})`,
      amount,
      currency: usage.currency,
      period: usage.period,
    },
    'Billed on threshold invoices of this period',
    `Threshold invoices since ${utcMinutes(usage.period.start)} billed ${formatMoney(billed, usage.currency)} of this usage already; it is taken off here.`,
  );
}

/** A line of trial time, listed at 0 (a line already at 0 stays as it is). */
export function freeTrialLine(line: InvoiceLine, trialEnd: number): InvoiceLine {
  if (line.amount === 0 && line.amountExact === '0') return line;
  return {
    ...line,
    amount: 0,
    amountExact: '0',
    discountable: false,
    description: `${line.description} (free trial)`,
    explanation: {
      ...line.explanation,
      summary: flat(
        `${line.explanation.summary} Free: the trial runs until ${utcMinutes(trialEnd)}.`,
      ),
    },
  };
}

/**
 * A licensed item's first, partial period [start, anchor), billed in advance. NOTE: its share is
 * (anchor − start) over an imagined whole interval that begins at the start, to the second.
 */
export function firstPeriodLine(
  context: LineContext,
  item: SubscriptionItem,
  price: Price,
  span: Span,
  imaginedEnd: number,
): InvoiceLine {
  const quantity = item.quantity ?? 1;
  const quote = quotePrice(price, quantity);
  const length = span.end - span.start;
  const whole = imaginedEnd - span.start;
  const exact = new Dec(quote.amountExact).mul(length).div(whole).toFixed();
  const explanation: InvoiceLineExplanation = {
    aggregation: null,
    pricing: quote.explanation,
    proration: {
      numerator: length,
      denominator: whole,
      summary: flat(
        `First period of ${length} seconds out of an interval of ${whole} from the start: ${quote.amountExact} × ${length} / ${whole} = ${exact} minor units, rounded half up once.`,
      ),
    },
    summary: flat(
      `Licensed: ${formatQuantity(quantity)} × ${context.productName(price)}, first partial period ${utcMinutes(span.start)} – ${utcMinutes(span.end)}.`,
    ),
  };
  return line(context.newLineId(), {
    subscriptionItem: item.id,
    price: price.id,
    currency: price.currency,
    description: `${formatQuantity(quantity)} × ${context.productName(price)} (partial period to ${utcMinutes(span.end)})`,
    quantity,
    period: span,
    proration: true,
    quote,
    exact,
    explanation,
  });
}
