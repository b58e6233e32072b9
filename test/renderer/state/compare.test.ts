import { describe, expect, it } from 'vitest';
import type { Customer, Price, PriceComparison, Subscription } from '../../../core/public/types';
import type { ExportedFile } from '../../../core/contract';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { FakeTransport, settle } from '../fake-transport';
import { shownChoices } from '../../../renderer/lib/choices';
import { CompareState } from '../../../renderer/state/compare.svelte';
import { comparisonByCalendarMonth as calendarMonths } from '../../../core/public/reporting';
import {
  groupAmounts,
  largestGroups,
  rowsInTimeOrder,
  type GroupTotal,
} from '../../../core/public/compare-groups';

/** A comparison of two prices with no rows: what the paging and loading tests need answered. */
const emptyComparison = { prices: ['price_a', 'price_b'], rows: [], totals: {}, currency: 'EUR' };

const day = 86_400;
/** 2025-03-01 00:00 UTC */
const march1 = 1_740_787_200;

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

describe('calendarMonths', () => {
  // Two monthly subscriptions: x from 2025-03-01, y from 2025-03-31 (periods end on the 30th/31st).
  const row = (periodStart: number, periodEnd: number, customer: string, a: number) => ({
    periodStart,
    periodEnd,
    customer,
    subscription: `sub_${customer}`,
    amounts: { price_a: a },
  });
  const april1 = march1 + 31 * day;
  const may1 = april1 + 30 * day;
  const march31 = march1 + 30 * day;
  const april30 = april1 + 29 * day;
  const may31 = may1 + 30 * day;
  // The engine lists rows subscription by subscription: x's periods, then y's.
  const comparison: PriceComparison = {
    prices: ['price_a'],
    rows: [
      row(march1, april1, 'x', 100),
      row(april1, may1, 'x', 200),
      row(march31, april30, 'y', 10),
      row(april30, may31, 'y', 20),
    ],
    totals: { price_a: 330 },
    currency: 'EUR',
  };

  it('orders months by time and counts each period in the month of its last day', () => {
    const months = calendarMonths(comparison, may1 + day);
    // March: x's March (100). April: x's April (200) + y's 03-31→04-30 (10). May: y's 20.
    expect(months.map((m) => [m.key, m.amounts.price_a])).toEqual([
      ['2025-03', 100],
      ['2025-04', 210],
      ['2025-05', 20],
    ]);
  });

  it('marks the months whose periods are still open at the clock time', () => {
    // At 2025-05-02 y's period 04-30 → 05-31 is open; x's last period ended on 05-01.
    const months = calendarMonths(comparison, may1 + day);
    expect(months.map((m) => m.open)).toEqual([false, false, true]);
    expect(calendarMonths(comparison, may31).every((m) => !m.open)).toBe(true);
  });

  it('orders customers of one period by name, numbers as numbers', () => {
    const named = { x: 'Team 10', y: 'Team 9' } as Record<string, string>;
    const rows = rowsInTimeOrder(comparison, (customer) => named[customer]!);
    expect(rows.slice(0, 2).map((r) => r.customer)).toEqual(['x', 'y']);
    // Same start: 'Team 9' before 'Team 10'.
    const sameStart = {
      ...comparison,
      rows: comparison.rows.map((r) => ({ ...r, periodStart: 0 })),
    };
    expect(rowsInTimeOrder(sameStart, (customer) => named[customer]!)[0]!.customer).toBe('y');
  });

  it('lists the table rows by period start whatever the engine order', () => {
    expect(
      rowsInTimeOrder(comparison).map((r) => `${r.customer}${r.periodStart - march1}`),
    ).toEqual(['x0', `y${30 * day}`, `x${31 * day}`, `y${60 * day}`]);
  });
});

describe('CompareState exports', () => {
  it('downloads revenue per calendar month of the prices compared, as the chart shows it', async () => {
    const saved: ExportedFile[] = [];
    const transport = new FakeTransport().on('workspace.exportComparison', ({ format }) => ({
      filename: `guide-compare-by-month.${format}`,
      mimeType: 'text/csv',
      content: 'month,open,price_a,price_b\n2025-03,,1,2\n',
    }));
    const app = new AppState(createApiClient(transport), (file) => saved.push(file));
    const compare = new CompareState(app);
    compare.selected = ['price_a', 'price_b'];
    await compare.exportFile('csv');
    expect(transport.callsOf('workspace.exportComparison')).toEqual([
      [{ prices: ['price_a', 'price_b'], format: 'csv' }],
    ]);
    expect(saved.map((file) => file.filename)).toEqual(['guide-compare-by-month.csv']);
  });

  it("sends a candidate's coupon and minimum (in minor units) to the engine and the export", async () => {
    const transport = new FakeTransport()
      .on('prices.list', () => ({
        object: 'list',
        hasMore: false,
        data: [{ id: 'price_b', currency: 'EUR' } as Price],
      }))
      .on('analysis.comparePrices', () => emptyComparison)
      .on('workspace.exportComparison', () => ({
        filename: 'x.json',
        mimeType: 'application/json',
        content: '{}',
      }));
    const app = new AppState(createApiClient(transport), () => {});
    const compare = new CompareState(app);
    await compare.prices.load();
    compare.selected = ['price_a', 'price_b'];
    compare.adjust('price_b', { coupon: 'cpn_launch' });
    compare.adjust('price_b', { minimum: '100.50' });
    compare.adjust('price_a', { minimum: ' ' }); // blank: no adjustment for price_a
    await compare.result.load();
    const adjustments = [
      { price: 'price_b', coupon: 'cpn_launch', minimumCommitment: { amount: 10050 } },
    ];
    expect(transport.callsOf('analysis.comparePrices').at(-1)).toEqual([
      {
        prices: ['price_a', 'price_b'],
        adjustments,
        page: { offset: 0, limit: 100, price: 'price_a' },
      },
    ]);
    await compare.exportFile('json');
    expect(transport.callsOf('workspace.exportComparison')).toEqual([
      [{ prices: ['price_a', 'price_b'], adjustments, format: 'json' }],
    ]);
  });
});

describe('CompareState paging', () => {
  it('asks the engine for the next page and ranks by the price marked current', async () => {
    const transport = new FakeTransport().on('analysis.comparePrices', () => emptyComparison);
    const app = new AppState(createApiClient(transport), () => {});
    const compare = new CompareState(app);
    compare.selected = ['price_a', 'price_b'];
    compare.pageRows(1, 250); // rows 101–200 of 250
    await compare.result.load();
    compare.chooseBaseline('price_b');
    await compare.result.load();
    compare.pageRows(1, 150); // past the last page: stays within the 150 rows
    await compare.result.load();
    expect(
      transport.callsOf('analysis.comparePrices').map(([args]) => (args as { page: unknown }).page),
    ).toEqual([
      { offset: 100, limit: 100, price: 'price_a' },
      { offset: 100, limit: 100, price: 'price_a' },
      { offset: 100, limit: 100, price: 'price_b' },
      { offset: 100, limit: 100, price: 'price_b' },
      { offset: 149, limit: 100, price: 'price_b' },
      { offset: 149, limit: 100, price: 'price_b' },
    ]);
  });
});

/** A fake whose prices.list answers only once `open()` is called (again after `hold()`). */
class PricesHeldTransport extends FakeTransport {
  #open = () => {};
  #opened = this.#gate();

  #gate(): Promise<void> {
    return new Promise((resolve) => (this.#open = resolve));
  }

  open(): void {
    this.#open();
  }

  hold(): void {
    this.#opened = this.#gate();
  }

  override async call(method: string, args: unknown[]) {
    if (method === 'prices.list') await this.#opened;
    return super.call(method, args);
  }
}

describe('CompareState loading', () => {
  const metered = (id: string) =>
    ({ id, currency: 'EUR', recurring: { usageType: 'metered' } }) as Price;
  const list = <T>(data: T[]) => ({ object: 'list' as const, data, hasMore: false });

  it('asks for the comparison after the prices the first time, at once after a change', async () => {
    const transport = new PricesHeldTransport()
      .on('prices.list', () => list([metered('price_a'), metered('price_b')]))
      .on('coupons.list', () => list([]))
      .on('customers.list', () => list([]))
      .on('subscriptions.list', () => list([]))
      .on('workspace.current', () => null)
      .on('analysis.comparePrices', () => emptyComparison);
    const app = new AppState(createApiClient(transport), () => {});
    const compare = new CompareState(app);
    const first = compare.load();
    await settle();
    // The prices to compare are chosen from the list: nothing to ask before it answers.
    expect(transport.callsOf('analysis.comparePrices')).toEqual([]);
    transport.open();
    await first;
    expect(compare.selected).toEqual(['price_a', 'price_b']);
    expect(transport.callsOf('analysis.comparePrices')).toHaveLength(1);

    transport.hold();
    const again = compare.load();
    await settle();
    // After a change the prices are known: the comparison does not wait for the lists.
    expect(transport.callsOf('analysis.comparePrices')).toHaveLength(2);
    expect(compare.result.value?.prices).toEqual(['price_a', 'price_b']);
    transport.open();
    await again;
  });

  it('offers a few of 1,000 subscriptions, narrowed by name, and keeps the one chosen', async () => {
    const subscriptions = Array.from(
      { length: 1000 },
      (_, index) => ({ id: `sub_${index}`, customer: `cus_${index}` }) as Subscription,
    );
    const customers = subscriptions.map(
      (s, index) => ({ id: s.customer, name: `Customer ${index}` }) as Customer,
    );
    const transport = new FakeTransport()
      .on('subscriptions.list', () => list(subscriptions))
      .on('customers.list', () => list(customers));
    const compare = new CompareState(new AppState(createApiClient(transport), () => {}));
    await compare.context.load();
    expect(compare.subscriptionChoices).toHaveLength(1000);
    expect(compare.shownSubscriptions).toHaveLength(shownChoices);
    expect(compare.shownSubscriptions[0]).toEqual({ id: 'sub_0', label: 'Customer 0 · sub_0' });
    compare.subscription = 'sub_999';
    compare.find = 'customer 12';
    expect(compare.shownSubscriptions.map((c) => c.id)).toEqual([
      'sub_999',
      'sub_12',
      ...Array.from({ length: 10 }, (_, n) => `sub_${120 + n}`),
    ]);
  });
});

describe('largestGroups', () => {
  const group = (key: string, a: number, b: number) => ({
    key,
    label: key,
    amounts: { price_a: a, price_b: b },
  });

  it('keeps every group, in order, when they fit', () => {
    const groups = [group('x', 1, 2), group('y', 3, 4)];
    expect(largestGroups(groups, 'price_a', 2)).toBe(groups);
  });

  it('charts the largest under the current price and adds up the rest as one bar', () => {
    const groups = [group('x', 1, 9), group('y', 30, 1), group('z', 20, 2), group('w', 5, 3)];
    const charted = largestGroups(groups, 'price_a', 3);
    // y (30) and z (20) lead; x and w are "2 others": price_a 1 + 5, price_b 9 + 3.
    expect(charted.map((g) => [g.label, g.amounts])).toEqual([
      ['y', { price_a: 30, price_b: 1 }],
      ['z', { price_a: 20, price_b: 2 }],
      ['2 others', { price_a: 6, price_b: 12 }],
    ]);
    const all = (price: string, list: GroupTotal[]) =>
      list.reduce((sum, g) => sum + (g.amounts[price] ?? 0), 0);
    expect(all('price_a', charted)).toBe(all('price_a', groups));
    expect(all('price_b', charted)).toBe(all('price_b', groups));
  });

  it('groups 10,000 customers, charts 20 bars and sorts their 20,000 rows by name', () => {
    const rows = Array.from({ length: 20_000 }, (_, index) => ({
      periodStart: index < 10_000 ? 0 : 100,
      periodEnd: index < 10_000 ? 100 : 200,
      customer: `cus_${index % 10_000}`,
      subscription: `sub_${index % 10_000}`,
      amounts: { price_a: index % 97, price_b: index % 89 },
    }));
    const comparison: PriceComparison = {
      prices: ['price_a', 'price_b'],
      rows,
      totals: {},
      currency: 'EUR',
    };
    const names = new Map(rows.map((r) => [r.customer, `Customer ${r.customer.slice(4)}`]));
    const groups = groupAmounts(comparison, (r) => ({ key: r.customer, label: r.customer }));
    const sorted = rowsInTimeOrder(comparison, (id) => names.get(id)!);
    const charted = largestGroups(groups, 'price_a');
    expect(groups).toHaveLength(10_000);
    expect(charted).toHaveLength(20);
    expect(charted.at(-1)!.label).toBe('9,981 others');
    expect(sorted.slice(0, 3).map((r) => names.get(r.customer))).toEqual([
      'Customer 0',
      'Customer 1',
      'Customer 2',
    ]);
  });
});
