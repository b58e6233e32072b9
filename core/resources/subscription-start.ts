// How a subscription starts: at once (the default), with a free trial, with a later billing cycle
// anchor, or backdated. Each decides the first period, the status, and what the creation invoice
// bills.
import type { z } from 'zod';
import { invalidRequest } from '../values/errors';
import { addIntervals, periodAt } from '../rules/periods';
import type { Span } from '../rules/lines';
import type { Price, SubscriptionStatus } from '../public/types';
import type { subscriptionCreateArgs } from './schemas';
import type { ScenarioState } from './state';

const DAY = 86_400;

export interface StartPlan {
  startDate: number;
  anchor: number;
  trialEnd: number | null;
  status: SubscriptionStatus;
  /**
   * The period the subscription is in now; index -1 is a first period before the anchor, -2 a
   * trial followed by such a period (a trial with a later anchor).
   */
  current: Span;
  periodIndex: -2 | -1 | 0;
  /** A first partial period [startDate, anchor) billed at creation, prorated; null for none. */
  prorated: { span: Span; imaginedEnd: number } | null;
  /** The whole or trial period billed in advance at creation; null for none. */
  inAdvance: Span | null;
  /** No creation invoice at all (an anchored or backdated start with prorationBehavior none). */
  noInvoice: boolean;
}

type CreateArgs = z.output<typeof subscriptionCreateArgs>;

function conflict(param: string, message: string): never {
  throw invalidRequest('parameter_conflict', param, message);
}

/** The start options, checked; nothing changes. */
export function planStart(state: ScenarioState, args: CreateArgs, price: Price): StartPlan {
  const now = state.now;
  const { interval, intervalCount } = price.recurring;
  const prorate = (args.prorationBehavior ?? 'create_prorations') !== 'none';
  if (args.trialEnd !== undefined && args.trialPeriodDays !== undefined)
    throw invalidRequest(
      'trial_conflict',
      'trialPeriodDays',
      'Pass either trialEnd or trialPeriodDays, not both.',
    );
  const trialEnd =
    args.trialEnd ?? (args.trialPeriodDays === undefined ? null : now + args.trialPeriodDays * DAY);
  if (trialEnd !== null) {
    if (trialEnd <= now)
      throw invalidRequest(
        'invalid_trial_end',
        'trialEnd',
        `trialEnd ${trialEnd} is not after the clock (${now}): pass a later time, or trialPeriodDays.`,
      );
    // NOTE: a trial starts now, so it is not combined with a backdated start.
    if (args.backdateStartDate !== undefined)
      conflict(
        'backdateStartDate',
        'A trial starts now and its time is free, so it cannot be backdated: remove backdateStartDate, or the trial.',
      );
    const anchor = args.billingCycleAnchor ?? trialEnd;
    const afterTrial = addIntervals(trialEnd, interval, intervalCount);
    // NOTE: with a trial, the anchor lies from the trial's end to one interval after it; the span
    // [trialEnd, anchor) is a first paid period, prorated, billed when the trial ends.
    if (!(anchor >= trialEnd && anchor < afterTrial))
      throw invalidRequest(
        'invalid_billing_cycle_anchor',
        'billingCycleAnchor',
        `billingCycleAnchor ${anchor} must be at or after trialEnd (${trialEnd}) and before ${afterTrial}, one interval after it.`,
      );
    if (anchor > trialEnd && !prorate)
      conflict(
        'prorationBehavior',
        "A trial with a later billingCycleAnchor bills [trialEnd, anchor) prorated when the trial ends; prorationBehavior 'none' is not offered with a trial: remove it, or the anchor.",
      );
    return {
      startDate: now,
      anchor,
      trialEnd,
      status: 'trialing',
      current: { start: now, end: trialEnd },
      periodIndex: anchor > trialEnd ? -2 : -1,
      prorated: null,
      inAdvance: { start: now, end: trialEnd },
      noInvoice: false,
    };
  }
  const backdate = args.backdateStartDate;
  if (
    backdate !== undefined &&
    !(addIntervals(now, interval, -intervalCount) <= backdate && backdate <= now)
  )
    throw invalidRequest(
      'invalid_backdate_start_date',
      'backdateStartDate',
      `backdateStartDate ${backdate} must lie between one billing interval before the clock and the clock (${now}).`,
    );
  const startDate = backdate ?? now;
  const imaginedEnd = addIntervals(startDate, interval, intervalCount);
  if (args.billingCycleAnchor !== undefined) {
    const anchor = args.billingCycleAnchor;
    // NOTE: the anchor lies after the clock and within the first whole interval from the start.
    if (!(anchor > now && anchor < imaginedEnd))
      throw invalidRequest(
        'invalid_billing_cycle_anchor',
        'billingCycleAnchor',
        `billingCycleAnchor ${anchor} must be after the clock (${now}) and before ${imaginedEnd}, one interval after the start.`,
      );
    return {
      startDate,
      anchor,
      trialEnd: null,
      status: 'active',
      current: { start: startDate, end: anchor },
      periodIndex: -1,
      prorated: prorate ? { span: { start: startDate, end: anchor }, imaginedEnd } : null,
      inAdvance: null,
      noInvoice: !prorate,
    };
  }
  const current = periodAt({ anchor: now, interval, intervalCount }, 0);
  return {
    startDate,
    anchor: now,
    trialEnd: null,
    status: 'active',
    current,
    periodIndex: 0,
    prorated:
      prorate && startDate < now ? { span: { start: startDate, end: now }, imaginedEnd } : null,
    inAdvance: current,
    noInvoice: false,
  };
}
