// Pipeline step 4 (a Meterlab extension): a period billed below its minimum commitment gets a
// true-up line for the difference. The true-up takes no discount and no credit.
import { flat, formatMoney } from '../../public/format';
import type { InvoiceLine, InvoiceStep } from '../../public/types';
import { afterDiscounts } from './amounts';

export interface MinimumCommitmentInput {
  /** The period whose spend is compared (the one this invoice closes). */
  period: { start: number; end: number };
  /** The commitment for the period, already prorated and rounded. */
  commitment: number;
  /** What other invoices billed for the period, after discounts. */
  baseElsewhere: number;
  /** The true-up line of this amount (the caller gives it its id and description). */
  trueUpLine: (amount: number) => InvoiceLine;
}

/**
 * NOTE: a line counts toward the period its own period starts in (the licensed line billed in
 * advance at a period's end counts toward the next one).
 */
export function isWithin(line: InvoiceLine, period: { start: number; end: number }): boolean {
  return line.period.start >= period.start && line.period.start < period.end;
}

/** The step of an invoice without a commitment: one object every such invoice shares. */
const noMinimum: InvoiceStep = {
  step: 'minimum_commitment',
  amount: 0,
  summary: 'No minimum commitment.',
};

/**
 * NOTE: the base is after discounts and before credits, balance and tax; a base below the
 * commitment adds a true-up line of the difference.
 */
export function applyMinimum(
  lines: InvoiceLine[],
  minimum: MinimumCommitmentInput | null,
  currency: string,
): { lines: InvoiceLine[]; step: InvoiceStep } {
  if (minimum === null) return { lines, step: noMinimum };
  const here = lines
    .filter((line) => isWithin(line, minimum.period))
    .reduce((total, line) => total + afterDiscounts(line), 0);
  const base = minimum.baseElsewhere + here;
  const shortfall = minimum.commitment - base;
  const spent = `The period's spend after discounts is ${formatMoney(base, currency)} against a minimum of ${formatMoney(minimum.commitment, currency)}`;
  if (shortfall <= 0)
    return {
      lines,
      step: { step: 'minimum_commitment', amount: 0, summary: flat(`${spent}: no true-up.`) },
    };
  return {
    lines: [...lines, minimum.trueUpLine(shortfall)],
    step: {
      step: 'minimum_commitment',
      amount: shortfall,
      summary: flat(
        `${spent}: a true-up line of ${formatMoney(shortfall, currency)} (it takes no discount or credit).`,
      ),
    },
  };
}
