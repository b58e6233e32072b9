// Credit grants: prepaid (paid) or promotional credit that pays a customer's metered lines, in
// priority order, bound when an invoice is finalized; the ledger of what each grant lost.
import type { z } from 'zod';
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import { normalizeCurrency } from '../values/money';
import type { AvailableGrant } from '../rules/pipeline';
import type {
  CreditBalanceSummary,
  CreditBalanceTransaction,
  CreditGrant,
  Invoice,
} from '../public/types';
import { method, param } from './entry';
import {
  creditBalanceSummaryArgs,
  creditGrantCreateArgs,
  creditGrantListArgs,
  objectIdOf,
} from './schemas';
import { list } from './state';
import type { ScenarioState } from './state';

/** What is left of a grant: its value less what was applied or expired, plus what came back. */
export function grantRemaining(state: ScenarioState, grant: CreditGrant): number {
  let remaining = grant.amount.monetary.value;
  for (const tx of state.data.creditBalanceTransactions) {
    if (tx.creditGrant !== grant.id) continue;
    remaining += tx.type === 'restored' ? tx.amount : -tx.amount;
  }
  return remaining;
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

function createGrant(
  state: ScenarioState,
  args: z.output<typeof creditGrantCreateArgs>,
): CreditGrant {
  const customer = state.customer(args.customer);
  const currency = normalizeCurrency(args.amount.monetary.currency, 'amount.monetary.currency');
  const effectiveAt = args.effectiveAt ?? state.now;
  if (effectiveAt < state.now)
    throw invalidRequest(
      'credit_grant_invalid',
      'effectiveAt',
      `effectiveAt ${effectiveAt} is before the clock (${state.now}): grants take effect now or later.`,
    );
  if (args.expiresAt !== undefined && args.expiresAt <= effectiveAt)
    throw invalidRequest(
      'credit_grant_invalid',
      'expiresAt',
      `expiresAt ${args.expiresAt} is not after effectiveAt ${effectiveAt}: pass a later expiry, or none.`,
    );
  if (customer.currency !== null && customer.currency !== currency)
    throw invalidRequest(
      'currency_mismatch',
      'amount.monetary.currency',
      `${customer.id} is billed in ${customer.currency}, not ${currency}: grant credit in ${customer.currency}.`,
    );
  const grant: CreditGrant = {
    id: state.newId('credgr'),
    object: 'billing.credit_grant',
    customer: customer.id,
    amount: { type: 'monetary', monetary: { value: args.amount.monetary.value, currency } },
    category: args.category ?? 'paid',
    applicabilityConfig: { scope: { priceType: 'metered' } },
    priority: args.priority ?? 50,
    effectiveAt,
    expiresAt: args.expiresAt ?? null,
    name: args.name ?? null,
    voidedAt: null,
    created: state.now,
  };
  state.addCreditGrant(grant);
  state.emit('billing.credit_grant.created', grant);
  return grant;
}

/** A grant that has not expired nor been voided, or credit_grant_not_active. */
function activeGrant(state: ScenarioState, id: string): CreditGrant {
  const grant = state.creditGrant(id, 'id');
  if (grant.voidedAt !== null || (grant.expiresAt !== null && grant.expiresAt <= state.now))
    throw invalidRequest(
      'credit_grant_not_active',
      'id',
      `${grant.id} has ${grant.voidedAt !== null ? 'been voided' : 'expired'} already.`,
    );
  return grant;
}

/**
 * NOTE: the ledger is what effective, non-voided grants have left; available is the ledger less
 * the credits the customer's drafts are estimated to take.
 */
function balanceSummary(state: ScenarioState, customerId: string): CreditBalanceSummary {
  state.customer(customerId);
  const byCurrency = new Map<string, { ledger: number; available: number }>();
  const entry = (currency: string) => {
    if (!byCurrency.has(currency)) byCurrency.set(currency, { ledger: 0, available: 0 });
    return byCurrency.get(currency)!;
  };
  for (const grant of state.data.creditGrants) {
    if (grant.customer !== customerId || grant.voidedAt !== null || grant.effectiveAt > state.now)
      continue;
    const left = grantRemaining(state, grant);
    const totals = entry(grant.amount.monetary.currency);
    totals.ledger += left;
    totals.available += left;
  }
  for (const invoice of state.data.invoices) {
    if (invoice.customer !== customerId || invoice.status !== 'draft') continue;
    for (const { amount } of invoice.totalCreditGrantAmounts)
      entry(invoice.currency).available -= amount;
  }
  const money = (value: number, currency: string) => ({
    type: 'monetary' as const,
    monetary: { value, currency },
  });
  return {
    object: 'billing.credit_balance_summary',
    customer: customerId,
    balances: [...byCurrency].map(([currency, { ledger, available }]) => ({
      availableBalance: money(Math.max(0, available), currency),
      ledgerBalance: money(ledger, currency),
    })),
  };
}

export const creditGrants = {
  create: method({
    params: [param('', creditGrantCreateArgs)],
    mutates: true,
    journal: 'argumentsAndId',
    run: (state, [args]) => copy(createGrant(state, args)),
  }),
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => copy(state.creditGrant(id, 'id')),
  }),
  list: method({
    params: [param('', creditGrantListArgs)],
    mutates: false,
    run: (state, [args]) =>
      list(
        state.data.creditGrants
          .filter((g) => !args?.customer || g.customer === args.customer)
          .reverse(),
        args?.limit,
      ),
  }),
  /** NOTE: expire ends a grant now; what is left of it expires. */
  expire: method({
    params: [param('id', objectIdOf)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id]) => {
      const grant = activeGrant(state, id);
      grant.expiresAt = state.now;
      expireDueGrants(state);
      state.emit('billing.credit_grant.updated', grant);
      return copy(grant);
    },
  }),
  /** NOTE: only a grant none of which paid a finalized invoice can be voided. */
  voidGrant: method({
    params: [param('id', objectIdOf)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id]) => {
      const grant = activeGrant(state, id);
      const applied = state.data.creditBalanceTransactions
        .filter((tx) => tx.creditGrant === grant.id && tx.type !== 'expired')
        .reduce((total, tx) => total + (tx.type === 'applied' ? tx.amount : -tx.amount), 0);
      if (applied > 0)
        throw invalidRequest(
          'credit_grant_already_applied',
          'id',
          `${grant.id} already paid finalized invoices: expire it instead to stop further use.`,
        );
      grant.voidedAt = state.now;
      state.emit('billing.credit_grant.updated', grant);
      return copy(grant);
    },
  }),
};

export const creditBalanceSummary = {
  retrieve: method({
    params: [param('', creditBalanceSummaryArgs)],
    mutates: false,
    run: (state, [args]) => balanceSummary(state, args.customer),
  }),
};
