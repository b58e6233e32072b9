// Pricing: one module per model, chosen here. quotePrice is pure: it prices a quantity under a
// price and explains how, without touching any state.
import { Dec } from '../../values/money';
import { parseArgs, safeQuantity } from '../../values/validation';
import type { Price, PriceExplanation, Quote } from '../../public/types';
import { priceGraduated } from './graduated';
import { pricePackage } from './package';
import { pricePerUnit } from './per-unit';
import { priceVolume } from './volume';
import { priceAmount } from './amount';

export { buildPriceFields, type PriceFields } from './build';
export { priceGraduated, pricePackage, pricePerUnit, priceVolume };

/** The pricing model a price uses. */
export function pricingModelOf(price: Price): PriceExplanation['model'] {
  if (price.billingScheme === 'tiered')
    return price.tiersMode === 'volume' ? 'volume' : 'graduated';
  return price.transformQuantity === null ? 'per_unit' : 'package';
}

const priceWith: Record<
  PriceExplanation['model'],
  (price: Price, quantity: number | string) => PriceExplanation
> = {
  per_unit: pricePerUnit,
  package: pricePackage,
  graduated: priceGraduated,
  volume: priceVolume,
};

/** Prices `quantity` (a non-negative safe integer) under `price`, with the explanation. */
export function quotePrice(price: Price, quantity: number): Quote {
  const checked =
    Number.isSafeInteger(quantity) && quantity >= 0
      ? quantity
      : parseArgs(safeQuantity, quantity, 'quantity');
  const explanation = priceWith[pricingModelOf(price)](price, checked);
  return {
    currency: price.currency,
    quantity: checked,
    amount: explanation.amount,
    amountExact: explanation.amountExact,
    explanation,
  };
}

/** quotePrice's amount alone, without the explanation: for re-pricing many quantities at once. */
export function quoteAmount(price: Price, quantity: number): number {
  return priceAmount(price, quantity, (same, units) => quotePrice(same, units).amount);
}

/**
 * Prices a meter's quantity, a non-negative canonical decimal string: a whole number takes the
 * integer path of quotePrice, a decimal is priced exactly by the same models. NOTE: decimal
 * quantities (meters only) are rated exactly; the line is still rounded once.
 */
export function quoteDecimal(price: Price, quantity: string): Quote {
  const whole = Number(quantity);
  if (Number.isSafeInteger(whole) && String(whole) === quantity) return quotePrice(price, whole);
  const explanation = priceWith[pricingModelOf(price)](price, quantity);
  return {
    currency: price.currency,
    quantity: whole,
    amount: explanation.amount,
    amountExact: explanation.amountExact,
    explanation,
  };
}

/**
 * An amount no quantity up to `quantity` bills beyond, in minor units, for every model: each unit
 * at the highest unit amount of the price, plus every flat amount. Lets intake skip an exact check.
 */
export function amountCeiling(price: Price, quantity: number): Dec {
  const tiers = price.tiers ?? [];
  const unitAmounts = [price.unitAmountDecimal, ...tiers.map((tier) => tier.unitAmountDecimal)];
  const highestUnit = Dec.max(0, ...unitAmounts.map((amount) => amount ?? 0));
  const flats = tiers.reduce((sum, tier) => sum.plus(tier.flatAmountDecimal ?? 0), new Dec(0));
  return highestUnit.times(quantity).plus(flats);
}
