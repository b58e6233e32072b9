// Meter events: every bad input refused with a stable code naming the field (nothing changes),
// batches all or nothing, snapshots, and fast-check properties of dedup, cancellation, order
// independence and last.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import Decimal from 'decimal.js';
import { MeterlabError } from '../../../core/values/errors';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import type { MeterFormula } from '../../../core/public/types';
import { DAY, expectError, expectRejectedUnchanged, expectSameJson } from './fixtures';

const JAN_1 = 1_735_689_600;
const FEB_1 = JAN_1 + 31 * DAY;

function setup(formula: MeterFormula = 'sum') {
  const sim = createSimulator({ startTime: JAN_1, seed: 11 });
  const meter = sim.billing.meters.create({
    displayName: 'Requests',
    eventName: 'requests',
    defaultAggregation: { formula },
  });
  sim.customers.create({ id: 'cust_A', name: 'A', paymentMethod: 'pm_card_visa' });
  const product = sim.products.create({ name: 'API' });
  const price = sim.prices.create({
    product: product.id,
    currency: 'USD',
    unitAmount: 1,
    recurring: { interval: 'month', usageType: 'metered', meter: meter.id },
  });
  const sub = sim.subscriptions.create({ customer: 'cust_A', items: [{ price: price.id }] });
  return { sim, meter: meter.id, product: product.id, sub, item: sub.items.data[0]!.id };
}

const event = (payload: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  eventName: 'requests',
  payload: { customer: 'cust_A', ...payload },
  ...extra,
});

function summary(sim: Simulator, meter: string): string {
  return sim.billing.meters.eventSummaries(meter, {
    customer: 'cust_A',
    startTime: JAN_1 - 40 * DAY,
    endTime: JAN_1 + 60 * DAY,
  }).data[0]!.aggregatedValue;
}

describe('meter events: bad input is refused with a code naming the field, and changes nothing', () => {
  const cases: [string, Record<string, unknown>, string, string | null][] = [
    [
      'unknown event name',
      { eventName: 'nope', payload: { customer: 'cust_A', value: '1' } },
      'no_meter',
      'eventName',
    ],
    [
      'missing customer key',
      { eventName: 'requests', payload: { value: '1' } },
      'meter_event_no_customer_defined',
      'payload.customer',
    ],
    [
      'empty customer',
      event({ customer: '', value: '1' }),
      'meter_event_no_customer_defined',
      'payload.customer',
    ],
    [
      'unknown customer',
      event({ customer: 'cust_B', value: '1' }),
      'meter_event_customer_not_found',
      'payload.customer',
    ],
    ['missing value key', event({}), 'meter_event_value_not_found', 'payload.value'],
    ['non-numeric value', event({ value: 'ten' }), 'meter_event_invalid_value', 'payload.value'],
    ['exponent', event({ value: '1e3' }), 'meter_event_invalid_value', 'payload.value'],
    ['binary float', event({ value: 1.5 }), 'meter_event_invalid_value', 'payload.value'],
    ['non-finite value', event({ value: Infinity }), 'meter_event_invalid_value', 'payload.value'],
    ['NaN', event({ value: NaN }), 'meter_event_invalid_value', 'payload.value'],
    [
      '13 decimal places',
      event({ value: '0.0000000000001' }),
      'meter_event_invalid_value',
      'payload.value',
    ],
    [
      '16 significant digits',
      event({ value: '1234567890.123456' }),
      'meter_event_value_too_many_digits',
      'payload.value',
    ],
    [
      '16-digit integer',
      event({ value: 1234567890123456 }),
      'meter_event_value_too_many_digits',
      'payload.value',
    ],
    [
      'non-string payload field',
      event({ value: '1', region: 3 }),
      'parameter_invalid',
      'payload.region',
    ],
    [
      'too far in the past',
      event({ value: '1' }, { timestamp: JAN_1 - 35 * DAY - 1 }),
      'timestamp_too_far_in_past',
      'timestamp',
    ],
    [
      'too far ahead',
      event({ value: '1' }, { timestamp: JAN_1 + 301 }),
      'timestamp_in_future',
      'timestamp',
    ],
    [
      'unknown param',
      { ...event({ value: '1' }), eventTimeWindow: 'hour' },
      'parameter_invalid',
      'eventTimeWindow',
    ],
  ];
  for (const [what, args, code, param] of cases) {
    it(what, () => {
      const { sim } = setup();
      expectRejectedUnchanged(sim, () => sim.billing.meterEvents.create(args as never), {
        code,
        param,
      });
    });
  }

  it('a duplicate identifier, even with the same payload', () => {
    const { sim } = setup();
    sim.billing.meterEvents.create(event({ value: '1' }, { identifier: 'a' }));
    expectRejectedUnchanged(
      sim,
      () => sim.billing.meterEvents.create(event({ value: '1' }, { identifier: 'a' })),
      {
        code: 'duplicate_meter_event',
        param: 'identifier',
        message: /already exists with identifier 'a'/,
      },
    );
  });

  it('a batch stores all or nothing and names the bad event', () => {
    const { sim, meter } = setup();
    const good = event({ value: '2' });
    expectRejectedUnchanged(
      sim,
      () => sim.billing.meterEvents.createBatch({ events: [good, good, event({ value: 'x' })] }),
      { code: 'meter_event_invalid_value', param: 'events[2].payload.value' },
    );
    expectRejectedUnchanged(
      sim,
      () =>
        sim.billing.meterEvents.createBatch({
          events: [
            event({ value: '1' }, { identifier: 'b' }),
            event({ value: '1' }, { identifier: 'b' }),
          ],
        }),
      { code: 'duplicate_meter_event', param: 'events[1].identifier' },
    );
    expect(
      sim.billing.meterEvents.createBatch({ events: [good, good, event({ value: '0.5' })] }),
    ).toEqual({
      object: 'billing.meter_event_batch',
      count: 3,
    });
    expect(summary(sim, meter)).toBe('4.5');
    // The refused batch kept no identifier: 'b' is free.
    sim.billing.meterEvents.create(event({ value: '1' }, { identifier: 'b' }));
    expect(summary(sim, meter)).toBe('5.5');
  });

  it('count takes events without a value, and validates one it is given', () => {
    const { sim, meter } = setup('count');
    sim.billing.meterEvents.create(event({}));
    sim.billing.meterEvents.create(event({ value: '7' }));
    expectRejectedUnchanged(sim, () => sim.billing.meterEvents.create(event({ value: 'x' })), {
      code: 'meter_event_invalid_value',
    });
    expect(summary(sim, meter)).toBe('2');
  });

  it('meters, prices and usage records refuse what does not fit a meter', () => {
    const { sim, meter, product, item } = setup();
    const meterArgs = {
      displayName: 'M',
      eventName: 'other',
      defaultAggregation: { formula: 'sum' },
    };
    expectRejectedUnchanged(
      sim,
      () => sim.billing.meters.create({ ...meterArgs, eventName: 'requests' }),
      {
        code: 'meter_event_name_taken',
        param: 'eventName',
      },
    );
    expectRejectedUnchanged(
      sim,
      () => sim.billing.meters.create({ ...meterArgs, defaultAggregation: { formula: 'avg' } }),
      {
        code: 'invalid_aggregation_formula',
        param: 'defaultAggregation.formula',
      },
    );
    expectRejectedUnchanged(
      sim,
      () =>
        sim.billing.meters.create({
          ...meterArgs,
          customerMapping: { type: 'by_email', eventPayloadKey: 'e' },
        }),
      { code: 'invalid_customer_mapping', param: 'customerMapping.type' },
    );
    expectRejectedUnchanged(
      sim,
      () => sim.billing.meters.create({ ...meterArgs, eventTimeWindow: 'hour' } as never),
      {
        code: 'parameter_invalid',
        param: 'eventTimeWindow',
      },
    );
    const price = (recurring: object) => () =>
      sim.prices.create({
        product,
        currency: 'USD',
        unitAmount: 1,
        recurring: { interval: 'month', ...recurring },
      } as never);
    expectRejectedUnchanged(sim, price({ meter }), {
      code: 'meter_requires_metered',
      param: 'recurring.meter',
    });
    expectRejectedUnchanged(sim, price({ usageType: 'metered', meter, aggregateUsage: 'max' }), {
      code: 'meter_and_aggregate_usage',
      param: 'recurring.aggregateUsage',
    });
    expectRejectedUnchanged(sim, price({ usageType: 'metered', meter: 'mtr_missing' }), {
      code: 'resource_missing',
      param: 'recurring.meter',
    });
    expectRejectedUnchanged(
      sim,
      () => sim.usageRecords.create({ subscriptionItem: item, quantity: 1 }),
      {
        code: 'usage_records_not_supported',
        param: 'subscriptionItem',
      },
    );
    expectError(() => sim.billing.meters.retrieve('mtr_missing'), {
      code: 'resource_missing',
      param: 'id',
    });
    expectError(
      () =>
        sim.billing.alerts.create({
          alertType: 'usage_threshold',
          title: 't',
          usageThreshold: { meter, gte: 0, recurrence: 'one_time' },
        }),
      { code: 'parameter_invalid', param: 'usageThreshold.gte' },
    );
  });

  it('lists meters newest first, by status', () => {
    const { sim, meter } = setup();
    const second = sim.billing.meters.create({
      displayName: 'B',
      eventName: 'b',
      defaultAggregation: { formula: 'count' },
    });
    sim.billing.meters.deactivate(meter);
    expect(sim.billing.meters.list().data.map((m) => m.id)).toEqual([second.id, meter]);
    expect(sim.billing.meters.list({ status: 'inactive' }).data.map((m) => m.id)).toEqual([meter]);
  });
});

describe('meter events in snapshots', () => {
  it('restore to the same future: identifiers still taken, decimals exact, cancels kept', () => {
    const { sim, meter, sub } = setup();
    sim.billing.meterEvents.create(event({ value: '0.1' }, { identifier: 'keep' }));
    sim.billing.meterEvents.create(event({ value: '5' }, { identifier: 'gone' }));
    sim.billing.meterEventAdjustments.create({
      eventName: 'requests',
      type: 'cancel',
      cancel: { identifier: 'gone' },
    });
    const generated = sim.billing.meterEvents.create(event({ value: '2' })).identifier;
    const restored = createSimulator({ snapshot: JSON.parse(JSON.stringify(sim.snapshot())) });
    expectSameJson(
      JSON.stringify(restored.snapshot()),
      JSON.stringify(sim.snapshot()),
      'the restored snapshot differs',
    );
    for (const s of [sim, restored]) {
      expectError(
        () => s.billing.meterEvents.create(event({ value: '1' }, { identifier: 'keep' })),
        { code: 'duplicate_meter_event' },
      );
      expectError(
        () => s.billing.meterEvents.create(event({ value: '1' }, { identifier: generated })),
        { code: 'duplicate_meter_event' },
      );
      expect(summary(s, meter)).toBe('2.1');
      s.testClock.advance({ frozenTime: FEB_1 });
    }
    const total = (s: Simulator) => s.invoices.list({ subscription: sub.id }).data[0]!.total;
    expect([total(sim), total(restored)]).toEqual([2, 2]);
  });

  it('migrates a schemaVersion 1 snapshot: no meters, prices bill usage records', () => {
    const sim = createSimulator({ startTime: JAN_1 });
    const product = sim.products.create({ name: 'p' });
    sim.prices.create({
      product: product.id,
      currency: 'EUR',
      unitAmount: 1,
      recurring: { interval: 'month' },
    });
    const v2 = sim.snapshot() as unknown as Record<string, unknown>;
    const { billing: _billing, ...rest } = v2;
    const prices = (v2.prices as { recurring: Record<string, unknown> }[]).map((price) => {
      const { meter: _meter, ...recurring } = price.recurring;
      return { ...price, recurring };
    });
    const migrated = createSimulator({ snapshot: { ...rest, prices, schemaVersion: 1 } });
    expect(migrated.snapshot()).toEqual(sim.snapshot());
    expect(migrated.billing.meters.list().data).toEqual([]);
  });
});

// ---- properties ------------------------------------------------------------------------------

const decimalValue = fc
  .tuple(
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.integer({ min: 0, max: 999 }),
    fc.boolean(),
  )
  .map(([whole, fraction, decimal]) =>
    decimal ? `${whole}.${String(fraction).padStart(3, '0')}` : String(whole),
  );

interface Sent {
  value: string;
  /** Seconds before the clock (events are sent at JAN_1 + 20 days). */
  back: number;
  identifier: string;
}

const sentEvents = fc.uniqueArray(
  fc.record({
    value: decimalValue,
    back: fc.integer({ min: 0, max: 19 * DAY }),
    identifier: fc.string({ minLength: 1, maxLength: 8 }),
  }),
  { minLength: 1, maxLength: 25, selector: (e) => e.identifier },
);

const NOW = JAN_1 + 20 * DAY;

function sendAll(sim: Simulator, events: readonly Sent[], valueKey = 'value') {
  for (const e of events)
    sim.billing.meterEvents.create({
      eventName: 'requests',
      payload: { customer: 'cust_A', [valueKey]: e.value },
      timestamp: NOW - e.back,
      identifier: e.identifier,
    });
}

function started(formula: MeterFormula) {
  const s = setup(formula);
  s.sim.testClock.advance({ frozenTime: NOW });
  return s;
}

function expected(formula: MeterFormula, events: readonly Sent[]): string {
  if (events.length === 0) return '0';
  const values = events.map((e) => new Decimal(e.value));
  switch (formula) {
    case 'sum':
      return values.reduce((a, b) => a.plus(b), new Decimal(0)).toFixed();
    case 'count':
      return String(events.length);
    case 'max':
      return Decimal.max(...values).toFixed();
    case 'unique_count':
      return String(new Set(events.map((e) => e.value)).size);
    case 'last': {
      // The latest timestamp; a tie goes to the later sent.
      let best = events[0]!;
      for (const e of events) if (e.back <= best.back) best = e;
      return new Decimal(best.value).toFixed();
    }
  }
}

describe('meter event properties', () => {
  it('dedup: re-sending any subset with its identifiers within 24 hours changes nothing', () => {
    fc.assert(
      fc.property(sentEvents, fc.array(fc.nat()), (events, picks) => {
        const { sim, meter } = started('sum');
        sendAll(sim, events);
        const before = JSON.stringify(sim.snapshot());
        for (const pick of picks) {
          const again = events[pick % events.length]!;
          expect(() => sendAll(sim, [again])).toThrow(MeterlabError);
        }
        expect(JSON.stringify(sim.snapshot())).toBe(before);
        expect(summary(sim, meter)).toBe(expected('sum', events));
      }),
      { numRuns: 40 },
    );
  });

  it('cancellation: cancel then re-send is never counted twice', () => {
    fc.assert(
      fc.property(sentEvents, fc.array(fc.nat(), { maxLength: 5 }), (events, picks) => {
        const { sim, meter } = started('sum');
        sendAll(sim, events);
        const canceled = new Set(picks.map((pick) => events[pick % events.length]!.identifier));
        for (const identifier of canceled)
          sim.billing.meterEventAdjustments.create({
            eventName: 'requests',
            type: 'cancel',
            cancel: { identifier },
          });
        // Re-sending a canceled event's identifier is refused for 24 hours: its identifier stays taken.
        for (const identifier of canceled)
          expect(() => sendAll(sim, [events.find((e) => e.identifier === identifier)!])).toThrow(
            /already exists/,
          );
        // Sent again under a new identifier, it counts once.
        sendAll(
          sim,
          events
            .filter((e) => canceled.has(e.identifier))
            .map((e) => ({ ...e, identifier: `${e.identifier}#2` })),
        );
        expect(summary(sim, meter)).toBe(expected('sum', events));
      }),
      { numRuns: 40 },
    );
  });

  for (const formula of ['sum', 'count', 'max', 'unique_count'] as const) {
    it(`order independence of ${formula}: any order of the same events gives the same value and invoice`, () => {
      fc.assert(
        fc.property(
          sentEvents.chain((events) =>
            fc.tuple(
              fc.constant(events),
              fc.shuffledSubarray(events, { minLength: events.length }),
            ),
          ),
          ([events, shuffled]) => {
            const valueKey = 'value';
            const a = started(formula);
            const b = started(formula);
            sendAll(a.sim, events, valueKey);
            sendAll(b.sim, shuffled, valueKey);
            expect(summary(a.sim, a.meter)).toBe(expected(formula, events));
            expect(summary(b.sim, b.meter)).toBe(summary(a.sim, a.meter));
            const lines = (s: Simulator, sub: string) => {
              s.testClock.advance({ frozenTime: FEB_1 });
              return s.invoices
                .list({ subscription: sub })
                .data[0]!.lines.data.map((l) => [l.quantityDecimal, l.amountExact]);
            };
            expect(lines(b.sim, b.sub.id)).toEqual(lines(a.sim, a.sub.id));
          },
        ),
        { numRuns: 25 },
      );
    });
  }

  it('last is decided by the latest timestamp, ties by the later sent, whatever the sending order', () => {
    fc.assert(
      fc.property(sentEvents, (events) => {
        const { sim, meter } = started('last');
        sendAll(sim, events);
        expect(summary(sim, meter)).toBe(expected('last', events));
      }),
      { numRuns: 60 },
    );
  });
});
