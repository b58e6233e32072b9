// Compare's orders at scale (core/public/compare-groups): names ranked once, rows sorted by
// position; checked against the plain definition (a stable sort of the customers by name).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { largestFirst, nameRanks, rowsInOrder } from '../../../core/public/compare-groups';
import type { PriceComparison } from '../../../core/public/types';

describe('nameRanks', () => {
  it('ranks numbers in names as numbers; names the order finds equal share a rank', () => {
    // alva < Älva (accent second) < Customer 1 = Customer 01 < Customer 9 < Customer 10.
    const names = ['Customer 10', 'Customer 9', 'Customer 01', 'Älva', 'Customer 1', 'alva'];
    expect([...nameRanks(names)]).toEqual([5, 4, 2, 1, 2, 0]);
    expect([...nameRanks([])]).toEqual([]);
  });
});

describe('largestFirst', () => {
  it('puts the largest first and keeps the order of equal amounts', () => {
    expect(largestFirst([5, 9, 5, 0, 9])).toEqual([1, 4, 0, 2, 3]);
  });
});

type Row = PriceComparison['rows'][number];

/** The definition: customers in first-seen order, stably sorted by name, their place the rank. */
function reference(rows: Row[], sort: 'period' | 'customer' | 'amount', price: string | null) {
  const collator = new Intl.Collator('en', { numeric: true });
  const customers = [...new Set(rows.map((row) => row.customer))].sort((a, b) =>
    collator.compare(a, b),
  );
  const rank = (row: Row) => customers.indexOf(row.customer);
  const amount = (row: Row) => (price === null ? 0 : (row.amounts[price] ?? 0));
  const compare = {
    period: (a: Row, b: Row) => a.periodStart - b.periodStart || rank(a) - rank(b),
    customer: (a: Row, b: Row) => rank(a) - rank(b) || a.periodStart - b.periodStart,
    amount: (a: Row, b: Row) => amount(b) - amount(a) || a.periodStart - b.periodStart,
  }[sort];
  return [...rows].sort(compare);
}

describe('rowsInOrder', () => {
  it('gives the order of a stable sort by name, with equal names kept as first seen', () => {
    const names = ['Customer 1', 'Customer 01', 'customer 1', 'Älva', 'alva', 'Customer 10', 'B'];
    const row = fc.record({
      periodStart: fc.constantFrom(100, 200, 300),
      customer: fc.constantFrom(...names),
      amount: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 40 }),
        fc.constantFrom('period' as const, 'customer' as const, 'amount' as const),
        fc.constantFrom('price_a', null),
        (drawn, sort, price) => {
          const rows: Row[] = drawn.map((r, at) => ({
            periodStart: r.periodStart,
            periodEnd: r.periodStart + 100,
            customer: r.customer,
            subscription: `sub_${at}`,
            amounts: { price_a: r.amount },
          }));
          expect(rowsInOrder({ rows }, sort, price)).toEqual(reference(rows, sort, price));
        },
      ),
    );
  });
});
