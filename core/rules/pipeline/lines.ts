// Pipeline step 1: the line amounts, each already rounded once; the subtotal is their sum.
import { formatMoney } from '../../public/format';
import type { InvoiceLine, InvoiceStep } from '../../public/types';

/** The lines with the later steps' parts cleared, and the subtotal. */
export function lineAmounts(
  lines: InvoiceLine[],
  currency: string,
): { lines: InvoiceLine[]; step: InvoiceStep } {
  const cleared = lines.map((line) => ({
    ...line,
    discountAmounts: [],
    creditGrantAmounts: [],
    taxAmounts: [],
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
