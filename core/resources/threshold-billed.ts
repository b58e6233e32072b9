// What threshold invoices already billed for a metered item in its open usage span: the amount a
// later invoice of the span takes off as "Amount previously billed", and the quantity a usage
// threshold counts from.
import type { Subscription, SubscriptionItem } from '../public/types';
import type { ScenarioState } from './state';

export interface BilledSoFar {
  /** Σ of the item's usage lines and previously-billed lines on those invoices (gross billed). */
  amount: number;
  /** The quantity on the item's latest threshold invoice of the span (0 if none). */
  quantity: number;
}

/**
 * NOTE: billed_i counts the threshold invoices of the item's open span (the current period, or
 * since a metered price swap); a voided one no longer counts, so its usage is billed again.
 */
export function billedSoFar(
  state: ScenarioState,
  subscription: Subscription,
  item: SubscriptionItem,
): BilledSoFar {
  const invoices = state.thresholdInvoices(subscription.id);
  const spanStart = Math.max(subscription.currentPeriodStart, item.usageStart);
  let amount = 0;
  let quantity: number | null = null;
  for (let index = invoices.length - 1; index >= 0; index--) {
    const invoice = invoices[index]!;
    if (invoice.created < subscription.currentPeriodStart) break;
    if (invoice.status === 'void') continue;
    for (const line of invoice.lines.data) {
      if (line.subscriptionItem !== item.id || line.period.start !== spanStart) continue;
      if (line.type === 'previously_billed') amount += line.amount;
      else if (line.type === 'subscription' && !line.proration) {
        amount += line.amount;
        quantity ??= line.quantity;
      }
    }
  }
  return { amount, quantity: quantity ?? 0 };
}
