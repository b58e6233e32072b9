// Usage intake: the rules a record must pass before it is stored (BILLING-RULES.md, "Usage
// records"). A batch is all-or-nothing and is checked by a hand loop, not a schema: 10k records
// must validate in well under a millisecond.
import { utcSeconds } from '../../values/time';
import { invalidRequest } from '../../values/errors';
import type { ErrorCode } from '../../values/errors';
import type { UsageAction } from '../../public/types';
import type { UsageColumns } from './columns';

export interface UsageInput {
  quantity: number;
  timestamp: number;
  action: UsageAction;
}

/** Timestamps a record may carry: [from, until), and never after the clock's `now`. */
export interface UsageWindow {
  from: number;
  /** Exclusive; the end of an ended subscription, or Infinity. */
  until: number;
  now: number;
  /** Inside the window, a span already billed (before a price swap), or null. */
  billedGap: { start: number; end: number } | null;
}

/** Why a record's timestamp cannot be accepted, or null. */
function timestampProblem(
  timestamp: number,
  { from: acceptFrom, until, now, billedGap }: UsageWindow,
): string | null {
  if (billedGap && timestamp >= billedGap.start && timestamp < billedGap.end) {
    return `falls before ${utcSeconds(billedGap.end)}, when the item's price changed: the usage before the change was already billed at the old price`;
  }
  if (timestamp >= until) {
    return `falls at or after ${utcSeconds(until)}, when the subscription ended: nothing is billed after that`;
  }
  if (timestamp > now) {
    return `is in the future (the test clock is at ${utcSeconds(now)}): report usage at or before the clock's frozenTime, or advance the clock first`;
  }
  if (timestamp < acceptFrom) {
    return `is backdated: it falls before ${utcSeconds(acceptFrom)}, the start of the item's current billing period, whose earlier periods are already invoiced. Report usage promptly, within the open period`;
  }
  return null;
}

function timestampCode(timestamp: number, { until, now }: UsageWindow): ErrorCode {
  if (timestamp >= until) return 'subscription_item_ended';
  return timestamp > now ? 'timestamp_in_future' : 'timestamp_backdated';
}

/** Stores one record, or throws naming the field; nothing is stored on error. */
export function ingestOne(columns: UsageColumns, window: UsageWindow, record: UsageInput): void {
  const problem = timestampProblem(record.timestamp, window);
  if (problem) {
    throw invalidRequest(
      timestampCode(record.timestamp, window),
      'timestamp',
      `Timestamp ${record.timestamp} ${problem}.`,
    );
  }
  if (columns.wouldOverflow(record.timestamp, record.quantity, record.action)) {
    throw invalidRequest(
      'quantity_too_large',
      'quantity',
      `The usage at ${record.timestamp} would exceed ${Number.MAX_SAFE_INTEGER}: report smaller quantities.`,
    );
  }
  columns.apply(record.timestamp, record.quantity, record.action);
}

interface BadRecord {
  index: number;
  field: string;
  reason: string;
  code: ErrorCode;
}

const KNOWN_FIELDS = new Set(['quantity', 'timestamp', 'action']);

function checkRecord(raw: unknown, index: number, window: UsageWindow): BadRecord | UsageInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      index,
      field: '',
      reason: 'must be an object { quantity, timestamp?, action? }',
      code: 'parameter_invalid',
    };
  }
  const record = raw as Record<string, unknown>;
  for (const key in record) {
    if (!KNOWN_FIELDS.has(key))
      return {
        index,
        field: key,
        reason: 'is not a usage record field: remove it',
        code: 'parameter_unknown',
      };
  }
  const { quantity, timestamp = window.now, action = 'increment' } = record;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 0) {
    return {
      index,
      field: 'quantity',
      reason: `must be a non-negative whole number (got ${JSON.stringify(quantity)})`,
      code: quantity === undefined ? 'parameter_missing' : 'parameter_invalid',
    };
  }
  if (typeof timestamp !== 'number' || !Number.isInteger(timestamp) || timestamp < 0) {
    return {
      index,
      field: 'timestamp',
      reason: `must be unix seconds (got ${JSON.stringify(timestamp)})`,
      code: 'parameter_invalid',
    };
  }
  if (action !== 'increment' && action !== 'set') {
    return {
      index,
      field: 'action',
      reason: `must be "increment" or "set" (got ${JSON.stringify(action)})`,
      code: 'parameter_invalid',
    };
  }
  const problem = timestampProblem(timestamp, window);
  if (problem)
    return { index, field: 'timestamp', reason: problem, code: timestampCode(timestamp, window) };
  return { quantity, timestamp, action };
}

const LISTED_BAD_RECORDS = 10;

/**
 * Stores a whole batch, or nothing: every bad record is named by its index in the error.
 * Returns how many records were stored and the earliest timestamp among them.
 */
export function ingestBatch(
  columns: UsageColumns,
  window: UsageWindow,
  records: readonly unknown[],
): { count: number; earliest: number } {
  const count = records.length;
  const timestamps = new Float64Array(count);
  const quantities = new Float64Array(count);
  const bad: BadRecord[] = [];
  let firstAction: UsageAction | null = null;
  let mixedActions = false;
  let incrementTotal = 0;
  for (let i = 0; i < count; i++) {
    const checked = checkRecord(records[i], i, window);
    if ('index' in checked) {
      bad.push(checked);
      continue;
    }
    timestamps[i] = checked.timestamp;
    quantities[i] = checked.quantity;
    firstAction ??= checked.action;
    if (checked.action !== firstAction) mixedActions = true;
    if (checked.action === 'increment') incrementTotal += checked.quantity;
  }
  if (bad.length > 0) {
    const first = bad[0]!;
    const listed = bad
      .slice(0, LISTED_BAD_RECORDS)
      .map((b) => `records[${b.index}]${b.field ? `.${b.field}` : ''} ${b.reason}`)
      .join('; ');
    const more =
      bad.length > LISTED_BAD_RECORDS ? `; and ${bad.length - LISTED_BAD_RECORDS} more` : '';
    throw invalidRequest(
      bad.every((b) => b.code === first.code) ? first.code : 'batch_invalid',
      `records[${first.index}]${first.field ? `.${first.field}` : ''}`,
      `${bad.length} of ${count} records are invalid, so none was stored (bad indices: ${bad.map((b) => b.index).join(', ')}): ${listed}${more}.`,
    );
  }
  if (!staysSafe(columns, records, timestamps, quantities, incrementTotal)) {
    throw invalidRequest(
      'quantity_too_large',
      'records',
      `The batch would push the usage at one timestamp past ${Number.MAX_SAFE_INTEGER}: report smaller quantities.`,
    );
  }
  if (mixedActions) {
    for (let i = 0; i < count; i++) {
      const record = records[i] as { action?: UsageAction };
      columns.apply(timestamps[i]!, quantities[i]!, record.action ?? 'increment');
    }
  } else {
    columns.appendSorted(timestamps, quantities, firstAction ?? 'increment');
  }
  let earliest = Infinity;
  for (let i = 0; i < count; i++) if (timestamps[i]! < earliest) earliest = timestamps[i]!;
  return { count, earliest };
}

/** True when every per-timestamp value stays a safe integer once the batch is applied. */
function staysSafe(
  columns: UsageColumns,
  records: readonly unknown[],
  timestamps: Float64Array,
  quantities: Float64Array,
  incrementTotal: number,
): boolean {
  const lastStored = columns.length > 0 ? columns.timestamps[columns.length - 1]! : -1;
  let sortedAfterStored = true;
  for (let i = 0; i < timestamps.length; i++) {
    if (timestamps[i]! <= (i === 0 ? lastStored : timestamps[i - 1]! - 1))
      sortedAfterStored = false;
  }
  // Appending after all stored timestamps, only the batch's own increments can add up.
  if (sortedAfterStored) return Number.isSafeInteger(incrementTotal);
  const held = new Map<number, number>();
  for (let i = 0; i < timestamps.length; i++) {
    const timestamp = timestamps[i]!;
    const before = held.get(timestamp) ?? columns.valueAt(timestamp) ?? 0;
    const action = (records[i] as { action?: UsageAction }).action ?? 'increment';
    const after = action === 'increment' ? before + quantities[i]! : quantities[i]!;
    if (!Number.isSafeInteger(after)) return false;
    held.set(timestamp, after);
  }
  return true;
}
