// Section M's worked examples (billing meters), each through the public API.
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import type { Invoice, MeterFormula } from '../../../core/public/types';
import type { PriceSpec } from './fixtures';
import { DAY, HOUR, expectError, expectRejectedUnchanged } from './fixtures';

const JAN_1 = 1_735_689_600; // 2025-01-01T00:00:00Z
const FEB_1 = JAN_1 + 31 * DAY;
const MAR_1 = FEB_1 + 28 * DAY;

interface MeterScenario {
  sim: Simulator;
  meter: string;
  customer: string;
  eventName: string;
  price: string;
  subscription: string;
  item: string;
}

/** A customer subscribed from `start` to one price billed by a new meter. */
function meterScenario(
  formula: MeterFormula,
  price: Omit<PriceSpec, 'recurring' | 'currency'>,
  options: { start?: number; eventName?: string; valueKey?: string } = {},
): MeterScenario {
  const sim = createSimulator({ startTime: options.start ?? JAN_1, seed: 7 });
  const eventName = options.eventName ?? 'api_requests';
  const meter = sim.billing.meters.create({
    displayName: 'API requests',
    eventName,
    defaultAggregation: { formula },
    ...(options.valueKey ? { valueSettings: { eventPayloadKey: options.valueKey } } : {}),
  });
  const customer = sim.customers.create({
    id: 'cust_A',
    name: 'Acme',
    paymentMethod: 'pm_card_visa',
  });
  const product = sim.products.create({ name: 'API' });
  const created = sim.prices.create({
    product: product.id,
    currency: 'USD',
    ...price,
    recurring: { interval: 'month', usageType: 'metered', meter: meter.id },
  });
  const subscription = sim.subscriptions.create({
    customer: customer.id,
    items: [{ price: created.id }],
  });
  return {
    sim,
    meter: meter.id,
    customer: customer.id,
    eventName,
    price: created.id,
    subscription: subscription.id,
    item: subscription.items.data[0]!.id,
  };
}

function send(
  s: MeterScenario,
  value: string,
  extra: { timestamp?: number; identifier?: string } = {},
) {
  return s.sim.billing.meterEvents.create({
    eventName: s.eventName,
    payload: { customer: s.customer, value },
    ...extra,
  });
}

/** The period-close invoice of a subscription whose period ended at `periodEnd`. */
function cycleInvoice(sim: Simulator, subscription: string, periodEnd: number): Invoice {
  const invoice = sim.invoices
    .list({ subscription })
    .data.find((i) => i.billingReason === 'subscription_cycle' && i.periodEnd === periodEnd);
  expect(invoice, `an invoice for the period ending ${periodEnd}`).toBeDefined();
  return invoice!;
}

describe('billing meters: section M worked examples', () => {
  it('M-X1: a package price on a sum meter bills 3050 tokens as 31 packages, 124', () => {
    const s = meterScenario(
      'sum',
      { unitAmount: 4, transformQuantity: { divideBy: 100, round: 'up' } },
      { eventName: 'alpaca_ai_tokens' },
    );
    s.sim.testClock.advance({ frozenTime: JAN_1 + 9 * DAY });
    send(s, '3000');
    send(s, '50');
    s.sim.testClock.advance({ frozenTime: FEB_1 });
    const [line] = cycleInvoice(s.sim, s.subscription, FEB_1).lines.data;
    expect(line).toMatchObject({ quantity: 3050, quantityDecimal: '3050', amount: 124 });
    expect(line!.explanation.pricing.billedQuantity).toBe(31);
    expect(line!.explanation.meter).toMatchObject({
      formula: 'sum',
      value: '3050',
      eventsCounted: 2,
    });
  });

  it('M-X2: decimal values stay exact: 10.25 + 19.75 = 30 at 0.05 is 1.5, billed 2', () => {
    const s = meterScenario('sum', { unitAmountDecimal: '0.05' });
    send(s, '10.25');
    send(s, '19.75');
    s.sim.testClock.advance({ frozenTime: FEB_1 });
    const [line] = cycleInvoice(s.sim, s.subscription, FEB_1).lines.data;
    expect(line).toMatchObject({ quantityDecimal: '30', amountExact: '1.5', amount: 2 });
  });

  it('M-X2 (decimal quantity): 0.5 + 0.25 at 10 per unit is 7.5, billed 8, the quantity kept exact', () => {
    const s = meterScenario('sum', { unitAmount: 10 });
    send(s, '0.5');
    send(s, '0.25');
    s.sim.testClock.advance({ frozenTime: FEB_1 });
    const [line] = cycleInvoice(s.sim, s.subscription, FEB_1).lines.data;
    expect(line).toMatchObject({ quantityDecimal: '0.75', amountExact: '7.5', amount: 8 });
  });

  it('M-X3: one event set under five formulas', () => {
    const MAR_16 = 1_742_083_200;
    const sim = createSimulator({ startTime: MAR_16 - 15 * DAY, seed: 3 });
    const customer = sim.customers.create({
      id: 'cust_C',
      name: 'C',
      paymentMethod: 'pm_card_visa',
    });
    const product = sim.products.create({ name: 'Pages' });
    const formulas: MeterFormula[] = ['sum', 'count', 'max', 'last', 'unique_count'];
    const prices = formulas.map((formula) => {
      const meter = sim.billing.meters.create({
        displayName: formula,
        eventName: `pageviews_${formula}`,
        defaultAggregation: { formula },
        valueSettings: {
          eventPayloadKey: formula === 'unique_count' ? 'tracked_user_id' : 'pageviews',
        },
      });
      return sim.prices.create({
        product: product.id,
        currency: 'USD',
        unitAmount: 10,
        recurring: { interval: 'month', usageType: 'metered', meter: meter.id },
      }).id;
    });
    const sub = sim.subscriptions.create({
      customer: customer.id,
      items: prices.map((price) => ({ price })),
    });
    for (const [day, pageviews] of [
      [MAR_16, '10'],
      [MAR_16 + DAY, '20'],
    ] as const) {
      sim.testClock.advance({ frozenTime: day });
      for (const formula of formulas) {
        sim.billing.meterEvents.create({
          eventName: `pageviews_${formula}`,
          payload: { customer: customer.id, pageviews, tracked_user_id: 'u-1' },
        });
      }
    }
    sim.testClock.advanceBillingPeriod({ subscription: sub.id });
    const invoice = sim.invoices.list({ subscription: sub.id }).data[0]!;
    const byFormula = Object.fromEntries(
      invoice.lines.data.map((line) => [
        line.explanation.meter!.formula,
        [line.quantityDecimal, line.amount],
      ]),
    );
    expect(byFormula).toEqual({
      sum: ['30', 300],
      count: ['2', 20],
      max: ['20', 200],
      last: ['20', 200],
      unique_count: ['1', 10],
    });
  });

  it('M-X4: last is decided by the latest timestamp inside the period, and nothing carries over', () => {
    const s = meterScenario('last', { unitAmount: 500 });
    s.sim.testClock.advance({ frozenTime: JAN_1 + 24 * DAY });
    send(s, '12', { timestamp: JAN_1 + 2 * DAY });
    send(s, '9', { timestamp: JAN_1 + 19 * DAY });
    send(s, '30', { timestamp: JAN_1 + 9 * DAY }); // created later, stamped earlier
    s.sim.testClock.advance({ frozenTime: FEB_1 });
    const [january] = cycleInvoice(s.sim, s.subscription, FEB_1).lines.data;
    expect(january).toMatchObject({ quantityDecimal: '9', amount: 4500 });
    expect(january!.explanation.meter!.deciding).toEqual({
      timestamp: JAN_1 + 19 * DAY,
      created: JAN_1 + 24 * DAY,
      value: '9',
    });
    expect(january!.explanation.meter!.summary).toMatch(/decided by the event stamped 2025-01-20/);
    // Sent a week before the invoice: its identifier is no longer kept (2 days).
    expect(january!.explanation.meter!.decidingIdentifier).toBeNull();
    s.sim.testClock.advance({ frozenTime: MAR_1 });
    const [february] = cycleInvoice(s.sim, s.subscription, MAR_1).lines.data;
    expect(february).toMatchObject({ quantityDecimal: '0', amount: 0 });
  });

  it('a line names the event that decided a last by its identifier, while it is kept', () => {
    const s = meterScenario('last', { unitAmount: 500 });
    s.sim.testClock.advance({ frozenTime: FEB_1 - DAY });
    send(s, '4', { identifier: 'reading-1', timestamp: FEB_1 - 2 * DAY });
    send(s, '6', { identifier: 'reading-2' });
    send(s, '5', { timestamp: FEB_1 - 3 * DAY });
    s.sim.testClock.advance({ frozenTime: FEB_1 });
    const meter = cycleInvoice(s.sim, s.subscription, FEB_1).lines.data[0]!.explanation.meter!;
    expect([meter.quantity, meter.decidingIdentifier]).toEqual(['6', 'reading-2']);
  });

  it('M-X5: negative usage: the summary says -50, the invoice bills 0', () => {
    const s = meterScenario('sum', { unitAmount: 1 });
    s.sim.testClock.advance({ frozenTime: JAN_1 + 2 * DAY });
    send(s, '100');
    send(s, '-150');
    const summaries = s.sim.billing.meters.eventSummaries(s.meter, {
      customer: s.customer,
      startTime: JAN_1,
      endTime: JAN_1 + 3 * DAY,
    });
    expect(summaries.data.map((summary) => summary.aggregatedValue)).toEqual(['-50']);
    s.sim.testClock.advance({ frozenTime: FEB_1 });
    const [line] = cycleInvoice(s.sim, s.subscription, FEB_1).lines.data;
    expect(line).toMatchObject({ quantityDecimal: '0', amount: 0 });
    expect(line!.explanation.meter!.value).toBe('-50');
  });

  it('M-X6: timestamps from 35 days back to 5 minutes ahead, both edges included', () => {
    const now = 1_741_608_000;
    const s = meterScenario('sum', { unitAmount: 1 }, { start: now });
    expect(send(s, '1', { timestamp: now - 3_024_000 }).timestamp).toBe(1_738_584_000);
    expectRejectedUnchanged(s.sim, () => send(s, '1', { timestamp: 1_738_583_999 }), {
      code: 'timestamp_too_far_in_past',
      param: 'timestamp',
    });
    expect(send(s, '1', { timestamp: now + 300 }).timestamp).toBe(now + 300);
    expectRejectedUnchanged(s.sim, () => send(s, '1', { timestamp: now + 301 }), {
      code: 'timestamp_in_future',
      param: 'timestamp',
    });
  });

  it('M-X7: an identifier is taken for 24 hours; cancel takes the event younger than 24 hours', () => {
    const s = meterScenario('sum', { unitAmount: 3 });
    const JAN_5 = JAN_1 + 4 * DAY;
    s.sim.testClock.advance({ frozenTime: JAN_5 });
    expect(send(s, '10', { identifier: 'req-1' }).identifier).toBe('req-1');
    s.sim.testClock.advance({ frozenTime: JAN_5 + 60 });
    expectRejectedUnchanged(s.sim, () => send(s, '10', { identifier: 'req-1' }), {
      code: 'duplicate_meter_event',
      param: 'identifier',
    });
    s.sim.testClock.advance({ frozenTime: JAN_5 + DAY });
    send(s, '7', { identifier: 'req-1' });
    s.sim.testClock.advance({ frozenTime: JAN_5 + DAY + HOUR });
    const cancel = () =>
      s.sim.billing.meterEventAdjustments.create({
        eventName: 'api_requests',
        type: 'cancel',
        cancel: { identifier: 'req-1' },
      });
    expect(cancel()).toMatchObject({
      object: 'billing.meter_event_adjustment',
      type: 'cancel',
      cancel: { identifier: 'req-1' },
      status: 'complete',
    });
    expectRejectedUnchanged(s.sim, cancel, { code: 'meter_event_already_canceled' });
    s.sim.testClock.advance({ frozenTime: FEB_1 });
    const [line] = cycleInvoice(s.sim, s.subscription, FEB_1).lines.data;
    expect(line).toMatchObject({ quantityDecimal: '10', amount: 30 });
    expect(line!.explanation.meter).toMatchObject({ eventsCounted: 1, eventsCanceled: 1 });
    expect(line!.explanation.meter!.summary).toMatch(/1 event canceled/);
    // The line names the canceled event: the second req-1, sent a day after the first.
    expect(line!.explanation.meter!.canceledEvents).toEqual([
      { identifier: 'req-1', timestamp: JAN_5 + DAY, created: JAN_5 + DAY, value: '7' },
    ]);
    expect(line!.explanation.meter!.lateEvents).toEqual([]);
  });

  it('M-X7 (windows): cancel refuses an expired or unknown event and a wrong event name', () => {
    const s = meterScenario('sum', { unitAmount: 3 });
    const generated = send(s, '5').identifier;
    expect(generated).toMatch(/^mev_/);
    s.sim.testClock.advance({ frozenTime: JAN_1 + DAY + 1 });
    const cancel =
      (identifier: string, eventName = 'api_requests') =>
      () =>
        s.sim.billing.meterEventAdjustments.create({
          eventName,
          type: 'cancel',
          cancel: { identifier },
        });
    expectRejectedUnchanged(s.sim, cancel(generated), {
      code: 'meter_event_cancel_window_expired',
      param: 'cancel.identifier',
    });
    expectRejectedUnchanged(s.sim, cancel('never-sent'), {
      code: 'resource_missing',
      param: 'cancel.identifier',
    });
    send(s, '5', { identifier: 'x' });
    expectRejectedUnchanged(s.sim, cancel('x', 'other'), { code: 'resource_missing' });
    expectRejectedUnchanged(
      s.sim,
      () =>
        s.sim.billing.meterEventAdjustments.create({
          eventName: 'api_requests',
          type: 'undo',
          cancel: { identifier: 'x' },
        }),
      { code: 'invalid_adjustment_type', param: 'type' },
    );
    // A generated identifier cancels too, while its event is younger than 24 hours.
    const fresh = send(s, '9').identifier;
    expect(cancel(fresh)()).toMatchObject({ status: 'complete' });
  });

  it('M-X8: an event in the ended period updates the draft, and is refused once it is finalized', () => {
    const s = meterScenario('sum', { unitAmount: 2 });
    s.sim.testClock.advance({ frozenTime: JAN_1 + 10 * DAY });
    send(s, '100');
    s.sim.testClock.advance({ frozenTime: FEB_1 });
    const draft = cycleInvoice(s.sim, s.subscription, FEB_1);
    expect([draft.status, draft.lines.data[0]!.amount]).toEqual(['draft', 200]);
    s.sim.testClock.advance({ frozenTime: FEB_1 + 30 * 60 });
    send(s, '50', { timestamp: FEB_1 - 60 });
    const updated = s.sim.invoices.retrieve(draft.id);
    expect([updated.status, updated.lines.data[0]!.amount, updated.total]).toEqual([
      'draft',
      300,
      300,
    ]);
    expect(updated.lines.data[0]!.explanation.meter).toMatchObject({
      eventsCounted: 2,
      eventsLate: 1,
    });
    const late = updated.lines.data[0]!.explanation.meter!.lateEvents!;
    expect(late).toMatchObject([{ timestamp: FEB_1 - 60, created: FEB_1 + 30 * 60, value: '50' }]);
    expect(late[0]!.identifier).toMatch(/^mev_/);
    expect(s.sim.events.list({ type: 'invoice.updated' }).data).toHaveLength(1);
    s.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    expect(s.sim.invoices.retrieve(draft.id)).toMatchObject({ status: 'paid', total: 300 });
    expectRejectedUnchanged(s.sim, () => send(s, '50', { timestamp: FEB_1 - 60 }), {
      code: 'meter_event_period_finalized',
      param: 'timestamp',
    });
    send(s, '1', { timestamp: FEB_1 + 10 * 60 });
    const upcoming = s.sim.invoices.upcoming({ subscription: s.subscription });
    expect(upcoming.lines.data[0]).toMatchObject({ quantityDecimal: '1', amount: 2 });
  });

  it('M-X9: two items on one meter each bill the full usage over their own periods', () => {
    const s = meterScenario('sum', { unitAmount: 1 });
    const JAN_15 = JAN_1 + 14 * DAY;
    const product = s.sim.products.create({ name: 'B' });
    const priceB = s.sim.prices.create({
      product: product.id,
      currency: 'USD',
      unitAmount: 2,
      recurring: { interval: 'month', usageType: 'metered', meter: s.meter },
    });
    s.sim.testClock.advance({ frozenTime: JAN_1 + 9 * DAY });
    send(s, '100');
    s.sim.testClock.advance({ frozenTime: JAN_15 });
    const subB = s.sim.subscriptions.create({
      customer: s.customer,
      items: [{ price: priceB.id }],
    });
    s.sim.testClock.advance({ frozenTime: JAN_1 + 19 * DAY });
    send(s, '50');
    s.sim.testClock.advance({ frozenTime: JAN_15 + 31 * DAY });
    expect(cycleInvoice(s.sim, s.subscription, FEB_1).lines.data[0]).toMatchObject({
      quantityDecimal: '150',
      amount: 150,
    });
    expect(cycleInvoice(s.sim, subB.id, JAN_15 + 31 * DAY).lines.data[0]).toMatchObject({
      quantityDecimal: '50',
      amount: 100,
    });
  });

  it('M-X10: hourly summaries, newest first, empty hours included', () => {
    const TEN = 1_748_772_000; // 2025-06-01T10:00:00Z
    const s = meterScenario('sum', { unitAmount: 1 }, { start: TEN - DAY });
    s.sim.testClock.advance({ frozenTime: TEN + 3 * HOUR });
    send(s, '5', { timestamp: TEN + 15 * 60 });
    send(s, '10', { timestamp: TEN + 45 * 60 });
    send(s, '7', { timestamp: TEN + 2 * HOUR + 5 * 60 });
    const args = { customer: s.customer, startTime: TEN, endTime: TEN + 3 * HOUR };
    const hourly = s.sim.billing.meters.eventSummaries(s.meter, {
      ...args,
      valueGroupingWindow: 'hour',
    });
    expect(hourly.data.map((w) => [w.startTime - TEN, w.endTime - TEN, w.aggregatedValue])).toEqual(
      [
        [2 * HOUR, 3 * HOUR, '7'],
        [HOUR, 2 * HOUR, '0'],
        [0, HOUR, '15'],
      ],
    );
    expect(hourly.hasMore).toBe(false);
    expect(s.sim.billing.meters.eventSummaries(s.meter, args).data[0]!.aggregatedValue).toBe('22');
    const page = s.sim.billing.meters.eventSummaries(s.meter, {
      ...args,
      valueGroupingWindow: 'hour',
      limit: 2,
    });
    expect([page.data.length, page.hasMore]).toEqual([2, true]);
    const next = s.sim.billing.meters.eventSummaries(s.meter, {
      ...args,
      valueGroupingWindow: 'hour',
      startingAfter: page.data[1]!.id,
    });
    expect(next.data.map((w) => w.aggregatedValue)).toEqual(['15']);
    expectError(
      () =>
        s.sim.billing.meters.eventSummaries(s.meter, {
          ...args,
          startTime: TEN + 30 * 60,
          valueGroupingWindow: 'hour',
        }),
      { code: 'summary_time_not_aligned', param: 'startTime' },
    );
  });

  it('M-X11: a one-time alert fires once, with the lifetime value', () => {
    const s = meterScenario('sum', { unitAmount: 1 });
    const alert = s.sim.billing.alerts.create({
      alertType: 'usage_threshold',
      title: 'Big user',
      usageThreshold: {
        meter: s.meter,
        gte: 100,
        recurrence: 'one_time',
        filters: [{ type: 'customer', customer: s.customer }],
      },
    });
    expect(alert).toMatchObject({ id: expect.stringMatching(/^alrt_/), status: 'active' });
    send(s, '60');
    expect(s.sim.events.list({ type: 'billing.alert.triggered' }).data).toHaveLength(0);
    send(s, '50');
    const fired = s.sim.events.list({ type: 'billing.alert.triggered' }).data;
    expect(fired.map((event) => event.data)).toEqual([
      {
        id: alert.id,
        object: 'billing.alert_triggered',
        alert: alert.id,
        customer: s.customer,
        value: '110',
      },
    ]);
    send(s, '500');
    expect(s.sim.events.list({ type: 'billing.alert.triggered' }).data).toHaveLength(1);
  });

  it('M-X12: an inactive meter refuses events and new prices; its items still bill earlier events', () => {
    const s = meterScenario('sum', { unitAmount: 1 });
    send(s, '40');
    expect(s.sim.billing.meters.deactivate(s.meter)).toMatchObject({
      status: 'inactive',
      statusTransitions: { deactivatedAt: JAN_1 },
    });
    expectRejectedUnchanged(s.sim, () => send(s, '1'), {
      code: 'archived_meter',
      param: 'eventName',
    });
    const product = s.sim.products.create({ name: 'Other' });
    expectRejectedUnchanged(
      s.sim,
      () =>
        s.sim.prices.create({
          product: product.id,
          currency: 'USD',
          unitAmount: 1,
          recurring: { interval: 'month', usageType: 'metered', meter: s.meter },
        }),
      { code: 'meter_inactive', param: 'recurring.meter' },
    );
    expectError(() => s.sim.billing.meters.deactivate(s.meter), { code: 'meter_status_unchanged' });
    s.sim.testClock.advance({ frozenTime: FEB_1 });
    expect(cycleInvoice(s.sim, s.subscription, FEB_1).lines.data[0]).toMatchObject({ amount: 40 });
    s.sim.billing.meters.reactivate(s.meter);
    expect(send(s, '1').eventName).toBe('api_requests');
  });
});
