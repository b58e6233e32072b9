// A hypothesis's coupon and minimum commitment, applied to one customer's billed periods with the
// invoice pipeline's own step modules (discounts, then the minimum true-up), so "price B with a
// 3-month 20% coupon" or "price B with a 100.00 minimum" bills as invoices would.
import { applyDiscounts } from '../pipeline/discounts';
import { applyMinimum } from '../pipeline/minimum';
import { afterDiscounts } from '../pipeline/amounts';
import { trueUpLine } from '../lines';
import type { InvoiceLine, Quote } from '../../public/types';
import type { Hypothesis } from './hypotheses';

/** A backtest period (price.ts's BacktestPeriod). */
interface BacktestPeriod {
  start: number;
  end: number;
  open: boolean;
}

/** The usage line a backtest cell stands for, as the pipeline reads it. */
function cellLine(
  hypothesis: Pick<Hypothesis, 'key' | 'name' | 'price'>,
  quote: Quote,
  period: BacktestPeriod,
): InvoiceLine {
  return {
    id: 'il_backtest',
    object: 'line_item',
    type: 'subscription',
    subscriptionItem: null,
    price: hypothesis.key,
    description: hypothesis.name,
    quantity: quote.explanation.billedQuantity,
    amount: quote.amount,
    amountExact: quote.amountExact,
    currency: hypothesis.price.currency,
    period: { start: period.start, end: period.end },
    proration: false,
    discountable: quote.amount > 0,
    discountAmounts: [],
    creditGrantAmounts: [],
    taxAmounts: [],
    explanation: { aggregation: null, pricing: quote.explanation, proration: null, summary: '' },
  };
}

/**
 * Prices one customer's periods (`quotes[i]` the line or lines of its i-th period, null outside
 * its span) with
 * the hypothesis's coupon and minimum. NOTE (Meterlab's decision): the coupon applies from the
 * customer's first billed period: `once` to the first period with something to discount,
 * `repeating` to its first durationInMonths periods, `forever` to all. The minimum tops up every
 * closed period; the open period (usage not complete) gets no true-up.
 */
export function adjustedAmounts(
  hypothesis: Pick<Hypothesis, 'key' | 'name' | 'price' | 'coupon' | 'minimumCommitment'>,
  periods: readonly BacktestPeriod[],
  quotes: readonly (Quote | readonly Quote[] | null)[],
): (number | null)[] {
  const { coupon, minimumCommitment } = hypothesis;
  const currency = hypothesis.price.currency;
  let billed = 0;
  let onceUsed = false;
  return quotes.map((quote, index) => {
    if (quote === null) return null;
    const period = periods[index]!;
    const cells = (Array.isArray(quote) ? quote : [quote]) as readonly Quote[];
    const lines = cells.map((each) => cellLine(hypothesis, each, period));
    const live =
      coupon !== null &&
      (coupon.duration === 'forever' ||
        (coupon.duration === 'repeating' && billed < coupon.durationInMonths!) ||
        (coupon.duration === 'once' && !onceUsed && lines.some((line) => line.discountable)));
    billed += 1;
    if (live && coupon.duration === 'once') onceUsed = true;
    const discounted = live
      ? applyDiscounts(lines, [{ discount: `di_${hypothesis.key}`, coupon }], currency).lines
      : lines;
    const span = { start: period.start, end: period.end };
    const withMinimum =
      minimumCommitment && !period.open
        ? applyMinimum(
            discounted,
            {
              period: span,
              commitment: minimumCommitment.amount,
              baseElsewhere: 0,
              trueUpLine: (amount) =>
                trueUpLine('il_backtest_minimum', span, amount, currency, 'Minimum true-up'),
            },
            currency,
          ).lines
        : discounted;
    return withMinimum.reduce((total, each) => total + afterDiscounts(each), 0);
  });
}
