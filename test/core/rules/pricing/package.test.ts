import { describe, expect, it } from 'vitest';
import { buildPriceFields } from '../../../../core/rules/pricing/build';
import { packageCount, pricePackage } from '../../../../core/rules/pricing/package';
import type { Price } from '../../../../core/public/types';

function packagePrice(divideBy: number, round: 'up' | 'down', unitAmount: number): Price {
  const fields = buildPriceFields({
    product: 'prod_test',
    currency: 'EUR',
    unitAmount,
    transformQuantity: { divideBy, round },
    recurring: { interval: 'month', usageType: 'metered' },
  });
  return { id: 'price_test', object: 'price', created: 0, ...fields };
}

describe('pricePackage', () => {
  it('rounds a started package up', () => {
    // 18420 / 1000 = 18.42 -> 19 packages × EUR 2.50 = 4750 cents.
    const explanation = pricePackage(packagePrice(1000, 'up', 250), 18420);
    expect(explanation.model).toBe('package');
    expect(explanation.billedQuantity).toBe(19);
    expect(explanation.amountExact).toBe('4750');
    expect(explanation.amount).toBe(4750);
    expect(explanation.steps[0]?.label).toBe(
      '18420 / 1000 = 18.42, rounded up to 19 packages; 19 × 250',
    );
    expect(explanation.steps[0]?.quantity).toBe('19');
    expect(explanation.summary).toBe(
      '18420 / 1000 = 18.42, rounded up to 19 packages (packages of 1000 units); ' +
        '19 packages × EUR 2.50 = EUR 47.50.',
    );
  });

  it('bills complete packages only when rounding down', () => {
    // 18420 / 1000 = 18.42 -> 18 packages × 250 = 4500 cents.
    const explanation = pricePackage(packagePrice(1000, 'down', 250), 18420);
    expect(explanation.billedQuantity).toBe(18);
    expect(explanation.amount).toBe(4500);
    expect(explanation.summary).toContain('18420 / 1000 = 18.42, rounded down to 18 packages');
  });

  it('says nothing about rounding when the division is exact', () => {
    // 18000 / 1000 = 18 packages either way.
    for (const round of ['up', 'down'] as const) {
      const explanation = pricePackage(packagePrice(1000, round, 250), 18000);
      expect(explanation.billedQuantity).toBe(18);
      expect(explanation.steps[0]?.label).toBe('18000 / 1000 = 18 packages; 18 × 250');
    }
  });

  it('bills nothing below one package when rounding down, one package when rounding up', () => {
    expect(pricePackage(packagePrice(1000, 'down', 250), 999).amount).toBe(0);
    expect(pricePackage(packagePrice(1000, 'up', 250), 1).amount).toBe(250);
    expect(pricePackage(packagePrice(1000, 'up', 250), 0).amount).toBe(0);
  });

  it('shows a non-terminating division truncated', () => {
    // 10 / 3 = 3.333… -> 4 packages.
    const explanation = pricePackage(packagePrice(3, 'up', 100), 10);
    expect(explanation.steps[0]?.label).toBe(
      '10 / 3 = 3.333333…, rounded up to 4 packages; 4 × 100',
    );
  });
});

describe('packageCount', () => {
  it('divides exactly at the top of the safe integer range', () => {
    // 2^53 - 1 = 9007199254740991 = 3 × 3002399751580330 + 1.
    expect(packageCount(Number.MAX_SAFE_INTEGER, { divideBy: 3, round: 'down' })).toBe(
      3002399751580330,
    );
    expect(packageCount(Number.MAX_SAFE_INTEGER, { divideBy: 3, round: 'up' })).toBe(
      3002399751580331,
    );
  });
});
