import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../../../core/values/money';
import { buildPriceFields } from '../../../../core/rules/pricing/build';
import { priceGraduated } from '../../../../core/rules/pricing/graduated';
import type { PriceTierArgs } from '../../../../core/simulator/api';
import type { Price } from '../../../../core/public/types';

function tieredPrice(tiers: PriceTierArgs[], currency = 'EUR'): Price {
  const fields = buildPriceFields({
    product: 'prod_test',
    currency,
    billingScheme: 'tiered',
    tiersMode: 'graduated',
    tiers,
    recurring: { interval: 'month', usageType: 'metered' },
  });
  return { id: 'price_test', object: 'price', created: 0, ...fields };
}

// Tier 1: units 1–100 at 10 cents + flat 500; tier 2: 101–1000 at 0.5 + flat 100; tier 3: 0.25.
const threeTiers = tieredPrice([
  { upTo: 100, unitAmount: 10, flatAmount: 500 },
  { upTo: 1000, unitAmountDecimal: '0.5', flatAmount: 100 },
  { upTo: 'inf', unitAmountDecimal: '0.25' },
]);

describe('priceGraduated', () => {
  it('keeps quantity exactly at upTo in that tier (upTo is inclusive)', () => {
    // 100 × 10 + flat 500 = 1500; tier 2 is not reached, so its flat 100 is not added.
    const explanation = priceGraduated(threeTiers, 100);
    expect(explanation.amount).toBe(1500);
    expect(explanation.steps.map((step) => step.label)).toEqual([
      'Tier 1 (1–100): 100 × 10 + flat 500',
    ]);
  });

  it('adds the next tier and its flat amount from the first unit beyond upTo', () => {
    // 1500 + 1 × 0.5 + flat 100 = 1600.5 -> 1601 (half up).
    const explanation = priceGraduated(threeTiers, 101);
    expect(explanation.amountExact).toBe('1600.5');
    expect(explanation.amount).toBe(1601);
    expect(explanation.steps[1]).toEqual({
      label: 'Tier 2 (101–1000): 1 × 0.5 + flat 100',
      quantity: '1',
      unitAmountDecimal: '0.5',
      flatAmountDecimal: '100',
      amountExact: '100.5',
    });
  });

  it('prices each unit by its tier and adds every reached flat amount once', () => {
    // Tier 1: 100 × 10 + 500 = 1500; tier 2: 900 × 0.5 + 100 = 550; tier 3: 500 × 0.25 = 125.
    // 1500 + 550 + 125 = 2175 cents = EUR 21.75.
    const explanation = priceGraduated(threeTiers, 1500);
    expect(explanation.model).toBe('graduated');
    expect(explanation.steps.map((step) => [step.label, step.amountExact])).toEqual([
      ['Tier 1 (1–100): 100 × 10 + flat 500', '1500'],
      ['Tier 2 (101–1000): 900 × 0.5 + flat 100', '550'],
      ['Tier 3 (1001 and up): 500 × 0.25', '125'],
    ]);
    expect(explanation.amount).toBe(2175);
    expect(explanation.summary).toBe(
      'Graduated: 1500 units priced tier by tier over tiers 1–3, each reached tier adding its ' +
        'flat amount once = EUR 21.75.',
    );
  });

  it('charges the first tier flat amount for quantity 0, and says so', () => {
    // 0 units: tier 1 is reached anyway: 0 × 10 + flat 500 = 500.
    const explanation = priceGraduated(threeTiers, 0);
    expect(explanation.amount).toBe(500);
    expect(explanation.steps).toHaveLength(1);
    expect(explanation.summary).toBe(
      'Graduated: quantity 0 falls in tier 1, so its flat amount of EUR 5.00 is charged. ' +
        'Total EUR 5.00.',
    );
  });

  it('says quantity 0 is free when the first tier has no flat amount', () => {
    const price = tieredPrice([
      { upTo: 10, unitAmount: 3 },
      { upTo: 'inf', flatAmount: 1000 },
    ]);
    expect(priceGraduated(price, 0).amount).toBe(0);
    expect(priceGraduated(price, 0).summary).toContain('which has no flat amount');
    // 10 × 3 = 30; unit 11 reaches tier 2: its units are free, its flat 1000 is added.
    expect(priceGraduated(price, 11).amount).toBe(1030);
    expect(priceGraduated(price, 11).steps[1]?.label).toBe(
      'Tier 2 (11 and up): 1 unit free + flat 1000',
    );
  });

  it('sums the tiers exactly and rounds the line once', () => {
    // 1 × 0.5 + 1 × 0.5 = 1 cent; rounding each tier first would give 1 + 1 = 2.
    const price = tieredPrice([
      { upTo: 1, unitAmountDecimal: '0.5' },
      { upTo: 'inf', unitAmountDecimal: '0.5' },
    ]);
    const explanation = priceGraduated(price, 2);
    expect(explanation.steps.map((step) => step.amountExact)).toEqual(['0.5', '0.5']);
    expect(explanation.amount).toBe(1);
  });

  it('prices in a three-decimal currency', () => {
    // KWD: 100 × 10 + 500 = 1500 fils = KWD 1.500.
    const price = tieredPrice(
      [
        { upTo: 100, unitAmount: 10, flatAmount: 500 },
        { upTo: 'inf', unitAmount: 5 },
      ],
      'KWD',
    );
    expect(priceGraduated(price, 100).summary).toContain('= KWD 1.500.');
  });
});

/** Random valid tiers: increasing bounds, amounts with up to 3 decimal places. */
const amountArb = fc
  .tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 3 }))
  .map(([digits, scale]) => (digits / 10 ** scale).toFixed(scale));
const tierArb = fc.record(
  { gap: fc.integer({ min: 1, max: 500 }), unit: amountArb, flat: amountArb },
  { requiredKeys: ['gap'] },
);
const tiersArb = fc.array(tierArb, { minLength: 1, maxLength: 5 }).map((drafts) => {
  let upTo = 0;
  return drafts.map((draft, index): PriceTierArgs => {
    upTo += draft.gap;
    const unit = draft.unit ?? (draft.flat === undefined ? '1' : undefined);
    return {
      upTo: index === drafts.length - 1 ? 'inf' : upTo,
      ...(unit === undefined ? {} : { unitAmountDecimal: unit }),
      ...(draft.flat === undefined ? {} : { flatAmountDecimal: draft.flat }),
    };
  });
});

describe('priceGraduated properties', () => {
  it('never charges less for more units', () => {
    fc.assert(
      fc.property(
        tiersArb,
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 3000 }),
        (tiers, a, b) => {
          const price = tieredPrice(tiers);
          const [low, high] = a <= b ? [a, b] : [b, a];
          const lowExact = new Dec(priceGraduated(price, low).amountExact);
          const highExact = new Dec(priceGraduated(price, high).amountExact);
          expect(highExact.greaterThanOrEqualTo(lowExact)).toBe(true);
          expect(priceGraduated(price, high).amount).toBeGreaterThanOrEqual(
            priceGraduated(price, low).amount,
          );
        },
      ),
    );
  });
});
