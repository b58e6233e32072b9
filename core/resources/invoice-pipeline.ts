// An invoice's money as the pipeline computes it (core/rules/pipeline): a draft shows every step
// as an estimate from the current state; finalization binds the credits and the customer's
// balance; voiding gives them back.
import { runInvoicePipeline } from '../rules/pipeline';
import type { Invoice } from '../public/types';
import { moveBalance } from './balance';
import { availableGrants, bindCredits, restoreCredits } from './credit-ledger';
import { minimumFor } from './minimum-commitment';
import type { ScenarioState } from './state';

/** The fields the pipeline reads and writes; upcoming invoices have no id or status. */
export type PricedInvoice = Omit<Invoice, 'id' | 'status'> & { id: string | null };

/** Runs the pipeline on the invoice and writes its amounts and steps. */
export function priceInvoice(state: ScenarioState, invoice: PricedInvoice, bound: boolean): void {
  const subscription = invoice.subscription ? state.subscription(invoice.subscription) : null;
  const trial =
    subscription?.trialStart != null && subscription.trialEnd !== null
      ? { start: subscription.trialStart, end: subscription.trialEnd }
      : null;
  const result = runInvoicePipeline({
    currency: invoice.currency,
    lines: invoice.lines.data.filter((line) => line.type !== 'minimum_commitment_true_up'),
    trial,
    discounts: invoice.discounts.map((discount) => ({
      discount: discount.id,
      coupon: state.coupon(discount.coupon),
    })),
    grants: availableGrants(state, invoice, bound ? state.now : (invoice.finalizesAt ?? state.now)),
    minimum: minimumFor(state, invoice),
    taxRates: invoice.defaultTaxRates.map((id) => state.taxRate(id)),
    // NOTE: a draft shows the customer's balance now; finalization binds the balance then.
    startingBalance: state.customer(invoice.customer).balance,
    bound,
  });
  invoice.lines = { ...invoice.lines, data: result.lines };
  invoice.subtotal = result.subtotal;
  invoice.totalDiscountAmounts = result.totalDiscountAmounts;
  invoice.totalCreditGrantAmounts = result.totalCreditGrantAmounts;
  invoice.tax = result.tax;
  invoice.totalTaxAmounts = result.totalTaxAmounts;
  invoice.totalExcludingTax = result.totalExcludingTax;
  invoice.total = result.total;
  invoice.startingBalance = result.startingBalance;
  invoice.endingBalance = result.endingBalance;
  invoice.amountDue = result.amountDue;
  invoice.amountRemaining = Math.max(0, invoice.amountDue - invoice.amountPaid);
  invoice.steps = result.steps;
}

/**
 * Finalization: the credits and balance are bound, the grants debited and the customer's balance
 * moved to the ending balance. NOTE: the balance applies to the next invoice that finalizes.
 */
export function bindInvoice(state: ScenarioState, invoice: Invoice): void {
  priceInvoice(state, invoice, true);
  bindCredits(state, invoice);
  const moved = invoice.endingBalance! - invoice.startingBalance;
  if (moved !== 0)
    moveBalance(state, state.customer(invoice.customer), {
      type: 'applied_to_invoice',
      amount: moved,
      currency: invoice.currency,
      invoice: invoice.id,
      description: null,
    });
  if (moved !== 0 || invoice.totalCreditGrantAmounts.length > 0)
    repriceDrafts(state, invoice.customer);
}

/** NOTE: voiding an invoice reverses its balance application and restores its credits. */
export function unbindInvoice(state: ScenarioState, invoice: Invoice): void {
  restoreCredits(state, invoice);
  const moved = state.data.balanceTransactions
    .filter((tx) => tx.invoice === invoice.id)
    .reduce((total, tx) => total + tx.amount, 0);
  if (moved !== 0)
    moveBalance(state, state.customer(invoice.customer), {
      type: 'unapplied_from_invoice',
      amount: -moved,
      currency: invoice.currency,
      invoice: invoice.id,
      description: null,
    });
  repriceDrafts(state, invoice.customer);
}

/**
 * The customer's drafts recomputed after a change of the balance or credit grants. Drafts are
 * the period-close invoices waiting out their grace (every other invoice finalizes at once).
 */
export function repriceDrafts(state: ScenarioState, customer: string): void {
  for (const draft of state.gracefulDrafts.values()) {
    if (draft.customer === customer) priceInvoice(state, draft, false);
  }
}
