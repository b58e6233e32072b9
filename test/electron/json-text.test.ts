import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactJsonPieces, jsonPieces } from '../../electron/json-text';

describe('JSON text piece by piece', () => {
  it('joins to exactly JSON.stringify(value, null, 2), for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        expect([...jsonPieces(value)].join('')).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 300 },
    );
  });

  it('drops undefined fields and writes undefined array elements as null, as JSON does', () => {
    const value = { a: undefined, b: [undefined, 1], c: { d: [{ e: 'line\nbreak' }] } };
    expect([...jsonPieces(value)].join('')).toBe(JSON.stringify(value, null, 2));
  });

  it('writes a long list in many pieces, not one', () => {
    const invoices = Array.from({ length: 1000 }, (_, i) => ({ id: `in_${i}`, total: i }));
    const pieces = [...jsonPieces({ scenarios: [{ snapshot: { invoices } }] })];
    expect(pieces.length).toBeGreaterThan(2000);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(100);
  });

  it('compactJsonPieces joins to exactly JSON.stringify(value), long arrays in batches', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        expect([...compactJsonPieces(value)].join('')).toBe(JSON.stringify(value));
      }),
      { numRuns: 300 },
    );
    const usage = { a: undefined, timestamps: Array.from({ length: 10_000 }, (_, i) => i * 60) };
    const pieces = [...compactJsonPieces({ data: { usage } })];
    expect(pieces.join('')).toBe(JSON.stringify({ data: { usage } }));
    expect(pieces.length).toBeGreaterThan(3);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(30_000);
  });
});
