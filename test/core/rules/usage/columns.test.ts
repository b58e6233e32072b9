import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../../../core/values/errors';
import { maxColumnTimestamp, UsageColumns } from '../../../../core/rules/usage/columns';
import type { UsageAction } from '../../../../core/public/types';
import { RecordCollector, createCursor } from '../../../../core/rules/generators';
import type { GeneratorSpec, RecordSink } from '../../../../core/rules/generators';

const HOUR = 3600;
const DAY = 24 * HOUR;

const t = 1740787200; // 2025-03-01 00:00:00 UTC

function contents(columns: UsageColumns): [number, number][] {
  return Array.from(columns.timestamps, (timestamp, index) => [timestamp, columns.values[index]!]);
}

describe('UsageColumns.apply', () => {
  it('adds increments and replaces with set, per timestamp', () => {
    const columns = new UsageColumns();
    columns.apply(t, 3, 'increment'); // 0 + 3
    columns.apply(t, 4, 'increment'); // 3 + 4 = 7
    columns.apply(t + 60, 10, 'set'); // 10
    columns.apply(t + 60, 2, 'increment'); // 10 + 2 = 12
    columns.apply(t, 1, 'set'); // replaces 7 with 1; t + 60 keeps 12
    expect(contents(columns)).toEqual([
      [t, 1],
      [t + 60, 12],
    ]);
    expect(columns.valueAt(t)).toBe(1);
    expect(columns.valueAt(t + 60)).toBe(12);
    expect(columns.valueAt(t + 30)).toBeUndefined();
  });

  it('starts an increment and a set alike from 0', () => {
    const columns = new UsageColumns();
    columns.apply(t, 5, 'set');
    columns.apply(t + 1, 5, 'increment');
    expect(contents(columns)).toEqual([
      [t, 5],
      [t + 1, 5],
    ]);
  });

  it('inserts out-of-order timestamps in sorted place', () => {
    const columns = new UsageColumns();
    for (const [offset, quantity] of [
      [300, 1],
      [100, 2],
      [200, 3],
      [0, 4],
      [400, 5],
      [100, 6], // merges into 100: 2 + 6 = 8
    ] as const) {
      columns.apply(t + offset, quantity, 'increment');
    }
    expect(contents(columns)).toEqual([
      [t, 4],
      [t + 100, 8],
      [t + 200, 3],
      [t + 300, 1],
      [t + 400, 5],
    ]);
    expect(columns.length).toBe(5);
  });

  it('keeps at most 24 bytes per timestamp, slack included', () => {
    const columns = new UsageColumns();
    expect(columns.byteLength).toBe(0);
    for (let i = 0; i < 10_000; i++) {
      columns.apply(t + i * 60, 1, 'increment');
      expect(columns.byteLength).toBeLessThanOrEqual(24 * columns.length);
    }
    // Out of order inserts grow the same way.
    for (let i = 0; i < 1_000; i++) columns.apply(t + i * 60 + 1, 1, 'increment');
    expect(columns.byteLength).toBeLessThanOrEqual(24 * columns.length);
  });
});

describe('UsageColumns.appendSorted', () => {
  it('merges equal timestamps in a sorted batch, after the current last', () => {
    const columns = new UsageColumns();
    columns.apply(t, 1, 'increment');
    columns.appendSorted([t, t, t + 60, t + 60, t + 120], [2, 3, 4, 5, 6], 'increment');
    // t: 1 + 2 + 3 = 6; t + 60: 4 + 5 = 9; t + 120: 6
    expect(contents(columns)).toEqual([
      [t, 6],
      [t + 60, 9],
      [t + 120, 6],
    ]);
    columns.appendSorted([t + 120, t + 180, t + 180], [1, 7, 8], 'set');
    // set: t + 120 becomes 1; t + 180 is 7, then 8
    expect(contents(columns).slice(2)).toEqual([
      [t + 120, 1],
      [t + 180, 8],
    ]);
  });

  it('gives back the slack of a batch that merges into few timestamps', () => {
    const columns = new UsageColumns();
    columns.appendSorted(new Array<number>(1000).fill(t), new Array<number>(1000).fill(1), 'set');
    expect(columns.length).toBe(1);
    // A Uint32 timestamp and a Uint32 value (every value fits one).
    expect(columns.byteLength).toBe(8);
  });

  it('keeps room reserved before a batch, and applies only the first count records', () => {
    const columns = new UsageColumns();
    columns.reserve(1000);
    columns.appendSorted(
      Float64Array.from([t, t + 60, t + 120]),
      Float64Array.from([1, 2, 3]),
      'increment',
      2,
    );
    expect(contents(columns)).toEqual([
      [t, 1],
      [t + 60, 2],
    ]);
    // The reservation is for appends to come: a small batch does not give it back.
    expect(columns.byteLength).toBe(1000 * 8);
  });

  it('reserves room in many columns at once, keeping what they hold', () => {
    const filled = new UsageColumns();
    filled.appendSorted([t, t + 60], [4, 5], 'increment');
    const empty = new UsageColumns();
    const roomy = new UsageColumns();
    roomy.reserve(50);
    UsageColumns.reserveAll([
      [filled, 100],
      [empty, 10],
      [roomy, 20],
    ]);
    expect(contents(filled)).toEqual([
      [t, 4],
      [t + 60, 5],
    ]);
    expect([filled.byteLength, empty.byteLength, roomy.byteLength]).toEqual([800, 80, 400]);
    // Columns cut from one buffer do not write into each other.
    for (let i = 0; i < 100; i++) filled.apply(t + 120 + i, i + 1, 'increment');
    for (let i = 0; i < 10; i++) empty.apply(t + i, 7, 'increment');
    expect(filled.length).toBe(102);
    expect(filled.values[101]).toBe(100);
    expect(filled.timestamps[101]).toBe(t + 219);
    expect(Array.from(empty.values)).toEqual(new Array(10).fill(7));
    // Past its reservation a column grows into a buffer of its own.
    filled.apply(t + 1000, 1, 'increment');
    expect(filled.length).toBe(103);
    expect(contents(empty)[9]).toEqual([t + 9, 7]);
  });

  it('falls back to apply for records before the current last', () => {
    const columns = new UsageColumns();
    columns.apply(t + 100, 1, 'increment');
    columns.appendSorted([t + 200, t + 50, t + 100, t + 300], [2, 3, 4, 5], 'increment');
    expect(contents(columns)).toEqual([
      [t + 50, 3],
      [t + 100, 5],
      [t + 200, 2],
      [t + 300, 5],
    ]);
  });
});

describe('UsageColumns copies', () => {
  it('round-trips through JSON, arrays and clone without sharing buffers', () => {
    const columns = new UsageColumns();
    columns.appendSorted([t, t + 1, t + 2], [1, 2, 3], 'increment');
    const json = columns.toJSON();
    expect(json).toEqual({ timestamps: [t, t + 1, t + 2], values: [1, 2, 3] });
    expect(contents(UsageColumns.fromJSON(JSON.parse(JSON.stringify(json))))).toEqual(
      contents(columns),
    );

    const arrays = columns.toArrays();
    expect(arrays.timestamps).toHaveLength(3);
    expect(arrays.timestamps).toBeInstanceOf(Uint32Array);
    // Values that all fit a Uint32 are held as one.
    expect(arrays.values).toBeInstanceOf(Uint32Array);
    const restored = UsageColumns.fromArrays(arrays.timestamps, arrays.values);
    expect(contents(restored)).toEqual(contents(columns));

    const clone = columns.clone();
    clone.apply(t, 10, 'increment');
    expect(columns.valueAt(t)).toBe(1);
    expect(clone.valueAt(t)).toBe(11);
    expect(clone.byteLength).toBe(24); // exact length: 3 × (4 + 4)
  });

  it('gives views that follow later changes', () => {
    const columns = new UsageColumns();
    columns.apply(t, 1, 'increment');
    expect(columns.timestamps).toHaveLength(1);
    columns.apply(t - 10, 1, 'increment');
    expect(Array.from(columns.timestamps)).toEqual([t - 10, t]);
  });

  it.each([
    ['lengths differ', [t, t + 1], [1]],
    ['unsorted', [t + 1, t], [1, 1]],
    ['duplicate timestamps', [t, t], [1, 1]],
    ['a timestamp beyond Uint32', [2 ** 32], [1]],
    ['a negative timestamp', [-1], [1]],
    ['a fractional value', [t], [1.5]],
  ])('rejects columns with %s', (_case, timestamps, values) => {
    expect(() => UsageColumns.fromJSON({ timestamps, values })).toThrow(MeterlabError);
  });
});

describe('UsageColumns.wouldOverflow', () => {
  it('flags values beyond the safe integer range and timestamps beyond Uint32', () => {
    const columns = new UsageColumns();
    columns.apply(t, Number.MAX_SAFE_INTEGER - 1, 'increment');
    expect(columns.wouldOverflow(t, 1, 'increment')).toBe(false);
    expect(columns.wouldOverflow(t, 2, 'increment')).toBe(true);
    expect(columns.wouldOverflow(t, Number.MAX_SAFE_INTEGER, 'set')).toBe(false);
    expect(columns.wouldOverflow(t + 1, Number.MAX_SAFE_INTEGER, 'increment')).toBe(false);
    expect(columns.wouldOverflow(maxColumnTimestamp, 1, 'increment')).toBe(false);
    expect(columns.wouldOverflow(maxColumnTimestamp + 1, 1, 'increment')).toBe(true);
    expect(columns.wouldOverflow(-1, 1, 'increment')).toBe(true);
  });
});

describe('UsageColumns properties', () => {
  const recordArb = fc.record({
    timestamp: fc.integer({ min: 0, max: 200 }),
    quantity: fc.integer({ min: 0, max: 1000 }),
    action: fc.constantFrom<UsageAction>('increment', 'set'),
  });

  /** The rule as plainly as it can be written: a map from timestamp to value. */
  function reference(records: { timestamp: number; quantity: number; action: UsageAction }[]) {
    const values = new Map<number, number>();
    for (const { timestamp, quantity, action } of records) {
      values.set(timestamp, action === 'set' ? quantity : (values.get(timestamp) ?? 0) + quantity);
    }
    return [...values.entries()].sort(([a], [b]) => a - b);
  }

  it('match a map-based model for random increment/set sequences in random order', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 200 }), (records) => {
        const columns = new UsageColumns();
        for (const { timestamp, quantity, action } of records)
          columns.apply(timestamp, quantity, action);
        expect(contents(columns)).toEqual(reference(records));
        expect(columns.byteLength).toBeLessThanOrEqual(24 * columns.length);
      }),
    );
  });

  it('appendSorted matches apply one by one, for any batch order', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 50 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 100 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 100 }),
        fc.constantFrom<UsageAction>('increment', 'set'),
        fc.boolean(),
        (before, times, quantities, action, sorted) => {
          const count = Math.min(times.length, quantities.length);
          const timestamps = times.slice(0, count);
          if (sorted) timestamps.sort((a, b) => a - b);
          const bulk = new UsageColumns();
          const single = new UsageColumns();
          for (const record of before) {
            bulk.apply(record.timestamp, record.quantity, record.action);
            single.apply(record.timestamp, record.quantity, record.action);
          }
          bulk.appendSorted(timestamps, quantities.slice(0, count), action);
          for (let i = 0; i < count; i++) single.apply(timestamps[i]!, quantities[i]!, action);
          expect(contents(bulk)).toEqual(contents(single));
          expect(bulk.byteLength).toBeLessThanOrEqual(24 * bulk.length);
        },
      ),
    );
  });
});

describe('UsageColumns values narrow (Uint32) then wide (Float64)', () => {
  /** Small values mostly; now and then one at or past the Uint32 bound. */
  const quantityArb = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 1000 }) },
    { weight: 1, arbitrary: fc.constantFrom(2 ** 32 - 1, 2 ** 32, 2 ** 32 - 500) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 40 }) },
  );
  type Op =
    | { kind: 'apply'; timestamp: number; quantity: number; action: UsageAction }
    | { kind: 'batch'; start: number; quantities: number[]; action: UsageAction }
    | { kind: 'reserveAll'; room: number }
    | { kind: 'copy'; how: 'clone' | 'arrays' | 'json' };
  const actionArb = fc.constantFrom<UsageAction>('increment', 'set');
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('apply' as const),
      timestamp: fc.integer({ min: 0, max: 300 }),
      quantity: quantityArb,
      action: actionArb,
    }),
    fc.record({
      kind: fc.constant('batch' as const),
      start: fc.integer({ min: 0, max: 300 }),
      quantities: fc.array(quantityArb, { maxLength: 20 }),
      action: actionArb,
    }),
    fc.record({ kind: fc.constant('reserveAll' as const), room: fc.integer({ min: 0, max: 50 }) }),
    fc.record({
      kind: fc.constant('copy' as const),
      how: fc.constantFrom<'clone' | 'arrays' | 'json'>('clone', 'arrays', 'json'),
    }),
  );

  it('hold what a plain Float64 model holds, Uint32 until a value does not fit', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        let columns = new UsageColumns();
        // The model: a Float64 value per timestamp, and whether a value past Uint32 was written.
        const model = new Map<number, number>();
        let outgrown = false;
        const write = (timestamp: number, quantity: number, action: UsageAction) => {
          const value = action === 'set' ? quantity : (model.get(timestamp) ?? 0) + quantity;
          model.set(timestamp, value);
          if (value > 0xffffffff) outgrown = true;
        };
        // Another column cut from the same slabs must stay apart.
        const neighbour = new UsageColumns();
        for (const op of ops) {
          if (op.kind === 'apply') {
            columns.apply(t + op.timestamp, op.quantity, op.action);
            write(t + op.timestamp, op.quantity, op.action);
          } else if (op.kind === 'batch') {
            // Mostly ascending with repeats (merged), from anywhere (before the last too).
            const timestamps = op.quantities.map((_, i) => t + op.start + (i >> 1) * 3);
            columns.appendSorted(Float64Array.from(timestamps), op.quantities, op.action);
            timestamps.forEach((timestamp, i) => write(timestamp, op.quantities[i]!, op.action));
          } else if (op.kind === 'reserveAll') {
            UsageColumns.reserveAll([
              [columns, columns.length + op.room],
              [neighbour, neighbour.length + op.room],
            ]);
            neighbour.apply(t + 1000 + neighbour.length, 2 ** 32 - 1, 'increment');
          } else if (op.kind === 'copy') {
            const copied =
              op.how === 'clone'
                ? columns.clone()
                : op.how === 'arrays'
                  ? UsageColumns.fromArrays(
                      columns.toArrays().timestamps,
                      columns.toArrays().values,
                    )
                  : UsageColumns.fromJSON(JSON.parse(JSON.stringify(columns.toJSON())));
            // A copy keeps the values' type; JSON holds numbers only, read back narrow if they fit.
            if (op.how === 'json') outgrown = [...model.values()].some((v) => v > 0xffffffff);
            else expect(copied.values.constructor).toBe(columns.values.constructor);
            columns = copied;
          }
          const expected = [...model.entries()].sort(([a], [b]) => a - b);
          expect(contents(columns)).toEqual(expected);
          // Narrow until a value past Uint32 was written (and wide from then on).
          expect(columns.values).toBeInstanceOf(outgrown ? Float64Array : Uint32Array);
          expect(columns.maxValue).toBeGreaterThanOrEqual(Math.max(0, ...model.values()));
          expect(Array.from(neighbour.values)).toEqual(
            new Array<number>(neighbour.length).fill(2 ** 32 - 1),
          );
        }
      }),
    );
  });

  it('widens once, keeping every value, when an increment outgrows Uint32', () => {
    const columns = new UsageColumns();
    columns.appendSorted([t, t + 60], [2 ** 32 - 1, 5], 'increment');
    expect(columns.values).toBeInstanceOf(Uint32Array);
    expect(columns.byteLength).toBe(2 * 8);
    columns.apply(t, 1, 'increment');
    expect(columns.values).toBeInstanceOf(Float64Array);
    expect(contents(columns)).toEqual([
      [t, 2 ** 32],
      [t + 60, 5],
    ]);
    // A merged increment inside a batch widens too.
    const merged = new UsageColumns();
    merged.appendSorted([t, t, t + 60], [2 ** 32 - 1, 2, 1], 'increment');
    expect(contents(merged)).toEqual([
      [t, 2 ** 32 + 1],
      [t + 60, 1],
    ]);
  });

  it('keeps values that are not whole or negative exactly, in a Float64 column', () => {
    const columns = UsageColumns.fromJSON({ timestamps: [t, t + 1], values: [-3, 7] });
    expect(columns.values).toBeInstanceOf(Float64Array);
    expect(Array.from(columns.values)).toEqual([-3, 7]);
    const narrow = new UsageColumns();
    narrow.apply(t, -1, 'set');
    expect(narrow.values).toBeInstanceOf(Float64Array);
    expect(narrow.valueAt(t)).toBe(-1);
  });
});

describe('UsageColumns.appendRoom: a generator writing straight into the columns', () => {
  /** A sink like the engine's: records go into `columns`, in place when it gives room. */
  const sinkInto = (columns: UsageColumns, inPlace: boolean): RecordSink => ({
    push: (timestamp, quantity) => columns.apply(timestamp, quantity, 'increment'),
    pushMany: (timestamps, quantities, count) =>
      columns.appendSorted(timestamps, quantities, 'increment', count),
    ...(inPlace && {
      appendRoom: (count: number, from: number) => columns.appendRoom(count, from),
      commitAppend: (count: number, max: number) => columns.commitAppend(count, max),
    }),
  });

  it.each([
    ['small counts, every slot in place', 40, 2880],
    ['counts past Uint32 (pushed, the values widen)', 1e9, 86_400],
  ])('gives the records a plain collector gets: %s', (_, meanPerHour, resolutionSeconds) => {
    const spec: GeneratorSpec = {
      pattern: { kind: 'poisson', meanPerHour },
      action: 'increment',
      resolutionSeconds,
      start: t,
      seed: 5,
    };
    const collected = new RecordCollector();
    createCursor(spec).next(t + 200 * DAY, collected);
    const { timestamps, quantities } = collected.toColumns();
    const direct = new UsageColumns();
    const pushed = new UsageColumns();
    const cursor = createCursor(spec);
    const pushing = createCursor(spec);
    // In steps (a clock move's positions), some of them within one batch.
    for (const until of [t + 1, t + 3 * HOUR, t + 9 * DAY, t + 200 * DAY]) {
      cursor.next(until, sinkInto(direct, true));
      pushing.next(until, sinkInto(pushed, false));
    }
    expect(Array.from(direct.timestamps)).toEqual(Array.from(timestamps));
    expect(Array.from(direct.values)).toEqual(Array.from(quantities));
    expect(contents(direct)).toEqual(contents(pushed));
    expect(direct.values.constructor).toBe(pushed.values.constructor);
    expect(direct.maxValue).toBe(Math.max(0, ...quantities));
  });

  it('gives no room before the last timestamp held, nor in Float64 values', () => {
    const columns = new UsageColumns();
    columns.apply(t + 120, 1, 'increment');
    expect(columns.appendRoom(10, t + 120)).toBeNull();
    expect(columns.appendRoom(10, t + 121)).toMatchObject({ at: 1 });
    // A generator behind a manual record adds to it (pushed, merged in order).
    const spec: GeneratorSpec = {
      pattern: { kind: 'constant', perHour: 60 },
      action: 'increment',
      resolutionSeconds: 60,
      start: t,
      seed: 5,
    };
    createCursor(spec).next(t + 181, sinkInto(columns, true));
    expect(contents(columns)).toEqual([
      [t, 1],
      [t + 60, 1],
      [t + 120, 1 + 1],
      [t + 180, 1],
    ]);
    columns.apply(t + 5000, 2 ** 32, 'set');
    expect(columns.appendRoom(10, t + 6000)).toBeNull();
  });
});
