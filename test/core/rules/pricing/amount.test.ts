// Whole-number fast paths must equal their decimal originals: quoteAmount (quotePrice's amount,
// for any price of any model and any quantity) and the backtest's change in percent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteAmount, quotePrice } from '../../../../core/rules/pricing';
import { priceOf } from './price-of';
import { percentOf } from '../../../../core/rules/backtest/price';
import { Dec } from '../../../../core/values/money';

/** Decimal amounts from 0 to 10^6 minor units, with up to 12 decimals (half-up ties included). */
const amount = fc
  .tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.nat(12), fc.boolean())
  .map(([units, decimals, tie]) => {
    if (decimals === 0) return String(units);
    const digits = String(units).padStart(decimals + 1, '0');
    const text = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
    return tie ? `${digits.slice(0, -decimals) || '0'}.5` : text;
  });

const tierList = fc
  .array(
    fc.record({ step: fc.integer({ min: 1, max: 5000 }), unit: amount, flat: fc.option(amount) }),
    { minLength: 1, maxLength: 4 },
  )
  .map((tiers) => {
    let upTo = 0;
    return tiers.map((tier, index) => {
      upTo += tier.step;
      return {
        upTo: index === tiers.length - 1 ? ('inf' as const) : upTo,
        unitAmountDecimal: tier.unit,
        ...(tier.flat === null ? {} : { flatAmountDecimal: tier.flat }),
      };
    });
  });

const price = fc.oneof(
  amount.map((unit) => priceOf({ unitAmountDecimal: unit })),
  fc
    .tuple(amount, fc.integer({ min: 1, max: 5000 }), fc.constantFrom('up', 'down'))
    .map(([unit, divideBy, round]) =>
      priceOf({
        unitAmountDecimal: unit,
        transformQuantity: { divideBy, round: round as 'up' | 'down' },
      }),
    ),
  fc
    .tuple(tierList, fc.constantFrom('graduated', 'volume'))
    .map(([tiers, mode]) =>
      priceOf({ billingScheme: 'tiered', tiersMode: mode as 'graduated' | 'volume', tiers }),
    ),
);

/** The amount, or the code of the error (an amount beyond exact range is refused by both). */
function outcome(run: () => number): number | string {
  try {
    return run();
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('quoteAmount', () => {
  it('equals quotePrice’s amount for every model, amount and quantity', () => {
    fc.assert(
      fc.property(
        price.chain((priced) => {
          // Tier bounds and their neighbours, where graduated and volume change tiers.
          const bounds = (priced.tiers ?? [])
            .flatMap((tier) =>
              tier.upTo === 'inf' ? [] : [tier.upTo - 1, tier.upTo, tier.upTo + 1],
            )
            .filter((bound) => bound >= 0);
          const quantities = [
            fc.integer({ min: 0, max: 20_000 }),
            fc.integer({ min: 0, max: 2 ** 40 }),
          ];
          if (bounds.length > 0) quantities.push(fc.constantFrom(...bounds));
          return fc.tuple(fc.constant(priced), fc.oneof(...quantities));
        }),
        ([priced, quantity]) => {
          expect(outcome(() => quoteAmount(priced, quantity))).toEqual(
            outcome(() => quotePrice(priced, quantity).amount),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('beyond the exact range of whole numbers, still answers as quotePrice does', () => {
    const fine = priceOf({ unitAmountDecimal: '0.000000000001' });
    const quantity = Number.MAX_SAFE_INTEGER;
    expect(quoteAmount(fine, quantity)).toBe(quotePrice(fine, quantity).amount);
    const huge = priceOf({ unitAmountDecimal: '999999999' });
    expect(() => quoteAmount(huge, 2 ** 40)).toThrow(
      expect.objectContaining({ code: 'amount_too_large' }),
    );
  });
});

describe('percentOf (backtest changes)', () => {
  it('equals the decimal computation, rounded half up to 2 decimals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).filter((base) => base !== 0),
        (change, base) => {
          const decimal = new Dec(change).mul(100).div(base).toDecimalPlaces(2).toNumber() + 0;
          expect(percentOf(change, base)).toBe(decimal);
        },
      ),
      { numRuns: 3000 },
    );
    expect(percentOf(1, 3)).toBe(33.33);
    expect(percentOf(-1, 8)).toBe(-12.5);
    expect(percentOf(1, 20_000)).toBe(0.01); // 0.005 rounds half up
    expect(percentOf(-1, 20_000)).toBe(-0.01);
  });
});
