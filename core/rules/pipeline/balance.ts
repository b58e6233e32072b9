// Pipeline steps 7 and 8: the customer's balance, then the amount due. A negative total is
// never lost: it becomes credit on the balance.
import { flat, formatMoney } from '../../public/format';
import type { InvoiceStep } from '../../public/types';
import { SharedSteps } from './shared-steps';

export interface BalanceOutcome {
  amountDue: number;
  /** null while the invoice is a draft (the balance binds at finalization). */
  endingBalance: number | null;
  steps: [InvoiceStep, InvoiceStep];
}

/** The step of a customer without a balance: one object every such invoice shares. */
const noBalance: InvoiceStep = {
  step: 'customer_balance',
  amount: 0,
  summary: 'The customer has no balance.',
};

/**
 * NOTE: x = total + starting balance; amountDue = max(0, x); the ending balance is min(0, x).
 * A draft shows the estimate and leaves the ending balance open.
 */
export function applyBalance(
  total: number,
  startingBalance: number,
  bound: boolean,
  currency: string,
): BalanceOutcome {
  const owed = total + startingBalance;
  const amountDue = Math.max(0, owed);
  const ending = Math.min(0, owed);
  const balanceStep: InvoiceStep =
    startingBalance === 0
      ? noBalance
      : {
          step: 'customer_balance',
          amount: startingBalance,
          summary: flat(
            `${startingBalance < 0 ? 'Credit' : 'Debit'} balance of ${formatMoney(Math.abs(startingBalance), currency)}${bound ? '' : ' (applied when the invoice is finalized)'}.`,
          ),
        };
  return {
    amountDue,
    endingBalance: bound ? ending : null,
    steps: [balanceStep, amountDueStep(total, startingBalance, bound, currency)],
  };
}

/** The amount-due steps of invoices without a starting balance, by total: drafts, then bound. */
const dueSteps = [new SharedSteps(), new SharedSteps()] as const;

function amountDueStep(
  total: number,
  startingBalance: number,
  bound: boolean,
  currency: string,
): InvoiceStep {
  const shared = startingBalance === 0 ? dueSteps[bound ? 1 : 0] : null;
  const known = shared?.find(total, currency) ?? null;
  if (known !== null) return known;
  const owed = total + startingBalance;
  const amountDue = Math.max(0, owed);
  const ending = Math.min(0, owed);
  const step: InvoiceStep = {
    step: 'amount_due',
    amount: amountDue,
    summary: flat(
      owed < 0
        ? `${formatMoney(total, currency)} + ${formatMoney(startingBalance, currency)} is below zero: nothing is due and ${formatMoney(-owed, currency)} ${bound ? 'stays' : 'would stay'} as credit on the balance.`
        : `${formatMoney(total, currency)} + ${formatMoney(startingBalance, currency)} = ${formatMoney(amountDue, currency)} due${startingBalance !== 0 || bound ? `; the balance ${bound ? 'becomes' : 'would become'} ${formatMoney(ending, currency)}` : ''}.`,
    ),
  };
  return shared ? shared.keep(total, currency, step) : step;
}

/** The payment steps, by amount due. */
const paymentSteps = new SharedSteps();

/** Step 9, as a text: what happens to the amount due. */
export function paymentStep(amountDue: number, currency: string): InvoiceStep {
  const known = paymentSteps.find(amountDue, currency);
  if (known !== null) return known;
  return paymentSteps.keep(amountDue, currency, {
    step: 'payment',
    amount: amountDue,
    summary:
      amountDue === 0
        ? 'Nothing to charge: the invoice is paid at once when finalized.'
        : flat(
            `${formatMoney(amountDue, currency)} is charged to the customer's payment method when finalized, with retries if it fails.`,
          ),
  });
}
