// A customer's credit balance: adjustments by hand, applications by finalized invoices, and the
// currency it is kept in. Negative is credit owed to the customer.
import { invalidRequest } from '../values/errors';
import type { BalanceTransactionType, Customer, CustomerBalanceTransaction } from '../public/types';
import type { ScenarioState } from './state';

/**
 * NOTE: a customer's currency is fixed by its first subscription or balance transaction; money
 * in another currency is refused.
 */
export function settleCurrency(customer: Customer, currency: string, param: string): void {
  if (customer.currency === null) return;
  if (customer.currency !== currency) {
    throw invalidRequest(
      'currency_mismatch',
      param,
      `${customer.id} is billed in ${customer.currency}, not ${currency}: use ${customer.currency}, or another customer for ${currency}.`,
    );
  }
}

/** Moves the balance by `amount` and records the move (the caller checked the currency). */
export function moveBalance(
  state: ScenarioState,
  customer: Customer,
  fields: {
    type: BalanceTransactionType;
    amount: number;
    currency: string;
    invoice: string | null;
    description: string | null;
  },
): CustomerBalanceTransaction {
  state.willChange(customer);
  customer.currency = fields.currency;
  customer.balance += fields.amount;
  const transaction: CustomerBalanceTransaction = {
    id: state.newId('cbtxn'),
    object: 'customer_balance_transaction',
    customer: customer.id,
    ...fields,
    endingBalance: customer.balance,
    created: state.now,
  };
  state.data.balanceTransactions.push(transaction);
  return transaction;
}
