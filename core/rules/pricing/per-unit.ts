// Per-unit pricing: every unit costs the same exact unit amount.
import { MeterlabError } from '../../values/errors';
import { Dec, roundToMinor } from '../../values/money';
import { describeRounding, formatExactMoney } from '../../public/format';
import type { Price, PriceExplanation } from '../../public/types';

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

/**
 * One step of `units` × the price's unit amount, rounded once: per-unit pricing, and package
 * pricing once the packages are counted. `how` says where the units came from, for the step's
 * label and the summary ('' for none).
 */
export function unitsTimesAmount(
  price: Price,
  model: 'per_unit' | 'package',
  units: number | string,
  unitWord: string,
  how: { label: string; summary: string } = { label: '', summary: '' },
): PriceExplanation {
  const unitAmount = unitAmountOf(price);
  const exact = new Dec(units).times(unitAmount);
  const amountExact = exact.toFixed();
  const amount = roundToMinor(exact);
  return {
    model,
    billedQuantity: Number(units),
    steps: [
      {
        label: `${how.label ? `${how.label}; ` : ''}${units} × ${unitAmount}`,
        quantity: String(units),
        unitAmountDecimal: unitAmount,
        flatAmountDecimal: null,
        amountExact,
      },
    ],
    amountExact,
    amount,
    rounding: 'half_up',
    summary:
      `${how.summary ? `${how.summary}; ` : ''}${unitsText(units, unitWord)} × ` +
      `${formatExactMoney(unitAmount, price.currency)} = ` +
      `${describeRounding(amountExact, amount, price.currency)}.`,
  };
}

/** quantity × unitAmountDecimal, rounded once (a quantity may be a decimal string). */
export function pricePerUnit(price: Price, quantity: number | string): PriceExplanation {
  return unitsTimesAmount(price, 'per_unit', quantity, 'unit');
}
