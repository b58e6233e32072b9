import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compactInteger } from '../../../core/values/integers';

describe('compactInteger', () => {
  it('gives back the same number, whatever it is', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger()), (value) => {
        expect(Object.is(compactInteger(value), value)).toBe(true);
      }),
    );
    for (const value of [-0, 0, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 1.5, NaN, Infinity, -Infinity])
      expect(Object.is(compactInteger(value), value)).toBe(true);
  });

  it('keeps a whole number out of a division whole (a period end from Date.UTC)', () => {
    expect(compactInteger(Date.UTC(2025, 0, 31) / 1000 + 3600)).toBe(1738285200);
  });
});
