// Pricing: one module per model, chosen here. quotePrice is pure: it prices a quantity under a
// price and explains how, without touching any state.
import { parseArgs, safeQuantity } from '../../values/validation';
import type { Price, PriceExplanation, Quote } from '../../public/types';
import { priceGraduated } from './graduated';
import { pricePackage } from './package';
import { pricePerUnit } from './per-unit';
import { priceVolume } from './volume';

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
  (price: Price, quantity: number) => PriceExplanation
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

/** What each model does, for the UI. */
export const pricingModels: Record<
  PriceExplanation['model'],
  { title: string; description: string }
> = {
  per_unit: {
    title: 'Per unit',
    description:
      'Every unit costs the same amount: quantity × unit price, rounded once to the currency’s ' +
      'smallest unit (half up). Unit prices may be fractions of a cent, such as EUR 0.002.',
  },
  package: {
    title: 'Package',
    description:
      'Units are sold in packages of a fixed size (transformQuantity.divideBy). The quantity is ' +
      'divided by the package size and rounded up (a started package is billed in full) or down ' +
      '(only complete packages), then each package costs the unit price.',
  },
  graduated: {
    title: 'Graduated tiers',
    description:
      'Each unit is priced by the tier it falls in: the first 100 at one rate, the next ones at ' +
      'the next rate, and so on. Every tier the quantity reaches adds its flat amount once. ' +
      'upTo is inclusive, and quantity 0 falls in the first tier, so its flat amount is charged.',
  },
  volume: {
    title: 'Volume tiers',
    description:
      'The tier that holds the whole quantity prices every unit, and only that tier’s flat amount ' +
      'is added, so crossing a boundary can lower the total. upTo is inclusive, and quantity 0 ' +
      'falls in the first tier, so its flat amount is charged.',
  },
};
