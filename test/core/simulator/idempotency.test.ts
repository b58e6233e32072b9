// Idempotency keys on usage records: a retried request returns the first response and counts once;
// other parameters under the same key are an idempotency_error; failures are not remembered; keys
// are forgotten after 24 hours of simulated time.
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../core/simulator';
import {
  DAY,
  HOUR,
  MAR_1_2025,
  currentUsage,
  expectError,
  expectRejectedUnchanged,
  expectSameJson,
  scenario,
} from './fixtures';

function started() {
  const built = scenario();
  built.sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY });
  return built;
}

describe('idempotent usage records', () => {
  it('a retry returns the same record and counts once', () => {
    const { sim, item } = started();
    const args = { subscriptionItem: item, quantity: 3, action: 'increment' as const };
    const first = sim.usageRecords.create(args, { idempotencyKey: 'usage-req-1' });
    const before = JSON.stringify(sim.snapshot());
    const retry = sim.usageRecords.create(args, { idempotencyKey: 'usage-req-1' });
    expect(retry).toEqual(first);
    expectSameJson(JSON.stringify(sim.snapshot()), before, 'a replay changed the snapshot');
    expect(currentUsage(sim, item)).toBe(3);
  });

  it('a retry later the same day returns the first response, timestamp included', () => {
    const { sim, item } = started();
    const args = { subscriptionItem: item, quantity: 3 };
    const first = sim.usageRecords.create(args, { idempotencyKey: 'usage-req-1' });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + DAY + 2 * HOUR });
    const retry = sim.usageRecords.create(args, { idempotencyKey: 'usage-req-1' });
    expect(retry).toEqual(first);
    expect(retry.timestamp).toBe(MAR_1_2025 + DAY);
    expect(currentUsage(sim, item)).toBe(3);
  });

  it('the same parameters in another key order are the same request', () => {
    const { sim, item } = started();
    const first = sim.usageRecords.create(
      { subscriptionItem: item, quantity: 3, action: 'increment' },
      { idempotencyKey: 'usage-req-1' },
    );
    const retry = sim.usageRecords.create(
      { action: 'increment', quantity: 3, subscriptionItem: item },
      { idempotencyKey: 'usage-req-1' },
    );
    expect(retry.id).toBe(first.id);
    expect(currentUsage(sim, item)).toBe(3);
  });

  it('a batch retry counts once', () => {
    const { sim, item } = started();
    const args = {
      subscriptionItem: item,
      records: [{ quantity: 1200 }, { quantity: 980, timestamp: MAR_1_2025 }],
    };
    const first = sim.usageRecords.createBatch(args, { idempotencyKey: 'batch-1' });
    const retry = sim.usageRecords.createBatch(args, { idempotencyKey: 'batch-1' });
    expect(retry).toEqual(first);
    // 1200 + 980 = 2180, once
    expect(currentUsage(sim, item)).toBe(2180);
  });

  it('the same key with other parameters is an idempotency_error and changes nothing', () => {
    const { sim, item } = started();
    sim.usageRecords.create({ subscriptionItem: item, quantity: 3 }, { idempotencyKey: 'k' });
    const error = expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.create({ subscriptionItem: item, quantity: 4 }, { idempotencyKey: 'k' }),
      { type: 'idempotency_error', param: 'idempotencyKey' },
    );
    expect(error.code).toMatch(/^[a-z_]+$/);
    expect(error.message).toMatch(/'k'/);
    expect(error.message).toMatch(/new key/);
    expect(currentUsage(sim, item)).toBe(3);
  });

  it('a key used for a single record cannot be reused for a batch', () => {
    const { sim, item } = started();
    sim.usageRecords.create({ subscriptionItem: item, quantity: 3 }, { idempotencyKey: 'k' });
    expectRejectedUnchanged(
      sim,
      () =>
        sim.usageRecords.createBatch(
          { subscriptionItem: item, records: [{ quantity: 3 }] },
          { idempotencyKey: 'k' },
        ),
      { type: 'idempotency_error' },
    );
  });

  it('a failed request is not remembered, so a corrected retry with the same key runs', () => {
    const { sim, item } = started();
    const now = sim.testClock.retrieve().frozenTime;
    expectError(
      () =>
        sim.usageRecords.create(
          { subscriptionItem: item, quantity: 3, timestamp: now + 60 },
          { idempotencyKey: 'usage-req-7' },
        ),
      { code: 'timestamp_in_future' },
    );
    const corrected = { subscriptionItem: item, quantity: 3, timestamp: now };
    const stored = sim.usageRecords.create(corrected, { idempotencyKey: 'usage-req-7' });
    expect(stored.timestamp).toBe(now);
    expect(currentUsage(sim, item)).toBe(3);
    // Now it is remembered.
    expect(sim.usageRecords.create(corrected, { idempotencyKey: 'usage-req-7' }).id).toBe(
      stored.id,
    );
    expect(currentUsage(sim, item)).toBe(3);
  });

  it('keys are forgotten after 24 hours of simulated time', () => {
    const { sim, item } = started();
    const args = { subscriptionItem: item, quantity: 5 };
    const first = sim.usageRecords.create(args, { idempotencyKey: 'usage-req-1' });

    sim.testClock.advance({ frozenTime: MAR_1_2025 + 2 * DAY - 1 });
    expect(sim.usageRecords.create(args, { idempotencyKey: 'usage-req-1' }).id).toBe(first.id);
    expect(currentUsage(sim, item)).toBe(5);

    sim.testClock.advance({ frozenTime: MAR_1_2025 + 2 * DAY });
    expect(sim.snapshot().idempotency).not.toHaveProperty('usage-req-1');
    const again = sim.usageRecords.create(args, { idempotencyKey: 'usage-req-1' });
    expect(again.id).not.toBe(first.id);
    expect(again.timestamp).toBe(MAR_1_2025 + 2 * DAY);
    // 5 + 5: the forgotten key counted again
    expect(currentUsage(sim, item)).toBe(10);
  });

  it('the key lifetime is a setting', () => {
    const { sim, item } = scenario({ settings: { idempotencyKeyTtlSeconds: 60 } });
    const args = { subscriptionItem: item, quantity: 5 };
    const first = sim.usageRecords.create(args, { idempotencyKey: 'k' });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 60 });
    expect(sim.usageRecords.create(args, { idempotencyKey: 'k' }).id).not.toBe(first.id);
  });

  it('keys survive a snapshot round trip', () => {
    const { sim, item } = started();
    const args = { subscriptionItem: item, quantity: 5 };
    const first = sim.usageRecords.create(args, { idempotencyKey: 'k' });
    const restored = createSimulator({ snapshot: sim.snapshot() });
    expect(restored.usageRecords.create(args, { idempotencyKey: 'k' })).toEqual(first);
    expect(currentUsage(restored, item)).toBe(5);
  });

  it('rejects a malformed key, naming the option', () => {
    const { sim, item } = started();
    expectError(
      () =>
        sim.usageRecords.create({ subscriptionItem: item, quantity: 1 }, { idempotencyKey: '' }),
      { type: 'invalid_request_error', param: 'options.idempotencyKey' },
    );
  });
});
