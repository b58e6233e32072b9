import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PriceTierArgs } from '../../../../core/simulator/api';
import { Dec } from '../../../../core/values/money';
import { buildPriceFields } from '../../../../core/rules/pricing/build';
import { priceGraduated } from '../../../../core/rules/pricing/graduated';
import { priceVolume } from '../../../../core/rules/pricing/volume';
import type { Price } from '../../../../core/public/types';

function tieredPrice(tiersMode: 'graduated' | 'volume', tiers: PriceTierArgs[]): Price {
  const fields = buildPriceFields({
    product: 'prod_test',
    currency: 'EUR',
    billingScheme: 'tiered',
    tiersMode,
    tiers,
    recurring: { interval: 'month', usageType: 'metered' },
  });
  return { id: 'price_test', object: 'price', created: 0, ...fields };
}

// Tier 1: up to 100 units at 10 cents + flat 500; tier 2: up to 1000 at 0.5 + flat 100; tier 3: 0.25.
const threeTiers = tieredPrice('volume', [
  { upTo: 100, unitAmount: 10, flatAmount: 500 },
  { upTo: 1000, unitAmountDecimal: '0.5', flatAmount: 100 },
  { upTo: 'inf', unitAmountDecimal: '0.25' },
]);

describe('priceVolume', () => {
  it('keeps quantity exactly at upTo in that tier (upTo is inclusive)', () => {
    // 100 × 10 + flat 500 = 1500.
    const explanation = priceVolume(threeTiers, 100);
    expect(explanation.amount).toBe(1500);
    expect(explanation.steps[0]?.label).toBe('Tier 1 (1–100): 100 × 10 + flat 500');
  });

  it('prices every unit at the tier holding the whole quantity, with only its flat amount', () => {
    // 101 units all at tier 2: 101 × 0.5 + flat 100 = 150.5 -> 151 (cheaper than 100 units).
    const explanation = priceVolume(threeTiers, 101);
    expect(explanation.model).toBe('volume');
    expect(explanation.steps).toEqual([
      {
        label: 'Tier 2 (101–1000): 101 × 0.5 + flat 100',
        quantity: '101',
        unitAmountDecimal: '0.5',
        flatAmountDecimal: '100',
        amountExact: '150.5',
      },
    ]);
    expect(explanation.amount).toBe(151);
    expect(explanation.summary).toBe(
      'Volume: all 101 units fall in Tier 2 (101–1000), so every unit is priced at EUR 0.005 ' +
        "plus the tier's flat EUR 1.00 = EUR 1.505, rounded half up to EUR 1.51.",
    );
  });

  it('moves to the next tier one unit after upTo', () => {
    // 1000 × 0.5 + 100 = 600; 1001 × 0.25 = 250.25 -> 250 (tier 3 has no flat amount).
    expect(priceVolume(threeTiers, 1000).amount).toBe(600);
    expect(priceVolume(threeTiers, 1001).amountExact).toBe('250.25');
    expect(priceVolume(threeTiers, 1001).amount).toBe(250);
  });

  it('charges the first tier flat amount for quantity 0, and says so', () => {
    // 0 × 10 + flat 500 = 500.
    const explanation = priceVolume(threeTiers, 0);
    expect(explanation.amount).toBe(500);
    expect(explanation.summary).toBe(
      'Volume: quantity 0 falls in tier 1, so its flat amount of EUR 5.00 is charged. ' +
        'Total EUR 5.00.',
    );
  });
});

describe('priceVolume properties', () => {
  it('equals graduated pricing when there is one tier', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.option(fc.integer({ min: 0, max: 10_000 })),
        fc.integer({ min: 0, max: 10_000_000 }),
        (unitThousandths, flat, quantity) => {
          const tier: PriceTierArgs = {
            upTo: 'inf',
            unitAmountDecimal: new Dec(unitThousandths).div(1000).toFixed(),
            ...(flat === null ? {} : { flatAmount: flat }),
          };
          const volume = priceVolume(tieredPrice('volume', [tier]), quantity);
          const graduated = priceGraduated(tieredPrice('graduated', [tier]), quantity);
          expect(volume.amountExact).toBe(graduated.amountExact);
          expect(volume.amount).toBe(graduated.amount);
        },
      ),
    );
  });
});
