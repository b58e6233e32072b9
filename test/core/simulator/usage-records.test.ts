// Usage records through the API: aggregation of increment/set mixes, which period a record lands
// in, what is rejected (and that nothing is stored then), batches and summaries.
import { describe, expect, it } from 'vitest';
import type { AggregateUsage } from '../../../core/public/types';
import {
  APR_1_2025,
  DAY,
  HOUR,
  MAR_1_2025,
  MAY_1_2025,
  currentUsage,
  eventsOf,
  expectError,
  expectRejectedUnchanged,
  invoicesOf,
  latestInvoice,
  licensedPrice,
  meteredPrice,
  scenario,
} from './fixtures';

const T1 = MAR_1_2025 + 1 * DAY;
const T2 = MAR_1_2025 + 2 * DAY;
const T3 = MAR_1_2025 + 3 * DAY;

/**
 * Reports, in this creation order:
 *   T2 set 10; T1 increment 5; T3 increment 4; T1 increment 3; T2 increment 2; T3 set 1
 * which leaves T1 = 5 + 3 = 8, T2 = 10 + 2 = 12, T3 = 1 (the set replaces the 4 and touches
 * neither T1 nor T2).
 */
function reportMix(sim: ReturnType<typeof scenario>['sim'], item: string): void {
  sim.testClock.advance({ frozenTime: T3 + HOUR });
  const report = (timestamp: number, quantity: number, action: 'increment' | 'set') =>
    sim.usageRecords.create({ subscriptionItem: item, quantity, timestamp, action });
  report(T2, 10, 'set');
  report(T1, 5, 'increment');
  report(T3, 4, 'increment');
  report(T1, 3, 'increment');
  report(T2, 2, 'increment');
  report(T3, 1, 'set');
}

describe('aggregation of increment/set mixes, through invoices', () => {
  // Per-timestamp values in March: T1 = 8, T2 = 12, T3 = 1; April has no records.
  const cases: {
    strategy: AggregateUsage;
    march: number;
    decidingTimestamp: number | null;
    april: number;
  }[] = [
    // sum: 8 + 12 + 1 = 21; April: nothing, 0
    { strategy: 'sum', march: 21, decidingTimestamp: null, april: 0 },
    // max: max(8, 12, 1) = 12, decided by T2; April: 0
    { strategy: 'max', march: 12, decidingTimestamp: T2, april: 0 },
    // last_during_period: the value at the latest timestamp, T3 = 1; April has none: 0
    { strategy: 'last_during_period', march: 1, decidingTimestamp: T3, april: 0 },
    // last_ever: T3 = 1 in March, and still T3's 1 in April (from an earlier period)
    { strategy: 'last_ever', march: 1, decidingTimestamp: T3, april: 1 },
  ];

  it.each(cases)('$strategy bills $march in March and $april in April', (expected) => {
    const { sim, subscription, item } = scenario({
      prices: [meteredPrice('10', { aggregateUsage: expected.strategy })],
    });
    reportMix(sim, item);
    expect(currentUsage(sim, item)).toBe(expected.march);

    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    const march = latestInvoice(sim, subscription.id);
    expect(march.lines.data).toHaveLength(1);
    const line = march.lines.data[0]!;
    // 10 cents a unit
    expect([line.quantity, line.amount, march.total]).toEqual([
      expected.march,
      expected.march * 10,
      expected.march * 10,
    ]);
    expect(line.explanation.aggregation).toMatchObject({
      strategy: expected.strategy,
      quantity: expected.march,
      timestampCount: 3,
      decidingTimestamp: expected.decidingTimestamp,
    });

    sim.testClock.advance({ frozenTime: MAY_1_2025 + HOUR });
    const april = latestInvoice(sim, subscription.id);
    expect(april.periodStart).toBe(APR_1_2025);
    expect([april.lines.data[0]!.quantity, april.total]).toEqual([
      expected.april,
      expected.april * 10,
    ]);
  });

  it('a set never touches other timestamps', () => {
    const { sim, item } = scenario();
    sim.testClock.advance({ frozenTime: T2 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 7, timestamp: T1 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 2, timestamp: T2 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: T2, action: 'set' });
    // T1 keeps 7, T2 is set to 5: 7 + 5 = 12
    expect(currentUsage(sim, item)).toBe(12);
  });

  it('defaults the timestamp to the clock and the action to increment', () => {
    const { sim, item } = scenario();
    sim.testClock.advance({ frozenTime: T1 });
    const first = sim.usageRecords.create({ subscriptionItem: item, quantity: 4 });
    const second = sim.usageRecords.create({ subscriptionItem: item, quantity: 6 });
    expect(first).toMatchObject({
      object: 'usage_record',
      subscriptionItem: item,
      quantity: 4,
      timestamp: T1,
      action: 'increment',
    });
    expect(second.id).not.toBe(first.id);
    // Both at T1, incremented: 4 + 6 = 10
    expect(currentUsage(sim, item)).toBe(10);
  });
});

describe('which period a record lands in', () => {
  it('a record stamped exactly at the period end belongs to the next period', () => {
    const { sim, subscription, item } = scenario();
    sim.testClock.advance({ frozenTime: APR_1_2025 - 1 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1000, timestamp: APR_1_2025 - 1 });
    sim.testClock.advance({ frozenTime: APR_1_2025 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 7, timestamp: APR_1_2025 });

    const [april, march] = sim.usageRecords.summaries({ subscriptionItem: item }).data;
    expect(april).toMatchObject({ period: { start: APR_1_2025 }, totalUsage: 7, open: true });
    expect(march).toMatchObject({ period: { end: APR_1_2025 }, totalUsage: 1000, open: false });

    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    // March: 1000 × 0.2 = 200 (the 7 at APR_1 is not March's)
    expect(latestInvoice(sim, subscription.id)).toMatchObject({
      periodEnd: APR_1_2025,
      total: 200,
    });
    sim.testClock.advance({ frozenTime: MAY_1_2025 + HOUR });
    const april2 = latestInvoice(sim, subscription.id);
    // April: 7 × 0.2 = 1.4 -> 1 cent
    expect([april2.periodStart, april2.lines.data[0]!.quantity, april2.total]).toEqual([
      APR_1_2025,
      7,
      1,
    ]);
  });

  it('during the finalization grace, a late record lands in the ended period and updates the draft', () => {
    const { sim, subscription, item } = scenario();
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1000 });
    sim.testClock.advance({ frozenTime: APR_1_2025 + 30 * 60 });

    const draft = latestInvoice(sim, subscription.id);
    // 1000 × 0.2 = 200
    expect(draft).toMatchObject({ status: 'draft', total: 200, finalizesAt: APR_1_2025 + HOUR });

    // Stamped 1 s before the period end, reported 30 min after it.
    sim.usageRecords.create({ subscriptionItem: item, quantity: 500, timestamp: APR_1_2025 - 1 });
    const updated = sim.invoices.retrieve(draft.id);
    // (1000 + 500) × 0.2 = 300
    expect(updated).toMatchObject({ status: 'draft', total: 300, amountDue: 300 });
    expect(updated.lines.data[0]).toMatchObject({ id: draft.lines.data[0]!.id, quantity: 1500 });
    const updates = eventsOf(sim, 'invoice.updated');
    expect(updates.at(-1)!.data).toMatchObject({ id: draft.id, total: 300 });
    // The open period did not get it.
    expect(currentUsage(sim, item)).toBe(0);

    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    expect(sim.invoices.retrieve(draft.id)).toMatchObject({
      status: 'paid',
      total: 300,
      amountPaid: 300,
    });
  });

  it('the grace outlasts an invoice made during it (always_invoice seat change)', () => {
    const { sim, subscription, items } = scenario({
      prices: [meteredPrice('0.2'), licensedPrice(1000)],
    });
    sim.testClock.advance({ frozenTime: APR_1_2025 + 10 * 60 });
    const draft = latestInvoice(sim, subscription.id);
    expect(draft.status).toBe('draft');
    sim.subscriptions.update(subscription.id, {
      items: [{ id: items[1]!, quantity: 3 }],
      prorationBehavior: 'always_invoice',
    });
    // March's invoice is still a draft, so March still takes usage: 1000 × 0.2 = 200
    sim.usageRecords.create({
      subscriptionItem: items[0]!,
      quantity: 1000,
      timestamp: APR_1_2025 - 1,
    });
    const updated = sim.invoices.retrieve(draft.id);
    expect(updated.lines.data.map((line) => [line.subscriptionItem, line.amount])).toEqual([
      [items[0], 200],
      // April's seat in advance, as the draft was made (1 × 1000)
      [items[1], 1000],
    ]);
    // 200 + 1000 = 1200
    expect(updated).toMatchObject({ status: 'draft', total: 1200 });
  });

  it('the grace outlasts a metered price swap made during it', () => {
    const { sim, subscription, item, price, productId } = scenario();
    const other = sim.prices.create({ ...meteredPrice('1'), product: productId });
    sim.testClock.advance({ frozenTime: APR_1_2025 + 10 * 60 });
    const draft = latestInvoice(sim, subscription.id);
    sim.subscriptions.update(subscription.id, { items: [{ id: item, price: other.id }] });
    // Late March usage still lands in March's draft, at March's price: 1000 × 0.2 = 200
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1000, timestamp: APR_1_2025 - 1 });
    const updated = sim.invoices.retrieve(draft.id);
    expect(updated.lines.data.map((line) => [line.price, line.quantity, line.amount])).toEqual([
      [price.id, 1000, 200],
    ]);
  });

  it('after finalization, the ended period takes no more records', () => {
    const { sim, item } = scenario();
    sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1 });
    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.create({
          subscriptionItem: item,
          quantity: 500,
          timestamp: APR_1_2025 - 1,
        }),
      { type: 'invalid_request_error', code: 'timestamp_backdated', param: 'timestamp' },
    );
  });

  it('with a finalization delay of 0 there is no grace', () => {
    const { sim, item } = scenario({ settings: { finalizationDelaySeconds: 0 } });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1 });
    sim.testClock.advance({ frozenTime: APR_1_2025 });
    expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: APR_1_2025 - 1 }),
      { code: 'timestamp_backdated' },
    );
  });
});

describe('rejected records store nothing', () => {
  function withUsage() {
    const built = scenario();
    built.sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
    built.sim.usageRecords.create({ subscriptionItem: built.item, quantity: 100 });
    return built;
  }

  it('rejects a record before the current period start as timestamp_backdated', () => {
    const { sim, item } = withUsage();
    const error = expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: MAR_1_2025 - 1 }),
      { type: 'invalid_request_error', code: 'timestamp_backdated', param: 'timestamp' },
    );
    expect(error.message).toMatch(/backdated/);
    expect(currentUsage(sim, item)).toBe(100);
    // The period's first second is fine.
    sim.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: MAR_1_2025 });
    expect(currentUsage(sim, item)).toBe(105);
  });

  it('rejects a record after frozenTime as timestamp_in_future', () => {
    const { sim, item } = withUsage();
    const now = sim.testClock.retrieve().frozenTime;
    const error = expectRejectedUnchanged(
      sim,
      () => sim.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: now + 1 }),
      { type: 'invalid_request_error', code: 'timestamp_in_future', param: 'timestamp' },
    );
    expect(error.message).toMatch(/future/);
    sim.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: now });
    expect(currentUsage(sim, item)).toBe(105);
  });

  it('a rejected first record of an item leaves the snapshot byte-identical', () => {
    // No record was ever stored for this item before.
    const { sim, item } = scenario();
    sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY });
    expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: MAR_1_2025 - 1 }),
      { code: 'timestamp_backdated' },
    );
    expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.createBatch({
          subscriptionItem: item,
          records: [{ quantity: 1, timestamp: MAR_1_2025 + 2 * DAY }],
        }),
      { code: 'timestamp_in_future' },
    );
  });

  it.each([
    [{ quantity: -1 }, 'parameter_invalid', 'quantity'],
    [{ quantity: 1.5 }, 'parameter_invalid', 'quantity'],
    [{ quantity: Number.MAX_SAFE_INTEGER + 1 }, 'parameter_invalid', 'quantity'],
    [{}, 'parameter_missing', 'quantity'],
    [{ quantity: 1, action: 'decrement' }, 'parameter_invalid', 'action'],
    [{ quantity: 1, timestamp: -5 }, 'parameter_invalid', 'timestamp'],
    [{ quantity: 1, colour: 'red' }, 'parameter_invalid', 'colour'],
  ])('rejects %j with %s on %s', (args, code, param) => {
    const { sim, item } = withUsage();
    const error = expectRejectedUnchanged(
      sim,
      () => sim.usageRecords.create({ subscriptionItem: item, ...args } as never),
      { type: 'invalid_request_error', code, param },
    );
    expect(error.message).toContain(param);
  });

  it('rejects an unknown subscription item', () => {
    const { sim } = withUsage();
    expectRejectedUnchanged(
      sim,
      () => sim.usageRecords.create({ subscriptionItem: 'si_nope', quantity: 1 }),
      { code: 'resource_missing', param: 'subscriptionItem', message: /si_nope/ },
    );
  });

  it('rejects usage on a licensed item', () => {
    const { sim, items } = scenario({ prices: [meteredPrice('0.2'), licensedPrice(1000)] });
    expectRejectedUnchanged(
      sim,
      () => sim.usageRecords.create({ subscriptionItem: items[1]!, quantity: 1 }),
      { code: 'usage_on_licensed_item', param: 'subscriptionItem' },
    );
  });

  it('rejects usage on an ended subscription item', () => {
    const { sim, subscription, item } = withUsage();
    sim.subscriptions.cancel(subscription.id);
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 11 * DAY });
    expectRejectedUnchanged(
      sim,
      () => sim.usageRecords.create({ subscriptionItem: item, quantity: 1 }),
      {
        code: 'subscription_item_ended',
        param: 'subscriptionItem',
      },
    );
  });

  it('after a cancel at period end, the grace takes records for the last period only', () => {
    const { sim, subscription, item } = withUsage();
    sim.subscriptions.update(subscription.id, { cancelAtPeriodEnd: true });
    sim.testClock.advance({ frozenTime: APR_1_2025 + 30 * 60 });
    const draft = latestInvoice(sim, subscription.id);
    expect(draft.status).toBe('draft');

    // In the last period: lands in the draft. (100 + 400) × 0.2 = 100
    sim.usageRecords.create({ subscriptionItem: item, quantity: 400, timestamp: APR_1_2025 - 1 });
    expect(sim.invoices.retrieve(draft.id).total).toBe(100);

    // After the subscription ended: no period holds it, so it is rejected.
    expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.create({
          subscriptionItem: item,
          quantity: 9,
          timestamp: APR_1_2025 + 60,
        }),
      { type: 'invalid_request_error' },
    );
  });
});

describe('createBatch', () => {
  it('stores a batch in any order, with duplicates and mixed actions', () => {
    const { sim, item } = scenario({ prices: [meteredPrice('1', { aggregateUsage: 'max' })] });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
    const t = (day: number) => MAR_1_2025 + day * DAY;
    sim.usageRecords.create({ subscriptionItem: item, quantity: 7, timestamp: t(5) });
    const batch = sim.usageRecords.createBatch({
      subscriptionItem: item,
      records: [
        { quantity: 3, timestamp: t(2) },
        { quantity: 4, timestamp: t(1), action: 'increment' },
        { quantity: 2, timestamp: t(2) },
        { quantity: 9, timestamp: t(5), action: 'set' },
        { quantity: 1, timestamp: t(5) },
      ],
    });
    expect(batch).toEqual({ object: 'usage_record_batch', subscriptionItem: item, count: 5 });
    // t1 = 4, t2 = 3 + 2 = 5, t5 = 7 -> set 9 -> + 1 = 10: max 10
    expect(currentUsage(sim, item)).toBe(10);
    const series = sim.analysis.usageSeries({
      subscriptionItem: item,
      start: MAR_1_2025,
      end: t(10),
      buckets: 10,
    });
    expect(series.buckets.map((bucket) => bucket.sum)).toEqual([0, 4, 5, 0, 0, 10, 0, 0, 0, 0]);
  });

  it('merges an unsorted increment-only batch with stored records', () => {
    const { sim, item } = scenario();
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
    const t = (day: number) => MAR_1_2025 + day * DAY;
    sim.usageRecords.create({ subscriptionItem: item, quantity: 7, timestamp: t(2) });
    sim.usageRecords.createBatch({
      subscriptionItem: item,
      records: [
        { quantity: 3, timestamp: t(3) },
        { quantity: 1, timestamp: t(1) },
        { quantity: 2, timestamp: t(3) },
        { quantity: 5, timestamp: t(2) },
      ],
    });
    // t1 = 1, t2 = 7 + 5 = 12, t3 = 3 + 2 = 5: sum 18
    expect(currentUsage(sim, item)).toBe(18);
    expect(sim.analysis.usageSeries({ subscriptionItem: item }).totalTimestamps).toBe(3);
  });

  it('rejects the whole batch, naming every bad record, and stores nothing', () => {
    const { sim, item } = scenario();
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 100 });
    const now = sim.testClock.retrieve().frozenTime;
    const error = expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.createBatch({
          subscriptionItem: item,
          records: [
            { quantity: 1, timestamp: now - 10 },
            { quantity: -1, timestamp: now - 9 },
            { quantity: 1, timestamp: now - 8 },
            { quantity: 1, timestamp: now + 1 },
            { quantity: 1, timestamp: now - 7, extra: true },
            { quantity: 1, timestamp: now - 6 },
          ] as never,
        }),
      { type: 'invalid_request_error', code: 'batch_invalid', param: 'records[1].quantity' },
    );
    expect(error.message).toContain('bad indices: 1, 3, 4');
    expect(error.message).toContain('records[3].timestamp');
    expect(error.message).toContain('records[4].extra');
    expect(error.message).not.toMatch(/records\[(0|2|5)\]/);
    expect(currentUsage(sim, item)).toBe(100);
  });

  it("names a single bad timestamp as 'records[2].timestamp'", () => {
    const { sim, item } = scenario();
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 100 });
    const error = expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.createBatch({
          subscriptionItem: item,
          records: [{ quantity: 1 }, { quantity: 2 }, { quantity: 3, timestamp: MAR_1_2025 - 60 }],
        }),
      { code: 'timestamp_backdated', param: 'records[2].timestamp' },
    );
    expect(error.message).toContain('bad indices: 2');
  });

  it('rejects an empty batch', () => {
    const { sim, item } = scenario();
    expectError(() => sim.usageRecords.createBatch({ subscriptionItem: item, records: [] }), {
      code: 'parameter_invalid',
      param: 'records',
    });
  });

  it('during the grace, a batch reaching into the ended period updates the draft', () => {
    const { sim, subscription, item } = scenario();
    sim.testClock.advance({ frozenTime: APR_1_2025 + 10 * 60 });
    sim.usageRecords.createBatch({
      subscriptionItem: item,
      records: [
        { quantity: 1000, timestamp: APR_1_2025 - 10 },
        { quantity: 50, timestamp: APR_1_2025 + 60 },
      ],
    });
    // March: 1000 × 0.2 = 200; April holds the 50.
    expect(latestInvoice(sim, subscription.id)).toMatchObject({ status: 'draft', total: 200 });
    expect(currentUsage(sim, item)).toBe(50);
  });
});

describe('summaries', () => {
  it('lists periods newest first with the open period first', () => {
    const { sim, item } = scenario({ prices: [meteredPrice('1', { aggregateUsage: 'max' })] });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 30 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 5, timestamp: MAR_1_2025 });
    sim.testClock.advance({ frozenTime: APR_1_2025 + 2 * DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 12 });
    const { data } = sim.usageRecords.summaries({ subscriptionItem: item });
    expect(data.map((summary) => [summary.period, summary.totalUsage, summary.open])).toEqual([
      [{ start: APR_1_2025, end: MAY_1_2025 }, 12, true],
      // max(30, 5) = 30
      [{ start: MAR_1_2025, end: APR_1_2025 }, 30, false],
    ]);
    expect(data[0]).toMatchObject({
      object: 'usage_record_summary',
      subscriptionItem: item,
      aggregateUsage: 'max',
    });
    expect(invoicesOf(sim, sim.subscriptions.list().data[0]!.id).at(-1)!.total).toBe(30);
  });
});

describe('draft updates', () => {
  it('a batch entirely in the new period leaves the draft alone (no invoice.updated)', () => {
    const { sim, subscription, item } = scenario();
    sim.testClock.advance({ frozenTime: APR_1_2025 + 10 * 60 });
    const draft = latestInvoice(sim, subscription.id);
    expect(draft.status).toBe('draft');
    const updatesBefore = eventsOf(sim, 'invoice.updated').length;
    sim.usageRecords.createBatch({
      subscriptionItem: item,
      records: [{ quantity: 5, timestamp: APR_1_2025 + 60 }],
    });
    expect(eventsOf(sim, 'invoice.updated')).toHaveLength(updatesBefore);
    // One record in March's grace does update it.
    sim.usageRecords.createBatch({
      subscriptionItem: item,
      records: [{ quantity: 5, timestamp: APR_1_2025 - 60 }],
    });
    expect(eventsOf(sim, 'invoice.updated')).toHaveLength(updatesBefore + 1);
  });
});
