// Subscription start options together: a trial with a later billing cycle anchor (N9.2: a prorated
// first paid period from the trial's end to the anchor), an anchor with a backdated start, and the
// combinations that are refused. Amounts computed by hand.
import { describe, expect, it } from 'vitest';
import { expectRejectedUnchanged } from './fixtures';
import { FEB_1, FEB_15, HOUR, JAN_1, JAN_15, MAR_1, moneyWorld, use } from './money-fixtures';

const DAY = 86_400;

describe('start combinations', () => {
  it('trial to Jan 15, anchor Feb 1: 0 now; at Jan 15 the 17 of 31 days prorated; Feb 1 a whole month', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.licensed(3100), w.metered(1)], {
      trialPeriodDays: 14,
      billingCycleAnchor: FEB_1,
    });
    expect(sub).toMatchObject({
      status: 'trialing',
      trialEnd: JAN_15,
      billingCycleAnchor: FEB_1,
      currentPeriodStart: JAN_1,
      currentPeriodEnd: JAN_15,
    });
    expect(w.invoices(sub.id)[0]).toMatchObject({ total: 0, status: 'paid' });
    const metered = sub.items.data[1]!.id;
    use(w, metered, 1000); // trial usage: billed at 0
    w.sim.testClock.advance({ frozenTime: JAN_15 + HOUR });
    const atTrialEnd = w.invoices(sub.id)[1]!;
    // Imagined interval Jan 15 – Feb 15 = 31 days; Jan 15 – Feb 1 = 17 days: 3100 × 17/31 = 1700.
    expect(atTrialEnd.lines.data.map((line) => [line.quantity, line.amount])).toEqual([
      [1000, 0],
      [1, 1700],
    ]);
    expect(atTrialEnd).toMatchObject({ total: 1700, billingReason: 'subscription_cycle' });
    expect(w.sim.subscriptions.retrieve(sub.id)).toMatchObject({
      status: 'active',
      currentPeriodStart: JAN_15,
      currentPeriodEnd: FEB_1,
    });
    use(w, metered, 250);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const atAnchor = w.invoices(sub.id)[2]!;
    // The first paid period's usage (250 × 1) and February in advance (3100).
    expect(atAnchor.lines.data.map((line) => line.amount)).toEqual([250, 3100]);
    expect(atAnchor.total).toBe(3350);
    expect(w.sim.subscriptions.retrieve(sub.id)).toMatchObject({
      currentPeriodStart: FEB_1,
      currentPeriodEnd: MAR_1,
    });
    const summaries = w.sim.usageRecords.summaries({ subscriptionItem: metered });
    expect(summaries.data.map((s) => [s.period.start, s.totalUsage])).toEqual([
      [FEB_1, 0],
      [JAN_15, 250],
      [JAN_1, 1000],
    ]);
  });

  it('a minimum commitment: the trial commits nothing, the partial period its share', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)], {
      trialPeriodDays: 14,
      billingCycleAnchor: FEB_1,
      minimumCommitment: { amount: 3100, currency: 'USD' },
    });
    w.sim.testClock.advance({ frozenTime: JAN_15 + HOUR });
    expect(w.invoices(sub.id)[1]!.total).toBe(0); // trial: no true-up
    use(w, sub.items.data[0]!.id, 200);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    // 3100 × 17/31 = 1700 committed; 200 used → true-up 1500.
    expect(w.invoices(sub.id)[2]!.lines.data.map((line) => line.amount)).toEqual([200, 1500]);
  });

  it('an anchor equal to trialEnd is the plain trial', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.licensed(2000)], { trialEnd: JAN_15, billingCycleAnchor: JAN_15 });
    w.sim.testClock.advance({ frozenTime: JAN_15 + HOUR });
    expect(w.invoices(sub.id)[1]!.total).toBe(2000);
    expect(w.sim.subscriptions.retrieve(sub.id).currentPeriodEnd).toBe(FEB_15);
  });

  it('backdated to Feb 15 on Mar 1 with the anchor Mar 10: one creation invoice of 23 of 28 days', () => {
    const w = moneyWorld(MAR_1);
    const sub = w.subscribe([w.licensed(2800)], {
      backdateStartDate: FEB_15,
      billingCycleAnchor: MAR_1 + 9 * DAY,
    });
    // Imagined interval Feb 15 – Mar 15 = 28 days; Feb 15 – Mar 10 = 23 days: 2800 × 23/28 = 2300.
    expect(w.invoices(sub.id)[0]!.total).toBe(2300);
    w.sim.testClock.advance({ frozenTime: MAR_1 + 9 * DAY + HOUR });
    expect(w.invoices(sub.id)[1]!.total).toBe(2800);
  });

  it('refuses a trial with an anchor before its end or beyond one interval after it, a backdated trial, and a trial with a free partial period', () => {
    const w = moneyWorld();
    const price = w.licensed(1000);
    const refuse = (
      extra: Parameters<typeof w.subscribe>[1],
      expected: { code: string; param: string },
    ) => expectRejectedUnchanged(w.sim, () => w.subscribe([price], extra), expected);
    refuse(
      { trialEnd: JAN_15, billingCycleAnchor: JAN_15 - DAY },
      { code: 'invalid_billing_cycle_anchor', param: 'billingCycleAnchor' },
    );
    refuse(
      { trialEnd: JAN_15, billingCycleAnchor: FEB_15 },
      { code: 'invalid_billing_cycle_anchor', param: 'billingCycleAnchor' },
    );
    refuse(
      { trialPeriodDays: 3, backdateStartDate: JAN_1 },
      { code: 'parameter_conflict', param: 'backdateStartDate' },
    );
    const error = expectRejectedUnchanged(
      w.sim,
      () =>
        w.subscribe([price], {
          trialEnd: JAN_15,
          billingCycleAnchor: FEB_1,
          prorationBehavior: 'none',
        }),
      { code: 'parameter_conflict', param: 'prorationBehavior' },
    );
    expect(error.message).toMatch(/remove it, or the anchor/);
  });
});
