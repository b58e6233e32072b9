// Pipeline step 5: tax per line and rate, on the line after its discounts and credits, rounded
// once per line and rate.
import { Dec, roundToMinor } from '../../values/money';
import { flat, formatMoney } from '../../public/format';
import type { InvoiceLine, InvoiceStep, TaxAmount, TaxRate } from '../../public/types';
import { afterCredits, noAmounts } from './amounts';

/**
 * NOTE: an inclusive rate p is already inside the base b: tax = round(b − b / (1 + p/100)); each
 * exclusive rate is p% of b less the inclusive tax (rates never compound). Half up, per line;
 * a negative base gives a negative tax. The taxable amount is b less the inclusive tax.
 */
export function lineTaxes(base: number, rates: TaxRate[]): TaxAmount[] {
  const inclusive = rates.find((rate) => rate.inclusive);
  const inclusiveTax = inclusive
    ? roundToMinor(
        new Dec(base).minus(
          new Dec(base).div(new Dec(String(inclusive.percentage)).div(100).plus(1)),
        ),
      )
    : 0;
  const taxableAmount = base - inclusiveTax;
  return rates.map((rate) => ({
    taxRate: rate.id,
    inclusive: rate.inclusive,
    taxableAmount,
    amount: rate.inclusive
      ? inclusiveTax
      : roundToMinor(new Dec(taxableAmount).mul(String(rate.percentage)).div(100)),
  }));
}

/** The step of an invoice without tax rates: one object every such invoice shares. */
const noTax: InvoiceStep = { step: 'tax', amount: 0, summary: 'No tax rates.' };

/** The taxes written into the lines' `taxAmounts` (the pipeline's own copies of the lines). */
export function applyTax(
  lines: InvoiceLine[],
  rates: TaxRate[],
  currency: string,
): { lines: InvoiceLine[]; totals: TaxAmount[]; step: InvoiceStep } {
  const totals: TaxAmount[] = [];
  for (const line of rates.length === 0 ? [] : lines) {
    const taxAmounts = lineTaxes(afterCredits(line), rates);
    for (const tax of taxAmounts) {
      const existing = totals.find((total) => total.taxRate === tax.taxRate);
      if (!existing) totals.push({ ...tax });
      else {
        existing.amount += tax.amount;
        existing.taxableAmount += tax.taxableAmount;
      }
    }
    line.taxAmounts = taxAmounts;
  }
  const amount = totals.reduce((total, entry) => total + entry.amount, 0);
  const parts = totals.map((total) => {
    const rate = rates.find((candidate) => candidate.id === total.taxRate)!;
    return `${rate.displayName} ${rate.percentage}% ${rate.inclusive ? 'inclusive (already in the amounts)' : 'exclusive (added)'}: ${formatMoney(total.amount, currency)} on ${formatMoney(total.taxableAmount, currency)}`;
  });
  return {
    lines,
    totals: totals.length === 0 ? noAmounts : totals,
    step:
      rates.length === 0
        ? noTax
        : {
            step: 'tax',
            amount,
            summary: flat(`${parts.join('; ')}. Rounded per line, after discounts and credits.`),
          },
  };
}
