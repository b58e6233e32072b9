// Subscription start options through the public API: worked examples N-X18 (trial), N-X19 (a
// later anchor) and N-X20 (backdating), and refused starts.
import { describe, expect, it } from 'vitest';
import { expectRejectedUnchanged } from './fixtures';
import { FEB_1, FEB_15, HOUR, JAN_1, JAN_15, MAR_1, moneyWorld, use } from './money-fixtures';

const DAY = 86_400;

describe('subscription start options', () => {
  it('N-X18: a 14-day trial bills licensed and metered lines at 0, then the first paid period', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.licensed(2000), w.metered(1)], { trialPeriodDays: 14 });
    expect(sub).toMatchObject({
      status: 'trialing',
      trialStart: JAN_1,
      trialEnd: JAN_15,
      billingCycleAnchor: JAN_15,
      currentPeriodStart: JAN_1,
      currentPeriodEnd: JAN_15,
    });
    const [creation] = w.invoices(sub.id);
    expect(creation).toMatchObject({ total: 0, status: 'paid', attempts: [] });
    expect(creation!.lines.data.map((line) => line.amount)).toEqual([0]);
    use(w, sub.items.data[1]!.id, 1000);
    w.sim.testClock.advance({ frozenTime: JAN_15 + HOUR });
    const first = w.invoices(sub.id)[1]!;
    expect(first.lines.data.map((line) => [line.amount, line.quantity])).toEqual([
      [0, 1000],
      [2000, 1],
    ]);
    expect(first).toMatchObject({ total: 2000, billingReason: 'subscription_cycle' });
    expect(w.sim.subscriptions.retrieve(sub.id)).toMatchObject({
      status: 'active',
      currentPeriodStart: JAN_15,
      currentPeriodEnd: FEB_15,
    });
    use(w, sub.items.data[1]!.id, 500);
    w.sim.testClock.advance({ frozenTime: FEB_15 + HOUR });
    expect(w.invoices(sub.id)[2]!.total).toBe(2500);
    const summaries = w.sim.usageRecords.summaries({ subscriptionItem: sub.items.data[1]!.id });
    expect(summaries.data.map((summary) => summary.totalUsage)).toEqual([0, 500, 1000]);
  });

  it('a trial ends at trialEnd too, and needs no payment method', () => {
    const w = moneyWorld();
    w.sim.customers.update(w.customer, { paymentMethod: 'pm_card_chargeDeclined' });
    const sub = w.subscribe([w.licensed(2000)], { trialEnd: JAN_1 + 3 * DAY });
    expect(w.invoices(sub.id)[0]).toMatchObject({ status: 'paid', total: 0 });
    expect(sub.currentPeriodEnd).toBe(JAN_1 + 3 * DAY);
  });

  it('a once coupon outlives a trial; changes during the trial are free too', () => {
    const w = moneyWorld();
    const once = w.sim.coupons.create({ percentOff: 50, duration: 'once' });
    const sub = w.subscribe([w.licensed(2000)], {
      trialPeriodDays: 14,
      discounts: [{ coupon: once.id }],
    });
    expect(w.invoices(sub.id)[0]).toMatchObject({ total: 0, discounts: [] });
    w.sim.testClock.advance({ frozenTime: JAN_1 + 7 * DAY });
    w.sim.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: w.licensed(4000).id }],
      prorationBehavior: 'always_invoice',
    });
    const change = w.invoices(sub.id)[1]!;
    expect(change.lines.data.map((line) => line.amount)).toEqual([0, 0]);
    expect(change.total).toBe(0);
    w.sim.testClock.advance({ frozenTime: JAN_15 + HOUR });
    expect(w.invoices(sub.id)[2]).toMatchObject({ subtotal: 4000, total: 2000 });
    expect(w.sim.subscriptions.retrieve(sub.id).discounts).toEqual([]);
  });

  it('N-X19: a later anchor bills the first partial period prorated over an interval from the start', () => {
    const w = moneyWorld(JAN_15);
    const price = w.licensed(3100);
    const metered = w.metered(1);
    const sub = w.subscribe([price, metered], { billingCycleAnchor: FEB_1 });
    expect(sub).toMatchObject({
      billingCycleAnchor: FEB_1,
      currentPeriodStart: JAN_15,
      currentPeriodEnd: FEB_1,
    });
    const [creation] = w.invoices(sub.id);
    expect(creation!.lines.data[0]).toMatchObject({
      amount: 1700,
      proration: true,
      period: { start: JAN_15, end: FEB_1 },
    });
    expect(creation!.total).toBe(1700);
    use(w, sub.items.data[1]!.id, 42);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const feb = w.invoices(sub.id)[1]!;
    expect(feb.lines.data.map((line) => [line.amount, line.period])).toEqual([
      [42, { start: JAN_15, end: FEB_1 }],
      [3100, { start: FEB_1, end: MAR_1 }],
    ]);
    // With prorationBehavior 'none' the span is free and no invoice is made.
    const free = w.subscribe([price], {
      billingCycleAnchor: FEB_1 + 10 * DAY,
      prorationBehavior: 'none',
    });
    expect(w.invoices(free.id)).toEqual([]);
  });

  it('N-X20: a backdated start bills the backdated span prorated plus the first whole period', () => {
    const w = moneyWorld(MAR_1);
    const sub = w.subscribe([w.licensed(3000)], { backdateStartDate: FEB_15 });
    expect(sub).toMatchObject({ startDate: FEB_15, billingCycleAnchor: MAR_1 });
    const [creation] = w.invoices(sub.id);
    expect(creation!.lines.data.map((line) => line.amount)).toEqual([1500, 3000]);
    expect(creation).toMatchObject({ total: 4500, periodStart: FEB_15 });
    const none = w.subscribe([w.licensed(3000)], {
      backdateStartDate: FEB_15,
      prorationBehavior: 'none',
    });
    expect(w.invoices(none.id)[0]!.total).toBe(3000);
  });

  it('a minimum commitment is prorated in a first partial period and waived in a trial', () => {
    const w = moneyWorld(JAN_15);
    const sub = w.subscribe([w.metered(1)], {
      billingCycleAnchor: FEB_1,
      minimumCommitment: { amount: 3100, currency: 'USD' },
    });
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    // 17 of 31 days: 3100 × 17 / 31 = 1700.
    expect(w.invoices(sub.id)[1]!.lines.data.at(-1)).toMatchObject({
      type: 'minimum_commitment_true_up',
      amount: 1700,
    });
    const trial = w.subscribe([w.metered(1)], {
      trialPeriodDays: 7,
      minimumCommitment: { amount: 3100, currency: 'USD' },
    });
    w.sim.testClock.advance({ frozenTime: FEB_1 + 7 * DAY + HOUR });
    expect(w.invoices(trial.id)[1]).toMatchObject({ total: 0 });
  });

  it('refuses bad starts naming the field, changing nothing', () => {
    const w = moneyWorld(JAN_15);
    const price = w.licensed(1000);
    const refuse = (
      extra: Parameters<typeof w.subscribe>[1],
      expected: { code: string; param: string },
    ) => expectRejectedUnchanged(w.sim, () => w.subscribe([price], extra), expected);
    refuse({ trialEnd: JAN_15 }, { code: 'invalid_trial_end', param: 'trialEnd' });
    refuse({ trialEnd: JAN_1 }, { code: 'invalid_trial_end', param: 'trialEnd' });
    refuse(
      { trialEnd: FEB_1, trialPeriodDays: 3 },
      { code: 'trial_conflict', param: 'trialPeriodDays' },
    );
    refuse(
      { billingCycleAnchor: JAN_15 + 31 * DAY },
      { code: 'invalid_billing_cycle_anchor', param: 'billingCycleAnchor' },
    );
    refuse(
      { billingCycleAnchor: JAN_1 },
      { code: 'invalid_billing_cycle_anchor', param: 'billingCycleAnchor' },
    );
    refuse(
      { backdateStartDate: JAN_15 - 32 * DAY },
      { code: 'invalid_backdate_start_date', param: 'backdateStartDate' },
    );
    refuse(
      { backdateStartDate: JAN_15 + DAY },
      { code: 'invalid_backdate_start_date', param: 'backdateStartDate' },
    );
    // A trial with a later anchor is allowed (N9.2, see money-start-combinations.test.ts); an
    // anchor inside the trial is not, and neither is a backdated trial.
    refuse(
      { trialPeriodDays: 3, billingCycleAnchor: JAN_15 + DAY },
      { code: 'invalid_billing_cycle_anchor', param: 'billingCycleAnchor' },
    );
    refuse(
      { trialPeriodDays: 3, backdateStartDate: JAN_15 - DAY },
      { code: 'parameter_conflict', param: 'backdateStartDate' },
    );
  });
});
