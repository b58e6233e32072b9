// What the Backtest view shares with the hosts (core/public/backtest.ts): the column guess, the
// at-risk rule, and a catalog price as a hypothesis that prices exactly as the price does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guessColumns, hypothesisFromPrice, isAtRisk } from '../../../../core/public/backtest';
import { buildHypotheses } from '../../../../core/rules/backtest';
import { quotePrice } from '../../../../core/rules/pricing';
import { createSimulator } from '../../../../core';

describe('guessColumns', () => {
  it("takes the field's own name first, ignoring case and punctuation", () => {
    expect(guessColumns(['Customer', 'METER', 'time_stamp', 'Quantity', 'Action'])).toEqual({
      customer: 'Customer',
      meter: 'METER',
      timestamp: 'time_stamp',
      quantity: 'Quantity',
      action: 'Action',
    });
  });

  it('falls back to common aliases, uses a column once, and leaves action out when none fits', () => {
    expect(guessColumns(['account_id', 'event_name', 'ts', 'qty', 'region'])).toEqual({
      customer: 'account_id',
      meter: 'event_name',
      timestamp: 'ts',
      quantity: 'qty',
      action: null,
    });
    // 'customer_meter' holds 'customer': taken for the customer, not again for the meter.
    expect(guessColumns(['customer_meter', 'x'])).toMatchObject({
      customer: 'customer_meter',
      meter: null,
    });
  });
});

describe('isAtRisk', () => {
  it('is a rise above the threshold, or from nothing to something', () => {
    expect(isAtRisk({ change: 21, changePct: 21 }, 20)).toBe(true);
    expect(isAtRisk({ change: 20, changePct: 20 }, 20)).toBe(false);
    expect(isAtRisk({ change: 5, changePct: null }, 20)).toBe(true);
    expect(isAtRisk({ change: -50, changePct: -50 }, 20)).toBe(false);
  });
});

describe('hypothesisFromPrice', () => {
  it('makes a hypothesis that prices every quantity as the catalog price does', async () => {
    const sim = createSimulator({ startTime: 1_740_787_200, seed: 1 });
    const product = await sim.products.create({ name: 'API' });
    const graduated = await sim.prices.create({
      product: product.id,
      currency: 'EUR',
      nickname: 'Allowance',
      billingScheme: 'tiered',
      tiersMode: 'graduated',
      tiers: [
        { upTo: 1000, flatAmount: 500 },
        { upTo: 'inf', unitAmountDecimal: '0.15' },
      ],
      recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'max' },
    });
    const packaged = await sim.prices.create({
      product: product.id,
      currency: 'EUR',
      unitAmountDecimal: '12.5',
      transformQuantity: { divideBy: 100, round: 'up' },
      recurring: { interval: 'month', usageType: 'metered' },
    });
    const { hypotheses } = buildHypotheses([
      hypothesisFromPrice(graduated, 'api_calls'),
      hypothesisFromPrice(packaged, 'api_calls'),
    ]);
    expect(hypotheses.map((h) => [h.key, h.name, h.price.recurring.aggregateUsage])).toEqual([
      [graduated.id, 'Allowance', 'max'],
      [packaged.id, packaged.id, 'sum'],
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (quantity) => {
        expect(quotePrice(hypotheses[0]!.price, quantity).amountExact).toBe(
          quotePrice(graduated, quantity).amountExact,
        );
        expect(quotePrice(hypotheses[1]!.price, quantity).amountExact).toBe(
          quotePrice(packaged, quantity).amountExact,
        );
      }),
      { numRuns: 200 },
    );
  });
});
