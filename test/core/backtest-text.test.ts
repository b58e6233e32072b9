// The backtest's CSV and JSON in pieces (for hosts that send them as they are made) join to
// exactly the text made in one go, at any number of hypotheses and customers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backtestCsv,
  backtestJson,
  backtestJsonPieces,
  type BacktestResult,
} from '../../core/backtest';

// Printable text with quotes and commas, without line breaks (so a CSV row is one line).
const text = fc.string({ maxLength: 12 }).map((value) => value.replace(/[\r\n]/g, ' '));

/** A result of `hypotheses` hypotheses of `customers` rows each (only what the texts read). */
const results = fc
  .record({
    hypotheses: fc.array(
      fc.record({
        key: text,
        name: text,
        total: fc.integer(),
        byPeriod: fc.array(
          fc.record({ start: fc.nat(), end: fc.nat(), amount: fc.integer(), open: fc.boolean() }),
          { maxLength: 3 },
        ),
      }),
      // A backtest has a hypothesis at least (buildHypotheses refuses none).
      { minLength: 1, maxLength: 3 },
    ),
    customers: fc.array(fc.record({ customer: text, amount: fc.integer(), change: fc.integer() }), {
      maxLength: 2500,
    }),
  })
  .map(
    ({ hypotheses, customers }) =>
      ({
        currency: 'EUR',
        range: { start: 0, end: 86_400 },
        hypotheses: hypotheses.map((hypothesis) => ({
          ...hypothesis,
          byCustomer: customers.map((row, at) => ({
            ...row,
            changePct: at % 3 === 0 ? null : row.change / 7,
          })),
        })),
      }) as unknown as BacktestResult,
  );

describe('backtest texts in pieces', () => {
  it('backtestJsonPieces joins to JSON.stringify(backtestJson(...), null, 2)', () => {
    fc.assert(
      fc.property(results, fc.nat(), (result, skipped) => {
        const pieces = [...backtestJsonPieces(result, skipped)];
        expect(pieces.join('')).toBe(JSON.stringify(backtestJson(result, skipped), null, 2));
      }),
      { numRuns: 60 },
    );
  });

  it('the CSV of 2,500 customers comes in pieces of 1,000 rows, the header first', () => {
    fc.assert(
      fc.property(results, (result) => {
        const csv = backtestCsv(result);
        expect(csv.split('\n')[0]).toBe(
          'hypothesis,name,row,period_start,period_end,open,customer,amount_minor,change_minor,change_pct,currency',
        );
        const rows = result.hypotheses.reduce(
          (sum, hypothesis) => sum + hypothesis.byPeriod.length + hypothesis.byCustomer.length + 1,
          0,
        );
        // A line per row and the header: no piece adds or drops one (no cell here holds a break).
        expect(csv.endsWith('\n')).toBe(true);
        expect(csv.split('\n').length - 1).toBe(rows + 1);
      }),
      { numRuns: 30 },
    );
  });
});
