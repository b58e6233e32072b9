// Pipeline step 2: discounts, in the subscription's order, each on what the earlier ones left of
// every discountable line.
import { Dec, roundToMinor } from '../../values/money';
import { flat, formatMoney } from '../../public/format';
import type { Coupon, DiscountAmount, InvoiceLine, InvoiceStep } from '../../public/types';
import { addTo, afterDiscounts, noAmounts, previouslyBilledOffsets } from './amounts';

export interface AppliedDiscount {
  discount: string;
  coupon: Coupon;
}

/** NOTE: percent off is rounded half up once per line. */
function percentShares(bases: number[], percentOff: number): number[] {
  return bases.map((base) => roundToMinor(new Dec(base).mul(String(percentOff)).div(100)));
}

/**
 * NOTE: amount off is capped at the base (the excess is lost) and split in proportion to each
 * line's base: floors first, then one minor unit each to the largest fractions (ties: the earlier
 * line), so the shares add up to the capped amount exactly.
 */
export function amountShares(bases: number[], amountOff: number): number[] {
  const base = bases.reduce((total, value) => total + value, 0);
  const capped = Math.min(amountOff, base);
  if (capped === 0) return bases.map(() => 0);
  const exact = bases.map((value) => new Dec(capped).mul(value).div(base));
  const shares = exact.map((share) => share.floor().toNumber());
  let leftover = capped - shares.reduce((total, value) => total + value, 0);
  const byFraction = exact
    .map((share, index) => ({ index, fraction: share.minus(share.floor()) }))
    .sort((a, b) => b.fraction.comparedTo(a.fraction) || a.index - b.index);
  for (const { index } of byFraction) {
    if (leftover === 0) break;
    shares[index]! += 1;
    leftover -= 1;
  }
  return shares;
}

/**
 * The discounts written into the lines' `discountAmounts`: the lines are the pipeline's own
 * copies (step 1 makes them), so no step copies them again.
 */
/** The step of an invoice without discounts: one object every such invoice shares. */
const noDiscounts: InvoiceStep = { step: 'discounts', amount: -0, summary: 'No discounts.' };

export function applyDiscounts(
  lines: InvoiceLine[],
  discounts: AppliedDiscount[],
  currency: string,
): { lines: InvoiceLine[]; totals: DiscountAmount[]; step: InvoiceStep } {
  const out = lines;
  const totals: DiscountAmount[] = [];
  const parts: string[] = [];
  const offset = discounts.length === 0 ? () => 0 : previouslyBilledOffsets(out);
  for (const { discount, coupon } of discounts) {
    const eligible = out.filter(
      (line) => line.discountable && afterDiscounts(line) + offset(line) > 0,
    );
    const bases = eligible.map((line) => afterDiscounts(line) + offset(line));
    const shares =
      coupon.percentOff !== null
        ? percentShares(bases, coupon.percentOff)
        : amountShares(bases, coupon.amountOff!);
    eligible.forEach((line, index) => {
      if (shares[index]! > 0)
        line.discountAmounts = [...line.discountAmounts, { discount, amount: shares[index]! }];
    });
    const amount = shares.reduce((total, value) => total + value, 0);
    addTo(totals, 'discount', { discount, amount });
    const what =
      coupon.percentOff !== null
        ? `${coupon.percentOff}% off, rounded per line`
        : `${formatMoney(coupon.amountOff!, currency)} off, split across lines by amount`;
    parts.push(`${coupon.name ?? coupon.id} (${what}): −${formatMoney(amount, currency)}`);
  }
  const amount = totals.reduce((total, entry) => total + entry.amount, 0);
  return {
    lines: out,
    totals: totals.length === 0 ? noAmounts : totals,
    step:
      discounts.length === 0
        ? noDiscounts
        : {
            step: 'discounts',
            amount: -amount,
            summary: flat(
              `${parts.join('; ')}. Prorations, negative lines and true-ups take no discount.`,
            ),
          },
  };
}
