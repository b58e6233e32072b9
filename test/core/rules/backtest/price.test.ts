// Backtest pricing of aggregates (core/rules/backtest): worked examples with hand-computed amounts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildHypotheses,
  explainLine,
  periodKeyAt,
  periodOfKey,
  prepareUsage,
  priceBacktest,
  type UsageAggregate,
} from '../../../../core/rules/backtest';
import type { Interval } from '../../../../core/public/types';
import type { MeterlabError } from '../../../../core/values/errors';

const utc = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) / 1000;

describe('calendar periods', () => {
  it('names months, weeks, days and years by keys and back', () => {
    expect(periodKeyAt('month', utc(2025, 2, 28) + 86_399)).toBe(202502);
    expect(periodOfKey('month', 202502)).toEqual({ start: utc(2025, 2, 1), end: utc(2025, 3, 1) });
    expect(periodOfKey('month', 202512)).toEqual({ start: utc(2025, 12, 1), end: utc(2026, 1, 1) });
    // 2025-03-05 is a Wednesday: its week starts Monday 03-03.
    const week = periodOfKey('week', periodKeyAt('week', utc(2025, 3, 5)));
    expect(week).toEqual({ start: utc(2025, 3, 3), end: utc(2025, 3, 10) });
    expect(periodOfKey('year', periodKeyAt('year', utc(2024, 12, 31)))).toEqual({
      start: utc(2024, 1, 1),
      end: utc(2025, 1, 1),
    });
  });

  it('puts every time in the period of its key, half-open', () => {
    const grains: Interval[] = ['day', 'week', 'month', 'year'];
    fc.assert(
      fc.property(
        fc.constantFrom(...grains),
        fc.integer({ min: 0, max: 0xffffffff }),
        (grain, time) => {
          const { start, end } = periodOfKey(grain, periodKeyAt(grain, time));
          expect(start <= time && time < end).toBe(true);
          expect(periodKeyAt(grain, end)).not.toBe(periodKeyAt(grain, time));
        },
      ),
    );
  });
});

describe('hypotheses', () => {
  it('are built like prices.create, metered and monthly by default', () => {
    const { hypotheses, grain } = buildHypotheses([
      { key: 'a', meter: 'api', currency: 'eur', unitAmountDecimal: '0.2' },
    ]);
    expect(grain).toBe('month');
    expect(hypotheses[0]!.name).toBe('a');
    expect(hypotheses[0]!.price).toMatchObject({
      id: 'a',
      currency: 'EUR',
      unitAmountDecimal: '0.2',
      recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
    });
  });

  const refusal = (entries: unknown) => {
    try {
      buildHypotheses(entries);
    } catch (error) {
      return error as MeterlabError;
    }
    throw new Error('not refused');
  };

  it('are refused naming the entry and field', () => {
    expect(refusal([])).toMatchObject({ code: 'parameter_invalid' });
    expect(refusal([{ key: 'a', currency: 'EUR', unitAmount: 1 }])).toMatchObject({
      param: '[0].meter',
    });
    const badTiers = refusal([
      { key: 'a', meter: 'm', currency: 'EUR', unitAmount: 1 },
      {
        key: 'b',
        meter: 'm',
        currency: 'EUR',
        billingScheme: 'tiered',
        tiersMode: 'volume',
        tiers: [{ upTo: 5, unitAmount: 1 }],
      },
    ]);
    expect(badTiers).toMatchObject({ code: 'tiers_last_not_inf', param: '[1].tiers[0].upTo' });
    expect(badTiers.message).toMatch(/^Hypothesis 1:/);
    expect(
      refusal([
        {
          key: 'a',
          meter: 'm',
          currency: 'EUR',
          unitAmount: 1,
          recurring: { interval: 'month', usageType: 'licensed' },
        },
      ]),
    ).toMatchObject({ code: 'price_not_metered', param: '[0].recurring.usageType' });
    expect(
      refusal([
        { key: 'a', meter: 'm', currency: 'EUR', unitAmount: 1 },
        { key: 'a', meter: 'm', currency: 'EUR', unitAmount: 2 },
      ]),
    ).toMatchObject({ param: '[1].key' });
    expect(
      refusal([
        { key: 'a', meter: 'm', currency: 'EUR', unitAmount: 1 },
        { key: 'b', meter: 'm', currency: 'USD', unitAmount: 2 },
      ]),
    ).toMatchObject({ code: 'currency_mismatch', param: '[1].currency' });
    expect(
      refusal([
        { key: 'a', meter: 'm', currency: 'EUR', unitAmount: 1 },
        { key: 'b', meter: 'm', currency: 'EUR', unitAmount: 2, recurring: { interval: 'year' } },
      ]),
    ).toMatchObject({ code: 'interval_mismatch' });
  });
});

/** Values per timestamp: A Jan 600 (05) + 400 (20), Mar 200 (03); B Feb 50 (10) + 50 (11); A seats 3 (Jan 02). */
const aggregates: UsageAggregate[] = [
  {
    customer: 'A',
    meter: 'api',
    period: 202501,
    sum: 1000,
    max: 600,
    maxTimestamp: utc(2025, 1, 5),
    last: 400,
    lastTimestamp: utc(2025, 1, 20),
    records: 2,
  },
  {
    customer: 'A',
    meter: 'seats',
    period: 202501,
    sum: 3,
    max: 3,
    maxTimestamp: utc(2025, 1, 2),
    last: 3,
    lastTimestamp: utc(2025, 1, 2),
    records: 1,
  },
  {
    customer: 'B',
    meter: 'api',
    period: 202502,
    sum: 100,
    max: 50,
    maxTimestamp: utc(2025, 2, 10),
    last: 50,
    lastTimestamp: utc(2025, 2, 11),
    records: 2,
  },
  {
    customer: 'A',
    meter: 'api',
    period: 202503,
    sum: 200,
    max: 200,
    maxTimestamp: utc(2025, 3, 3),
    last: 200,
    lastTimestamp: utc(2025, 3, 3),
    records: 1,
  },
];

const { hypotheses, grain } = buildHypotheses([
  { key: 'cur', name: 'Current', meter: 'api', currency: 'EUR', unitAmount: 2 },
  {
    key: 'grad',
    meter: 'api',
    currency: 'EUR',
    billingScheme: 'tiered',
    tiersMode: 'graduated',
    tiers: [
      { upTo: 100, flatAmount: 500 },
      { upTo: 'inf', unitAmountDecimal: '2.5' },
    ],
  },
  {
    key: 'peak',
    meter: 'api',
    currency: 'EUR',
    unitAmount: 3,
    recurring: { interval: 'month', aggregateUsage: 'max' },
  },
  {
    key: 'seats',
    meter: 'seats',
    currency: 'EUR',
    unitAmount: 100,
    recurring: { interval: 'month', aggregateUsage: 'last_ever' },
  },
]);

describe('priceBacktest', () => {
  const prepared = prepareUsage(aggregates, grain);
  const result = priceBacktest(prepared, hypotheses, { current: 'cur' });
  const byKey = Object.fromEntries(result.hypotheses.map((h) => [h.key, h]));

  it('bills calendar months from the first usage; the month the data ends in is open', () => {
    expect(result.periods).toEqual([
      { start: utc(2025, 1, 1), end: utc(2025, 2, 1), open: false },
      { start: utc(2025, 2, 1), end: utc(2025, 3, 1), open: false },
      { start: utc(2025, 3, 1), end: utc(2025, 4, 1), open: true },
    ]);
    expect(result.range).toEqual({ start: utc(2025, 1, 1), end: utc(2025, 3, 3) + 1 });
    expect(result.customers).toEqual(['A', 'B']);
  });

  it('prices per unit: revenue per period and per customer', () => {
    // A: 1000 × 2, 0, 200 × 2; B is billed in February only (its first and last month).
    expect(byKey.cur!.byPeriod.map((p) => p.amount)).toEqual([2000, 200, 400]);
    expect(byKey.cur!.amounts).toEqual([
      [2000, 0, 400],
      [null, 200, null],
    ]);
    expect(byKey.cur!.total).toBe(2600);
    expect(byKey.cur!.byCustomer).toEqual([
      { customer: 'A', amount: 2400, change: 0, changePct: 0 },
      { customer: 'B', amount: 200, change: 0, changePct: 0 },
    ]);
  });

  it('charges a flat first tier in a quiet month and compares with the current price', () => {
    // A: 500 + 900 × 2.5 = 2750; February 0 units = 500; 500 + 100 × 2.5 = 750. B: 100 units = 500.
    expect(byKey.grad!.amounts).toEqual([
      [2750, 500, 750],
      [null, 500, null],
    ]);
    expect(byKey.grad!.byCustomer).toEqual([
      { customer: 'A', amount: 4000, change: 1600, changePct: 66.67 },
      { customer: 'B', amount: 500, change: 300, changePct: 150 },
    ]);
    expect(byKey.grad!.summary).toEqual({
      winners: 0,
      losers: 2,
      unchanged: 0,
      atRisk: 2,
      upside: 1900,
      downside: 0,
    });
  });

  it('bills the peak under max and carries the last value under last_ever', () => {
    expect(byKey.peak!.amounts).toEqual([
      [1800, 0, 600],
      [null, 150, null],
    ]);
    expect(byKey.peak!.byCustomer[1]).toEqual({
      customer: 'B',
      amount: 150,
      change: -50,
      changePct: -25,
    });
    // 3 seats in January keep being billed in February and March; B never reported seats.
    expect(byKey.seats!.amounts).toEqual([
      [300, 300, 300],
      [null, 0, null],
    ]);
    expect(byKey.seats!.summary).toMatchObject({
      winners: 2,
      losers: 0,
      atRisk: 0,
      downside: -1700,
    });
  });

  it('counts as at risk only increases above the threshold', () => {
    const strict = priceBacktest(prepared, hypotheses, { current: 'cur', riskThresholdPct: 100 });
    expect(strict.hypotheses[1]!.summary.atRisk).toBe(1); // B +150%, not A +66.67%
  });

  it('explains any customer × period × hypothesis like an invoice line', () => {
    const line = explainLine(prepared, hypotheses[3]!, 'A', 1)!;
    expect(line).toMatchObject({ quantity: 3, amount: 300, amountExact: '300', currency: 'EUR' });
    expect(line.explanation.aggregation).toMatchObject({
      strategy: 'last_ever',
      decidingTimestamp: utc(2025, 1, 2),
      recordCount: 0,
    });
    expect(line.explanation.aggregation!.summary).toContain('(in an earlier period)');
    expect(line.explanation.summary).toContain('3 units of seats');
    const peak = explainLine(prepared, hypotheses[2]!, 'B', 1)!;
    expect(peak.explanation.aggregation!.summary).toContain(
      'the peak 50 at 2025-02-10 00:00:00 UTC',
    );
    // An import counts the records of the period (two for B in February), not its timestamps.
    expect(peak.explanation.aggregation!.summary).toContain('2 records in the period');
    expect(explainLine(prepared, hypotheses[0]!, 'B', 0)).toBeNull();
  });

  it('refuses an unknown current key and an empty source', () => {
    expect(() => priceBacktest(prepared, hypotheses, { current: 'nope' })).toThrow(
      /cur, grad, peak, seats/,
    );
    expect(() => prepareUsage([], 'month')).toThrow(/No usage/);
  });

  it('refuses to price by max usage read without its peaks', () => {
    const withoutPeaks = prepareUsage(
      aggregates.map((aggregate) => ({ ...aggregate, max: null, maxTimestamp: null })),
      grain,
    );
    expect(() => priceBacktest(withoutPeaks, [hypotheses[2]!])).toThrow(
      'The usage of api was read without its peaks: run the backtest again to price it by max.',
    );
    // The other strategies need no peak.
    expect(priceBacktest(withoutPeaks, [hypotheses[0]!]).hypotheses[0]!.total).toBe(
      priceBacktest(prepared, [hypotheses[0]!]).hypotheses[0]!.total,
    );
  });

  it('clips to a range and marks its last period open', () => {
    const clipped = prepareUsage(aggregates.slice(0, 3), grain, {
      start: utc(2025, 1, 1),
      end: utc(2025, 2, 15),
    });
    expect(clipped.periods.map((p) => p.open)).toEqual([false, true]);
  });
});
