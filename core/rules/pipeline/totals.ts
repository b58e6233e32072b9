// Pipeline step 6: the totals. Inclusive tax is inside the amounts already; exclusive tax is added.
import { flat, formatMoney } from '../../public/format';
import type { InvoiceStep, TaxAmount } from '../../public/types';
import { SharedSteps } from './shared-steps';

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
  let inclusive = 0;
  let exclusive = 0;
  for (const tax of taxes) {
    if (tax.inclusive) inclusive += tax.amount;
    else exclusive += tax.amount;
  }
  const net = subtotal - discounts - credits;
  const total = net + exclusive;
  // Invoices with nothing but their lines share the step of their subtotal.
  const plain = discounts === 0 && credits === 0 && exclusive === 0 && inclusive === 0;
  const shared = plain ? plainTotals.find(subtotal, currency) : null;
  const step: InvoiceStep = shared ?? {
    step: 'total',
    amount: total,
    summary: flat(
      `${formatMoney(subtotal, currency)} − ${formatMoney(discounts, currency)} discounts − ${formatMoney(credits, currency)} credits + ${formatMoney(exclusive, currency)} exclusive tax = ${formatMoney(total, currency)}${inclusive !== 0 ? ` (including ${formatMoney(inclusive, currency)} inclusive tax)` : ''}.`,
    ),
  };
  if (plain && shared === null) plainTotals.keep(subtotal, currency, step);
  return { totalExcludingTax: net - inclusive, total, step };
}

/** The total steps of invoices without discounts, credits or tax, by subtotal. */
const plainTotals = new SharedSteps();
