import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../../core/values/errors';
import {
  currencyExponent,
  describeRounding,
  formatExactMoney,
  formatMoney,
  formatQuantity,
} from '../../../core/public/format';
import {
  Dec,
  isCurrency,
  normalizeCurrency,
  parseAmountDecimal,
  roundToMinor,
} from '../../../core/values/money';

function errorOf(run: () => unknown): MeterlabError {
  try {
    run();
  } catch (error) {
    if (error instanceof MeterlabError) return error;
    throw error;
  }
  throw new Error('expected a MeterlabError');
}

describe('currencies', () => {
  it('knows the minor-unit exponent of ISO 4217 currencies', () => {
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('krw')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('TND')).toBe(3);
    // The unidad de fomento counts in ten-thousandths.
    expect(currencyExponent('CLF')).toBe(4);
  });

  it('accepts active upper-case codes only', () => {
    expect(isCurrency('EUR')).toBe(true);
    expect(isCurrency('XCG')).toBe(true);
    expect(isCurrency('eur')).toBe(false);
    expect(isCurrency('EUX')).toBe(false);
    // Withdrawn, or no currency to bill in.
    expect(isCurrency('DEM')).toBe(false);
    expect(isCurrency('HRK')).toBe(false);
    expect(isCurrency('XXX')).toBe(false);
    expect(isCurrency('XAU')).toBe(false);
  });

  it('normalizes to upper case and rejects unknown codes naming the param', () => {
    expect(normalizeCurrency('eur', 'currency')).toBe('EUR');
    const error = errorOf(() => normalizeCurrency('EUX', 'currency'));
    expect(error.type).toBe('invalid_request_error');
    expect(error.code).toBe('currency_invalid');
    expect(error.param).toBe('currency');
    expect(error.message).toBe(
      'Invalid currency "EUX": use an ISO 4217 code such as EUR, USD or JPY.',
    );
  });
});

describe('parseAmountDecimal', () => {
  it.each([
    ['0.2', '0.2'],
    ['0.20', '0.2'],
    ['5.0', '5'],
    ['12', '12'],
    ['007', '7'],
    ['0', '0'],
    ['0.000000000001', '0.000000000001'],
    [12, '12'],
    [0.5, '0.5'],
  ])('accepts %j as %s', (input, expected) => {
    expect(parseAmountDecimal(input, 'unitAmountDecimal')).toBe(expected);
  });

  it.each(['', '-1', '1e3', '0.1234567890123', 'abc', '.5', '5.', '1,5', '+1', -1, NaN, Infinity])(
    'rejects %j naming the param',
    (input) => {
      const error = errorOf(() => parseAmountDecimal(input, 'tiers[1].unitAmountDecimal'));
      expect(error.type).toBe('invalid_request_error');
      expect(error.code).toBe('amount_invalid');
      expect(error.param).toBe('tiers[1].unitAmountDecimal');
      expect(error.message).toContain('tiers[1].unitAmountDecimal');
    },
  );

  it('says how to fix too many decimal places', () => {
    const error = errorOf(() => parseAmountDecimal('0.1234567890123', 'unitAmountDecimal'));
    expect(error.message).toContain('at most 12 decimal places');
  });

  it('rejects amounts beyond the safe integer range', () => {
    const error = errorOf(() => parseAmountDecimal('9007199254740992', 'unitAmountDecimal'));
    expect(error.code).toBe('amount_too_large');
    expect(parseAmountDecimal('9007199254740991', 'unitAmountDecimal')).toBe('9007199254740991');
  });
});

describe('roundToMinor', () => {
  it.each([
    ['3684', 3684],
    ['1.5', 2], // 3 × 0.5 = 1.5: a tie goes up
    ['2.5', 3], // half up, not half even
    ['0.4999999999999', 0],
    ['0.5', 1],
    ['36.84', 37],
    ['-1.5', -2], // ties go away from zero
    ['-0.4', 0], // no negative zero
  ])('rounds %s to %i', (exact, minor) => {
    expect(Object.is(roundToMinor(exact), minor)).toBe(true);
  });

  it('takes a Decimal', () => {
    expect(roundToMinor(new Dec('18420').times('0.2'))).toBe(3684);
  });

  it('throws when the result is not a safe integer', () => {
    expect(() => roundToMinor('9007199254740992')).toThrow(MeterlabError);
    expect(roundToMinor('9007199254740991.4')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('is within half a minor unit of the exact amount', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.integer({ min: 0, max: 12 }),
        (digits, scale) => {
          const exact = new Dec(digits.toString()).div(new Dec(10).pow(scale));
          fc.pre(exact.abs().lessThan(Number.MAX_SAFE_INTEGER));
          const rounded = roundToMinor(exact);
          const error = new Dec(rounded).minus(exact).abs();
          expect(error.lessThanOrEqualTo('0.5')).toBe(true);
          // A tie (error exactly 0.5) always moves away from zero.
          if (error.equals('0.5'))
            expect(Math.abs(rounded)).toBeGreaterThan(exact.abs().toNumber());
        },
      ),
    );
  });
});

describe('formatMoney', () => {
  it.each([
    [3684, 'EUR', 'EUR 36.84'],
    [0, 'EUR', 'EUR 0.00'],
    [5, 'EUR', 'EUR 0.05'],
    [123456789, 'EUR', 'EUR 1,234,567.89'],
    [-150, 'EUR', '-EUR 1.50'],
    [1234, 'JPY', 'JPY 1,234'], // exponent 0: minor units are yen
    [1234567, 'JPY', 'JPY 1,234,567'],
    [1234, 'KWD', 'KWD 1.234'], // exponent 3: fils
    [1234567, 'KWD', 'KWD 1,234.567'],
    [Number.MAX_SAFE_INTEGER, 'USD', 'USD 90,071,992,547,409.91'],
    [100, 'eur', 'EUR 1.00'],
  ])('formats %i %s as %s', (minor, currency, text) => {
    expect(formatMoney(minor, currency)).toBe(text);
  });

  it('formats every safe integer as the exact formatting of its digits does', () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.constantFrom('EUR', 'jpy', 'KWD', 'CLF'),
        (minor, currency) =>
          formatMoney(minor, currency) === formatExactMoney(String(minor), currency),
      ),
      { numRuns: 2000 },
    );
  });
});

describe('formatExactMoney', () => {
  it.each([
    ['0.2', 'EUR', 'EUR 0.002'], // 0.2 cent
    ['3684', 'EUR', 'EUR 36.84'],
    ['3600', 'EUR', 'EUR 36.00'],
    ['1.5', 'EUR', 'EUR 0.015'],
    ['123456.7', 'EUR', 'EUR 1,234.567'],
    ['3.5', 'JPY', 'JPY 3.5'],
    ['0.000000000001', 'KWD', 'KWD 0.000000000000001'],
    ['-1.5', 'EUR', '-EUR 0.015'],
  ])('formats %s %s as %s without rounding', (exact, currency, text) => {
    expect(formatExactMoney(exact, currency)).toBe(text);
  });
});

describe('formatQuantity', () => {
  it.each([
    [10_000_000, '10,000,000'],
    [999, '999'],
    [1000, '1,000'],
    [0, '0'],
    [-1234, '-1,234'],
    ['1234.5678', '1,234.5678'], // decimals stay as they are
    ['0.000123', '0.000123'],
    ['1500', '1,500'],
  ])('shows %s as %s', (quantity, text) => {
    expect(formatQuantity(quantity)).toBe(text);
  });

  it('only adds commas: removing them gives the quantity back', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (quantity) => {
        const text = formatQuantity(quantity);
        return text.replaceAll(',', '') === String(quantity) && !/\d{4}/.test(text);
      }),
    );
  });
});

describe('describeRounding', () => {
  it('names the rounding only when there was one', () => {
    expect(describeRounding('3684', 3684, 'EUR')).toBe('EUR 36.84');
    expect(describeRounding('1.5', 2, 'EUR')).toBe('EUR 0.015, rounded half up to EUR 0.02');
  });
});
