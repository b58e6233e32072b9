// The amount alone, for re-pricing many quantities (backtests): the same models as quotePrice,
// computed on whole numbers scaled to the price's finest decimal instead of decimals, with no
// explanation. Exact while every product stays a safe integer; otherwise quotePrice answers.
import type { Price } from '../../public/types';
import { packageCount } from './package';
import { unitAmountOf } from './per-unit';
import { tiersOf, tierUpperBound } from './graduated';

/** A price's decimal amounts as whole numbers over one scale: amount = scaled / scale. */
interface ScaledPrice {
  scale: number;
  unit: number;
  tiers: { upTo: number; unit: number; flat: number }[];
}

const scaledPrices = new WeakMap<Price, ScaledPrice | null>();

const decimalsOf = (amount: string | null) =>
  amount === null || !amount.includes('.') ? 0 : amount.length - amount.indexOf('.') - 1;

/** '12.345' at 4 decimals -> 123450; null when that is not a safe integer. */
function scaledInteger(amount: string | null, decimals: number): number | null {
  if (amount === null) return 0;
  if (!/^\d+(\.\d+)?$/.test(amount)) return null;
  const [whole, fraction = ''] = amount.split('.');
  const scaled = Number(whole + fraction.padEnd(decimals, '0'));
  return Number.isSafeInteger(scaled) ? scaled : null;
}

function scale(price: Price): ScaledPrice | null {
  const tiers = price.billingScheme === 'tiered' ? tiersOf(price) : [];
  const unitAmount = price.billingScheme === 'tiered' ? null : unitAmountOf(price);
  const decimals = Math.max(
    decimalsOf(unitAmount),
    ...tiers.flatMap((tier) => [
      decimalsOf(tier.unitAmountDecimal),
      decimalsOf(tier.flatAmountDecimal),
    ]),
  );
  // Beyond 15 decimals the scale itself is no longer exact.
  if (decimals > 15) return null;
  const unit = scaledInteger(unitAmount, decimals);
  const scaledTiers = tiers.map((tier) => ({
    upTo: tierUpperBound(tier),
    unit: scaledInteger(tier.unitAmountDecimal, decimals),
    flat: scaledInteger(tier.flatAmountDecimal, decimals),
  }));
  if (unit === null || scaledTiers.some((tier) => tier.unit === null || tier.flat === null))
    return null;
  return { scale: 10 ** decimals, unit, tiers: scaledTiers as ScaledPrice['tiers'] };
}

/** units × unit + flat on scaled integers, or NaN when it leaves the exact range. */
function exactly(units: number, unit: number, flat: number): number {
  const total = units * unit + flat;
  return Number.isSafeInteger(total) ? total : NaN;
}

/** The scaled exact amount of `quantity`, or NaN (not exact, or beyond the last tier). */
function scaledAmount(price: Price, scaled: ScaledPrice, quantity: number): number {
  if (price.billingScheme !== 'tiered') {
    const units =
      price.transformQuantity === null ? quantity : packageCount(quantity, price.transformQuantity);
    return exactly(units, scaled.unit, 0);
  }
  if (price.tiersMode === 'volume') {
    const tier = scaled.tiers.find((candidate) => quantity <= candidate.upTo);
    return tier ? exactly(quantity, tier.unit, tier.flat) : NaN;
  }
  // Graduated: as priceGraduated, each reached tier prices its part and adds its flat once.
  let total = 0;
  let previousUpTo = 0;
  for (const tier of scaled.tiers) {
    total = exactly(Math.min(quantity, tier.upTo) - previousUpTo, tier.unit, tier.flat) + total;
    previousUpTo = tier.upTo;
    if (quantity <= tier.upTo) return Number.isSafeInteger(total) ? total : NaN;
  }
  return NaN;
}

/**
 * The amount quotePrice gives for a whole, non-negative quantity, in minor units rounded half up
 * once; `fallback` (quotePrice's amount) answers what is not exact on whole numbers.
 */
export function priceAmount(
  price: Price,
  quantity: number,
  fallback: (price: Price, quantity: number) => number,
): number {
  let scaled = scaledPrices.get(price);
  if (scaled === undefined) scaledPrices.set(price, (scaled = scale(price)));
  if (scaled === null || !Number.isSafeInteger(quantity) || quantity < 0)
    return fallback(price, quantity);
  const exact = scaledAmount(price, scaled, quantity);
  if (Number.isNaN(exact)) return fallback(price, quantity);
  // NOTE: rounded once, half up, as every line is.
  const rest = exact % scaled.scale;
  const whole = (exact - rest) / scaled.scale;
  return rest * 2 >= scaled.scale ? whole + 1 : whole;
}
