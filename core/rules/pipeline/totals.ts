// Pipeline step 6: the totals. Inclusive tax is inside the amounts already; exclusive tax is added.
import { formatMoney } from '../../public/format';
import type { InvoiceStep, TaxAmount } from '../../public/types';

export interface Totals {
  totalExcludingTax: number;
  total: number;
}

/**
 * NOTE: totalExcludingTax = subtotal − discounts − credits − inclusive tax;
 * total = subtotal − discounts − credits + exclusive tax.
 */
export function invoiceTotals(
  subtotal: number,
  discounts: number,
  credits: number,
  taxes: TaxAmount[],
  currency: string,
): Totals & { step: InvoiceStep } {
  const inclusive = taxes.filter((tax) => tax.inclusive).reduce((t, tax) => t + tax.amount, 0);
  const exclusive = taxes.filter((tax) => !tax.inclusive).reduce((t, tax) => t + tax.amount, 0);
  const net = subtotal - discounts - credits;
  const total = net + exclusive;
  const fmt = (amount: number) => formatMoney(amount, currency);
  return {
    totalExcludingTax: net - inclusive,
    total,
    step: {
      step: 'total',
      amount: total,
      summary: `${fmt(subtotal)} − ${fmt(discounts)} discounts − ${fmt(credits)} credits + ${fmt(exclusive)} exclusive tax = ${fmt(total)}${inclusive !== 0 ? ` (including ${fmt(inclusive)} inclusive tax)` : ''}.`,
    },
  };
}
