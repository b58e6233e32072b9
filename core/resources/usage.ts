// Usage records: where a record may land (the open period, or a draft still in its grace), one
// record or an all-or-nothing batch, and per-period summaries.
import { makeId } from '../values/ids';
import { invalidRequest } from '../values/errors';
import { aggregateUsage } from '../rules/aggregation';
import { ingestBatch, ingestOne } from '../rules/usage/ingest';
import type { UsageWindow } from '../rules/usage/ingest';
import type { UsageColumns } from '../rules/usage/columns';
import type {
  AggregateUsage,
  Invoice,
  Price,
  Subscription,
  SubscriptionItem,
  UsageAction,
  UsageRecord,
} from '../public/types';
import { method, param } from './entry';
import { refreshDraftLine } from './invoicing';
import {
  requestOptions,
  summariesArgs,
  usageRecordBatchEnvelope,
  usageRecordCreateArgs,
} from './schemas';
import { list } from './state';
import type { ScenarioState } from './state';

/** Where a new usage record of an item may land, and the draft it would update. */
export interface AcceptedSpan extends UsageWindow {
  draft: Invoice | null;
}

/**
 * The span a new usage record may land in for this item. NOTE: records before the start of the
 * item's current period are "backdated" and rejected, except while the previous period's
 * invoice is still a draft: then they land in it and update the draft.
 */
function acceptedSpan(
  state: ScenarioState,
  item: SubscriptionItem,
  subscription: Subscription,
): AcceptedSpan | null {
  const draft = state.gracefulDrafts.get(subscription.id) ?? null;
  const draftLine = draft?.lines.data.find(
    (line) =>
      line.subscriptionItem === item.id && line.explanation.aggregation !== null && !line.proration,
  );
  const ended = state.isEnded(subscription);
  if (ended && !draftLine) return null;
  const currentFrom = Math.max(subscription.currentPeriodStart, item.usageStart);
  // A price swap moves usageStart into the current period: the time before it was billed.
  const billedGap =
    draftLine && item.usageStart > subscription.currentPeriodStart
      ? { start: subscription.currentPeriodStart, end: item.usageStart }
      : null;
  return {
    from: draftLine ? draftLine.period.start : currentFrom,
    until: ended ? subscription.endedAt! : Infinity,
    now: state.now,
    billedGap,
    draft: draftLine ? draft : null,
  };
}

/** A metered item that takes usage now, and where its records may land. */
export function usageTarget(
  state: ScenarioState,
  itemId: string,
): { item: SubscriptionItem; subscription: Subscription; price: Price; span: AcceptedSpan } {
  const { item, subscription } = state.item(itemId);
  const price = state.price(item.price);
  if (price.recurring.usageType !== 'metered') {
    throw invalidRequest(
      'usage_on_licensed_item',
      'subscriptionItem',
      `${item.id} has a licensed price (${price.id}): usage records need a metered price. Change its quantity instead.`,
    );
  }
  // NOTE (Meterlab's decision): an item priced by a meter takes meter events, not usage records.
  if (price.recurring.meter !== null) {
    throw invalidRequest(
      'usage_records_not_supported',
      'subscriptionItem',
      `${item.id} has a price billed by meter ${price.recurring.meter}: send billing.meterEvents.create with the meter's event name instead of usage records.`,
    );
  }
  const span = acceptedSpan(state, item, subscription);
  if (!span) {
    throw invalidRequest(
      'subscription_item_ended',
      'subscriptionItem',
      `${item.id} belongs to ${subscription.id}, which ended at ${subscription.endedAt}: usage can no longer be reported for it.`,
    );
  }
  return { item, subscription, price, span };
}

/**
 * Writes records to an item's usage (through its generators when it has any), then refreshes a
 * draft the records landed in.
 */
function writeRecords<T>(
  state: ScenarioState,
  itemId: string,
  touched: number[],
  ingest: (columns: UsageColumns, span: AcceptedSpan) => T,
): T {
  const target = usageTarget(state, itemId);
  const result = state.writeUsage(target.item.id, (columns) => {
    const write = (into: UsageColumns) => ingest(into, target.span);
    const generated = state.generated.writeManual(target.item.id, columns, touched, write);
    return generated ? generated.result : write(columns);
  });
  const draft = target.span.draft;
  if (draft && touched.some((timestamp) => timestamp < draft.periodEnd))
    refreshDraftLine(state, draft, target.item.id);
  return result;
}

export const usageRecords = {
  create: method({
    params: [param('', usageRecordCreateArgs), param('options', requestOptions)],
    mutates: true,
    idempotent: true,
    run: (state, [args]): UsageRecord => {
      const action: UsageAction = args.action ?? 'increment';
      const timestamp = args.timestamp ?? state.now;
      const record = { quantity: args.quantity, timestamp, action };
      writeRecords(state, args.subscriptionItem, [timestamp], (columns, span) =>
        ingestOne(columns, span, record),
      );
      return {
        id: makeId('mbu', state.data.seed, state.data.usageRecordCounter++),
        object: 'usage_record',
        subscriptionItem: args.subscriptionItem,
        quantity: args.quantity,
        timestamp,
        action,
      };
    },
  }),
  createBatch: method({
    params: [param('', usageRecordBatchEnvelope), param('options', requestOptions)],
    mutates: true,
    idempotent: true,
    run: (state, [args]) => {
      // The records are checked by ingestBatch's own loop (fast for 100k records).
      const touched = args.records.map((record) => {
        const timestamp = (record as { timestamp?: unknown } | null)?.timestamp;
        return typeof timestamp === 'number' ? timestamp : state.now;
      });
      const { count } = writeRecords(state, args.subscriptionItem, touched, (columns, span) =>
        ingestBatch(columns, span, args.records),
      );
      return {
        object: 'usage_record_batch' as const,
        subscriptionItem: args.subscriptionItem,
        count,
      };
    },
  }),
  summaries: method({
    params: [param('', summariesArgs)],
    mutates: false,
    run: (state, [args]) => {
      const { item, subscription } = state.item(args.subscriptionItem);
      const price = state.price(item.price);
      const strategy: AggregateUsage = price.recurring.aggregateUsage ?? 'sum';
      const columns = state.columns(item.id);
      const periods = state.periodsOf(subscription).filter((period) => period.end > item.created);
      const data = periods.map((period, index) => {
        const span = {
          start: Math.max(period.start, index === 0 ? item.usageStart : item.created),
          end: period.end,
        };
        return {
          id: `sis_${item.id.slice(3)}_${period.start}`,
          object: 'usage_record_summary' as const,
          subscriptionItem: item.id,
          period: span,
          totalUsage: aggregateUsage(strategy, columns, span).quantity,
          aggregateUsage: strategy,
          open: index === 0 && !state.isEnded(subscription),
        };
      });
      return list(data, args.limit ?? 10);
    },
  }),
};
