// Generators that send meter events: a worked example per formula, the checks of the target, and
// properties: generated events bill exactly what the same events bill when sent live by hand, and
// how the clock's moves split the generation changes nothing.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScenarioState } from '../../../core/resources/state';
import type { GeneratorSpec } from '../../../core/rules/generators';
import { previewRecords } from '../../../core/rules/generators';
import { uniqueValueAt } from '../../../core/rules/meters/generated';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import type { MeterFormula } from '../../../core/public/types';
import { anySpec } from './generator-arbitraries';
import { DAY, HOUR, expectRejectedUnchanged, sumOfLines } from './fixtures';
import { exportAsJson, roundTrip } from '../scenario/helpers';

const JAN_1 = 1_735_689_600; // 2025-01-01T00:00:00Z
const FEB_1 = JAN_1 + 31 * DAY;
const END = JAN_1 + 22 * DAY; // three weekly periods and a day

function setup(formula: MeterFormula, interval: 'week' | 'month' = 'month', seed = 3) {
  const sim = createSimulator({ startTime: JAN_1, seed });
  const meter = sim.billing.meters.create({
    displayName: 'Requests',
    eventName: 'requests',
    defaultAggregation: { formula },
  });
  sim.customers.create({ id: 'cust_G', name: 'G', paymentMethod: 'pm_card_visa' });
  const product = sim.products.create({ name: 'API' });
  const price = sim.prices.create({
    product: product.id,
    currency: 'USD',
    unitAmount: 1,
    recurring: { interval, usageType: 'metered', meter: meter.id },
  });
  const sub = sim.subscriptions.create({ customer: 'cust_G', items: [{ price: price.id }] });
  return { sim, meter: meter.id, sub: sub.id };
}

const constantSpec = (perHour: number) => ({
  pattern: { kind: 'constant' as const, perHour },
  action: 'increment' as const,
  resolutionSeconds: 3600,
});

function firstInvoiceLine(sim: Simulator, subscription: string) {
  const invoices = sim.invoices.list({ subscription, limit: 100 }).data;
  const cycle = invoices.filter((invoice) => invoice.billingReason === 'subscription_cycle');
  return cycle.at(-1)!.lines.data[0]!;
}

afterEach(() => vi.restoreAllMocks());

describe('meter event generators: worked examples', () => {
  // Constant 2 an hour from Jan 1 00:00, one event per hour: 744 hourly events in January.
  const cases: [MeterFormula, string][] = [
    ['sum', '1488'], // 744 × 2
    ['count', '744'], // one event per hourly record
    ['max', '2'],
    ['last', '2'],
  ];
  for (const [formula, quantity] of cases) {
    it(`${formula}: January bills ${quantity}`, () => {
      const { sim, sub } = setup(formula);
      const generator = sim.generators.create({
        meterEvents: { eventName: 'requests', customer: 'cust_G' },
        spec: constantSpec(2),
      });
      expect(generator.object).toBe('meter_event_generator');
      sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
      const line = firstInvoiceLine(sim, sub);
      expect(line.quantityDecimal ?? String(line.quantity)).toBe(quantity);
      expect(line.amount).toBe(Number(quantity)); // 1 cent a unit
      expect(line.explanation.meter?.eventsCounted).toBe(744);
    });
  }

  it('unique_count: ids drawn from a pool of 3 count 3; with a pool of 1, 1', () => {
    for (const [count, expected] of [
      [3, '3'],
      [1, '1'],
    ] as const) {
      const { sim, sub } = setup('unique_count');
      sim.generators.create({
        meterEvents: { eventName: 'requests', customer: 'cust_G', uniqueValues: { count } },
        spec: constantSpec(1),
      });
      sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
      expect(firstInvoiceLine(sim, sub).quantityDecimal).toBe(expected);
    }
  });

  it('an alert reached by generated events fires once, at the clock stop that sent them', () => {
    const { sim, meter } = setup('sum');
    sim.billing.alerts.create({
      alertType: 'usage_threshold',
      title: 'Hundred',
      usageThreshold: { meter, gte: 100, recurrence: 'one_time' },
    });
    sim.generators.create({
      meterEvents: { eventName: 'requests', customer: 'cust_G' },
      spec: constantSpec(2),
    });
    sim.testClock.advance({ frozenTime: JAN_1 + DAY }); // 25 events of 2: 50, below 100
    expect(sim.events.list({ type: 'billing.alert.triggered' }).data).toHaveLength(0);
    sim.testClock.advance({ frozenTime: JAN_1 + 3 * DAY }); // 146
    const fired = sim.events.list({ type: 'billing.alert.triggered' }).data;
    expect(fired).toHaveLength(1);
    expect(fired[0]!.created).toBe(JAN_1 + 3 * DAY);
    expect((fired[0]!.data as { value: string }).value).toBe('146');
  });

  it('a clock move that fails part-way takes back the events it sent', () => {
    const { sim, meter } = setup('sum');
    sim.billing.alerts.create({
      alertType: 'usage_threshold',
      title: 'Hundred',
      usageThreshold: { meter, gte: 100, recurrence: 'one_time' },
    });
    sim.generators.create({
      meterEvents: { eventName: 'requests', customer: 'cust_G' },
      spec: constantSpec(2),
    });
    const emit = ScenarioState.prototype.emit;
    vi.spyOn(ScenarioState.prototype, 'emit').mockImplementation(function (
      this: ScenarioState,
      ...args
    ) {
      if (args[0] === 'billing.alert.triggered') throw new Error('emit failed');
      return emit.apply(this, args);
    });
    const before = JSON.stringify(sim.snapshot());
    expect(() => sim.testClock.advance({ frozenTime: JAN_1 + 3 * DAY })).toThrow('emit failed');
    expect(JSON.stringify(sim.snapshot())).toBe(before);
    vi.restoreAllMocks();
    sim.testClock.advance({ frozenTime: JAN_1 + 3 * DAY });
    const value = sim.billing.meters.eventSummaries(meter, {
      customer: 'cust_G',
      startTime: JAN_1,
      endTime: JAN_1 + 4 * DAY,
    }).data[0]!.aggregatedValue;
    expect(value).toBe('146'); // 73 hourly events of 2, each sent once
  });

  it('a stopped generator sends nothing more; what it sent stays', () => {
    const { sim, meter } = setup('sum');
    const generator = sim.generators.create({
      meterEvents: { eventName: 'requests', customer: 'cust_G' },
      spec: constantSpec(2),
    });
    sim.testClock.advance({ frozenTime: JAN_1 + 10 * HOUR });
    expect(sim.generators.stop(generator.id).status).toBe('stopped');
    sim.testClock.advance({ frozenTime: JAN_1 + 2 * DAY });
    const summary = sim.billing.meters.eventSummaries(meter, {
      customer: 'cust_G',
      startTime: JAN_1,
      endTime: JAN_1 + 2 * DAY,
    });
    expect(summary.data[0]!.aggregatedValue).toBe('22'); // 00:00 … 10:00, eleven events of 2
    const listed = sim.generators.list().data;
    expect(listed.map((g) => [g.id, g.status])).toEqual([[generator.id, 'stopped']]);
  });

  it('a scenario file carries the generator, not its events, and replays to the same state', () => {
    const { sim } = setup('sum');
    sim.generators.create({
      meterEvents: { eventName: 'requests', customer: 'cust_G' },
      spec: { pattern: { kind: 'poisson', meanPerHour: 5 }, action: 'increment' },
    });
    sim.billing.meterEvents.create({
      eventName: 'requests',
      payload: { customer: 'cust_G', value: '7' },
      identifier: 'by-hand',
    });
    sim.testClock.advance({ frozenTime: FEB_1 + 2 * HOUR });
    const file = exportAsJson(sim);
    const sent = file.calls.filter((call) => call.method.startsWith('billing.meterEvents'));
    expect(sent).toHaveLength(1); // the one sent by hand
    expect(roundTrip(sim).snapshot()).toEqual(sim.snapshot());
    // A snapshot resumes with the cursor where it stopped.
    const restored = createSimulator({ snapshot: sim.snapshot() });
    restored.testClock.advance({ frozenTime: FEB_1 + 9 * DAY });
    sim.testClock.advance({ frozenTime: FEB_1 + 9 * DAY });
    expect(restored.snapshot()).toEqual(sim.snapshot());
  });
});

describe('meter event generators: bad targets are refused and change nothing', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    [
      'unknown event name',
      { meterEvents: { eventName: 'nope', customer: 'cust_G' }, spec: constantSpec(1) },
      'no_meter',
      'meterEvents.eventName',
    ],
    [
      'unknown customer',
      { meterEvents: { eventName: 'requests', customer: 'cust_X' }, spec: constantSpec(1) },
      'resource_missing',
      'meterEvents.customer',
    ],
    [
      'both an item and a meter',
      {
        subscriptionItem: 'si_1',
        meterEvents: { eventName: 'requests', customer: 'cust_G' },
        spec: constantSpec(1),
      },
      'parameter_invalid',
      'subscriptionItem',
    ],
    [
      'a pool on a sum meter',
      {
        meterEvents: { eventName: 'requests', customer: 'cust_G', uniqueValues: { count: 3 } },
        spec: constantSpec(1),
      },
      'parameter_invalid',
      'meterEvents.uniqueValues',
    ],
    [
      'a start before the clock',
      {
        meterEvents: { eventName: 'requests', customer: 'cust_G' },
        spec: { ...constantSpec(1), start: JAN_1 - 1 },
      },
      'timestamp_backdated',
      'spec.start',
    ],
  ];
  for (const [what, args, code, param] of cases) {
    it(what, () => {
      const { sim } = setup('sum');
      expectRejectedUnchanged(sim, () => sim.generators.create(args as never), { code, param });
    });
  }

  it('a unique_count meter needs a pool, read at its value key', () => {
    const { sim } = setup('unique_count');
    const target = { eventName: 'requests', customer: 'cust_G' };
    expectRejectedUnchanged(
      sim,
      () => sim.generators.create({ meterEvents: target, spec: constantSpec(1) }),
      { code: 'parameter_missing', param: 'meterEvents.uniqueValues' },
    );
    expectRejectedUnchanged(
      sim,
      () =>
        sim.generators.create({
          meterEvents: { ...target, uniqueValues: { count: 2, payloadKey: 'user' } },
          spec: constantSpec(1),
        }),
      { code: 'parameter_invalid', param: 'meterEvents.uniqueValues.payloadKey' },
    );
  });

  it('an inactive meter takes no generator', () => {
    const { sim, meter } = setup('sum');
    sim.billing.meters.deactivate(meter);
    expectRejectedUnchanged(
      sim,
      () =>
        sim.generators.create({
          meterEvents: { eventName: 'requests', customer: 'cust_G' },
          spec: constantSpec(1),
        }),
      { code: 'archived_meter', param: 'meterEvents.eventName' },
    );
  });
});

const formulas = fc.constantFrom<MeterFormula>('sum', 'count', 'last', 'max', 'unique_count');

function billed(sim: Simulator) {
  return sim.invoices
    .list({ limit: 1000 })
    .data.map((invoice) => [
      invoice.status,
      invoice.total,
      invoice.lines.data.map((line) => [line.quantityDecimal, line.amount, line.period]),
    ]);
}

function dailySummaries(sim: Simulator, meter: string) {
  return sim.billing.meters
    .eventSummaries(meter, {
      customer: 'cust_G',
      startTime: JAN_1,
      endTime: END - (END % DAY),
      valueGroupingWindow: 'day',
      limit: 100,
    })
    .data.map((summary) => summary.aggregatedValue);
}

describe('meter event generators: properties', () => {
  it('bill exactly what the same events bill when sent live by hand', () => {
    fc.assert(
      fc.property(anySpec, formulas, fc.integer({ min: 1, max: 30 }), (partial, formula, pool) => {
        const spec: GeneratorSpec = { ...partial, start: JAN_1 + HOUR };
        const uniqueValues = formula === 'unique_count' ? { count: pool } : undefined;
        const generated = setup(formula, 'week');
        generated.sim.testClock.advance({ frozenTime: JAN_1 + HOUR });
        generated.sim.generators.create({
          meterEvents: { eventName: 'requests', customer: 'cust_G', uniqueValues },
          spec,
        });
        generated.sim.testClock.advance({ frozenTime: END });

        const byHand = setup(formula, 'week');
        const unique = uniqueValues ? { count: pool, payloadKey: 'value' } : null;
        for (const record of previewRecords(spec, 10_000)) {
          if (record.timestamp > END) break;
          if (record.timestamp > byHand.sim.testClock.retrieve().frozenTime)
            byHand.sim.testClock.advance({ frozenTime: record.timestamp });
          const value = unique
            ? uniqueValueAt(unique, spec.seed, record.timestamp)
            : String(record.quantity);
          byHand.sim.billing.meterEvents.create({
            eventName: 'requests',
            payload: { customer: 'cust_G', value },
            timestamp: record.timestamp,
          });
        }
        byHand.sim.testClock.advance({ frozenTime: END });

        expect(billed(generated.sim)).toEqual(billed(byHand.sim));
        expect(dailySummaries(generated.sim, generated.meter)).toEqual(
          dailySummaries(byHand.sim, byHand.meter),
        );
      }),
      { numRuns: 25 },
    );
  });

  it('one advance, a stepwise one, many small ones and a cancelled one resumed give the same state (two generators)', () => {
    fc.assert(
      fc.property(anySpec, fc.integer({ min: 2, max: 40 }), (partial, stepHours) => {
        const make = () => {
          const { sim } = setup('sum', 'week', 9);
          sim.generators.create({
            meterEvents: { eventName: 'requests', customer: 'cust_G' },
            spec: partial,
          });
          // A second generator on the same meter and customer: their events interleave.
          sim.generators.create({
            meterEvents: { eventName: 'requests', customer: 'cust_G' },
            spec: constantSpec(1),
          });
          return sim;
        };
        const one = make();
        one.testClock.advance({ frozenTime: END });
        const expected = JSON.stringify(one.snapshot());

        const stepwise = make();
        for (const step of stepwise.advanceStepwise({ frozenTime: END })) void step;
        expect(JSON.stringify(stepwise.snapshot())).toBe(expected);

        const many = make();
        for (let t = JAN_1 + stepHours * HOUR; t < END; t += stepHours * HOUR)
          many.testClock.advance({ frozenTime: t });
        many.testClock.advance({ frozenTime: END });
        expect(JSON.stringify(many.snapshot())).toBe(expected);

        const cancelled = make();
        const steps = cancelled.advanceStepwise({ frozenTime: END });
        steps.next();
        steps.next();
        for (const invoice of cancelled.invoices.list().data)
          expect(invoice.total).toBe(sumOfLines(invoice));
        const resumed = createSimulator({ snapshot: cancelled.snapshot() });
        resumed.testClock.advance({ frozenTime: END });
        expect(JSON.stringify(resumed.snapshot())).toBe(expected);
      }),
      { numRuns: 15 },
    );
  });
});
