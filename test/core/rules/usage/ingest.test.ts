// Usage intake rules (core/usage/ingest.ts) on bare usage columns: the window a timestamp must fall
// in, what is rejected, batches all-or-nothing with every bad index named.
import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../../../core/values/errors';
import { UsageColumns } from '../../../../core/rules/usage/columns';
import { ingestBatch, ingestOne } from '../../../../core/rules/usage/ingest';
import type { UsageWindow } from '../../../../core/rules/usage/ingest';

const FROM = 1_740_787_200;
const NOW = FROM + 10 * 86_400;
const OPEN: UsageWindow = { from: FROM, until: Infinity, now: NOW, billedGap: null };

function caught(run: () => unknown): MeterlabError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MeterlabError);
    return error as MeterlabError;
  }
  return expect.fail('expected a MeterlabError');
}

/** Columns holding 5 at FROM + 60, and their JSON to compare against after a rejection. */
function stored() {
  const columns = new UsageColumns();
  ingestOne(columns, OPEN, { quantity: 5, timestamp: FROM + 60, action: 'increment' });
  return { columns, json: JSON.stringify(columns.toJSON()) };
}

describe('ingestOne', () => {
  it('stores increments and sets per timestamp', () => {
    const columns = new UsageColumns();
    ingestOne(columns, OPEN, { quantity: 5, timestamp: FROM, action: 'increment' });
    ingestOne(columns, OPEN, { quantity: 3, timestamp: FROM, action: 'increment' });
    ingestOne(columns, OPEN, { quantity: 9, timestamp: NOW, action: 'set' });
    ingestOne(columns, OPEN, { quantity: 2, timestamp: NOW, action: 'increment' });
    // FROM: 5 + 3 = 8; NOW: set 9, + 2 = 11
    expect(columns.toJSON()).toEqual({ timestamps: [FROM, NOW], values: [8, 11] });
  });

  it.each([
    ['before the window', FROM - 1, 'timestamp_backdated'],
    ['after the clock', NOW + 1, 'timestamp_in_future'],
  ])('rejects a timestamp %s (%i) as %s and stores nothing', (_, timestamp, code) => {
    const { columns, json } = stored();
    const error = caught(() =>
      ingestOne(columns, OPEN, { quantity: 1, timestamp, action: 'increment' }),
    );
    expect([error.type, error.code, error.param]).toEqual([
      'invalid_request_error',
      code,
      'timestamp',
    ]);
    expect(error.message).toContain(String(timestamp));
    expect(JSON.stringify(columns.toJSON())).toBe(json);
  });

  it('rejects a timestamp at or after the end of an ended subscription', () => {
    const { columns, json } = stored();
    const ended: UsageWindow = { ...OPEN, until: FROM + 3600 };
    ingestOne(columns, ended, { quantity: 1, timestamp: FROM + 3599, action: 'increment' });
    const error = caught(() =>
      ingestOne(columns, ended, { quantity: 1, timestamp: FROM + 3600, action: 'increment' }),
    );
    expect(error.param).toBe('timestamp');
    expect(columns.length).toBe(2);
    expect(JSON.stringify(columns.toJSON())).not.toBe(json);
  });

  it('rejects a timestamp in a span already billed at an old price, and only there', () => {
    const { columns, json } = stored();
    const swapped: UsageWindow = { ...OPEN, billedGap: { start: FROM + 100, end: FROM + 200 } };
    for (const timestamp of [FROM + 100, FROM + 199]) {
      const error = caught(() =>
        ingestOne(columns, swapped, { quantity: 1, timestamp, action: 'increment' }),
      );
      expect([error.code, error.param]).toEqual(['timestamp_backdated', 'timestamp']);
    }
    expect(JSON.stringify(columns.toJSON())).toBe(json);
    ingestOne(columns, swapped, { quantity: 1, timestamp: FROM + 99, action: 'increment' });
    ingestOne(columns, swapped, { quantity: 1, timestamp: FROM + 200, action: 'increment' });
    expect(columns.length).toBe(3);
  });

  it('accepts the window edges: its first second and the clock itself', () => {
    const columns = new UsageColumns();
    ingestOne(columns, OPEN, { quantity: 1, timestamp: FROM, action: 'increment' });
    ingestOne(columns, OPEN, { quantity: 1, timestamp: NOW, action: 'increment' });
    expect(columns.length).toBe(2);
  });

  it('refuses a value past the largest safe integer and stores nothing', () => {
    const { columns, json } = stored();
    const error = caught(() =>
      ingestOne(columns, OPEN, {
        quantity: Number.MAX_SAFE_INTEGER - 4,
        timestamp: FROM + 60,
        action: 'increment',
      }),
    );
    expect(error.code).toBe('quantity_too_large');
    expect(JSON.stringify(columns.toJSON())).toBe(json);
    // A set replaces, so the same quantity as a set fits.
    ingestOne(columns, OPEN, {
      quantity: Number.MAX_SAFE_INTEGER - 4,
      timestamp: FROM + 60,
      action: 'set',
    });
  });
});

describe('ingestBatch', () => {
  it('stores every record in order and returns the count and the earliest timestamp', () => {
    const { columns } = stored();
    const { count, earliest } = ingestBatch(columns, OPEN, [
      { quantity: 4, timestamp: FROM + 120 },
      { quantity: 1, timestamp: FROM },
      { quantity: 10, timestamp: FROM + 60, action: 'set' },
      { quantity: 2, timestamp: FROM + 60 },
      { quantity: 7 },
    ]);
    expect(count).toBe(5);
    expect(earliest).toBe(FROM);
    // FROM: 1; FROM+60: 5 -> set 10 -> + 2 = 12; FROM+120: 4; NOW (default): 7
    expect(columns.toJSON()).toEqual({
      timestamps: [FROM, FROM + 60, FROM + 120, NOW],
      values: [1, 12, 4, 7],
    });
  });

  it('appends a sorted increment-only batch, merging equal timestamps', () => {
    const { columns } = stored();
    ingestBatch(columns, OPEN, [
      { quantity: 1, timestamp: FROM + 60 },
      { quantity: 2, timestamp: FROM + 61 },
      { quantity: 3, timestamp: FROM + 61 },
    ]);
    // FROM+60: 5 + 1 = 6; FROM+61: 2 + 3 = 5
    expect(columns.toJSON()).toEqual({ timestamps: [FROM + 60, FROM + 61], values: [6, 5] });
  });

  it('rejects the whole batch, naming every bad index, and stores nothing', () => {
    const { columns, json } = stored();
    const error = caught(() =>
      ingestBatch(columns, OPEN, [
        { quantity: 1 },
        { quantity: -2 },
        'seven',
        { quantity: 1, timestamp: NOW + 5 },
        { quantity: 1, colour: 'red' },
        { timestamp: FROM },
        { quantity: 1, action: 'add' },
        { quantity: 1, timestamp: 1.5 },
      ]),
    );
    expect(error.code).toBe('batch_invalid');
    expect(error.param).toBe('records[1].quantity');
    expect(error.message).toContain('7 of 8 records are invalid');
    expect(error.message).toContain('bad indices: 1, 2, 3, 4, 5, 6, 7');
    for (const named of [
      'records[1].quantity',
      'records[2]',
      'records[3].timestamp',
      'records[4].colour',
      'records[5].quantity',
      'records[6].action',
      'records[7].timestamp',
    ])
      expect(error.message).toContain(named);
    expect(JSON.stringify(columns.toJSON())).toBe(json);
  });

  it('keeps one code when every bad record has the same problem', () => {
    const error = caught(() =>
      ingestBatch(new UsageColumns(), OPEN, [
        { quantity: 1 },
        { quantity: 1, timestamp: FROM - 10 },
        { quantity: 1, timestamp: FROM - 20 },
      ]),
    );
    expect([error.code, error.param]).toEqual(['timestamp_backdated', 'records[1].timestamp']);
    expect(error.message).toContain('bad indices: 1, 2');
  });

  it('lists every bad index even when it details only the first ten', () => {
    const records = Array.from({ length: 15 }, () => ({ quantity: -1 }));
    const error = caught(() => ingestBatch(new UsageColumns(), OPEN, records));
    expect(error.message).toContain(`bad indices: ${records.map((_, i) => i).join(', ')}`);
    expect(error.message).toContain('and 5 more');
  });

  it('refuses a batch whose increments overflow one timestamp, storing nothing', () => {
    const { columns, json } = stored();
    const half = Math.floor(Number.MAX_SAFE_INTEGER / 2);
    const error = caught(() =>
      ingestBatch(columns, OPEN, [
        { quantity: half, timestamp: FROM + 60 },
        { quantity: half, timestamp: FROM + 60 },
      ]),
    );
    expect(error.code).toBe('quantity_too_large');
    expect(JSON.stringify(columns.toJSON())).toBe(json);
  });
});
