// copy walks plain objects instead of a JSON round trip (faster for the small objects every call
// returns); it must give exactly what the round trip gives, for any value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copy } from '../../../core/values/json';

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/**
 * Where two copies differ (keys, their order, prototypes, leaves by Object.is, so 0 is not -0),
 * or null when they are the same.
 */
function difference(a: unknown, b: unknown, path = '$'): string | null {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object')
    return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototype`;
  const keys = Object.keys(a);
  if (keys.join('\u0000') !== Object.keys(b).join('\u0000')) return `${path}: keys`;
  for (const key of keys) {
    const inner = difference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (inner !== null) return inner;
  }
  return null;
}

/** JSON values with what a round trip changes: undefined, NaN, Infinity, -0, holes, dates. */
const awkward = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue(),
    fc.constantFrom(undefined, Number.NaN, Infinity, -Infinity, -0, 0, 1.5, '', '__proto__'),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value')),
    fc.sparseArray(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('__proto__', '1', '0', 'toJSON')),
      tie('value'),
    ),
  ),
})).value;

describe('copy', () => {
  it('gives what a JSON round trip gives, for any object or array', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(awkward), fc.dictionary(fc.string(), awkward)), (value) => {
        expect(difference(copy(value), roundTrip(value))).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('tells copies apart that differ only in key order or the sign of zero', () => {
    expect(difference({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe('$: keys');
    expect(difference([0], [-0])).toBe('$.0: 0 vs 0');
  });

  it('keeps a __proto__ key as a key, and drops undefined fields', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<
      string,
      unknown
    >;
    const copied = copy({ ...Object.fromEntries(Object.entries(value)), gone: undefined });
    expect(Object.keys(copied)).toEqual(['__proto__', 'a']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('is a deep copy: changing it leaves the original as it was', () => {
    const original = { lines: [{ amount: 5, tags: ['a'] }], total: 5 };
    const copied = copy(original);
    copied.lines[0]!.tags.push('b');
    copied.lines[0]!.amount = 6;
    expect(original).toEqual({ lines: [{ amount: 5, tags: ['a'] }], total: 5 });
  });

  it('throws as JSON does on a cycle and a bigint', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = { back: cycle };
    expect(() => copy(cycle)).toThrow(TypeError);
    expect(() => copy({ big: 1n })).toThrow(TypeError);
  });
});
