// Volume tiered pricing: the tier holding the whole quantity prices every unit, and only that
// tier's flat amount is added.
import { Dec, roundToMinor } from '../../values/money';
import { describeRounding, formatExactMoney } from '../../public/format';
import type { Price, PriceExplanation } from '../../public/types';
import { tierIndexOf, tierName, tierStep, tiersOf, zeroQuantityNote } from './graduated';
import { unitsText } from './per-unit';

/** Every unit at the rate of the tier holding the whole quantity, plus its flat amount. */
export function priceVolume(price: Price, quantity: number | string): PriceExplanation {
  const tiers = tiersOf(price);
  const index = tierIndexOf(price, quantity);
  const tier = tiers[index]!;
  const step = tierStep(tiers, index, quantity);
  const exact = new Dec(step.amountExact);
  const amountExact = exact.toFixed();
  const amount = roundToMinor(exact);
  const total = describeRounding(amountExact, amount, price.currency);
  const rate =
    tier.unitAmountDecimal === null
      ? 'free'
      : `priced at ${formatExactMoney(tier.unitAmountDecimal, price.currency)}`;
  const flat =
    tier.flatAmountDecimal === null
      ? ''
      : ` plus the tier's flat ${formatExactMoney(tier.flatAmountDecimal, price.currency)}`;
  return {
    model: 'volume',
    billedQuantity: Number(quantity),
    steps: [step],
    amountExact,
    amount,
    rounding: 'half_up',
    summary: new Dec(quantity).isZero()
      ? `Volume: ${zeroQuantityNote(tier, price.currency)} Total ${total}.`
      : `Volume: all ${unitsText(quantity)} fall in ${tierName(tiers, index)}, so every unit ` +
        `is ${rate}${flat} = ${total}.`,
  };
}
