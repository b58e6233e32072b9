// An invoice's money as the pipeline computes it (core/rules/pipeline): a draft shows every step
// as an estimate from the current state; finalization binds the credits and the customer's
// balance; voiding gives them back.
import { priceLines, runInvoicePipeline } from '../rules/pipeline';
import type { PricedLines } from '../rules/pipeline';
import type { Invoice } from '../public/types';
import { moveBalance } from './balance';
import { availableGrants, bindCredits, restoreCredits } from './credit-ledger';
import { minimumFor } from './minimum-commitment';
import type { ScenarioState } from './state';

/** The fields the pipeline reads and writes; upcoming invoices have no id or status. */
export type PricedInvoice = Omit<Invoice, 'id' | 'status'> & { id: string | null };

/**
 * Each draft's last priced lines and the key of what they were priced from (see `priceInvoice`):
 * not state, only a saving, so it lives beside the invoices and dies with them.
 */
const lastPriced = new WeakMap<PricedInvoice, { key: string; priced: PricedLines }>();

/** What an invoice without discounts or tax rates passes: one array every such pricing shares. */
const none = Object.freeze([]) as never[];

/**
 * Runs the pipeline on the invoice and writes its amounts and steps. Steps 1 to 6 are run again
 * only when something they read changed since the invoice's last pricing: its lines (a refreshed
 * line replaces them), or the trial, discounts, grants, minimum or tax rates (compared as JSON).
 * Finalizing a draft nothing touched during its grace so reuses what closing the period priced.
 */
export function priceInvoice(state: ScenarioState, invoice: PricedInvoice, bound: boolean): void {
  const subscription = invoice.subscription ? state.subscription(invoice.subscription) : null;
  const currency = invoice.currency;
  const trial =
    subscription?.trialStart != null && subscription.trialEnd !== null
      ? { start: subscription.trialStart, end: subscription.trialEnd }
      : null;
  const discounts =
    invoice.discounts.length === 0
      ? none
      : invoice.discounts.map((discount) => ({
          discount: discount.id,
          coupon: state.coupon(discount.coupon),
        }));
  const grants = availableGrants(
    state,
    invoice,
    bound ? state.now : (invoice.finalizesAt ?? state.now),
  );
  const minimum = minimumFor(state, invoice, subscription);
  const taxRates =
    invoice.defaultTaxRates.length === 0
      ? none
      : invoice.defaultTaxRates.map((id) => state.taxRate(id));
  // As text, not the objects: a tax rate renamed in place must not read as unchanged. The
  // minimum's true-up function is left out: what it makes depends on the lines and the
  // commitment, both compared already. Without discounts, grants, minimum or tax rates (most
  // invoices) the currency and trial say it all, and no JSON is written.
  const key =
    discounts.length === 0 && grants.length === 0 && minimum === null && taxRates.length === 0
      ? trial === null
        ? currency
        : `${currency} ${trial.start} ${trial.end}`
      : JSON.stringify({ currency, trial, discounts, grants, minimum, taxRates });
  const lines = invoice.lines.data;
  const last = lastPriced.get(invoice);
  const priced =
    last !== undefined && last.key === key && last.priced.lines === lines
      ? last.priced
      : priceLines({
          currency,
          lines: lines.some((line) => line.type === 'minimum_commitment_true_up')
            ? lines.filter((line) => line.type !== 'minimum_commitment_true_up')
            : lines,
          trial,
          discounts,
          grants,
          minimum,
          taxRates,
        });
  // A bound invoice is priced no more (voiding gives back what it bound, without pricing).
  if (bound) {
    if (last !== undefined) lastPriced.delete(invoice);
  } else if (last === undefined || last.priced !== priced || last.key !== key) {
    lastPriced.set(invoice, { key, priced });
  }
  const result = runInvoicePipeline(
    {
      currency,
      lines: priced.lines,
      trial,
      discounts,
      grants,
      minimum,
      taxRates,
      // NOTE: a draft shows the customer's balance now; finalization binds the balance then.
      startingBalance: state.customer(invoice.customer).balance,
      bound,
    },
    priced,
  );
  if (result.lines !== lines) invoice.lines = { ...invoice.lines, data: result.lines };
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
