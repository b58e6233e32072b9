// A subscription's status as payments succeed and fail, and its end. Invoicing and the API's
// cancel both end subscriptions through here.
import type { Invoice, Subscription } from '../public/types';
import type { ScenarioState } from './state';

export function endSubscription(state: ScenarioState, subscription: Subscription): void {
  state.willChange(subscription);
  subscription.status = 'canceled';
  subscription.canceledAt ??= state.now;
  subscription.endedAt = state.now;
  state.data.pendingLines = state.data.pendingLines.filter(
    (pending) => pending.subscription !== subscription.id,
  );
  state.emit('customer.subscription.deleted', subscription);
}

/** An active subscription whose invoice failed to charge becomes past_due. */
export function markPastDue(state: ScenarioState, subscription: Subscription): void {
  if (subscription.status !== 'active' || state.isEnded(subscription)) return;
  state.willChange(subscription);
  subscription.status = 'past_due';
  state.emit('customer.subscription.updated', subscription);
}

/** A past_due subscription becomes active again once none of its invoices awaits payment. */
export function reactivateIfSettled(state: ScenarioState, invoice: Invoice): void {
  const subscription = state.subscriptionOf(invoice);
  if (!subscription || subscription.status !== 'past_due') return;
  const awaiting = state.data.invoices.some(
    (other) =>
      other.subscription === subscription.id && other.status === 'open' && other.attemptCount > 0,
  );
  if (!awaiting) {
    subscription.status = 'active';
    state.emit('customer.subscription.updated', subscription);
  }
}

/** NOTE: when retries run out the subscription is canceled, or left unpaid (a setting). */
export function onRetriesExhausted(state: ScenarioState, subscription: Subscription): void {
  if (state.isEnded(subscription)) return;
  state.willChange(subscription);
  if (state.data.settings.whenRetriesExhausted === 'unpaid') {
    subscription.status = 'unpaid';
    state.emit('customer.subscription.updated', subscription);
    return;
  }
  endSubscription(state, subscription);
}
