import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PriceCreateArgs } from '../../../../core/simulator/api';
import { MeterlabError } from '../../../../core/values/errors';
import { Dec } from '../../../../core/values/money';
import { pricingModels } from '../../../../core/public/descriptions';
import { quotePrice } from '../../../../core/rules/pricing';
import { priceOf } from './price-of';

const tiers: PriceCreateArgs['tiers'] = [
  { upTo: 100, unitAmount: 10, flatAmount: 500 },
  { upTo: 'inf', unitAmountDecimal: '0.5' },
];
const prices = {
  per_unit: priceOf({ billingScheme: 'usage', unitAmountDecimal: '0.2' }),
  package: priceOf({ unitAmount: 250, transformQuantity: { divideBy: 1000, round: 'up' } }),
  graduated: priceOf({ billingScheme: 'tiered', tiersMode: 'graduated', tiers }),
  volume: priceOf({ billingScheme: 'tiered', tiersMode: 'volume', tiers }),
};

describe('quotePrice', () => {
  it('picks the module of the price model', () => {
    // per unit: 18420 × 0.2 = 3684; package: ceil(18.42) = 19 × 250 = 4750;
    // graduated: 100 × 10 + 500 + 18320 × 0.5 = 1500 + 9160 = 10660; volume: 18420 × 0.5 = 9210.
    const expected = { per_unit: 3684, package: 4750, graduated: 10660, volume: 9210 };
    for (const [model, price] of Object.entries(prices)) {
      const quote = quotePrice(price, 18420);
      expect(quote.explanation.model).toBe(model);
      expect(quote.amount).toBe(expected[model as keyof typeof expected]);
      expect(quote.amountExact).toBe(quote.explanation.amountExact);
      expect(quote.currency).toBe('EUR');
      expect(quote.quantity).toBe(18420);
    }
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '12' as unknown as number])(
    'rejects quantity %j naming the param',
    (quantity) => {
      try {
        quotePrice(prices.per_unit, quantity);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(MeterlabError);
        expect((error as MeterlabError).type).toBe('invalid_request_error');
        expect((error as MeterlabError).param).toBe('quantity');
        expect((error as MeterlabError).message).toContain('quantity');
      }
    },
  );

  it('rounds every model to within half a minor unit of the exact amount', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(prices)),
        fc.integer({ min: 0, max: 10_000_000 }),
        (price, quantity) => {
          const quote = quotePrice(price, quantity);
          const error = new Dec(quote.amount).minus(quote.amountExact).abs();
          expect(error.lessThanOrEqualTo('0.5')).toBe(true);
        },
      ),
    );
  });
});

describe('pricingModels', () => {
  it('describes every model for the UI', () => {
    expect(Object.keys(pricingModels).sort()).toEqual([
      'graduated',
      'package',
      'per_unit',
      'volume',
    ]);
    expect(pricingModels.graduated.description).toContain('quantity 0 falls in the first tier');
    expect(pricingModels.volume.description).toContain('quantity 0 falls in the first tier');
  });
});
