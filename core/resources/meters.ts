// Billing meters (BILLING-RULES "Meters"): meters, meter events and their cancellation, event
// summaries and usage alerts, under the API's `billing` namespace. Events are kept in columns
// per (meter, customer) by rules/meters; an event that lands in a period whose draft is still
// open refreshes that draft's line.
import { invalidRequest } from '../values/errors';
import type { MeterlabError } from '../values/errors';
import { copy } from '../values/json';
import { Dec } from '../values/money';
import { checkMeterEvent, checkedEvent } from '../rules/meters/intake';
import type { CheckedEvent, EventProblem, IntakeLookups } from '../rules/meters/intake';
import type { MeterEventColumns } from '../rules/meters/columns';
import { meterValue } from '../rules/meters/aggregate';
import { IDENTIFIER_WINDOW_SECONDS } from '../rules/meters/identifiers';
import type {
  BillingAlert,
  Invoice,
  Meter,
  MeterEvent,
  MeterEventAdjustment,
  MeterEventGenerator,
  MeterEventSummary,
  MeterFormula,
  Subscription,
  SubscriptionItem,
} from '../public/types';
import { method, param } from './entry';
import { refreshDraftLine, usageLineIndex } from './invoicing';
import {
  alertCreateArgs,
  eventSummariesArgs,
  listArgs,
  meterCreateArgs,
  meterEventAdjustmentArgs,
  meterEventBatchArgs,
  meterEventCreateArgs,
  meterListArgs,
  objectIdOf,
} from './schemas';
import { list } from './state';
import { evaluateCustomerThresholds } from './billing-thresholds';
import type { ScenarioState } from './state';

const FORMULAS: readonly MeterFormula[] = ['sum', 'count', 'last', 'max', 'unique_count'];
const HOUR = 3_600;
const DAY = 86_400;

// ---- where an event lands ------------------------------------------------------------------------

/** A subscription item billed by a meter for one customer, and what of its time is still open. */
interface Target {
  item: SubscriptionItem;
  subscription: Subscription;
  /** Events stamped from here on land in the open period (Infinity once the subscription ended). */
  openFrom: number;
  /** The period-close draft still taking usage for this item, with its line's span. */
  draft: { invoice: Invoice; start: number; end: number } | null;
}

/** NOTE: an event maps to every item of its customer priced by its meter (M4.1). */
function targetsOf(state: ScenarioState, meter: string, customer: string): Target[] {
  const targets: Target[] = [];
  for (const subscription of state.data.subscriptions) {
    if (subscription.customer !== customer) continue;
    const draft = state.gracefulDrafts.get(subscription.id) ?? null;
    for (const item of subscription.items.data) {
      if (state.price(item.price).recurring.meter !== meter) continue;
      const index = draft ? usageLineIndex(draft, item.id) : -1;
      const line = index === -1 ? null : draft!.lines.data[index]!;
      targets.push({
        item,
        subscription,
        openFrom: state.isEnded(subscription)
          ? Infinity
          : Math.max(subscription.currentPeriodStart, item.usageStart),
        draft: line ? { invoice: draft!, start: line.period.start, end: line.period.end } : null,
      });
    }
  }
  return targets;
}

/**
 * Where an event stamped `timestamp` lands: adds the drafts it updates to `drafts`, and returns
 * the item whose period is closed to it, or null. NOTE (Meterlab's decision, M2.7): an event is
 * refused when, for any item it maps to, it falls in an ended period whose invoice is no longer
 * a draft, or whose usage was discarded (a cancel without invoiceNow, a swap with
 * prorationBehavior 'none', or before a swap: already billed).
 */
function closedTarget(
  targets: readonly Target[],
  timestamp: number,
  drafts: Set<Target>,
): Target | null {
  for (const target of targets) {
    const end = target.subscription.endedAt ?? Infinity;
    if (timestamp < target.item.created || timestamp >= end) continue; // not live then
    if (timestamp >= target.openFrom) continue;
    const draft = target.draft;
    if (draft && timestamp >= draft.start && timestamp < draft.end) drafts.add(target);
    else return target;
  }
  return null;
}

function periodFinalized(target: Target, timestamp: number, param: string): MeterlabError {
  return invalidRequest(
    'meter_event_period_finalized',
    param,
    `Timestamp ${timestamp} falls in a period of ${target.item.id} (${target.subscription.id}) that is already invoiced and finalized, or whose usage was discarded: events can only change the open period, or a period whose invoice is still a draft.`,
  );
}

// ---- intake --------------------------------------------------------------------------------------

function lookups(state: ScenarioState): IntakeLookups {
  const window = state.meterEvents.window;
  const since = state.now - IDENTIFIER_WINDOW_SECONDS;
  // Batches mostly repeat one event name and customer: remember the last answers.
  let lastName = '';
  let lastMeter: Meter | undefined;
  let lastCustomer = '';
  return {
    now: state.now,
    meterOfEvent: (name) => {
      if (name !== lastName) {
        lastName = name;
        lastMeter = state.meterOfEvent(name);
      }
      return lastMeter;
    },
    hasCustomer: (id) => {
      if (id === lastCustomer) return true;
      if (!state.hasCustomer(id)) return false;
      lastCustomer = id;
      return true;
    },
    // The batch's earlier events are in the window already (ingest stores as it checks).
    identifierTaken: (identifier) => {
      const seen = window.find(identifier);
      return seen !== null && seen.created > since;
    },
  };
}

function refreshDrafts(state: ScenarioState, targets: Iterable<Target>): void {
  const done = new Set<string>();
  for (const target of targets) {
    const key = `${target.draft!.invoice.id} ${target.item.id}`;
    if (done.has(key)) continue;
    done.add(key);
    refreshDraftLine(state, target.draft!.invoice, target.item.id);
  }
}

function refuse(found: EventProblem, prefix: string): MeterlabError {
  const param = found.param ? `${prefix}${found.param}` : prefix.replace(/\.$/, '');
  return invalidRequest(found.code, param || null, found.message);
}

/**
 * Checks and stores a batch (or one event) in one pass, event by event in order, with no object
 * or array per event; then refreshes the drafts the events landed in and evaluates alerts and
 * thresholds. Throws for the first bad event, and then nothing is kept (the store rolls back).
 * Returns the last event as checked (create's only one).
 */
function ingest(
  state: ScenarioState,
  raws: readonly unknown[],
  prefixOf: (index: number) => string,
  withPayload: boolean,
): CheckedEvent {
  const store = state.meterEvents;
  store.window.expire(state.now);
  return store.atomically(() => {
    const intake = lookups(state);
    const now = state.now;
    const checked = checkedEvent();
    const drafts = new Set<Target>();
    const touched: { meter: Meter; customer: string }[] = [];
    const targetsByPartition = new Map<string, Target[]>();
    let targets: Target[] = [];
    let columns: MeterEventColumns | null = null;
    let meter: Meter | null = null;
    let customer = '';
    for (let index = 0; index < raws.length; index++) {
      const problem = checkMeterEvent(raws[index], intake, checked, withPayload && index === 0);
      if (problem) throw refuse(problem, prefixOf(index));
      if (checked.meter !== meter || checked.customer !== customer) {
        meter = checked.meter;
        customer = checked.customer;
        const key = `${meter.id} ${customer}`;
        targets = targetsByPartition.get(key) ?? targetsOf(state, meter.id, customer);
        targetsByPartition.set(key, targets);
        columns = store.writable(meter.id, customer);
        if (!touched.some((t) => t.meter === meter && t.customer === customer))
          touched.push({ meter, customer });
      }
      if (targets.length > 0) {
        const closed = closedTarget(targets, checked.timestamp, drafts);
        if (closed) throw periodFinalized(closed, checked.timestamp, `${prefixOf(index)}timestamp`);
      }
      // NOTE: the first event of a call is marked, so a scenario file replays the same calls.
      store.append(
        columns!,
        checked.timestamp,
        now,
        checked.value,
        checked.identifier,
        index === 0,
      );
    }
    // Refreshing a draft can still fail (a line beyond 2^53 minor units): then nothing is kept.
    refreshDrafts(state, drafts);
    for (const { meter, customer } of touched) evaluateAlerts(state, meter, customer);
    // NOTE: billing thresholds are evaluated after every accepted event (N7.2).
    for (const customer of new Set(touched.map((t) => t.customer)))
      evaluateCustomerThresholds(state, customer);
    return checked;
  });
}

// ---- alerts --------------------------------------------------------------------------------------

/**
 * NOTE: an alert fires once per customer when the meter's formula over all of the customer's
 * non-canceled events (a lifetime window) reaches gte; a batch is evaluated once, after it.
 */
function evaluateAlerts(state: ScenarioState, meter: Meter, customer: string): void {
  const billing = state.data.billing;
  for (const alert of billing.alerts) {
    const threshold = alert.usageThreshold;
    if (threshold.meter !== meter.id) continue;
    if (threshold.filters && threshold.filters[0]!.customer !== customer) continue;
    const fired = (billing.alertsFired[alert.id] ??= []);
    if (fired.includes(customer)) continue;
    const value = meterValue(
      meter.defaultAggregation.formula,
      state.meterEvents.columns(meter.id, customer),
      { start: 0, end: Infinity },
    );
    if (new Dec(value).lt(threshold.gte)) continue;
    fired.push(customer);
    state.emit('billing.alert.triggered', {
      id: alert.id,
      object: 'billing.alert_triggered',
      alert: alert.id,
      customer,
      value,
    });
  }
}

// ---- generated events ----------------------------------------------------------------------------

/**
 * Stores the events the meter generators report before `limit`, each as if sent live at its
 * timestamp: it lands in the open period, so no draft changes. NOTE (Meterlab's decision): while
 * a meter is inactive its generators' events are dropped, as the meter would refuse them; an
 * alert they reach fires at the clock's time when they are stored (the clock's next stop).
 */
export function syncMeterGenerators(state: ScenarioState, limit: number): void {
  const touched = new Map<MeterEventColumns, Meter>();
  // Events come in runs of one generator: look its meter and columns up once per run.
  let current: MeterEventGenerator | null = null;
  let columns: MeterEventColumns | null = null;
  state.meterGenerators.next(limit, (generator, timestamp, value) => {
    if (generator !== current) {
      current = generator;
      const target = generator.meterEvents;
      const meter = state.meterOfEvent(target.eventName)!;
      columns =
        meter.status === 'active' ? state.meterEvents.writable(meter.id, target.customer) : null;
      if (columns) touched.set(columns, meter);
    }
    if (columns) state.meterEvents.appendGenerated(columns, timestamp, value);
  });
  for (const [columns, meter] of touched) evaluateAlerts(state, meter, columns.customer);
}

// ---- the API -------------------------------------------------------------------------------------

function setStatus(state: ScenarioState, id: string, status: Meter['status']): Meter {
  const meter = state.meter(id, 'id');
  if (meter.status === status) {
    throw invalidRequest(
      'meter_status_unchanged',
      'id',
      `Meter ${meter.id} is already ${status}: nothing to change.`,
    );
  }
  meter.status = status;
  meter.statusTransitions = { deactivatedAt: status === 'inactive' ? state.now : null };
  meter.updated = state.now;
  return copy(meter);
}

export const meters = {
  create: method({
    params: [param('', meterCreateArgs)],
    mutates: true,
    journal: 'argumentsAndId',
    run: (state, [args]) => {
      const formula = args.defaultAggregation.formula as MeterFormula;
      if (!FORMULAS.includes(formula)) {
        throw invalidRequest(
          'invalid_aggregation_formula',
          'defaultAggregation.formula',
          `Invalid defaultAggregation.formula ${JSON.stringify(args.defaultAggregation.formula)}: use sum, count or last (or Meterlab's max and unique_count).`,
        );
      }
      if (args.customerMapping && args.customerMapping.type !== 'by_id') {
        throw invalidRequest(
          'invalid_customer_mapping',
          'customerMapping.type',
          `Invalid customerMapping.type ${JSON.stringify(args.customerMapping.type)}: the only mapping is 'by_id'.`,
        );
      }
      // NOTE: an event name belongs to one meter, active or inactive.
      const taken = state.meterOfEvent(args.eventName);
      if (taken) {
        throw invalidRequest(
          'meter_event_name_taken',
          'eventName',
          `Meter ${taken.id} already uses the event name '${args.eventName}': choose another name.`,
        );
      }
      const meter: Meter = {
        id: state.newId('mtr'),
        object: 'billing.meter',
        displayName: args.displayName,
        eventName: args.eventName,
        defaultAggregation: { formula },
        // NOTE (Meterlab's decision): the customer key defaults to 'customer' (Stripe's is
        // stripe_customer_id), the value key to 'value'.
        customerMapping: {
          type: 'by_id',
          eventPayloadKey: args.customerMapping?.eventPayloadKey ?? 'customer',
        },
        valueSettings: { eventPayloadKey: args.valueSettings?.eventPayloadKey ?? 'value' },
        status: 'active',
        statusTransitions: { deactivatedAt: null },
        created: state.now,
        updated: state.now,
      };
      state.addMeter(meter);
      return copy(meter);
    },
  }),
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => copy(state.meter(id, 'id')),
  }),
  list: method({
    params: [param('', meterListArgs)],
    mutates: false,
    run: (state, [args]) => {
      const found = state.data.billing.meters.filter(
        (meter) => !args?.status || meter.status === args.status,
      );
      return list([...found].reverse(), args);
    },
  }),
  /** NOTE: an inactive meter refuses events and new prices; existing items keep billing. */
  deactivate: method({
    params: [param('id', objectIdOf)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id]) => setStatus(state, id, 'inactive'),
  }),
  reactivate: method({
    params: [param('id', objectIdOf)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id]) => setStatus(state, id, 'active'),
  }),
  eventSummaries: method({
    params: [param('id', objectIdOf), param('', eventSummariesArgs)],
    mutates: false,
    run: (state, [id, args]) => {
      const meter = state.meter(id, 'id');
      state.customer(args.customer, 'customer');
      const step =
        args.valueGroupingWindow === 'hour' ? HOUR : args.valueGroupingWindow === 'day' ? DAY : 60;
      // NOTE: summary times align to minutes; with a grouping window, to UTC hours or days.
      for (const field of ['startTime', 'endTime'] as const) {
        if (args[field] % step !== 0) {
          throw invalidRequest(
            'summary_time_not_aligned',
            field,
            `Invalid ${field} ${args[field]}: it must be a multiple of ${step} seconds (a ${step === 60 ? 'minute' : args.valueGroupingWindow === 'hour' ? 'UTC hour' : 'UTC midnight'}).`,
          );
        }
      }
      if (args.startTime >= args.endTime) {
        throw invalidRequest(
          'parameter_invalid',
          'endTime',
          `Invalid endTime ${args.endTime}: it must be after startTime ${args.startTime}.`,
        );
      }
      const formula = meter.defaultAggregation.formula;
      const columns = state.meterEvents.columns(meter.id, args.customer);
      const summary = (start: number, end: number): MeterEventSummary => ({
        id: `mtrsum_${meter.id.slice(4)}_${args.customer.slice(5)}_${start}`,
        object: 'billing.meter_event_summary',
        meter: meter.id,
        startTime: start,
        endTime: end,
        aggregatedValue: meterValue(formula, columns, { start, end }),
      });
      if (!args.valueGroupingWindow) {
        return {
          object: 'list' as const,
          data: [summary(args.startTime, args.endTime)],
          hasMore: false,
        };
      }
      // NOTE: grouped summaries come newest first, empty windows included (value '0').
      const limit = args.limit ?? 10;
      let end = args.endTime;
      if (args.startingAfter !== undefined) {
        const after = Number(args.startingAfter.slice(args.startingAfter.lastIndexOf('_') + 1));
        if (
          !Number.isInteger(after) ||
          after % step !== 0 ||
          after <= args.startTime ||
          after >= args.endTime
        ) {
          throw invalidRequest(
            'resource_missing',
            'startingAfter',
            `No summary '${args.startingAfter}' in this range: pass the id of a summary from the previous page.`,
          );
        }
        end = after;
      }
      const data: MeterEventSummary[] = [];
      while (end > args.startTime && data.length < limit) {
        data.push(summary(end - step, end));
        end -= step;
      }
      return { object: 'list' as const, data, hasMore: end > args.startTime };
    },
  }),
};

function meterEventOf(checked: CheckedEvent, now: number, identifier: string): MeterEvent {
  return {
    object: 'billing.meter_event',
    eventName: checked.meter.eventName,
    identifier,
    payload: checked.payload,
    timestamp: checked.timestamp,
    created: now,
  };
}

/**
 * Meter event calls are journaled as markers only: the events themselves are in the columns, and
 * a scenario export turns the markers back into the calls, in order (rules/meters/calls.ts).
 */
const MARKER = () => ({ args: [] });

export const meterEvents = {
  create: method({
    params: [param('', meterEventCreateArgs)],
    mutates: true,
    journal: MARKER,
    run: (state, [args]): MeterEvent => {
      const seq = state.meterEvents.nextSeq;
      const checked = ingest(state, [args], () => '', true);
      const identifier = checked.identifier ?? state.meterEvents.window.generatedIdentifier(seq);
      return meterEventOf(checked, state.now, identifier);
    },
  }),
  /**
   * Meterlab's extension for bulk ingestion: up to 100,000 events, all stored or none, each
   * checked as by create (the error names `events[i].field`).
   */
  createBatch: method({
    params: [param('', meterEventBatchArgs)],
    mutates: true,
    journal: MARKER,
    run: (state, [args]) => {
      ingest(state, args.events, (index) => `events[${index}].`, false);
      return { object: 'billing.meter_event_batch' as const, count: args.events.length };
    },
  }),
};

export const meterEventAdjustments = {
  create: method({
    params: [param('', meterEventAdjustmentArgs)],
    mutates: true,
    journal: 'argumentsAndId',
    run: (state, [args]): MeterEventAdjustment => {
      if (args.type !== 'cancel') {
        throw invalidRequest(
          'invalid_adjustment_type',
          'type',
          `Invalid type ${JSON.stringify(args.type)}: the only adjustment is 'cancel'.`,
        );
      }
      const identifier = args.cancel.identifier;
      const window = state.meterEvents.window;
      window.expire(state.now);
      const found = window.find(identifier);
      if (!found || found.columns.meter !== state.meterOfEvent(args.eventName)?.id) {
        throw invalidRequest(
          'resource_missing',
          'cancel.identifier',
          `No event '${args.eventName}' with identifier '${identifier}' was sent in the last 48 hours: check the identifier and the event name.`,
        );
      }
      // NOTE: only events sent less than 24 hours ago can be canceled.
      if (found.created <= state.now - IDENTIFIER_WINDOW_SECONDS) {
        throw invalidRequest(
          'meter_event_cancel_window_expired',
          'cancel.identifier',
          `The event with identifier '${identifier}' was sent more than 24 hours ago: it can no longer be canceled. Send a negative value to correct it instead.`,
        );
      }
      const { columns, row } = found;
      if (columns.isCanceled(row)) {
        throw invalidRequest(
          'meter_event_already_canceled',
          'cancel.identifier',
          `The event with identifier '${identifier}' is canceled already.`,
        );
      }
      const timestamp = columns.timestamps[row]!;
      const drafts = new Set<Target>();
      const closed = closedTarget(
        targetsOf(state, columns.meter, columns.customer),
        timestamp,
        drafts,
      );
      if (closed) throw periodFinalized(closed, timestamp, 'cancel.identifier');
      // NOTE: a canceled event counts nowhere; drafts are recomputed, fired alerts stay fired.
      columns.cancel(row, found.identifier);
      try {
        refreshDrafts(state, drafts);
        // NOTE: and after every cancellation (less usage can cost more under volume tiers).
        evaluateCustomerThresholds(state, columns.customer);
      } catch (error) {
        columns.uncancel(row);
        throw error;
      }
      return {
        id: state.newId('mtradj'),
        object: 'billing.meter_event_adjustment',
        eventName: args.eventName,
        type: 'cancel',
        cancel: { identifier },
        status: 'complete',
      };
    },
  }),
};

export const alerts = {
  create: method({
    params: [param('', alertCreateArgs)],
    mutates: true,
    journal: 'argumentsAndId',
    run: (state, [args]): BillingAlert => {
      state.meter(args.usageThreshold.meter, 'usageThreshold.meter');
      const filter = args.usageThreshold.filters?.[0];
      if (filter) state.customer(filter.customer, 'usageThreshold.filters[0].customer');
      const alert: BillingAlert = {
        id: state.newId('alrt'),
        object: 'billing.alert',
        alertType: 'usage_threshold',
        title: args.title,
        usageThreshold: {
          meter: args.usageThreshold.meter,
          gte: args.usageThreshold.gte,
          recurrence: 'one_time',
          filters: filter ? [{ type: 'customer', customer: filter.customer }] : null,
        },
        status: 'active',
      };
      state.data.billing.alerts.push(alert);
      return copy(alert);
    },
  }),
  list: method({
    params: [param('', listArgs)],
    mutates: false,
    run: (state, [args]) => list([...state.data.billing.alerts].reverse(), args),
  }),
};
