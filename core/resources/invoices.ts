// The invoices API: read, pay, void, mark uncollectible, and the upcoming invoice (with a
// proposed subscription update applied to a copy: a proration preview).
import { copy } from '../values/json';
import type { LineContext } from '../rules/lines';
import { periodAt } from '../rules/periods';
import type { InvoiceLine, Subscription, UpcomingInvoice } from '../public/types';
import { method, param } from './entry';
import {
  invoiceBody,
  markUncollectible,
  payInvoice,
  pendingLinesOf,
  periodLines,
  voidInvoice,
} from './invoicing';
import { invoiceListArgs, objectIdOf, upcomingArgs } from './schemas';
import { list } from './state';
import type { ScenarioState } from './state';
import { applyUpdate, openSubscription, previewItem } from './subscriptions';
import { invalidRequest } from '../values/errors';

/** The invoice the open period will produce; `proposedLines` are pending lines to preview. */
function upcoming(
  state: ScenarioState,
  subscription: Subscription,
  proposedLines: InvoiceLine[] = [],
): UpcomingInvoice {
  if (state.isEnded(subscription)) {
    throw invalidRequest(
      'subscription_ended',
      'subscription',
      `${subscription.id} has ended: it has no upcoming invoice.`,
    );
  }
  let previewLine = 0;
  const context: LineContext = {
    ...state.lineContext,
    newLineId: () => `il_upcoming_${previewLine++}`,
  };
  const period = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };
  const nextIndex = state.data.periodIndex[subscription.id]! + 1;
  const lines = periodLines(state, context, subscription, {
    meteredUntil: period.end,
    pending: [...pendingLinesOf(state, subscription.id), ...proposedLines],
    licensedPeriod: subscription.cancelAtPeriodEnd
      ? null
      : periodAt(state.periodRule(subscription), nextIndex),
  });
  const finalizesAt = period.end + state.data.settings.finalizationDelaySeconds;
  return invoiceBody(
    state,
    null,
    subscription,
    'subscription_cycle',
    period,
    lines,
    finalizesAt,
    'upcoming',
  ) as UpcomingInvoice;
}

export const invoices = {
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => copy(state.invoice(id)),
  }),
  list: method({
    params: [param('', invoiceListArgs)],
    mutates: false,
    run: (state, [args]) => {
      const found = state.data.invoices.filter(
        (invoice) =>
          (!args?.subscription || invoice.subscription === args.subscription) &&
          (!args?.customer || invoice.customer === args.customer) &&
          (!args?.status || invoice.status === args.status),
      );
      return list(found.reverse(), args);
    },
  }),
  /** The open period's invoice as it stands; with items/prorationBehavior, as it would be
   * after that subscriptions.update (a proration preview). Changes nothing. */
  upcoming: method({
    params: [param('', upcomingArgs)],
    mutates: false,
    run: (state, [{ subscription: id, items, prorationBehavior }]) => {
      const subscription = state.subscription(id, 'subscription');
      if (items === undefined && prorationBehavior === undefined)
        return upcoming(state, subscription);
      const proposed = copy(openSubscription(state, id, 'subscription'));
      let preview = 0;
      const context: LineContext = {
        ...state.lineContext,
        newLineId: () => `il_preview_${preview++}`,
      };
      const update = {
        ...(items ? { items } : {}),
        ...(prorationBehavior ? { prorationBehavior } : {}),
      };
      const lines = applyUpdate(state, proposed, update, context, (price, quantity) =>
        previewItem(state, proposed.id, price, quantity, `si_preview_${preview++}`),
      );
      // always_invoice would bill these at once, on an invoice of their own; shown here all the same.
      return upcoming(state, proposed, prorationBehavior === 'none' ? [] : lines);
    },
  }),
  pay: method({
    params: [param('id', objectIdOf)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id]) => {
      const invoice = state.invoice(id);
      payInvoice(state, invoice);
      return copy(invoice);
    },
  }),
  voidInvoice: method({
    params: [param('id', objectIdOf)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id]) => {
      const invoice = state.invoice(id);
      voidInvoice(state, invoice);
      return copy(invoice);
    },
  }),
  markUncollectible: method({
    params: [param('id', objectIdOf)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id]) => {
      const invoice = state.invoice(id);
      markUncollectible(state, invoice);
      return copy(invoice);
    },
  }),
};
