// The test clock: it only moves forward, and every billing moment it passes runs in order
// (period closes, finalizations, payment retries).
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import { utcSeconds } from '../values/time';
import { addIntervals, periodAt } from '../rules/periods';
import { firstPeriodLine } from '../rules/lines';
import type { Invoice, Subscription, TestClock } from '../public/types';
import { drain, method, param } from './entry';
import type { StepProgress } from './entry';
import {
  attemptPayment,
  createInvoice,
  finalizeInvoice,
  periodLines,
  takePendingLines,
} from './invoicing';
import { expireDueGrants, nextGrantExpiry } from './credit-ledger';
import { advanceArgs, advanceBillingPeriodArgs } from './schemas';
import type { ScenarioState } from './state';
import { endSubscription } from './subscription-status';
import { syncMeterGenerators } from './meters';
import {
  evaluateThresholds,
  nextThresholdCrossing,
  watchedSubscriptions,
} from './billing-thresholds';

/**
 * The invoices the clock may still act on (drafts to finalize, open ones to retry), kept up to
 * date as the clock moves: new invoices are picked up, settled ones dropped, so each billing
 * moment looks at these, not at every invoice ever made.
 */
class AwaitingInvoices {
  #seen = 0;
  #awaiting: Invoice[] = [];

  constructor(private readonly state: ScenarioState) {}

  get current(): Invoice[] {
    const all = this.state.data.invoices;
    for (; this.#seen < all.length; this.#seen++) this.#awaiting.push(all[this.#seen]!);
    this.#awaiting = this.#awaiting.filter(
      (invoice) => invoice.status === 'draft' || invoice.status === 'open',
    );
    return this.#awaiting;
  }
}

/** The next billing moment at or before `limit`, or null. */
export function nextDueTime(
  state: ScenarioState,
  limit: number,
  invoices: readonly Invoice[] = state.data.invoices,
): number | null {
  let next = nextGrantExpiry(state);
  for (const subscription of state.data.subscriptions) {
    if (!state.isEnded(subscription) && subscription.currentPeriodEnd < next)
      next = subscription.currentPeriodEnd;
  }
  for (const invoice of invoices) {
    if (invoice.status === 'draft' && invoice.finalizesAt !== null && invoice.finalizesAt < next)
      next = invoice.finalizesAt;
    if (
      invoice.status === 'open' &&
      invoice.nextPaymentAttempt !== null &&
      invoice.nextPaymentAttempt < next
    )
      next = invoice.nextPaymentAttempt;
  }
  return next <= limit ? next : null;
}

/** Closes the period: its invoice is created as a draft that finalizes after the grace delay. */
function closePeriod(state: ScenarioState, subscription: Subscription): void {
  state.willChange(subscription);
  const period = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };
  const continues = !subscription.cancelAtPeriodEnd;
  const nextIndex = state.data.periodIndex[subscription.id]! + 1;
  const rule = state.periodRule(subscription);
  // NOTE: a trial with a later anchor is followed by a first paid period up to the anchor, its
  // licensed items prorated over an interval that begins at the trial's end.
  const partial = nextIndex === -1;
  const nextPeriod = partial
    ? { start: period.end, end: subscription.billingCycleAnchor }
    : periodAt(rule, nextIndex);
  const imaginedEnd = addIntervals(nextPeriod.start, rule.interval, rule.intervalCount);
  const firstLines =
    partial && continues
      ? subscription.items.data
          .map((item) => ({ item, price: state.price(item.price) }))
          .filter(({ price }) => price.recurring.usageType === 'licensed')
          .map(({ item, price }) =>
            firstPeriodLine(state.lineContext, item, price, nextPeriod, imaginedEnd),
          )
      : [];
  const lines = periodLines(state, state.lineContext, subscription, {
    meteredUntil: period.end,
    pending: [...takePendingLines(state, subscription.id), ...firstLines],
    licensedPeriod: continues && !partial ? nextPeriod : null,
  });
  const invoice = createInvoice(state, subscription, 'subscription_cycle', period, lines);
  invoice.finalizesAt = state.now + state.data.settings.finalizationDelaySeconds;
  state.gracefulDrafts.set(subscription.id, invoice);
  if (continues) {
    // NOTE: a trial ends with its period: the subscription becomes active.
    if (subscription.status === 'trialing') subscription.status = 'active';
    state.setPeriodIndex(subscription.id, nextIndex);
    subscription.currentPeriodStart = nextPeriod.start;
    subscription.currentPeriodEnd = nextPeriod.end;
    state.emit('customer.subscription.updated', subscription);
  } else {
    endSubscription(state, subscription);
  }
}

/**
 * Runs everything due at the current time, in a fixed order: grant expiries (NOTE: expiry wins
 * over a finalization at the same second), closes, finalizations, retries. Between two
 * subscriptions or invoices it yields a partial step, so a host stays responsive during a moment
 * that bills thousands of them; the moment itself is one unit (a cancel waits for its end).
 */
function* runDue(
  state: ScenarioState,
  awaiting: AwaitingInvoices,
  progress: StepProgress,
): Generator<StepProgress, void> {
  const now = state.now;
  const partial = { ...progress, partial: true };
  let units = 0;
  expireDueGrants(state);
  for (const subscription of state.data.subscriptions) {
    if (!state.isEnded(subscription) && subscription.currentPeriodEnd === now) {
      if (units++ > 0) yield partial;
      closePeriod(state, subscription);
    }
  }
  for (const invoice of awaiting.current) {
    if (invoice.status === 'draft' && invoice.finalizesAt !== null && invoice.finalizesAt <= now) {
      if (units++ > 0) yield partial;
      finalizeInvoice(state, invoice);
    }
  }
  for (const invoice of awaiting.current) {
    if (
      invoice.status === 'open' &&
      invoice.nextPaymentAttempt !== null &&
      invoice.nextPaymentAttempt <= now
    ) {
      if (units++ > 0) yield partial;
      invoice.nextPaymentAttempt = null;
      attemptPayment(state, invoice);
    }
  }
}

/** Generator slots (about one record each) made between two steps of a clock move. */
export const GENERATION_SLICE = 20_000;
/**
 * Slots each item makes at least per clock position: catching an item up has a cost of its own
 * (its generator's state is far in memory from the last one's: at 64 slots a catch-up cost as
 * much as its slots), so with many items the clock moves further at a time and they catch up a
 * slice at a time.
 */
const SLOTS_PER_ITEM_STEP = 1024;

/**
 * Generates the usage of `items` up to just before `until` in slices of about GENERATION_SLICE
 * slots: the clock moves part of the way, the items catch up to it (a slice of them at a time,
 * with a partial step between), and a step is yielded. Nothing is due before `until`, and usage is
 * read up to the clock whether its items caught up yet or not, so each of these places is a
 * consistent one to stop at.
 */
function* generateUntil(
  state: ScenarioState,
  items: readonly string[],
  until: number,
  progress: { from: number; to: number },
): Generator<StepProgress, void> {
  const limits = items.map((item) =>
    Math.min(until, state.item(item).subscription.endedAt ?? Infinity),
  );
  const perPosition = Math.max(GENERATION_SLICE, items.length * SLOTS_PER_ITEM_STEP);
  for (;;) {
    const now = state.now;
    let pending = 0;
    for (let i = 0; i < items.length; i++)
      pending += state.generated.recordsUntil(items[i]!, limits[i]!);
    if (pending <= GENERATION_SLICE || until - now <= 1) return;
    // Generators report at a steady rate, so a share of the time is about that share of slots.
    const share = Math.min(perPosition, pending);
    const step = Math.max(1, Math.floor(((until - now) * share) / pending));
    state.data.clock.frozenTime = Math.min(now + step, until - 1);
    let made = 0;
    for (const item of items) {
      if (made >= GENERATION_SLICE) {
        made = 0;
        yield { ...progress, at: state.now, partial: true };
      }
      made += state.generateUpToClock(item);
    }
    yield { ...progress, at: state.now };
  }
}

function checkForward(state: ScenarioState, frozenTime: number): void {
  if (frozenTime < state.now) {
    throw invalidRequest(
      'clock_moves_forward_only',
      'frozenTime',
      `The test clock only moves forward: ${frozenTime} is before its time ${state.now}. Create a new scenario to start earlier.`,
    );
  }
}

/**
 * NOTE: a clock move is refused up front when it would generate more records than the scenario's
 * maxGeneratedRecordsPerAdvance setting, with the estimate, so no move runs for minutes unasked.
 */
function checkWorkBound(
  state: ScenarioState,
  items: string[],
  limitOf: (item: string) => number,
  target: number,
): void {
  const bound = state.data.settings.maxGeneratedRecordsPerAdvance;
  const estimate = items.reduce(
    (sum, item) => sum + state.generated.recordsUntil(item, limitOf(item)),
    state.meterGenerators.eventsUntil(target + 1),
  );
  if (estimate <= bound) return;
  throw invalidRequest(
    'work_too_large',
    'frozenTime',
    `Moving the clock to ${utcSeconds(target)} would generate about ${estimate.toLocaleString('en-US')} usage records, more than the limit of ${bound.toLocaleString('en-US')} (setting maxGeneratedRecordsPerAdvance): move it in smaller steps, or raise the limit with settings.update.`,
  );
}

/** The clock moving to `target`, one billing moment per step. */
function* advanceTo(state: ScenarioState, target: number): Generator<StepProgress, TestClock> {
  checkForward(state, target);
  const from = state.now;
  const generatedItems = [...state.generated.items()];
  const limitOf = (item: string) =>
    Math.min(target + 1, state.item(item).subscription.endedAt ?? Infinity);
  checkWorkBound(state, generatedItems, limitOf, target);
  state.generated.reserveUntil(
    generatedItems.map((item) => ({
      item,
      columns: state.writableColumns(item),
      limit: limitOf(item),
    })),
  );
  const awaiting = new AwaitingInvoices(state);
  const nextDue = () => nextDueTime(state, target, awaiting.current);
  const watched = watchedSubscriptions(state);
  const span = { from, to: target };
  for (;;) {
    const due = nextDue();
    // NOTE: generated usage that crosses a billing threshold before the next billing moment
    // invoices at the moment of the crossing record.
    const crossing =
      watched.length > 0 ? nextThresholdCrossing(state, watched, due ?? target) : null;
    if (crossing !== null) {
      state.data.clock.frozenTime = crossing;
      for (const subscription of watched) evaluateThresholds(state, subscription);
      yield { ...span, at: crossing };
      continue;
    }
    if (due === null) break;
    yield* generateUntil(state, generatedItems, due, span);
    state.data.clock.frozenTime = due;
    // NOTE: generated meter events up to each billing moment are sent before it runs.
    syncMeterGenerators(state, due + 1);
    yield* runDue(state, awaiting, { ...span, at: due });
    // As the end of the move would: a long move keeps only the events of the retention window.
    state.pruneEvents();
    yield { ...span, at: due };
  }
  yield* generateUntil(state, generatedItems, target + 1, span);
  state.data.clock.frozenTime = target;
  syncMeterGenerators(state, target + 1);
  for (const item of generatedItems) state.columns(item).trim();
  state.pruneIdempotencyKeys();
  state.pruneEvents();
  return copy(state.data.clock);
}

function billingPeriodTarget(state: ScenarioState, subscriptionId: string): number {
  const subscription = state.subscription(subscriptionId);
  if (state.isEnded(subscription)) {
    throw invalidRequest(
      'subscription_ended',
      'subscription',
      `${subscription.id} has ended: there is no billing period to advance to.`,
    );
  }
  // NOTE: "advance billing period" = the period end plus the finalization delay, so the
  // invoice is finalized and charged.
  return subscription.currentPeriodEnd + state.data.settings.finalizationDelaySeconds;
}

const advanceSteps = (state: ScenarioState, [args]: [{ frozenTime: number }]) =>
  advanceTo(state, args.frozenTime);
const billingPeriodSteps = (state: ScenarioState, [args]: [{ subscription: string }]) =>
  advanceTo(state, billingPeriodTarget(state, args.subscription));

export const testClock = {
  retrieve: method({
    params: [],
    mutates: false,
    run: (state) => copy(state.data.clock),
  }),
  advance: method({
    params: [param('', advanceArgs)],
    mutates: true,
    steps: advanceSteps,
    run: (state, args) => drain(advanceSteps(state, args)),
  }),
  advanceBillingPeriod: method({
    params: [param('', advanceBillingPeriodArgs)],
    mutates: true,
    steps: billingPeriodSteps,
    run: (state, args) => drain(billingPeriodSteps(state, args)),
  }),
};
