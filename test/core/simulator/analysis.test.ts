// The read-only analysis views: usage series, the four strategies side by side, price comparison.
import { describe, expect, it } from 'vitest';
import {
  APR_1_2025,
  DAY,
  HOUR,
  MAR_1_2025,
  MAY_1_2025,
  expectError,
  latestInvoice,
  licensedPrice,
  meteredPrice,
  scenario,
} from './fixtures';

describe('analysis.usageSeries', () => {
  function withRecords() {
    const built = scenario();
    const { sim, item } = built;
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 4 * DAY });
    const at = (days: number) => MAR_1_2025 + days * DAY;
    sim.usageRecords.create({ subscriptionItem: item, quantity: 10, timestamp: at(0.5) });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 20, timestamp: at(1.5) });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: at(1.5) + 60 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 7, timestamp: at(3.25) });
    return built;
  }

  it('buckets the per-timestamp values: sum, peak, last and count per bucket', () => {
    const { sim, item } = withRecords();
    const series = sim.analysis.usageSeries({
      subscriptionItem: item,
      start: MAR_1_2025,
      end: MAR_1_2025 + 4 * DAY,
      buckets: 4,
    });
    expect(series.buckets.map(({ sum, max, last, count }) => ({ sum, max, last, count }))).toEqual([
      { sum: 10, max: 10, last: 10, count: 1 },
      // 20 + 5 = 25, peak 20, last 5
      { sum: 25, max: 20, last: 5, count: 2 },
      { sum: 0, max: 0, last: null, count: 0 },
      { sum: 7, max: 7, last: 7, count: 1 },
    ]);
    expect(series.buckets.map((bucket) => bucket.start)).toEqual(
      [0, 1, 2, 3].map((day) => MAR_1_2025 + day * DAY),
    );
    expect(series.totalTimestamps).toBe(4);
    expect(series.periods).toEqual([{ start: MAR_1_2025, end: APR_1_2025 }]);
  });

  it('by default spans the item life to the clock; its buckets add up to the totals', () => {
    const { sim, item } = withRecords();
    const series = sim.analysis.usageSeries({ subscriptionItem: item });
    expect(series.buckets).toHaveLength(200);
    expect(series.start).toBe(MAR_1_2025);
    expect(series.buckets[0]!.start).toBe(series.start);
    expect(series.buckets.at(-1)!.end).toBe(series.end);
    series.buckets.slice(1).forEach((bucket, index) => {
      expect(bucket.start).toBe(series.buckets[index]!.end);
    });
    const sum = series.buckets.reduce((total, bucket) => total + bucket.sum, 0);
    const count = series.buckets.reduce((total, bucket) => total + bucket.count, 0);
    // 10 + 20 + 5 + 7 = 42, the summary's total
    expect(sum).toBe(42);
    expect(sim.usageRecords.summaries({ subscriptionItem: item }).data[0]!.totalUsage).toBe(42);
    expect(count).toBe(series.totalTimestamps);
  });

  it('lists every period boundary in a longer range', () => {
    const { sim, item } = withRecords();
    sim.testClock.advance({ frozenTime: MAY_1_2025 + DAY });
    const series = sim.analysis.usageSeries({ subscriptionItem: item, buckets: 10 });
    expect(series.periods.map((period) => period.start)).toEqual([
      MAR_1_2025,
      APR_1_2025,
      MAY_1_2025,
    ]);
  });

  it('rejects an empty range and a licensed item', () => {
    const { sim, item } = withRecords();
    expectError(
      () =>
        sim.analysis.usageSeries({ subscriptionItem: item, start: MAR_1_2025, end: MAR_1_2025 }),
      { code: 'parameter_invalid', param: 'end' },
    );
    const seats = scenario({ prices: [licensedPrice(1000)] });
    expectError(() => seats.sim.analysis.usageSeries({ subscriptionItem: seats.item }), {
      code: 'usage_on_licensed_item',
    });
  });
});

describe('analysis.strategies', () => {
  it('shows how sum, max, last_during_period and last_ever read a seat-count stream', () => {
    // 1 EUR a seat, billed on the last count of the period.
    const { sim, subscription, item, price } = scenario({
      prices: [meteredPrice('100', { aggregateUsage: 'last_during_period' })],
    });
    const t = (day: number) => MAR_1_2025 + day * DAY;
    sim.testClock.advance({ frozenTime: t(20) });
    sim.usageRecords.create({
      subscriptionItem: item,
      quantity: 5,
      timestamp: t(1),
      action: 'set',
    });
    sim.usageRecords.create({
      subscriptionItem: item,
      quantity: 12,
      timestamp: t(10),
      action: 'set',
    });
    sim.usageRecords.create({
      subscriptionItem: item,
      quantity: 8,
      timestamp: t(20),
      action: 'set',
    });
    sim.testClock.advance({ frozenTime: APR_1_2025 + 2 * DAY });

    const comparison = sim.analysis.strategies({ subscriptionItem: item });
    expect([comparison.price, comparison.currency]).toEqual([price.id, 'EUR']);
    const table = comparison.periods.map((period) => ({
      start: period.start,
      open: period.open,
      quantities: Object.fromEntries(
        Object.entries(period.strategies).map(([name, s]) => [name, s.aggregation.quantity]),
      ),
      amounts: Object.fromEntries(
        Object.entries(period.strategies).map(([name, s]) => [name, s.amount]),
      ),
    }));
    expect(table).toEqual([
      {
        // April has no records: only last_ever still sees March's last count (8).
        start: APR_1_2025,
        open: true,
        quantities: { sum: 0, max: 0, last_during_period: 0, last_ever: 8 },
        amounts: { sum: 0, max: 0, last_during_period: 0, last_ever: 800 },
      },
      {
        // March: sum 5 + 12 + 8 = 25, max 12, last 8 (day 20), last_ever 8
        start: MAR_1_2025,
        open: false,
        quantities: { sum: 25, max: 12, last_during_period: 8, last_ever: 8 },
        amounts: { sum: 2500, max: 1200, last_during_period: 800, last_ever: 800 },
      },
    ]);
    const march = comparison.periods[1]!.strategies;
    expect(march.max.aggregation.decidingTimestamp).toBe(t(10));
    expect(march.last_during_period.aggregation.decidingTimestamp).toBe(t(20));
    // The invoice agrees with the strategy the price uses: 8 × 100 = 800
    expect(latestInvoice(sim, subscription.id).total).toBe(800);
  });

  it('prices the strategies under another price when asked', () => {
    const { sim, item, productId } = scenario();
    const half = sim.prices.create({ ...meteredPrice('0.5'), product: productId });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 25 });
    const comparison = sim.analysis.strategies({ subscriptionItem: item, price: half.id });
    // 25 × 0.5 = 12.5 -> 13
    expect(comparison.periods[0]!.strategies.sum).toMatchObject({
      amount: 13,
      amountExact: '12.5',
    });
  });
});

describe('analysis.comparePrices', () => {
  it('bills the same usage under several prices, period by period, with totals', () => {
    const { sim, subscription, item, price, productId } = scenario();
    const tiered = sim.prices.create({
      product: productId,
      currency: 'EUR',
      billingScheme: 'tiered',
      tiersMode: 'graduated',
      tiers: [
        { upTo: 10_000, unitAmountDecimal: '0.3' },
        { upTo: 'inf', unitAmountDecimal: '0.1' },
      ],
      recurring: { interval: 'month', usageType: 'metered' },
    });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 18_420 });
    sim.testClock.advance({ frozenTime: APR_1_2025 + DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 5_000 });
    sim.testClock.advance({ frozenTime: APR_1_2025 + DAY + HOUR });

    const comparison = sim.analysis.comparePrices({
      prices: [price.id, tiered.id],
      subscription: subscription.id,
    });
    expect(comparison.currency).toBe('EUR');
    expect(comparison.rows).toEqual([
      {
        periodStart: MAR_1_2025,
        periodEnd: APR_1_2025,
        customer: 'cust_8aZ2',
        subscription: subscription.id,
        // 18420 × 0.2 = 3684; 10000 × 0.3 + 8420 × 0.1 = 3000 + 842 = 3842
        amounts: { [price.id]: 3684, [tiered.id]: 3842 },
      },
      {
        periodStart: APR_1_2025,
        periodEnd: MAY_1_2025,
        customer: 'cust_8aZ2',
        subscription: subscription.id,
        // 5000 × 0.2 = 1000; 5000 × 0.3 = 1500
        amounts: { [price.id]: 1000, [tiered.id]: 1500 },
      },
    ]);
    // 3684 + 1000 = 4684; 3842 + 1500 = 5342
    expect(comparison.totals).toEqual({ [price.id]: 4684, [tiered.id]: 5342 });
    // The subscription's own price matches its March invoice.
    expect(
      sim.invoices
        .list({ subscription: subscription.id })
        .data.find((i) => i.periodEnd === APR_1_2025)!.total,
    ).toBe(3684);
  });

  it('compares metered prices of one currency only', () => {
    const { sim, price, productId } = scenario();
    const seat = sim.prices.create({ ...licensedPrice(1000), product: productId });
    const dollars = sim.prices.create({
      ...meteredPrice('1', { currency: 'USD' }),
      product: productId,
    });
    expectError(() => sim.analysis.comparePrices({ prices: [price.id, seat.id] }), {
      code: 'price_not_metered',
      param: 'prices[1]',
    });
    expectError(() => sim.analysis.comparePrices({ prices: [price.id, dollars.id] }), {
      code: 'currency_mismatch',
      param: 'prices[1]',
    });
  });
});

describe('analysis.invoicePage', () => {
  /** The guide's scenario billed for `months` periods: 1 creation invoice + `months` cycles. */
  function billed(months: number) {
    const built = scenario();
    for (let i = 0; i < months; i++) {
      built.sim.testClock.advanceBillingPeriod({ subscription: built.subscription.id });
    }
    return built;
  }

  it('pages the invoices newest first and counts them all and by status', () => {
    const { sim } = billed(5);
    const newestFirst = sim.invoices.list({ limit: 100 }).data.map((invoice) => invoice.id);
    expect(newestFirst).toHaveLength(6);
    const first = sim.analysis.invoicePage({ limit: 4 });
    const second = sim.analysis.invoicePage({ offset: 4, limit: 4 });
    expect(first.data.map((invoice) => invoice.id)).toEqual(newestFirst.slice(0, 4));
    expect(second.data.map((invoice) => invoice.id)).toEqual(newestFirst.slice(4));
    expect(first.total).toBe(6);
    // Paid: the creation invoice (EUR 0.00) and five cycles.
    expect(first.counts).toEqual({ draft: 0, open: 0, paid: 6, uncollectible: 0, void: 0 });
    expect(sim.analysis.invoicePage({ offset: 10 }).data).toEqual([]);
  });

  it('filters by status, counting the matches as the total', () => {
    const { sim } = billed(2);
    expect(sim.analysis.invoicePage({ status: 'open' })).toMatchObject({ total: 0, data: [] });
    expect(sim.analysis.invoicePage({ status: 'paid' }).total).toBe(3);
  });

  it('refuses a negative offset and changes nothing', () => {
    const { sim } = billed(1);
    expectError(() => sim.analysis.invoicePage({ offset: -1 }), {
      code: 'parameter_invalid',
      param: 'offset',
    });
  });
});

describe('analysis.customerPage', () => {
  it('pages the customers newest first, finds them by name, and counts them', () => {
    const { sim } = scenario();
    for (const name of ['Team 1', 'Team 2', 'Other', 'Team 3']) sim.customers.create({ name });
    // Acme (the fixture's), Team 1, Team 2, Other, Team 3: five in all.
    const first = sim.analysis.customerPage({ limit: 2 });
    expect(first.total).toBe(5);
    expect(first.data.map((c) => c.name)).toEqual(['Team 3', 'Other']);
    expect(sim.analysis.customerPage({ offset: 4, limit: 2 }).data.map((c) => c.name)).toEqual([
      'Acme',
    ]);
    const teams = sim.analysis.customerPage({ name: 'team' });
    expect(teams.total).toBe(3);
    expect(teams.data.map((c) => c.name)).toEqual(['Team 3', 'Team 2', 'Team 1']);
  });
});

describe('analysis.eventPage', () => {
  it('pages the events kept newest first, of one type if asked, with the count', () => {
    const { sim, subscription } = scenario();
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const all = sim.events.list({ limit: 1000 }).data.map((event) => event.id);
    const page = sim.analysis.eventPage({ offset: 2, limit: 3 });
    expect(page.total).toBe(all.length);
    expect(page.data.map((event) => event.id)).toEqual(all.slice(2, 5));
    const paid = sim.analysis.eventPage({ type: 'invoice.paid' });
    expect(paid.data.map((event) => event.id)).toEqual(
      sim.events.list({ type: 'invoice.paid' }).data.map((event) => event.id),
    );
    // Two cycles paid; the creation invoice's event (two months back) is past the 30 days kept.
    expect(paid.total).toBe(2);
  });
});

describe('analysis.recordsVsMeters', () => {
  it('bills one stream by the four strategies and the five formulas, under one price', () => {
    const { sim, item } = scenario({ prices: [meteredPrice('1', { currency: 'USD' })] });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 6 * DAY });
    for (const [day, quantity] of [
      [2, 10],
      [3, 30],
      [5, 20],
    ] as const)
      sim.usageRecords.create({
        subscriptionItem: item,
        quantity,
        timestamp: MAR_1_2025 + day * DAY,
      });
    sim.testClock.advance({ frozenTime: APR_1_2025 + 2 * DAY }); // April has no records
    const result = sim.analysis.recordsVsMeters({ subscriptionItem: item, uniqueValues: 1 });
    const [april, march] = result.periods;
    const amounts = (period: typeof march) => ({
      legacy: Object.fromEntries(
        Object.entries(period!.strategies).map(([key, value]) => [key, value.amount]),
      ),
      meter: Object.fromEntries(
        Object.entries(period!.formulas).map(([key, value]) => [key, value.amount]),
      ),
    });
    // 1 cent a unit: March sum 60, peak 30, last 20, three events, one distinct id.
    expect(amounts(march)).toEqual({
      legacy: { sum: 60, max: 30, last_during_period: 20, last_ever: 20 },
      meter: { sum: 60, count: 3, last: 20, max: 30, unique_count: 1 },
    });
    // April: last_ever carries 20 over; a meter's last has no event, so 0.
    expect(amounts(april)).toEqual({
      legacy: { sum: 0, max: 0, last_during_period: 0, last_ever: 20 },
      meter: { sum: 0, count: 0, last: 0, max: 0, unique_count: 0 },
    });
  });
});
