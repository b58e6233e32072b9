// Per-unit pricing: every unit costs the same exact unit amount.
import { MeterlabError } from '../errors';
import { Dec, describeRounding, formatExactMoney, roundToMinor } from '../money';
import type { Price, PriceExplanation } from '../types';

/** '1 unit', '18420 units'. */
export function unitsText(count: number | string, unit = 'unit'): string {
  return `${count} ${String(count) === '1' ? unit : `${unit}s`}`;
}

/** The exact unit amount of a per_unit price, in minor units. */
export function unitAmountOf(price: Price): string {
  if (price.unitAmountDecimal !== null) return price.unitAmountDecimal;
  if (price.unitAmount !== null) return String(price.unitAmount);
  throw new MeterlabError(
    'api_error',
    'price_invalid',
    null,
    `Price ${price.id} has no unit amount: a per_unit price needs unitAmount or unitAmountDecimal.`,
  );
}

/** quantity × unitAmountDecimal, rounded once. */
export function pricePerUnit(price: Price, quantity: number): PriceExplanation {
  const unitAmount = unitAmountOf(price);
  const exact = new Dec(quantity).times(unitAmount);
  const amountExact = exact.toFixed();
  const amount = roundToMinor(exact);
  return {
    model: 'per_unit',
    billedQuantity: quantity,
    steps: [
      {
        label: `${quantity} × ${unitAmount}`,
        quantity: String(quantity),
        unitAmountDecimal: unitAmount,
        flatAmountDecimal: null,
        amountExact,
      },
    ],
    amountExact,
    amount,
    rounding: 'half_up',
    summary:
      `${unitsText(quantity)} × ${formatExactMoney(unitAmount, price.currency)} = ` +
      `${describeRounding(amountExact, amount, price.currency)}.`,
  };
}
