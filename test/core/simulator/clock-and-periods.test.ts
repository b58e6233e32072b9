// The test clock and billing periods through the API: month-end anchors, intervals, advancing
// across several periods, and a clock that only moves forward.
import { describe, expect, it } from 'vitest';
import type { Interval } from '../../../core/public/types';
import {
  APR_1_2025,
  DAY,
  HOUR,
  MAR_1_2025,
  eventsOf,
  expectRejectedUnchanged,
  invoicesOf,
  meteredPrice,
  scenario,
} from './fixtures';

const utc = (year: number, month: number, day: number, hour = 0, minute = 0) =>
  Date.UTC(year, month - 1, day, hour, minute) / 1000;

/** The period ends a subscription goes through, advancing one billing period at a time. */
function periodEnds(startTime: number, interval: Interval, intervalCount: number, count: number) {
  const { sim, subscription } = scenario({
    startTime,
    prices: [
      { ...meteredPrice('1'), recurring: { interval, intervalCount, usageType: 'metered' } },
    ],
  });
  const ends = [subscription.currentPeriodEnd];
  for (let i = 1; i < count; i++) {
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    ends.push(sim.subscriptions.retrieve(subscription.id).currentPeriodEnd);
  }
  const cycles = invoicesOf(sim, subscription.id).filter(
    (invoice) => invoice.billingReason === 'subscription_cycle',
  );
  // Each closed period's invoice covers [previous end, end).
  expect(cycles.map((invoice) => [invoice.periodStart, invoice.periodEnd])).toEqual(
    ends.slice(0, -1).map((end, index) => [index === 0 ? startTime : ends[index - 1], end]),
  );
  return ends;
}

describe('billing periods', () => {
  it('a subscription created Jan 31 ends its periods Feb 28, Mar 31, Apr 30, May 31 (time kept)', () => {
    expect(periodEnds(utc(2025, 1, 31, 10, 30), 'month', 1, 5)).toEqual([
      utc(2025, 2, 28, 10, 30),
      utc(2025, 3, 31, 10, 30),
      utc(2025, 4, 30, 10, 30),
      utc(2025, 5, 31, 10, 30),
      utc(2025, 6, 30, 10, 30),
    ]);
  });

  it('in a leap year, Jan 31 goes to Feb 29', () => {
    expect(periodEnds(utc(2024, 1, 31), 'month', 1, 3)).toEqual([
      utc(2024, 2, 29),
      utc(2024, 3, 31),
      utc(2024, 4, 30),
    ]);
  });

  it('a yearly anchor on Feb 29 clamps to Feb 28 and returns to Feb 29 in the next leap year', () => {
    expect(periodEnds(utc(2024, 2, 29, 12), 'year', 1, 4)).toEqual([
      utc(2025, 2, 28, 12),
      utc(2026, 2, 28, 12),
      utc(2027, 2, 28, 12),
      utc(2028, 2, 29, 12),
    ]);
  });

  it('quarterly periods (3 months) from Nov 30', () => {
    expect(periodEnds(utc(2024, 11, 30), 'month', 3, 3)).toEqual([
      utc(2025, 2, 28),
      utc(2025, 5, 30),
      utc(2025, 8, 30),
    ]);
  });

  it('weekly and daily periods with intervalCount', () => {
    expect(periodEnds(MAR_1_2025, 'week', 2, 3)).toEqual([
      MAR_1_2025 + 14 * DAY,
      MAR_1_2025 + 28 * DAY,
      MAR_1_2025 + 42 * DAY,
    ]);
    expect(periodEnds(MAR_1_2025 + 5 * HOUR, 'day', 3, 2)).toEqual([
      MAR_1_2025 + 5 * HOUR + 3 * DAY,
      MAR_1_2025 + 5 * HOUR + 6 * DAY,
    ]);
  });
});

describe('the test clock', () => {
  it('starts frozen at startTime and reports itself', () => {
    const { sim } = scenario();
    expect(sim.testClock.retrieve()).toEqual({
      id: expect.stringMatching(/^clock_/),
      object: 'test_clock',
      frozenTime: MAR_1_2025,
    });
  });

  it('only moves forward', () => {
    const { sim } = scenario();
    sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY });
    const error = expectRejectedUnchanged(
      sim,
      () => sim.testClock.advance({ frozenTime: MAR_1_2025 }),
      { type: 'invalid_request_error', code: 'clock_moves_forward_only', param: 'frozenTime' },
    );
    expect(error.message).toMatch(/forward/);
    // Advancing to the same time is allowed and changes nothing.
    expect(sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY }).frozenTime).toBe(
      MAR_1_2025 + DAY,
    );
  });

  it('"advance billing period" goes to the period end plus the finalization delay', () => {
    const { sim, subscription } = scenario({ settings: { finalizationDelaySeconds: 600 } });
    expect(sim.testClock.advanceBillingPeriod({ subscription: subscription.id }).frozenTime).toBe(
      APR_1_2025 + 600,
    );
    expect(invoicesOf(sim, subscription.id).at(-1)).toMatchObject({
      billingReason: 'subscription_cycle',
      status: 'paid',
      finalizedAt: APR_1_2025 + 600,
    });
  });

  it('refuses to advance an ended subscription', () => {
    const { sim, subscription } = scenario();
    sim.subscriptions.cancel(subscription.id);
    expectRejectedUnchanged(
      sim,
      () => sim.testClock.advanceBillingPeriod({ subscription: subscription.id }),
      { code: 'subscription_ended', param: 'subscription' },
    );
  });

  it('advancing across several periods closes each in order, with its events in order', () => {
    const { sim, subscription, item } = scenario({
      prices: [{ ...meteredPrice('10'), recurring: { interval: 'day', usageType: 'metered' } }],
    });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 2 });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 5 * DAY + HOUR });

    const cycles = invoicesOf(sim, subscription.id).filter(
      (invoice) => invoice.billingReason === 'subscription_cycle',
    );
    expect(cycles.map((invoice) => [invoice.periodStart, invoice.status, invoice.total])).toEqual([
      // Day 1 billed the 2 units: 2 × 10 = 20; the other days had none.
      [MAR_1_2025, 'paid', 20],
      [MAR_1_2025 + DAY, 'paid', 0],
      [MAR_1_2025 + 2 * DAY, 'paid', 0],
      [MAR_1_2025 + 3 * DAY, 'paid', 0],
      [MAR_1_2025 + 4 * DAY, 'paid', 0],
    ]);
    const invoiceEvents = eventsOf(sim)
      .filter((event) => event.created > MAR_1_2025 && event.type.startsWith('invoice.'))
      .map((event) => [event.created, event.type, event.data.id]);
    const expected = cycles.flatMap((invoice) => [
      [invoice.periodEnd, 'invoice.created', invoice.id],
      [invoice.periodEnd + HOUR, 'invoice.finalized', invoice.id],
      [invoice.periodEnd + HOUR, 'invoice.paid', invoice.id],
    ]);
    expect(invoiceEvents).toEqual(expected);
    // Created times never go backwards.
    const times = eventsOf(sim).map((event) => event.created);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('advanceStepwise yields each billing moment', () => {
    const { sim } = scenario({
      prices: [{ ...meteredPrice('10'), recurring: { interval: 'day', usageType: 'metered' } }],
    });
    const moments = [...sim.advanceStepwise({ frozenTime: MAR_1_2025 + 2 * DAY + 30 * 60 })].map(
      (step) => step.at,
    );
    // Closes at each day boundary; each draft finalizes an hour later.
    expect(moments).toEqual([MAR_1_2025 + DAY, MAR_1_2025 + DAY + HOUR, MAR_1_2025 + 2 * DAY]);
    expect(sim.testClock.retrieve().frozenTime).toBe(MAR_1_2025 + 2 * DAY + 30 * 60);
  });
});
