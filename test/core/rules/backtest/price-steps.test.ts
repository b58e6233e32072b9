// Backtest pricing as steps (priceBacktestSteps): the same result as priceBacktest, whatever the
// pacing, with a step after every customer so a host is never held for more than one customer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildHypotheses,
  periodOfKey,
  prepareUsage,
  priceBacktest,
  priceBacktestSteps,
  type UsageAggregate,
} from '../../../../core/rules/backtest';
import { runPaced } from '../../../../core/resources/entry';

const HYPOTHESES = [
  { key: 'per_unit', meter: 'api', currency: 'EUR', unitAmountDecimal: '0.2' },
  {
    key: 'allowance',
    meter: 'api',
    currency: 'EUR',
    billingScheme: 'tiered',
    tiersMode: 'graduated',
    tiers: [
      { upTo: 200, flatAmount: 4900 },
      { upTo: 'inf', unitAmountDecimal: '0.15' },
    ],
    coupon: { percentOff: 25, duration: 'repeating', durationInMonths: 2 },
  },
  {
    key: 'seats',
    meter: 'seats',
    currency: 'EUR',
    unitAmount: 900,
    minimumCommitment: { amount: 2000 },
    recurring: { interval: 'month', aggregateUsage: 'last_ever' },
  },
];

/** One aggregate per customer × meter × month that has usage. */
const usageArbitrary = fc.array(
  fc.record({
    customer: fc.constantFrom('a', 'b', 'c', 'd'),
    meter: fc.constantFrom('api', 'seats'),
    month: fc.integer({ min: 1, max: 6 }),
    value: fc.integer({ min: 0, max: 5000 }),
  }),
  { minLength: 1, maxLength: 30 },
);

function aggregatesOf(
  usage: { customer: string; meter: string; month: number; value: number }[],
): UsageAggregate[] {
  const seen = new Map<string, UsageAggregate>();
  for (const { customer, meter, month, value } of usage) {
    const period = 202500 + month;
    const { start } = periodOfKey('month', period);
    seen.set(`${customer}|${meter}|${period}`, {
      customer,
      meter,
      period,
      sum: value,
      max: value,
      maxTimestamp: start + 86_400,
      last: value,
      lastTimestamp: start + 86_400,
      records: 1,
    });
  }
  return [...seen.values()];
}

describe('priceBacktestSteps', () => {
  const { hypotheses } = buildHypotheses(HYPOTHESES);

  it('gives what priceBacktest gives, paced or not, with steps per customer and hypothesis', async () => {
    await fc.assert(
      fc.asyncProperty(
        usageArbitrary,
        fc.constantFrom('per_unit', 'allowance', 'seats'),
        async (usage, current) => {
          const prepared = prepareUsage(aggregatesOf(usage), 'month');
          const whole = priceBacktest(prepared, hypotheses, { current, riskThresholdPct: 10 });
          const steps = [
            ...priceBacktestSteps(prepared, hypotheses, { current, riskThresholdPct: 10 }),
          ];
          // A step after each customer under each hypothesis, priced and then compared.
          expect(steps).toHaveLength(2 * hypotheses.length * prepared.customers.length);
          expect(steps.map((step) => step.at)).toEqual(steps.map((_, index) => index + 1));
          let yields = 0;
          const paced = await runPaced(
            priceBacktestSteps(prepared, hypotheses, { current, riskThresholdPct: 10 }),
            {
              yieldToHost: async () => void (yields += 1),
              now: () => 0,
              sliceMs: 0,
            },
          );
          expect(paced).toEqual({ value: whole });
          expect(yields).toBe(steps.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stops at the next customer when the host aborts, and refuses an unknown current first', async () => {
    const prepared = prepareUsage(
      aggregatesOf([
        { customer: 'a', meter: 'api', month: 1, value: 10 },
        { customer: 'b', meter: 'api', month: 2, value: 20 },
      ]),
      'month',
    );
    const signal = { aborted: false };
    let yields = 0;
    const stopped = await runPaced(priceBacktestSteps(prepared, hypotheses), {
      yieldToHost: async () => {
        yields += 1;
        signal.aborted = true;
      },
      now: () => 0,
      sliceMs: 0,
      signal,
    });
    expect(stopped).toEqual({ stopped: true });
    expect(yields).toBe(1);
    expect(() => priceBacktest(prepared, hypotheses, { current: 'nope' })).toThrow(
      expect.objectContaining({ param: 'current' }),
    );
  });
});
