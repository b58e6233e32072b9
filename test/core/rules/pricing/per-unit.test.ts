import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, roundToMinor } from '../../../../core/values/money';
import { buildPriceFields } from '../../../../core/rules/pricing/build';
import { pricePerUnit, scaledProduct } from '../../../../core/rules/pricing/per-unit';
import type { Price } from '../../../../core/public/types';

function perUnitPrice(
  currency: string,
  amount: { unitAmount?: number; unitAmountDecimal?: string },
): Price {
  const fields = buildPriceFields({
    product: 'prod_test',
    currency,
    billingScheme: 'usage',
    ...amount,
    recurring: { interval: 'month', usageType: 'metered' },
  });
  return { id: 'price_test', object: 'price', created: 0, ...fields };
}

describe('pricePerUnit', () => {
  it("bills the guide's example: 18420 API calls at EUR 0.002", () => {
    // 18420 × 0.2 cent = 3684 cents exactly = EUR 36.84, no rounding needed.
    const explanation = pricePerUnit(perUnitPrice('EUR', { unitAmountDecimal: '0.2' }), 18420);
    expect(explanation.amountExact).toBe('3684');
    expect(explanation.amount).toBe(3684);
    expect(explanation.model).toBe('per_unit');
    expect(explanation.billedQuantity).toBe(18420);
    expect(explanation.steps).toEqual([
      {
        label: '18420 × 0.2',
        quantity: '18420',
        unitAmountDecimal: '0.2',
        flatAmountDecimal: null,
        amountExact: '3684',
      },
    ]);
    expect(explanation.summary).toBe('18420 units × EUR 0.002 = EUR 36.84.');
  });

  it('rounds a sub-cent total half up, once', () => {
    // 3 × 0.5 cent = 1.5 cents, a tie: rounded up to 2 cents.
    const explanation = pricePerUnit(perUnitPrice('EUR', { unitAmountDecimal: '0.5' }), 3);
    expect(explanation.amountExact).toBe('1.5');
    expect(explanation.amount).toBe(2);
    expect(explanation.rounding).toBe('half_up');
    expect(explanation.summary).toBe(
      '3 units × EUR 0.005 = EUR 0.015, rounded half up to EUR 0.02.',
    );
  });

  it('rounds below half down', () => {
    // 7 × 0.0001 cent = 0.0007 cents -> 0.
    const explanation = pricePerUnit(perUnitPrice('EUR', { unitAmountDecimal: '0.0001' }), 7);
    expect(explanation.amountExact).toBe('0.0007');
    expect(explanation.amount).toBe(0);
  });

  it('keeps twelve decimal places exact where a float would drift', () => {
    const explanation = pricePerUnit(
      perUnitPrice('USD', { unitAmountDecimal: '0.100000000001' }),
      3_000_000,
    );
    // 3000000 × 0.100000000001 = 300000.000003 exactly (a float gives 300000.00000300002) -> 300000.
    expect(explanation.amountExact).toBe('300000.000003');
    expect(explanation.amount).toBe(300000);
  });

  it('prices in yen, whose minor unit is the yen itself', () => {
    // 7 × JPY 0.5 = JPY 3.5, a tie -> JPY 4.
    const explanation = pricePerUnit(perUnitPrice('JPY', { unitAmountDecimal: '0.5' }), 7);
    expect(explanation.amount).toBe(4);
    expect(explanation.summary).toBe('7 units × JPY 0.5 = JPY 3.5, rounded half up to JPY 4.');
  });

  it('prices in a three-decimal currency', () => {
    // 1234 × 1 fils = 1234 fils = KWD 1.234.
    const explanation = pricePerUnit(perUnitPrice('KWD', { unitAmount: 1 }), 1234);
    expect(explanation.amount).toBe(1234);
    expect(explanation.summary).toBe('1234 units × KWD 0.001 = KWD 1.234.');
  });

  it('prices quantity 0 and a single unit', () => {
    const price = perUnitPrice('EUR', { unitAmount: 250 });
    expect(pricePerUnit(price, 0).amount).toBe(0);
    expect(pricePerUnit(price, 1).summary).toBe('1 unit × EUR 2.50 = EUR 2.50.');
  });
});

describe('scaledProduct', () => {
  it.each([
    [26968, '0.2', '5393.6', 5394],
    [18420, '0.2', '3684', 3684],
    [3, '0.20', '0.6', 1],
    [7, '0.2', '1.4', 1],
    [0, '0.2', '0', 0],
    [5, '0.1', '0.5', 1], // half up
    [1, '0.000000000001', '0.000000000001', 0],
    [1001, '1.25', '1251.25', 1251],
    [12, '250', '3000', 3000],
  ])('%i × %s = %s, rounded %i', (units, unitAmount, exact, rounded) => {
    expect(scaledProduct(units, unitAmount)).toEqual({ exact, rounded });
  });

  it('leaves to Decimal what integers cannot hold exactly', () => {
    expect(scaledProduct(Number.MAX_SAFE_INTEGER, '0.2')).toBeNull();
    expect(scaledProduct(1, '0.1234567890123456')).toBeNull(); // 16 digits
    expect(scaledProduct(1.5, '0.2')).toBeNull();
    expect(scaledProduct(1, '-0.2')).toBeNull();
  });

  it('writes and rounds every product as Decimal does', () => {
    const unitAmount = fc
      .tuple(fc.nat({ max: 1e9 }), fc.nat({ max: 12 }), fc.nat({ max: 2 }))
      .map(([digits, decimals, zeros]) => {
        const text = String(digits).padStart(decimals + 1, '0');
        const point = text.length - decimals;
        return `${text.slice(0, point)}${decimals ? `.${text.slice(point)}` : ''}${decimals && zeros ? '0'.repeat(zeros) : ''}`;
      });
    fc.assert(
      fc.property(fc.nat({ max: 1e8 }), unitAmount, (units, amount) => {
        const fast = scaledProduct(units, amount);
        const exact = new Dec(units).times(amount);
        return (
          fast === null || (fast.exact === exact.toFixed() && fast.rounded === roundToMinor(exact))
        );
      }),
      { numRuns: 5000 },
    );
  });
});
