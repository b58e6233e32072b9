// Credit grants: prepaid (paid) or promotional credit that pays a customer's metered lines, in
// priority order, bound when an invoice is finalized (the ledger: credit-ledger.ts).
import type { z } from 'zod';
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import { normalizeCurrency } from '../values/money';
import type { CreditBalanceSummary, CreditGrant, CreditGrantBalance } from '../public/types';
import { expireDueGrants, grantLedger } from './credit-ledger';
import { method, param } from './entry';
import { repriceDrafts } from './invoice-pipeline';
import {
  creditBalanceSummaryArgs,
  creditGrantCreateArgs,
  creditGrantListArgs,
  objectIdOf,
} from './schemas';
import { list } from './state';
import type { ScenarioState } from './state';

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
  repriceDrafts(state, grant.customer);
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

/** NOTE: a grant is voided, expired, scheduled (not yet effective), used up (nothing left) or active. */
function grantStatus(
  grant: CreditGrant,
  now: number,
  remaining: number,
): CreditGrantBalance['status'] {
  if (grant.voidedAt !== null) return 'voided';
  if (grant.expiresAt !== null && grant.expiresAt <= now) return 'expired';
  if (grant.effectiveAt > now) return 'scheduled';
  return remaining === 0 ? 'used_up' : 'active';
}

/** Each draft's estimated take of each grant, for one customer. */
function pendingByGrant(state: ScenarioState, customerId: string): Map<string, number> {
  const pending = new Map<string, number>();
  for (const invoice of state.data.invoices) {
    if (invoice.customer !== customerId || invoice.status !== 'draft') continue;
    for (const { creditGrant, amount } of invoice.totalCreditGrantAmounts)
      pending.set(creditGrant, (pending.get(creditGrant) ?? 0) + amount);
  }
  return pending;
}

/**
 * NOTE: the ledger is what effective, non-voided grants have left; available is the ledger less
 * the credits the customer's drafts are estimated to take.
 */
function balanceSummary(state: ScenarioState, customerId: string): CreditBalanceSummary {
  state.customer(customerId);
  const pending = pendingByGrant(state, customerId);
  const byCurrency = new Map<string, { ledger: number; available: number }>();
  const grants: CreditGrantBalance[] = [];
  for (const grant of state.data.creditGrants) {
    if (grant.customer !== customerId) continue;
    const currency = grant.amount.monetary.currency;
    const ledger = grantLedger(state, grant);
    const status = grantStatus(grant, state.now, ledger.remaining);
    const open = status !== 'voided' && status !== 'expired';
    grants.push({
      creditGrant: grant.id,
      status,
      applied: ledger.applied,
      expired: ledger.expired,
      pending: open ? (pending.get(grant.id) ?? 0) : 0,
      remaining: open ? ledger.remaining : 0,
      currency,
    });
    const effective = open && status !== 'scheduled';
    if (!effective && !pending.has(grant.id)) continue;
    const totals = byCurrency.get(currency) ?? { ledger: 0, available: 0 };
    byCurrency.set(currency, totals);
    // What drafts take counts against the balance whatever the grant's state.
    totals.available -= pending.get(grant.id) ?? 0;
    if (effective) {
      totals.ledger += ledger.remaining;
      totals.available += ledger.remaining;
    }
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
    grants: grants.reverse(),
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
        args,
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
      repriceDrafts(state, grant.customer);
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
      if (grantLedger(state, grant).applied > 0)
        throw invalidRequest(
          'credit_grant_already_applied',
          'id',
          `${grant.id} already paid finalized invoices: expire it instead to stop further use.`,
        );
      grant.voidedAt = state.now;
      repriceDrafts(state, grant.customer);
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
