// The ledger of credit grants: what each grant has left, which grants an invoice may use and in
// what order, and the debits of finalization, expiry and voided invoices.
import type { AvailableGrant } from '../rules/pipeline';
import type { CreditBalanceTransaction, CreditGrant, Invoice } from '../public/types';
import type { ScenarioState } from './state';

/** What a grant has paid (applied, net of what voided invoices gave back), lost to expiry, and left. */
export function grantLedger(
  state: ScenarioState,
  grant: CreditGrant,
): { applied: number; expired: number; remaining: number } {
  let applied = 0;
  let expired = 0;
  for (const tx of state.data.creditBalanceTransactions) {
    if (tx.creditGrant !== grant.id) continue;
    if (tx.type === 'expired') expired += tx.amount;
    else applied += tx.type === 'applied' ? tx.amount : -tx.amount;
  }
  return { applied, expired, remaining: grant.amount.monetary.value - applied - expired };
}

/** What is left of a grant: its value less what was applied or expired, plus what came back. */
export function grantRemaining(state: ScenarioState, grant: CreditGrant): number {
  return grantLedger(state, grant).remaining;
}

function record(
  state: ScenarioState,
  grant: CreditGrant,
  type: CreditBalanceTransaction['type'],
  amount: number,
  invoice: string | null,
): void {
  state.data.creditBalanceTransactions.push({
    id: state.newId('credbtx'),
    object: 'billing.credit_balance_transaction',
    creditGrant: grant.id,
    customer: grant.customer,
    type,
    amount,
    currency: grant.amount.monetary.currency,
    invoice,
    created: state.now,
  });
}

/** NOTE: the time an invoice's usage runs to: its period end; a creation invoice its creation. */
function billedUntil(invoice: Pick<Invoice, 'billingReason' | 'created' | 'periodEnd'>): number {
  return invoice.billingReason === 'subscription_create' ? invoice.created : invoice.periodEnd;
}

/**
 * NOTE: grant order: priority (0 first), expiry (soonest first, none last), promotional before
 * paid, effective time, creation, id.
 */
function grantOrder(a: CreditGrant, b: CreditGrant): number {
  const expiry = (grant: CreditGrant) => grant.expiresAt ?? Infinity;
  const category = (grant: CreditGrant) => (grant.category === 'promotional' ? 0 : 1);
  return (
    a.priority - b.priority ||
    expiry(a) - expiry(b) ||
    category(a) - category(b) ||
    a.effectiveAt - b.effectiveAt ||
    a.created - b.created ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * The grants that pay an invoice finalized at `finalizesAt`, in order, with what is left of each.
 * NOTE: eligible when in the invoice's currency, not voided, effective by the end of the billed
 * usage and expiring after it, not expired by the finalization (expiry wins), and not empty.
 */
export function availableGrants(
  state: ScenarioState,
  invoice: Pick<Invoice, 'customer' | 'currency' | 'billingReason' | 'created' | 'periodEnd'>,
  finalizesAt: number,
): AvailableGrant[] {
  const until = billedUntil(invoice);
  return state.data.creditGrants
    .filter(
      (grant) =>
        grant.customer === invoice.customer &&
        grant.amount.monetary.currency === invoice.currency &&
        grant.voidedAt === null &&
        grant.effectiveAt <= until &&
        (grant.expiresAt === null || (until < grant.expiresAt && finalizesAt < grant.expiresAt)),
    )
    .sort(grantOrder)
    .map((grant) => ({
      creditGrant: grant.id,
      name: grant.name,
      remaining: grantRemaining(state, grant),
    }))
    .filter((grant) => grant.remaining > 0);
}

/** Finalization binds the credits the invoice took: one applied debit per grant. */
export function bindCredits(state: ScenarioState, invoice: Invoice): void {
  for (const { creditGrant, amount } of invoice.totalCreditGrantAmounts) {
    if (amount > 0) record(state, state.creditGrant(creditGrant), 'applied', amount, invoice.id);
  }
}

/** NOTE: voiding an invoice gives its credits back; a grant past its expiry expires them at once. */
export function restoreCredits(state: ScenarioState, invoice: Invoice): void {
  for (const { creditGrant, amount } of invoice.totalCreditGrantAmounts) {
    if (amount <= 0) continue;
    const grant = state.creditGrant(creditGrant);
    record(state, grant, 'restored', amount, invoice.id);
    if (grant.voidedAt === null && grant.expiresAt !== null && grant.expiresAt <= state.now)
      record(state, grant, 'expired', amount, null);
  }
}

/** The next expiry of a grant with something left, or Infinity. */
export function nextGrantExpiry(state: ScenarioState): number {
  let next = Infinity;
  for (const grant of state.data.creditGrants) {
    if (grant.voidedAt === null && grant.expiresAt !== null && grant.expiresAt < next)
      if (grantRemaining(state, grant) > 0) next = grant.expiresAt;
  }
  return next;
}

/** NOTE: at expiresAt what is left of a grant expires (an expired debit). */
export function expireDueGrants(state: ScenarioState): void {
  for (const grant of state.data.creditGrants) {
    if (grant.voidedAt !== null || grant.expiresAt === null || grant.expiresAt > state.now)
      continue;
    const remaining = grantRemaining(state, grant);
    if (remaining > 0) record(state, grant, 'expired', remaining, null);
  }
}
