// The minimum commitment of a subscription (a Meterlab extension): what the invoice closing a
// period must top its spend up to.
import { Dec, roundToMinor } from '../values/money';
import { formatMoney } from '../public/format';
import { trueUpLine } from '../rules/lines';
import { afterDiscounts } from '../rules/pipeline/amounts';
import { isWithin } from '../rules/pipeline/minimum';
import type { MinimumCommitmentInput } from '../rules/pipeline';
import { addIntervals } from '../rules/periods';
import type { Invoice, Subscription } from '../public/types';
import type { ScenarioState } from './state';

/**
 * The commitment the invoice checks, or null. NOTE: the invoice that bills a period's metered
 * usage (its close, or a cancel with invoiceNow) checks that period.
 */
export function minimumFor(
  state: ScenarioState,
  invoice: Pick<
    Invoice,
    'subscription' | 'billingReason' | 'periodStart' | 'periodEnd' | 'lines' | 'currency'
  > & { id: string | null },
  /** The invoice's subscription, when the caller looked it up already. */
  subscription: Subscription | null = invoice.subscription
    ? state.subscription(invoice.subscription)
    : null,
): MinimumCommitmentInput | null {
  const minimum = subscription?.minimumCommitment;
  if (!subscription || !minimum) return null;
  if (
    invoice.billingReason !== 'subscription_cycle' &&
    invoice.billingReason !== 'subscription_cancel'
  )
    return null;
  const period = { start: invoice.periodStart, end: invoice.periodEnd };
  // NOTE: trial time commits nothing.
  if (subscription.trialEnd !== null && period.start < subscription.trialEnd) return null;
  // NOTE: a first partial period (up to the anchor, after a trial too) commits the share of the
  // interval that starts with it; a period
  // a cancel cut commits the share of it that ran. Rounded once.
  const share = (part: number, whole: number) =>
    roundToMinor(new Dec(minimum.amount).mul(part).div(whole));
  const rule = state.periodRule(subscription);
  const commitment =
    invoice.billingReason === 'subscription_cancel'
      ? share(period.end - period.start, subscription.currentPeriodEnd - period.start)
      : period.end === subscription.billingCycleAnchor && period.start < period.end
        ? share(
            period.end - period.start,
            addIntervals(period.start, rule.interval, rule.intervalCount) - period.start,
          )
        : minimum.amount;
  const baseElsewhere = state.data.invoices
    .filter(
      (other) =>
        other.id !== invoice.id &&
        other.subscription === subscription.id &&
        other.status !== 'void',
    )
    .flatMap((other: Invoice) => other.lines.data)
    .filter((line) => line.type !== 'minimum_commitment_true_up' && isWithin(line, period))
    .reduce((total, line) => total + afterDiscounts(line), 0);
  const existing = invoice.lines.data.find((line) => line.type === 'minimum_commitment_true_up');
  return {
    period,
    commitment,
    baseElsewhere,
    trueUpLine: (amount) =>
      trueUpLine(
        existing?.id ?? (invoice.id === null ? 'il_upcoming_minimum' : state.newId('il')),
        period,
        amount,
        invoice.currency,
        `The period's spend after discounts fell ${formatMoney(amount, invoice.currency)} short of the minimum commitment of ${formatMoney(commitment, invoice.currency)}; the base counts spend after discounts, before credits, balance and tax.`,
      ),
  };
}
