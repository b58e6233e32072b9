// A customer's money outside their subscriptions: the credit balance and its transactions (credit
// or debit it by hand), and credit grants (paid or promotional credit that pays metered lines)
// with the engine's credit balance summary. Amounts are typed in major units.
import type { BalanceTransactionArgs, CreditGrantCreateArgs } from '../../core/simulator/api';
import type {
  CreditBalanceSummary,
  CreditGrant,
  CreditGrantBalance,
  CreditGrantCategory,
  Customer,
  CustomerBalanceTransaction,
  List,
} from '../../core/public/types';
import { amountIssue, minorUnits, numberOrText } from '../lib/money-input';
import { fromDateTimeInput } from '../lib/time';
import type { AppState } from './app.svelte';
import { EngineForm, type FieldIssue } from './form.svelte';
import { Resource, Task } from './resource.svelte';

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

/** A grant as the list shows it, with the engine's ledger of it. */
export interface GrantRow {
  grant: CreditGrant;
  balance: CreditGrantBalance;
}

/** The grants beside their ledgers from the credit balance summary (both newest first). */
export function grantRows(grants: CreditGrant[], summary: CreditBalanceSummary | null): GrantRow[] {
  return grants.flatMap((grant) => {
    const balance = summary?.grants.find((entry) => entry.creditGrant === grant.id);
    return balance ? [{ grant, balance }] : [];
  });
}

export class CustomerMoneyState {
  readonly transactions: Resource<List<CustomerBalanceTransaction> | null>;
  readonly grants: Resource<List<CreditGrant> | null>;
  readonly summary: Resource<CreditBalanceSummary | null>;
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
  }

  get rows(): GrantRow[] {
    return grantRows(this.grants.value?.data ?? [], this.summary.value ?? null);
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
