// The meters UI state against a real engine behind the fake transport: the Catalog's meters, the
// price builder pricing by meter, the Usage view's events, batches, cancels and alerts, and the
// lab's move of a legacy price to a meter.
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import { MeterlabError } from '../../../core/values/errors';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { PriceBuilder } from '../../../renderer/state/catalog.svelte';
import {
  MeterEventsState,
  MetersState,
  formulaChoices,
  parseEventBatch,
} from '../../../renderer/state/meters.svelte';
import { migrationPlan } from '../../../renderer/lib/migration';
import { describeRecurring } from '../../../renderer/lib/price-text';
import { EngineRefusal, FakeTransport, settle } from '../fake-transport';

const JAN_1 = 1_735_689_600;
const DAY = 86_400;

/** A transport whose answers come from a real simulator (errors as the engine's envelopes). */
function engineTransport(sim: Simulator): FakeTransport {
  const transport = new FakeTransport();
  const route = (method: string, run: (...args: never[]) => unknown) =>
    transport.on(
      method as never,
      ((...args: never[]) => {
        try {
          return run(...args);
        } catch (error) {
          if (error instanceof MeterlabError)
            throw new EngineRefusal(error.code, error.param, error.message);
          throw error;
        }
      }) as never,
    );
  route('billing.meters.create', (args) => sim.billing.meters.create(args));
  route('billing.meters.list', (args) => sim.billing.meters.list(args));
  route('billing.meters.deactivate', (id) => sim.billing.meters.deactivate(id));
  route('billing.meters.reactivate', (id) => sim.billing.meters.reactivate(id));
  route('billing.meters.eventSummaries', (id, args) => sim.billing.meters.eventSummaries(id, args));
  route('billing.meterEvents.create', (args) => sim.billing.meterEvents.create(args));
  route('billing.meterEvents.createBatch', (args) => sim.billing.meterEvents.createBatch(args));
  route('billing.meterEventAdjustments.create', (args) =>
    sim.billing.meterEventAdjustments.create(args),
  );
  route('billing.alerts.create', (args) => sim.billing.alerts.create(args));
  route('billing.alerts.list', (args) => sim.billing.alerts.list(args));
  route('customers.list', (args) => sim.customers.list(args));
  route('events.list', (args) => sim.events.list(args));
  route('testClock.retrieve', () => sim.testClock.retrieve());
  // After a change the app re-reads the open scenario: any will do here.
  route('workspace.current', () => ({ id: 'scn_1', name: 'Meters' }) as never);
  return transport;
}

function setup() {
  const sim = createSimulator({ startTime: JAN_1, seed: 4 });
  sim.customers.create({ id: 'cust_A', name: 'A', paymentMethod: 'pm_card_visa' });
  const transport = engineTransport(sim);
  const app = new AppState(createApiClient(transport));
  app.clock = sim.testClock.retrieve();
  return { sim, transport, app };
}

describe('MetersState (Catalog)', () => {
  it('offers each formula with its meaning, max and unique_count marked as extensions', () => {
    expect(formulaChoices.map((c) => [c.formula, c.extension])).toEqual([
      ['sum', false],
      ['count', false],
      ['last', false],
      ['max', true],
      ['unique_count', true],
    ]);
    expect(formulaChoices.find((c) => c.formula === 'count')!.description).toMatch(/ignored/);
  });

  it('creates a meter as the form says, then deactivates and reactivates it', async () => {
    const { sim, app, transport } = setup();
    const meters = new MetersState(app);
    meters.displayName = ' Users ';
    meters.eventName = 'active_users';
    meters.formula = 'unique_count';
    meters.valueKey = 'user';
    const meter = await meters.create();
    expect(transport.callsOf('billing.meters.create')[0]).toEqual([
      {
        displayName: 'Users',
        eventName: 'active_users',
        defaultAggregation: { formula: 'unique_count' },
        valueSettings: { eventPayloadKey: 'user' },
      },
    ]);
    expect(meters.displayName).toBe('');
    await meters.setActive(meter!.id, false);
    expect(sim.billing.meters.retrieve(meter!.id).status).toBe('inactive');
    await meters.setActive(meter!.id, true);
    expect(sim.billing.meters.retrieve(meter!.id).status).toBe('active');
    // A second meter with the same event name: the engine's refusal is kept for the form.
    meters.displayName = 'Again';
    meters.eventName = 'active_users';
    expect(await meters.create()).toBeUndefined();
    expect(meters.task.error?.code).toBe('meter_event_name_taken');
  });

  it('the price builder prices by meter: recurring.meter, no aggregateUsage', () => {
    const builder = new PriceBuilder();
    builder.product = 'prod_1';
    builder.meter = 'mtr_1';
    expect(builder.args.recurring).toEqual({
      interval: 'month',
      intervalCount: 1,
      usageType: 'metered',
      meter: 'mtr_1',
    });
    builder.meter = '';
    expect(builder.args.recurring.aggregateUsage).toBe('sum');
  });

  it('names a meter price by its meter in the prices table', () => {
    const { sim } = setup();
    const meter = sim.billing.meters.create({
      displayName: 'R',
      eventName: 'r',
      defaultAggregation: { formula: 'sum' },
    });
    const product = sim.products.create({ name: 'P' });
    const price = sim.prices.create({
      product: product.id,
      currency: 'EUR',
      unitAmount: 1,
      recurring: { interval: 'month', usageType: 'metered', meter: meter.id },
    });
    expect(describeRecurring(price)).toBe(`metered (meter ${meter.id}) / month`);
  });
});

describe('MeterEventsState (Usage)', () => {
  function withMeter() {
    const built = setup();
    built.sim.billing.meters.create({
      displayName: 'Requests',
      eventName: 'requests',
      defaultAggregation: { formula: 'sum' },
    });
    return built;
  }

  it('parses a pasted batch with the meter’s own payload keys', () => {
    const meter = {
      eventName: 'tokens',
      customerMapping: { type: 'by_id' as const, eventPayloadKey: 'account' },
      valueSettings: { eventPayloadKey: 'n' },
    };
    const events = parseEventBatch(
      '# comment\ncust_A, 12.5\n\ncust_A; 3, req-9, 1735700000\ncust_A, 4, 2025-01-01T10:00:00',
      meter,
    );
    expect(events).toEqual([
      { eventName: 'tokens', payload: { account: 'cust_A', n: '12.5' } },
      {
        eventName: 'tokens',
        payload: { account: 'cust_A', n: '3' },
        identifier: 'req-9',
        timestamp: 1735700000,
      },
      { eventName: 'tokens', payload: { account: 'cust_A', n: '4' }, timestamp: 1735725600 },
    ]);
    expect(parseEventBatch('cust_A, 1', null)).toEqual([]);
  });

  it('sends one event (shown as the SDK call), a batch, a cancel, and reads the summaries', async () => {
    const { sim, app } = withMeter();
    const events = new MeterEventsState(app);
    await events.load();
    await settle();
    events.value = '7.5';
    events.identifier = 'req-1';
    expect(events.sdkCall).toContain("eventName: 'requests'");
    expect(events.sdkCall).toContain("payload: { customer: 'cust_A', value: '7.5' }");
    expect(events.sdkCall).toContain("identifier: 'req-1'");
    await events.send();
    expect(events.lastResult).toMatch(/req-1/);

    events.batchText = 'cust_A, 10\ncust_A, 2.5, req-2';
    expect(events.batchCall).toContain('billing.meterEvents.createBatch');
    await events.sendBatch();
    expect(events.lastResult).toBe('Accepted 2 events.');

    events.cancelIdentifier = 'req-2';
    await events.cancel();
    await events.summaries.load();
    // 7.5 + 10, the canceled 2.5 counts nowhere; newest day first.
    expect(events.summaries.value![0]!.aggregatedValue).toBe('17.5');
    expect(events.summaries.value).toHaveLength(30);

    // A duplicate identifier in a batch: refused, the line is named, nothing stored.
    events.batchText = 'cust_A, 1, req-3\ncust_A, 1, req-1';
    await events.sendBatch();
    expect(events.batchTask.error?.code).toBe('duplicate_meter_event');
    expect(events.rejectedIndex).toBe(1);
    const total = sim.billing.meters.eventSummaries(sim.billing.meters.list().data[0]!.id, {
      customer: 'cust_A',
      startTime: JAN_1,
      endTime: JAN_1 + DAY,
    });
    expect(total.data[0]!.aggregatedValue).toBe('17.5');
  });

  it('creates an alert for the chosen customer and lists it when it fires', async () => {
    const { app } = withMeter();
    const events = new MeterEventsState(app);
    await events.load();
    events.alertGte = '10';
    await events.createAlert();
    await events.alerts.load();
    expect(events.alerts.value!.data[0]!.usageThreshold).toMatchObject({
      gte: 10,
      filters: [{ type: 'customer', customer: 'cust_A' }],
    });
    events.value = '12';
    await events.send();
    await events.triggered.load();
    expect(events.triggeredRows.map((row) => [row.data.customer, row.data.value])).toEqual([
      ['cust_A', '12'],
    ]);
  });
});

describe('migrationPlan (the lab)', () => {
  function legacy(aggregateUsage: 'max' | 'last_ever') {
    const sim = createSimulator({ startTime: JAN_1, seed: 2 });
    const product = sim.products.create({ name: 'Peak connections' });
    const price = sim.prices.create({
      product: product.id,
      currency: 'USD',
      nickname: 'Peak',
      unitAmount: 100,
      recurring: { interval: 'month', usageType: 'metered', aggregateUsage },
    });
    sim.customers.create({ id: 'cust_A', name: 'A', paymentMethod: 'pm_card_visa' });
    const sub = sim.subscriptions.create({ customer: 'cust_A', items: [{ price: price.id }] });
    const item = sub.items.data[0]!.id;
    sim.testClock.advance({ frozenTime: JAN_1 + 5 * DAY });
    for (const [day, quantity] of [
      [1, 4],
      [2, 9],
      [3, 6],
    ] as const)
      sim.usageRecords.create({
        subscriptionItem: item,
        quantity,
        action: 'set',
        timestamp: JAN_1 + day * DAY,
      });
    sim.testClock.advance({ frozenTime: JAN_1 + 33 * DAY }); // February has no records yet
    return { sim, price, comparison: sim.analysis.recordsVsMeters({ subscriptionItem: item }) };
  }

  it('a max price moves to the max extension, with what last and sum would cost', () => {
    const { price, comparison } = legacy('max');
    const plan = migrationPlan(price, 'Peak', comparison)!;
    expect([plan.formula, plan.extension]).toEqual(['max', true]);
    expect(plan.meterArgs).toEqual({
      displayName: 'Peak',
      eventName: 'peak',
      defaultAggregation: { formula: 'max' },
    });
    // January, oldest first: peak 9, last 6, sum 19, at 1 USD each.
    expect(plan.rows[0]).toMatchObject({
      legacy: 900,
      proposed: 900,
      alternatives: [
        { formula: 'last', amount: 600 },
        { formula: 'sum', amount: 1900 },
      ],
    });
    expect(plan.changed).toBe(0);
    expect(plan.code).toContain('"meter": meter.id');
  });

  it('a last_ever price moves to last: the empty February bills 0 instead of 6', () => {
    const { price, comparison } = legacy('last_ever');
    const plan = migrationPlan(price, 'Peak', comparison)!;
    expect(plan.formula).toBe('last');
    expect(plan.rows.map((row) => [row.legacy, row.proposed])).toEqual([
      [600, 600],
      [600, 0],
    ]);
    expect(plan.changed).toBe(1);
    expect(plan.differs).toMatch(/carrying the last value forward/);
  });
});
