// Usage records: where a record may land (the open period, or a draft still in its grace), one
// record or an all-or-nothing batch, and per-period summaries.
import { makeId } from '../values/ids';
import { invalidRequest } from '../values/errors';
import { aggregateUsage } from '../rules/aggregation';
import { amountCeiling, quotePrice } from '../rules/pricing';
import { utcSeconds } from '../values/time';
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
import { evaluateThresholds } from './billing-thresholds';
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

const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/**
 * NOTE: a record is refused when it is reported if a period it lands in would then bill beyond
 * exact integer range (its aggregate, or its line's amount), never later at the period's close.
 */
function checkExactRange(target: ReturnType<typeof usageTarget>, columns: UsageColumns): void {
  const { item, subscription, price, span } = target;
  const strategy = price.recurring.aggregateUsage ?? 'sum';
  const open = {
    start: Math.max(subscription.currentPeriodStart, item.usageStart),
    end: subscription.currentPeriodEnd,
  };
  const draft = span.draft ? [{ start: span.from, end: span.draft.periodEnd }] : [];
  for (const period of [...draft, open]) {
    const { quantity } = aggregateUsage(strategy, columns, period);
    const amount = Number.isSafeInteger(quantity) ? amountCeiling(price, quantity) : null;
    if (amount !== null && amount.lte(MAX_EXACT)) continue;
    if (amount !== null && tryQuote(price, quantity)) continue;
    throw invalidRequest(
      'quantity_too_large',
      'quantity',
      `With this usage ${item.id} would bill ${Number.isSafeInteger(quantity) ? `${quantity} units, an amount` : 'a quantity'} beyond the ${MAX_EXACT} minor units Meterlab bills exactly, in the period from ${utcSeconds(period.start)}: report smaller quantities, or use a price with a smaller unit amount.`,
    );
  }
}

/** True when the line's amount stays within exact range. */
function tryQuote(price: Price, quantity: number): boolean {
  try {
    quotePrice(price, quantity);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes records to an item's usage (through its generators when it has any), then refreshes a
 * draft the records landed in. Nothing after the write can fail: the records are validated by
 * `ingest` before it stores any, and where a cheap bound cannot rule out an amount beyond exact
 * range, the write is tried first on a copy and checked.
 */
function writeRecords<T>(
  state: ScenarioState,
  itemId: string,
  records: { timestamp: number; quantity: number }[],
  ingest: (columns: UsageColumns, span: AcceptedSpan) => T,
): T {
  const target = usageTarget(state, itemId);
  const id = target.item.id;
  const touched = records.map((record) => record.timestamp);
  const write = (columns: UsageColumns, manual?: UsageColumns) => {
    const into = (recordsInto: UsageColumns) => ingest(recordsInto, target.span);
    const generated = state.generated.writeManual(id, columns, touched, into, manual);
    return generated ? generated.result : into(columns);
  };
  const current = state.columns(id);
  let added = 0;
  for (const { quantity } of records) if (quantity > 0) added += quantity;
  const quantityBound = (current.length + records.length) * (current.maxValue + added);
  const surelyExact =
    Number.isSafeInteger(quantityBound) &&
    amountCeiling(target.price, quantityBound).lte(MAX_EXACT);
  if (!surelyExact) {
    const trial = current.clone();
    write(trial, state.generated.manualCopy(id) ?? undefined);
    checkExactRange(target, trial);
  }
  const result = state.writeUsage(id, (columns) => write(columns));
  const draft = target.span.draft;
  if (draft && touched.some((timestamp) => timestamp < draft.periodEnd))
    refreshDraftLine(state, draft, id);
  // NOTE: billing thresholds are evaluated after every accepted record or batch (N7.2).
  evaluateThresholds(state, target.subscription);
  return result;
}

export const usageRecords = {
  create: method({
    params: [param('', usageRecordCreateArgs), param('options', requestOptions)],
    mutates: true,
    idempotent: true,
    atomic: true,
    run: (state, [args]): UsageRecord => {
      const action: UsageAction = args.action ?? 'increment';
      const timestamp = args.timestamp ?? state.now;
      const record = { quantity: args.quantity, timestamp, action };
      writeRecords(state, args.subscriptionItem, [record], (columns, span) =>
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
    atomic: true,
    run: (state, [args]) => {
      // The records are checked by ingestBatch's own loop (fast for 100k records).
      const records = args.records.map((record) => {
        const { timestamp, quantity } = (record ?? {}) as {
          timestamp?: unknown;
          quantity?: unknown;
        };
        return {
          timestamp: typeof timestamp === 'number' ? timestamp : state.now,
          quantity: typeof quantity === 'number' ? quantity : 0,
        };
      });
      const { count } = writeRecords(state, args.subscriptionItem, records, (columns, span) =>
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
      return list(data, { limit: args.limit ?? 10 });
    },
  }),
};
