import { describe, expect, it } from 'vitest';
import type { PriceComparison } from '../../../core/public/types';
import { groupAmounts } from '../../../renderer/state/compare.svelte';

describe('groupAmounts', () => {
  it("adds up the engine's per-customer amounts by period, in first-seen order", () => {
    const row = (periodStart: number, customer: string, a: number, b: number) => ({
      periodStart,
      periodEnd: periodStart + 10,
      customer,
      subscription: `sub_${customer}`,
      amounts: { price_a: a, price_b: b },
    });
    const comparison: PriceComparison = {
      prices: ['price_a', 'price_b'],
      rows: [row(0, 'x', 100, 90), row(0, 'y', 50, 70), row(10, 'x', 1, 2)],
      totals: { price_a: 151, price_b: 162 },
      currency: 'EUR',
    };
    const byPeriod = groupAmounts(comparison, (r) => ({ key: String(r.periodStart), label: '' }));
    // period 0: price_a 100 + 50 = 150, price_b 90 + 70 = 160
    expect(byPeriod.map((g) => g.amounts)).toEqual([
      { price_a: 150, price_b: 160 },
      { price_a: 1, price_b: 2 },
    ]);
    const byCustomer = groupAmounts(comparison, (r) => ({ key: r.customer, label: r.customer }));
    expect(byCustomer.map((g) => [g.label, g.amounts.price_a])).toEqual([
      ['x', 101],
      ['y', 50],
    ]);
  });
});
