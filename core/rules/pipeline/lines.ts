// Pipeline step 1: the line amounts, each already rounded once (trial time at 0); the subtotal
// is their sum.
import { formatMoney } from '../../public/format';
import type { InvoiceLine, InvoiceStep } from '../../public/types';
import { freeTrialLine } from '../lines';
import { noAmounts } from './amounts';

/** NOTE: every line whose period starts inside the trial is listed at 0. */
function inTrial(line: InvoiceLine, trial: { start: number; end: number } | null): boolean {
  return trial !== null && line.period.start >= trial.start && line.period.start < trial.end;
}

/**
 * Copies of the lines with the later steps' parts cleared (the one copy the pipeline makes: the
 * later steps write into it), and the subtotal.
 */
export function lineAmounts(
  lines: InvoiceLine[],
  trial: { start: number; end: number } | null,
  currency: string,
): { lines: InvoiceLine[]; step: InvoiceStep } {
  const cleared = lines.map((line) => ({
    ...(inTrial(line, trial) ? freeTrialLine(line, trial!.end) : line),
    discountAmounts: noAmounts,
    creditGrantAmounts: noAmounts,
    taxAmounts: noAmounts,
  }));
  const subtotal = cleared.reduce((total, line) => total + line.amount, 0);
  return {
    lines: cleared,
    step: {
      step: 'lines',
      amount: subtotal,
      summary: `${cleared.length} line${cleared.length === 1 ? '' : 's'}, each rounded once: subtotal ${formatMoney(subtotal, currency)}.`,
    },
  };
}
