// Per-unit pricing: every unit costs the same exact unit amount.
import { MeterlabError } from '../../values/errors';
import { Dec, roundToMinor } from '../../values/money';
import { compactInteger } from '../../values/integers';
import { describeRounding, flat, formatExactMoney } from '../../public/format';
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
 * A whole number of units × a plain decimal unit amount on integers: the digits of the amount
 * times the units, the point put back. Written as Decimal's toFixed writes the exact product and
 * rounded half up once, as roundToMinor does; null when a product would not be a safe integer
 * (Decimal answers then). Invoices price most lines this way, without Decimal's allocations.
 */
export function scaledProduct(
  units: number,
  unitAmount: string,
): { exact: string; rounded: number } | null {
  if (!Number.isSafeInteger(units) || units < 0) return null;
  const amount = scaledAmount(unitAmount);
  if (amount === null) return null;
  const product = units * amount.digits;
  if (!Number.isSafeInteger(product)) return null;
  if (amount.decimals === 0) return { exact: String(product), rounded: product };
  // Both exact on safe integers: % of integers, and the division of a multiple of the scale.
  const rest = product % amount.scale;
  const whole = compactInteger((product - rest) / amount.scale);
  // NOTE: half up, once: a fraction of .5 or more rounds up.
  const rounded = rest * 2 >= amount.scale ? whole + 1 : whole;
  if (rest === 0) return { exact: String(whole), rounded };
  const fraction = String(rest).padStart(amount.decimals, '0');
  let end = fraction.length;
  while (fraction.charCodeAt(end - 1) === 48 /* 0 */) end--;
  return { exact: `${whole}.${fraction.slice(0, end)}`, rounded };
}

/** A plain decimal as its digits, a whole number, over 10^decimals; null beyond 15 digits. */
interface ScaledAmount {
  digits: number;
  decimals: number;
  scale: number;
}

// Invoices price many lines with the same few unit amounts: the last one read is kept.
let lastUnitAmount = '';
let lastScaled: ScaledAmount | null = null;

function scaledAmount(unitAmount: string): ScaledAmount | null {
  if (unitAmount === lastUnitAmount) return lastScaled;
  const point = unitAmount.indexOf('.');
  const digits = point < 0 ? unitAmount : unitAmount.slice(0, point) + unitAmount.slice(point + 1);
  const decimals = point < 0 ? 0 : unitAmount.length - point - 1;
  lastScaled = /^\d{1,15}$/.test(digits)
    ? { digits: Number(digits), decimals, scale: 10 ** decimals }
    : null;
  lastUnitAmount = unitAmount;
  return lastScaled;
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
  const scaled = typeof units === 'number' ? scaledProduct(units, unitAmount) : null;
  const exact = scaled === null ? new Dec(units).times(unitAmount) : null;
  const amountExact = scaled?.exact ?? exact!.toFixed();
  const amount = scaled?.rounded ?? roundToMinor(exact!);
  return {
    model,
    billedQuantity: Number(units),
    steps: [
      {
        label: flat(`${how.label ? `${how.label}; ` : ''}${units} × ${unitAmount}`),
        quantity: String(units),
        unitAmountDecimal: unitAmount,
        flatAmountDecimal: null,
        amountExact,
      },
    ],
    amountExact,
    amount,
    rounding: 'half_up',
    summary: flat(
      `${how.summary ? `${how.summary}; ` : ''}${unitsText(units, unitWord)} × ` +
        `${unitAmountText(price, unitAmount)} = ` +
        `${describeRounding(amountExact, amount, price.currency)}.`,
    ),
  };
}

/** The price's unit amount for people ('EUR 0.002'), written once per price. */
const unitAmountTexts = new WeakMap<Price, { unitAmount: string; text: string }>();
function unitAmountText(price: Price, unitAmount: string): string {
  const known = unitAmountTexts.get(price);
  if (known !== undefined && known.unitAmount === unitAmount) return known.text;
  const text = formatExactMoney(unitAmount, price.currency);
  unitAmountTexts.set(price, { unitAmount, text });
  return text;
}

/** quantity × unitAmountDecimal, rounded once (a quantity may be a decimal string). */
export function pricePerUnit(price: Price, quantity: number | string): PriceExplanation {
  return unitsTimesAmount(price, 'per_unit', quantity, 'unit');
}
