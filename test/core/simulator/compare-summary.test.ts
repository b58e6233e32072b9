// Compare's summary and one page of rows (analysis.comparePrices with `page`): what the view
// draws, summed by the engine. Three customers, two months and an open March, hand-computed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectRejectedUnchanged } from './fixtures';
import { FEB_1, HOUR, MAR_1, moneyWorld } from './money-fixtures';
import { groupAmounts, largestGroups, rowsInOrder } from '../../../core/public/compare-groups';

function threeCustomers() {
  const w = moneyWorld();
  const a = w.metered(1);
  const b = w.metered(2);
  const items = new Map<string, string>();
  for (const name of ['Acme', 'Customer 2', 'Customer 10']) {
    const customer =
      name === 'Acme'
        ? w.customer
        : w.sim.customers.create({ name, paymentMethod: 'pm_card_visa' }).id;
    const sub = w.sim.subscriptions.create({ customer, items: [{ price: a.id }] });
    items.set(name, sub.items.data[0]!.id);
  }
  const use = (name: string, quantity: number) =>
    w.sim.usageRecords.create({ subscriptionItem: items.get(name)!, quantity });
  use('Acme', 1000); // January
  use('Customer 2', 300);
  use('Customer 10', 50);
  w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
  use('Customer 2', 400); // February (Acme none)
  use('Customer 10', 700);
  w.sim.testClock.advance({ frozenTime: MAR_1 + HOUR }); // March is open
  return { w, a: a.id, b: b.id, use };
}

describe('analysis.comparePrices with page', () => {
  it('sums months and customers, and gives one page of named rows', () => {
    const { w, a, b } = threeCustomers();
    const all = w.sim.analysis.comparePrices({ prices: [a, b] });
    expect(all.summary).toBeUndefined();
    expect(all.rows).toHaveLength(9); // 3 customers × (January, February, March)
    const paged = w.sim.analysis.comparePrices({
      prices: [a, b],
      page: { offset: 2, limit: 3 },
    });
    // A: 1000 + (300 + 400) + (50 + 700) = 2450; B at 2 a unit: 4900. Same as every row's.
    expect(paged.totals).toEqual({ [a]: 2450, [b]: 4900 });
    expect(paged.totals).toEqual(all.totals);
    const summary = paged.summary!;
    expect(summary.months).toEqual([
      // January: 1000 + 300 + 50 = 1350; February: 0 + 400 + 700 = 1100; March open, no usage.
      { key: '2025-01', label: '2025-01', amounts: { [a]: 1350, [b]: 2700 }, open: false },
      { key: '2025-02', label: '2025-02', amounts: { [a]: 1100, [b]: 2200 }, open: false },
      { key: '2025-03', label: '2025-03', amounts: { [a]: 0, [b]: 0 }, open: true },
    ]);
    // Acme 1000, Customer 2 700, Customer 10 750 under A: 3 fit in 20 bars, so all, as first seen.
    expect(summary.customers.map((c) => [c.name, c.amounts[a], c.amounts[b]])).toEqual([
      ['Acme', 1000, 2000],
      ['Customer 2', 700, 1400],
      ['Customer 10', 750, 1500],
    ]);
    expect(summary.others).toBeNull();
    expect(summary).toMatchObject({
      price: a,
      customerCount: 3,
      rowCount: 9,
      offset: 2,
      limit: 3,
      sort: 'period',
    });
    // By period, then name (Customer 2 before Customer 10): January's third, February's first two.
    expect(paged.rows.map((row) => [row.periodStart, row.customerName, row.amounts[a]])).toEqual([
      [1_735_689_600, 'Customer 10', 50],
      [FEB_1, 'Acme', 0],
      [FEB_1, 'Customer 2', 400],
    ]);
  });

  it('puts all but the top - 1 customers in one bar, and sorts by amount or customer', () => {
    const { w, a, b } = threeCustomers();
    const top = w.sim.analysis.comparePrices({
      prices: [a, b],
      page: { top: 2, price: b, sort: 'amount', limit: 3 },
    }).summary!;
    // Under B: Acme 2000 listed; Customer 10 1500 + Customer 2 1400 = 2900 (A: 750 + 700 = 1450).
    expect(top.customers.map((c) => c.name)).toEqual(['Acme']);
    expect(top.others).toEqual({ customers: 2, amounts: { [a]: 1450, [b]: 2900 } });
    const byAmount = w.sim.analysis.comparePrices({
      prices: [a, b],
      page: { price: b, sort: 'amount', limit: 3 },
    });
    expect(byAmount.rows.map((row) => [row.customerName, row.amounts[b]])).toEqual([
      ['Acme', 2000], // January
      ['Customer 10', 1400], // February
      ['Customer 2', 800], // February
    ]);
    const byCustomer = w.sim.analysis.comparePrices({
      prices: [a, b],
      page: { sort: 'customer', offset: 3, limit: 2 },
    });
    expect(byCustomer.rows.map((row) => [row.customerName, row.periodStart])).toEqual([
      ['Customer 2', 1_735_689_600],
      ['Customer 2', FEB_1],
    ]);
    // Past the last row: an empty page, the counts still there.
    const past = w.sim.analysis.comparePrices({ prices: [a, b], page: { offset: 9 } });
    expect(past.rows).toEqual([]);
    expect(past.summary!.rowCount).toBe(9);
  });

  it('answers from what it computed only until anything changes (usage, names, the clock)', () => {
    const { w, a, b, use } = threeCustomers();
    const page = (offset = 0) =>
      w.sim.analysis.comparePrices({ prices: [a, b], page: { offset, limit: 3 } });
    const first = page();
    expect(first.totals).toEqual({ [a]: 2450, [b]: 4900 });
    // A caller changing what it got changes nothing the next call answers.
    first.totals[a] = 0;
    first.summary!.months[0]!.amounts[a] = 0;
    first.rows[0]!.amounts[a] = 0;
    expect(page()).toEqual({ ...page(), totals: { [a]: 2450, [b]: 4900 } });
    expect(page().summary!.months[0]!.amounts[a]).toBe(1350);
    expect(page().rows[0]!.amounts[a]).toBe(1000); // Acme, January
    // Usage in the open March between two calls: 2450 + 25 under A.
    use('Acme', 25);
    const afterUsage = page(6);
    expect(afterUsage.totals).toEqual({ [a]: 2475, [b]: 4950 });
    expect(afterUsage.summary!.months[2]!.amounts[a]).toBe(25);
    expect(afterUsage.rows.map((row) => [row.customerName, row.amounts[a]])).toEqual([
      ['Acme', 25],
      ['Customer 2', 0],
      ['Customer 10', 0],
    ]);
    // A refused change leaves the answer as it was; a rename is seen.
    expect(() => use('Acme', -1)).toThrow();
    expect(page(6).totals).toEqual({ [a]: 2475, [b]: 4950 });
    w.sim.customers.update(w.customer, { name: 'Zeta' });
    expect(page(6).rows.map((row) => row.customerName)).toEqual([
      'Customer 2',
      'Customer 10',
      'Zeta',
    ]);
    // The clock moving on closes March: its row is no longer open.
    w.sim.testClock.advance({ frozenTime: MAR_1 + 40 * 86_400 });
    expect(page().summary!.months[2]!.open).toBe(false);
  });

  it('refuses bad paging arguments, naming the field', () => {
    const { w, a, b } = threeCustomers();
    const other = w.metered(3).id;
    const cases: [object, string][] = [
      [{ offset: -1 }, 'page.offset'],
      [{ offset: 1.5 }, 'page.offset'],
      [{ limit: 0 }, 'page.limit'],
      [{ limit: 1001 }, 'page.limit'],
      [{ sort: 'name' }, 'page.sort'],
      [{ top: 0 }, 'page.top'],
      [{ price: other }, 'page.price'],
      [{ cursor: 'x' }, 'page.cursor'],
    ];
    for (const [page, param] of cases) {
      expectRejectedUnchanged(
        w.sim,
        () => w.sim.analysis.comparePrices({ prices: [a, b], page } as never),
        { param },
      );
    }
  });

  it('pages cover every row once, and the sums add up to the totals, in any order', () => {
    const { w, a, b } = threeCustomers();
    const all = w.sim.analysis.comparePrices({ prices: [a, b] });
    const key = (row: { subscription: string; periodStart: number }) =>
      `${row.subscription}@${row.periodStart}`;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom('period' as const, 'customer' as const, 'amount' as const),
        fc.constantFrom(a, b),
        fc.integer({ min: 1, max: 5 }),
        (limit, sort, price, top) => {
          const seen: string[] = [];
          let summary = null;
          for (let offset = 0; offset < all.rows.length; offset += limit) {
            const paged = w.sim.analysis.comparePrices({
              prices: [a, b],
              page: { offset, limit, sort, price, top },
            });
            seen.push(...paged.rows.map(key));
            summary = paged.summary!;
          }
          expect([...seen].sort()).toEqual(all.rows.map(key).sort());
          for (const id of [a, b]) {
            const months = summary!.months.reduce((sum, m) => sum + m.amounts[id]!, 0);
            const customers =
              summary!.customers.reduce((sum, c) => sum + c.amounts[id]!, 0) +
              (summary!.others?.amounts[id] ?? 0);
            expect(months).toBe(all.totals[id]);
            expect(customers).toBe(all.totals[id]);
          }
          expect(summary!.customers.length + (summary!.others?.customers ?? 0)).toBe(3);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("pages and sums as the view's own functions do, with names ranked equal", () => {
    const w = moneyWorld();
    const a = w.metered(1).id;
    const b = w.metered(2).id;
    const names = ['Customer 10', 'Customer 1', 'Älva', 'Customer 01', 'alva', 'Customer 9'];
    const customers = names.map(
      (name) => w.sim.customers.create({ name, paymentMethod: 'pm_card_visa' }).id,
    );
    // Customer 1 has two subscriptions; one starts a day later (periods of its own).
    customers.push(customers[1]!);
    customers.forEach((customer, index) => {
      if (index === 6)
        w.sim.testClock.advance({ frozenTime: w.sim.testClock.retrieve().frozenTime + 86_400 });
      const sub = w.sim.subscriptions.create({ customer, items: [{ price: a }] });
      w.sim.usageRecords.create({
        subscriptionItem: sub.items.data[0]!.id,
        quantity: 10 * (index % 3),
      });
    });
    w.sim.testClock.advance({ frozenTime: MAR_1 + HOUR });
    const check = () => {
      const all = w.sim.analysis.comparePrices({ prices: [a, b] });
      const named = new Map(w.sim.customers.list({ limit: 100 }).data.map((c) => [c.id, c.name]));
      const nameOf = (customer: string) => named.get(customer)!;
      for (const sort of ['period', 'customer', 'amount'] as const)
        for (const price of [a, b]) {
          const page = (offset: number) =>
            w.sim.analysis.comparePrices({
              prices: [a, b],
              page: { offset, limit: 4, sort, price, top: 3 },
            });
          const rows = [0, 4, 8, 12, 16].flatMap((offset) => page(offset).rows);
          expect(rows).toEqual(
            rowsInOrder(all, sort, price, nameOf).map((row) => ({
              ...row,
              customerName: nameOf(row.customer),
            })),
          );
          const charted = largestGroups(
            groupAmounts(all, (row) => ({ key: row.customer, label: nameOf(row.customer) })),
            price,
            3,
          );
          const summary = page(0).summary!;
          expect(summary.customers).toEqual(
            charted
              .slice(0, -1)
              .map((g) => ({ customer: g.key, name: g.label, amounts: g.amounts })),
          );
          expect(summary.others).toEqual({ customers: 6 - 2, amounts: charted.at(-1)!.amounts });
        }
      return all.rows.length;
    };
    // 6 subscriptions × January, February, March; the later one: from January 2nd, two periods.
    expect(check()).toBe(20);
    // Renamed to a name ranked equal to another, then to one ranked first.
    w.sim.customers.update(customers[5]!, { name: 'Customer 001' });
    check();
    w.sim.customers.update(customers[5]!, { name: 'Aaron' });
    check();
  });
});
