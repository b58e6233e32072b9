// Invoice lines: licensed items billed in advance, metered items in arrears, proration lines.
// NOTE: each line is rounded once, half up, from its exact amount; the invoice sums rounded lines.
import { aggregateUsage } from './aggregation';
import { Dec, roundToMinor } from '../values/money';
import { formatMoney } from '../public/format';
import { quoteDecimal, quotePrice } from './pricing';
import type { UsageView } from './usage/view';
import { utcMinutes } from '../values/time';
import type {
  Invoice,
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

function line(
  context: LineContext,
  fields: Omit<InvoiceLine, 'id' | 'object' | 'currency' | 'amount' | 'amountExact'> & {
    price: string;
    currency: string;
    quote: Quote;
    exact?: string;
  },
): InvoiceLine {
  const exact = fields.exact ?? fields.quote.amountExact;
  return {
    id: context.newLineId(),
    object: 'line_item',
    subscriptionItem: fields.subscriptionItem,
    price: fields.price,
    description: fields.description,
    quantity: fields.quantity,
    ...(fields.quantityDecimal === undefined ? {} : { quantityDecimal: fields.quantityDecimal }),
    amount: fields.exact === undefined ? fields.quote.amount : roundToMinor(exact),
    amountExact: exact,
    currency: fields.currency,
    period: fields.period,
    proration: fields.proration,
    explanation: fields.explanation,
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
    summary: `Licensed: ${quantity} × ${context.productName(price)}, billed in advance for ${utcMinutes(span.start)} – ${utcMinutes(span.end)}.`,
  };
  return line(context, {
    subscriptionItem: item.id,
    price: price.id,
    currency: price.currency,
    description: `${quantity} × ${context.productName(price)}`,
    quantity,
    period: span,
    proration: false,
    quote,
    explanation,
  });
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
  const quote = quotePrice(price, aggregation.quantity);
  const explanation: InvoiceLineExplanation = {
    aggregation,
    pricing: quote.explanation,
    proration: null,
    summary: `Metered (${strategy}): ${aggregation.quantity} units over ${utcMinutes(span.start)} – ${utcMinutes(span.end)}, ${formatMoney(quote.amount, price.currency)}.`,
  };
  // A refreshed draft line keeps its id (and takes none from the counter).
  const ids = lineId ? { ...context, newLineId: () => lineId } : context;
  return line(ids, {
    subscriptionItem: item.id,
    price: price.id,
    currency: price.currency,
    description: `${context.productName(price)} (${aggregation.quantity} units, ${strategy})`,
    quantity: aggregation.quantity,
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
    summary: `Meter ${aggregation.meter} (${aggregation.formula}): ${aggregation.quantity} units over ${utcMinutes(span.start)} – ${utcMinutes(span.end)}, ${formatMoney(quote.amount, price.currency)}.`,
  };
  const ids = lineId ? { ...context, newLineId: () => lineId } : context;
  return line(ids, {
    subscriptionItem: item.id,
    price: price.id,
    currency: price.currency,
    description: `${context.productName(price)} (${aggregation.quantity} units, meter ${aggregation.formula})`,
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
      summary: `${sign < 0 ? 'Credit' : 'Charge'} for ${share} of the period: ${quote.amountExact} × ${remaining} / ${length} = ${exactString} minor units, rounded half up once.`,
    },
    summary: `${what} on ${quantity} × ${context.productName(price)} after ${utcMinutes(changeAt)}.`,
  };
  return line(context, {
    subscriptionItem: item.id,
    price: price.id,
    currency: price.currency,
    description: `${what} on ${quantity} × ${context.productName(price)} after ${utcMinutes(changeAt)}`,
    quantity,
    period: { start: changeAt, end: period.end },
    proration: true,
    quote,
    exact: exactString,
    explanation,
  });
}

/** Recomputes an invoice's totals from its lines. A negative total is owed nothing. */
export function applyTotals(
  invoice: Pick<
    Invoice,
    'lines' | 'subtotal' | 'total' | 'amountDue' | 'amountRemaining' | 'amountPaid'
  >,
): void {
  const subtotal = invoice.lines.data.reduce((sum, l) => sum + l.amount, 0);
  invoice.subtotal = subtotal;
  invoice.total = subtotal;
  invoice.amountDue = Math.max(0, subtotal);
  invoice.amountRemaining = Math.max(0, invoice.amountDue - invoice.amountPaid);
}
