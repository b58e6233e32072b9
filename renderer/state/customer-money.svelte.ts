// A customer's money outside their subscriptions: the credit balance and its transactions (credit
// or debit it by hand), and credit grants (paid or promotional credit that pays metered lines)
// with the engine's credit balance summary. Amounts are typed in major units.
import type { BalanceTransactionArgs, CreditGrantCreateArgs } from '../../core/simulator/api';
import type {
  CreditBalanceSummary,
  CreditGrant,
  CreditGrantCategory,
  Customer,
  CustomerBalanceTransaction,
  Invoice,
  List,
} from '../../core/public/types';
import { amountIssue, minorUnits, numberOrText } from '../lib/money-input';
import { fromDateTimeInput } from '../lib/time';
import type { AppState } from './app.svelte';
import { EngineForm, type FieldIssue } from './form.svelte';
import { lookupLimit, Resource, Task } from './resource.svelte';

export class BalanceForm extends EngineForm {
  /** A credit lowers what the customer owes (a negative amount); a debit raises it. */
  direction = $state<'credit' | 'debit'>('credit');
  amount = $state('');
  currency = $state('EUR');
  description = $state('');
  readonly fields = ['amount', 'currency', 'description'];
  readonly labels = { amount: 'Amount', currency: 'Currency', description: 'Description' };

  get localIssues(): FieldIssue[] {
    const issue = amountIssue(this.amount, this.currency, 'Amount');
    return issue ? [{ param: 'amount', message: issue }] : [];
  }

  get args(): BalanceTransactionArgs {
    const minor = minorUnits(this.amount, this.currency) ?? 0;
    const description = this.description.trim();
    return {
      // The engine's sign: negative credits the customer, positive debits them.
      amount: this.direction === 'credit' ? -minor : minor,
      currency: this.currency.trim(),
      ...(description ? { description } : {}),
    };
  }
}

export class GrantForm extends EngineForm {
  amount = $state('');
  currency = $state('EUR');
  category = $state<CreditGrantCategory>('promotional');
  priority = $state('50');
  /** A datetime-local value read as UTC; empty: the grant never expires. */
  expiresAt = $state('');
  name = $state('');
  readonly fields = [
    'amount.monetary.value',
    'amount.monetary.currency',
    'category',
    'priority',
    'expiresAt',
    'name',
  ];
  readonly labels = {
    'amount.monetary.value': 'Amount',
    'amount.monetary.currency': 'Currency',
    priority: 'Priority',
    expiresAt: 'Expires',
    effectiveAt: 'Takes effect',
    category: 'Kind',
    name: 'Grant name',
  };

  get localIssues(): FieldIssue[] {
    const issues: FieldIssue[] = [];
    const amount = amountIssue(this.amount, this.currency, 'Amount');
    if (amount) issues.push({ param: 'amount.monetary.value', message: amount });
    if (this.expiresAt.trim() && fromDateTimeInput(this.expiresAt.trim()) === null)
      issues.push({ param: 'expiresAt', message: 'Expires: enter a date and time (UTC).' });
    return issues;
  }

  args(customer: string): CreditGrantCreateArgs {
    const expiresAt = fromDateTimeInput(this.expiresAt.trim());
    const name = this.name.trim();
    return {
      customer,
      amount: {
        type: 'monetary',
        monetary: {
          value: minorUnits(this.amount, this.currency) ?? 0,
          currency: this.currency.trim(),
        },
      },
      category: this.category,
      applicabilityConfig: { scope: { priceType: 'metered' } },
      priority: numberOrText(this.priority) as number,
      ...(expiresAt !== null ? { expiresAt } : {}),
      ...(name ? { name } : {}),
    };
  }
}

/** The engine's states of a grant, and 'used_up': active with nothing left. */
export type GrantStatus = 'active' | 'used_up' | 'scheduled' | 'expired' | 'voided';

/** A grant as the list shows it: what finalized invoices used of it, and what is left. */
export interface GrantRow {
  grant: CreditGrant;
  status: GrantStatus;
  /** Paid out on finalized invoices (void ones gave theirs back). */
  applied: number;
  /** What drafts are estimated to take when they finalize. */
  pending: number;
  /** What the grant can still pay: 0 once it expired or was voided. */
  remaining: number;
}

export function grantStatus(grant: CreditGrant, now: number): Exclude<GrantStatus, 'used_up'> {
  if (grant.voidedAt !== null) return 'voided';
  if (grant.expiresAt !== null && grant.expiresAt <= now) return 'expired';
  return grant.effectiveAt > now ? 'scheduled' : 'active';
}

/**
 * The grants with what the customer's invoices took of each. Credit binds when an invoice is
 * finalized and a voided invoice gives it back (docs/billing-rules.md), so finalized invoices
 * that are not void count; drafts show what they are estimated to take.
 */
export function grantRows(grants: CreditGrant[], invoices: Invoice[], now: number): GrantRow[] {
  const taken = (grant: string, bound: boolean) =>
    invoices
      .filter((invoice) => (invoice.status === 'draft') !== bound && invoice.status !== 'void')
      .flatMap((invoice) => invoice.totalCreditGrantAmounts)
      .filter((entry) => entry.creditGrant === grant)
      .reduce((total, entry) => total + entry.amount, 0);
  return grants.map((grant) => {
    const status = grantStatus(grant, now);
    const applied = taken(grant.id, true);
    const open = status === 'active' || status === 'scheduled';
    const remaining = open ? grant.amount.monetary.value - applied : 0;
    return {
      grant,
      status: status === 'active' && remaining === 0 ? 'used_up' : status,
      applied,
      pending: open ? taken(grant.id, false) : 0,
      remaining,
    };
  });
}

export class CustomerMoneyState {
  readonly transactions: Resource<List<CustomerBalanceTransaction> | null>;
  readonly grants: Resource<List<CreditGrant> | null>;
  readonly summary: Resource<CreditBalanceSummary | null>;
  readonly invoices: Resource<List<Invoice> | null>;
  readonly balanceForm = new BalanceForm();
  readonly grantForm = new GrantForm();
  /** Expire and void: their refusal shows above the grants. */
  readonly grantTask = new Task();
  readonly #app: AppState;
  readonly #customer: () => Customer | null;

  constructor(app: AppState, customer: () => Customer | null) {
    this.#app = app;
    this.#customer = customer;
    const forCustomer =
      <T>(read: (id: string) => Promise<T>) =>
      (): Promise<T | null> => {
        const id = customer()?.id;
        return id ? read(id) : Promise.resolve(null);
      };
    this.transactions = new Resource(
      forCustomer((id) => app.api.call('customers.listBalanceTransactions', id, { limit: 100 })),
    );
    this.grants = new Resource(
      forCustomer((id) => app.api.call('billing.creditGrants.list', { customer: id, limit: 100 })),
    );
    this.summary = new Resource(
      forCustomer((id) => app.api.call('billing.creditBalanceSummary.retrieve', { customer: id })),
    );
    this.invoices = new Resource(
      forCustomer((id) => app.api.call('invoices.list', { customer: id, limit: lookupLimit })),
    );
  }

  load(): void {
    // New amounts start in the customer's currency once they have one.
    const currency = this.#customer()?.currency;
    if (currency) {
      this.balanceForm.currency = currency;
      this.grantForm.currency = currency;
    }
    void this.transactions.load();
    void this.grants.load();
    void this.summary.load();
    void this.invoices.load();
  }

  get rows(): GrantRow[] {
    return grantRows(
      this.grants.value?.data ?? [],
      this.invoices.value?.data ?? [],
      this.#app.clock?.frozenTime ?? 0,
    );
  }

  async addBalanceTransaction(): Promise<CustomerBalanceTransaction | undefined> {
    const id = this.#customer()?.id;
    if (!id) return undefined;
    const args = this.balanceForm.args;
    const done = await this.balanceForm.submit(() =>
      this.#app.change('customers.createBalanceTransaction', id, args),
    );
    if (done) {
      this.balanceForm.amount = '';
      this.balanceForm.description = '';
    }
    return done;
  }

  async createGrant(): Promise<CreditGrant | undefined> {
    const id = this.#customer()?.id;
    if (!id) return undefined;
    const args = this.grantForm.args(id);
    const grant = await this.grantForm.submit(() =>
      this.#app.change('billing.creditGrants.create', args),
    );
    if (grant) {
      this.grantForm.amount = '';
      this.grantForm.name = '';
    }
    return grant;
  }

  expire(grant: string): Promise<CreditGrant | undefined> {
    return this.grantTask.run(() => this.#app.change('billing.creditGrants.expire', grant));
  }

  voidGrant(grant: string): Promise<CreditGrant | undefined> {
    return this.grantTask.run(() => this.#app.change('billing.creditGrants.voidGrant', grant));
  }
}
