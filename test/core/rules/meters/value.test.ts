// Meter values: every accepted text keeps its exact value, in canonical form.
import fc from 'fast-check';
import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { parseNumericValue } from '../../../../core/rules/meters/value';

const digits = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max })
    .map((d) => d.join(''));

describe('parseNumericValue', () => {
  it('keeps the exact value of any plain decimal it accepts, canonical (no trailing zeros)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        digits(1, 9),
        fc.option(digits(1, 14)),
        (negative, whole, fraction) => {
          const text = `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`;
          const parsed = parseNumericValue(text);
          if (typeof parsed === 'object') {
            expect(['meter_event_invalid_value', 'meter_event_value_too_many_digits']).toContain(
              parsed.code,
            );
            expect(
              (fraction?.length ?? 0) > 12 || parsed.code === 'meter_event_value_too_many_digits',
            ).toBe(true);
            return;
          }
          expect(new Decimal(parsed).eq(new Decimal(text))).toBe(true);
          if (typeof parsed === 'string') {
            expect(parsed).toMatch(/^-?(0|[1-9][0-9]*)\.[0-9]*[1-9]$/);
          } else expect(Number.isSafeInteger(parsed)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses binary floats, exponents and over-precise values', () => {
    expect(parseNumericValue(1.5)).toMatchObject({ code: 'meter_event_invalid_value' });
    expect(parseNumericValue('1e3')).toMatchObject({ code: 'meter_event_invalid_value' });
    expect(parseNumericValue('0.0000000000001')).toMatchObject({
      code: 'meter_event_invalid_value',
    });
    expect(parseNumericValue('1234567890123456')).toMatchObject({
      code: 'meter_event_value_too_many_digits',
    });
    expect(parseNumericValue('0.000000000001')).toBe('0.000000000001');
    expect(parseNumericValue('-0.0')).toBe(0);
    expect(parseNumericValue(42)).toBe(42);
  });
});
