// Pipeline step 1: the line amounts, each already rounded once (trial time at 0); the subtotal
// is their sum.
import { flat, formatMoney } from '../../public/format';
import type { InvoiceLine, InvoiceStep } from '../../public/types';
import { freeTrialLine } from '../lines';
import { noAmounts } from './amounts';
import { SharedSteps } from './shared-steps';

/** NOTE: every line whose period starts inside the trial is listed at 0. */
function inTrial(line: InvoiceLine, trial: { start: number; end: number } | null): boolean {
  return trial !== null && line.period.start >= trial.start && line.period.start < trial.end;
}

/**
 * The lines with the later steps' parts cleared, and the subtotal. When a later step writes into
 * the lines (`written`: there are discounts, grants or tax rates), each line is copied once: the
 * pipeline's own copy, which those steps write into. Otherwise a line with nothing to clear and
 * no trial time is kept as it is (and the array too, when every line is).
 */
export function lineAmounts(
  lines: InvoiceLine[],
  trial: { start: number; end: number } | null,
  currency: string,
  written: boolean,
): { lines: InvoiceLine[]; step: InvoiceStep } {
  let cleared = lines;
  let subtotal = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const kept =
      !written &&
      !inTrial(line, trial) &&
      line.discountAmounts === noAmounts &&
      line.creditGrantAmounts === noAmounts &&
      line.taxAmounts === noAmounts;
    if (!kept) {
      if (cleared === lines) cleared = lines.slice();
      cleared[index] = {
        ...(inTrial(line, trial) ? freeTrialLine(line, trial!.end) : line),
        discountAmounts: noAmounts,
        creditGrantAmounts: noAmounts,
        taxAmounts: noAmounts,
      };
    }
    subtotal += cleared[index]!.amount;
  }
  return { lines: cleared, step: linesStep(cleared.length, subtotal, currency) };
}

/** The steps of invoices of one line, shared by amount. */
const oneLineSteps = new SharedSteps();

function linesStep(count: number, subtotal: number, currency: string): InvoiceStep {
  const shared = count === 1 ? oneLineSteps.find(subtotal, currency) : null;
  if (shared !== null) return shared;
  const step: InvoiceStep = {
    step: 'lines',
    amount: subtotal,
    summary: flat(
      `${count} line${count === 1 ? '' : 's'}, each rounded once: subtotal ${formatMoney(subtotal, currency)}.`,
    ),
  };
  return count === 1 ? oneLineSteps.keep(subtotal, currency, step) : step;
}
