// Graduated tiered pricing: each unit is priced by the tier it falls in, and every tier the
// quantity reaches adds its flat amount once.
import type Decimal from 'decimal.js';
import { MeterlabError } from '../../values/errors';
import { Dec, roundToMinor } from '../../values/money';
import { describeRounding, formatExactMoney } from '../../public/format';
import type { Price, PriceExplanation, PriceStep, PriceTier } from '../../public/types';
import { unitsText } from './per-unit';

/** The tiers of a tiered price, or an api_error when the stored price has none. */
export function tiersOf(price: Price): PriceTier[] {
  if (price.tiers === null || price.tiers.length === 0) {
    throw new MeterlabError(
      'api_error',
      'price_invalid',
      null,
      `Price ${price.id} has no tiers: a tiered price needs tiers and tiersMode.`,
    );
  }
  return price.tiers;
}

/** A tier's inclusive upper bound as a number ('inf' -> Infinity). */
export function tierUpperBound(tier: PriceTier): number {
  return tier.upTo === 'inf' ? Infinity : tier.upTo;
}

/** 'Tier 2 (101–1000)', 'Tier 3 (1001 and up)': units are counted from 1. */
export function tierName(tiers: readonly PriceTier[], index: number): string {
  const previous = tiers[index - 1];
  const from = previous === undefined ? 1 : tierUpperBound(previous) + 1;
  const upTo = tiers[index]?.upTo;
  const range = upTo === 'inf' ? `${from} and up` : `${from}–${upTo}`;
  return `Tier ${index + 1} (${range})`;
}

/** `units` priced at one tier's unit amount, plus its flat amount: 'Tier 2 (101–1000): 900 × 0.5 + flat 100'. */
export function tierStep(
  tiers: readonly PriceTier[],
  index: number,
  units: number | string,
): PriceStep {
  const tier = tiers[index]!;
  const parts: string[] = [];
  let exact: Decimal = new Dec(0);
  if (tier.unitAmountDecimal !== null) {
    exact = exact.plus(new Dec(units).times(tier.unitAmountDecimal));
    parts.push(`${units} × ${tier.unitAmountDecimal}`);
  } else {
    parts.push(`${unitsText(units)} free`);
  }
  if (tier.flatAmountDecimal !== null) {
    exact = exact.plus(tier.flatAmountDecimal);
    parts.push(`flat ${tier.flatAmountDecimal}`);
  }
  return {
    label: `${tierName(tiers, index)}: ${parts.join(' + ')}`,
    quantity: String(units),
    unitAmountDecimal: tier.unitAmountDecimal,
    flatAmountDecimal: tier.flatAmountDecimal,
    amountExact: exact.toFixed(),
  };
}

/** Why quantity 0 is not always free: it falls in the first tier, whose flat amount is charged. */
export function zeroQuantityNote(tier: PriceTier, currency: string): string {
  return tier.flatAmountDecimal === null
    ? 'quantity 0 falls in tier 1, which has no flat amount, so nothing is charged.'
    : `quantity 0 falls in tier 1, so its flat amount of ` +
        `${formatExactMoney(tier.flatAmountDecimal, currency)} is charged.`;
}

function beyondLastTier(price: Price, quantity: number | string): MeterlabError {
  return new MeterlabError(
    'api_error',
    'price_invalid',
    null,
    `Price ${price.id} has no tier for quantity ${quantity}: the last tier needs upTo 'inf'.`,
  );
}

/** The part of `quantity` in (previousUpTo, upTo]: a number, or a decimal string. */
function unitsInTier(
  quantity: number | string,
  previousUpTo: number,
  upTo: number,
): number | string {
  if (typeof quantity === 'number') return Math.min(quantity, upTo) - previousUpTo;
  return Dec.min(quantity, upTo).minus(previousUpTo).toFixed();
}

/** Sums every reached tier exactly, then rounds once (a quantity may be a decimal string). */
export function priceGraduated(price: Price, quantity: number | string): PriceExplanation {
  const tiers = tiersOf(price);
  const steps: PriceStep[] = [];
  const q = new Dec(quantity);
  let previousUpTo = 0;
  for (let index = 0; index < tiers.length; index++) {
    const upTo = tierUpperBound(tiers[index]!);
    // NOTE: upTo is inclusive, so quantity 100 with upTo 100 never reaches tier 2. Tier 1 is
    // always reached, even by quantity 0, so its flat amount is always charged. A decimal
    // quantity puts its part in (upTo(i−1), upTo(i)] into tier i.
    steps.push(tierStep(tiers, index, unitsInTier(quantity, previousUpTo, upTo)));
    previousUpTo = upTo;
    if (q.lte(upTo)) break;
  }
  if (q.gt(previousUpTo)) throw beyondLastTier(price, quantity);
  const exact = steps.reduce<Decimal>((sum, step) => sum.plus(step.amountExact), new Dec(0));
  const amountExact = exact.toFixed();
  const amount = roundToMinor(exact);
  const total = describeRounding(amountExact, amount, price.currency);
  const tierCount = steps.length === 1 ? 'tier 1' : `tiers 1–${steps.length}`;
  return {
    model: 'graduated',
    billedQuantity: Number(quantity),
    steps,
    amountExact,
    amount,
    rounding: 'half_up',
    summary: q.isZero()
      ? `Graduated: ${zeroQuantityNote(tiers[0]!, price.currency)} Total ${total}.`
      : `Graduated: ${unitsText(quantity)} priced tier by tier over ${tierCount}, each ` +
        `reached tier adding its flat amount once = ${total}.`,
  };
}

/** The index of the tier that holds `quantity` (upTo inclusive; quantity 0 -> tier 1). */
export function tierIndexOf(price: Price, quantity: number | string): number {
  const tiers = tiersOf(price);
  const q = new Dec(quantity);
  const index = tiers.findIndex((tier) => q.lte(tierUpperBound(tier)));
  if (index === -1) throw beyondLastTier(price, quantity);
  return index;
}
