// The usage of one subscription item as two columns sorted by timestamp: one Uint32 timestamp and
// one value per distinct timestamp, never one object per record. Values are a Uint32 column while
// every value written fits one (8 bytes a timestamp: usage counts are whole and mostly small), and
// a Float64 column from the first one that does not (12 bytes). Buffers grow by doubling, so
// capacity stays at most twice the length.
import { MeterlabError } from '../../values/errors';
import { lowerBound, type UsageView } from './view';
import type { UsageAction } from '../../public/types';

/** The latest timestamp a Uint32 column holds: 2106-02-07 06:28:15 UTC. */
export const maxColumnTimestamp = 0xffffffff;
/** The largest buffer reserveAll cuts columns from (one column may need a larger one alone). */
const MAX_SLAB_BYTES = 1 << 30;

/** A values column: Uint32 while every value fits one, Float64 after (see UsageColumns). */
export type UsageValues = Uint32Array | Float64Array;

/** True when a Uint32 values column holds `value` exactly: a whole number in 0..2^32-1. */
export function fitsNarrow(value: number): boolean {
  return value >>> 0 === value;
}

/** `values` as a Uint32 column when every one fits, else as they are (a copy only when narrowed). */
export function narrowed(values: UsageValues): UsageValues {
  if (values instanceof Uint32Array) return values;
  for (let i = 0; i < values.length; i++) if (!fitsNarrow(values[i]!)) return values;
  return Uint32Array.from(values);
}

/** Numbers as a values column: Uint32 when every one fits, else Float64. */
export function valuesFrom(numbers: ArrayLike<number>): UsageValues {
  for (let i = 0; i < numbers.length; i++) {
    if (!fitsNarrow(numbers[i]!)) return Float64Array.from(numbers);
  }
  return Uint32Array.from(numbers);
}

export interface UsageColumnsJson {
  timestamps: number[];
  values: number[];
}

export class UsageColumns implements UsageView {
  #timestamps: Uint32Array;
  #values: UsageValues;
  #length: number;
  /** At least every value held (never lowered): bounds a period's total without a scan. */
  #maxValue = 0;
  /**
   * The first index written in place (not appended) since takeChanges: everything from it on may
   * differ from what was taken. Appends need no mark (they start at the length taken).
   */
  #changedFrom = 0;
  // Exact-length views, made on first read after a change.
  #timestampsView: Uint32Array | null = null;
  #valuesView: UsageValues | null = null;

  constructor() {
    this.#timestamps = new Uint32Array(0);
    this.#values = new Uint32Array(0);
    this.#length = 0;
  }

  /** Adopts sorted, distinct timestamps and their values as they are (no copy, either values type). */
  static fromArrays(timestamps: Uint32Array, values: UsageValues): UsageColumns {
    assertColumns(timestamps, values);
    const columns = new UsageColumns();
    columns.#timestamps = timestamps;
    columns.#values = values;
    columns.#length = timestamps.length;
    for (const value of values) if (value > columns.#maxValue) columns.#maxValue = value;
    return columns;
  }

  /** Adopts columns as they are, unchecked (a file's); check() them before the engine uses them. */
  static adopt(timestamps: Uint32Array, values: UsageValues): UsageColumns {
    const columns = new UsageColumns();
    columns.#timestamps = timestamps;
    columns.#values = values;
    columns.#length = Math.min(timestamps.length, values.length);
    for (const value of values) if (value > columns.#maxValue) columns.#maxValue = value;
    return columns;
  }

  /** Throws usage_columns_invalid unless the columns hold what fromArrays accepts. */
  check(): void {
    assertColumns(this.timestamps, this.values);
  }

  static fromJSON(json: UsageColumnsJson): UsageColumns {
    // Uint32Array.from would wrap an out-of-range timestamp silently.
    const outside = json.timestamps.findIndex(
      (timestamp) =>
        !Number.isInteger(timestamp) || timestamp < 0 || timestamp > maxColumnTimestamp,
    );
    if (outside !== -1) {
      invalidColumns(`timestamp at index ${outside} is outside 0..${maxColumnTimestamp}`);
    }
    return UsageColumns.fromArrays(Uint32Array.from(json.timestamps), valuesFrom(json.values));
  }

  get length(): number {
    return this.#length;
  }

  /** An upper bound of every value held. */
  get maxValue(): number {
    return this.#maxValue;
  }

  /** A view of the live timestamps, ascending. Hoist it out of loops; do not write to it. */
  get timestamps(): Uint32Array {
    return (this.#timestampsView ??= this.#timestamps.subarray(0, this.#length));
  }

  /**
   * A view of the live values, one per timestamp: a Uint32Array while every value fits one, else a
   * Float64Array. Hoist it out of loops; do not write to it.
   */
  get values(): UsageValues {
    return (this.#valuesView ??= this.#values.subarray(0, this.#length));
  }

  /** Bytes allocated for both columns, growth slack included. */
  get byteLength(): number {
    return this.#timestamps.byteLength + this.#values.byteLength;
  }

  /** The value held at `timestamp`, undefined when nothing was reported there. */
  valueAt(timestamp: number): number | undefined {
    const index = this.#lowerBound(timestamp);
    return index < this.#length && this.#timestamps[index] === timestamp
      ? this.#values[index]
      : undefined;
  }

  /**
   * True when applying the record would leave the columns unable to hold it exactly: a timestamp
   * outside Uint32, or a value that is not a safe integer.
   */
  wouldOverflow(timestamp: number, quantity: number, action: UsageAction): boolean {
    if (!Number.isInteger(timestamp) || timestamp < 0 || timestamp > maxColumnTimestamp) {
      return true;
    }
    if (action === 'set') return !Number.isSafeInteger(quantity);
    const held = this.valueAt(timestamp) ?? 0;
    return !Number.isSafeInteger(held + quantity);
  }

  /**
   * Applies one record: increment adds to the value held at its timestamp (from 0), set replaces
   * it. NOTE: a set never touches other timestamps. Input is assumed valid (see wouldOverflow).
   */
  apply(timestamp: number, quantity: number, action: UsageAction): void {
    const length = this.#length;
    // Fast path: records mostly arrive in time order.
    if (length === 0 || timestamp > this.#timestamps[length - 1]!) {
      this.#append(timestamp, quantity);
      return;
    }
    const index =
      timestamp === this.#timestamps[length - 1]! ? length - 1 : this.#lowerBound(timestamp);
    if (this.#timestamps[index] === timestamp) {
      const value = action === 'increment' ? this.#values[index]! + quantity : quantity;
      if (!fitsNarrow(value)) this.#widen();
      this.#values[index] = value;
      if (index < this.#changedFrom) this.#changedFrom = index;
      if (value > this.#maxValue) this.#maxValue = value;
      return;
    }
    this.#reserve(length + 1);
    if (!fitsNarrow(quantity)) this.#widen();
    this.#timestamps.copyWithin(index + 1, index, length);
    this.#values.copyWithin(index + 1, index, length);
    this.#timestamps[index] = timestamp;
    if (index < this.#changedFrom) this.#changedFrom = index;
    this.#values[index] = quantity;
    if (quantity > this.#maxValue) this.#maxValue = quantity;
    this.#setLength(length + 1);
  }

  /**
   * Applies records in order; fast for batches sorted ascending from the current last timestamp,
   * and correct for any order (an out-of-order record goes through apply()). Applies the first
   * `count` records (all by default).
   */
  appendSorted(
    timestamps: ArrayLike<number>,
    quantities: ArrayLike<number>,
    action: UsageAction,
    count = timestamps.length,
  ): void {
    const increment = action === 'increment';
    const lastBefore = this.#length === 0 ? -1 : this.#timestamps[this.#length - 1]!;
    // A batch that starts after the current last timestamp grows the buffers once, not log n times.
    const capacityBefore = this.#timestamps.length;
    const growOnce = count > 0 && timestamps[0]! >= lastBefore;
    if (growOnce) this.#reserve(this.#length + count);
    const grew = this.#timestamps.length > capacityBefore;
    // A batch holding a value a Uint32 column cannot hold widens it first; a merged increment that
    // outgrows one widens it below.
    if (this.#values instanceof Uint32Array && !allFitNarrow(quantities, count)) this.#widen();
    // Locals instead of private fields in the hot loop; written back before any apply().
    let columnTimestamps = this.#timestamps;
    let columnValues = this.#values;
    let length = this.#length;
    let maxValue = this.#maxValue;
    let i = 0;
    if (growOnce) {
      // The common case first: strictly ascending past the last timestamp held, into room
      // reserved above, so a plain copy until a record is not.
      let previous = lastBefore;
      for (; i < count; i++) {
        const timestamp = timestamps[i]!;
        if (timestamp <= previous) break;
        const quantity = quantities[i]!;
        columnTimestamps[length] = timestamp;
        columnValues[length] = quantity;
        if (quantity > maxValue) maxValue = quantity;
        previous = timestamp;
        length++;
      }
    }
    for (; i < count; i++) {
      const timestamp = timestamps[i]!;
      const quantity = quantities[i]!;
      const last = length - 1;
      if (last >= 0 && timestamp === columnTimestamps[last]) {
        const value = increment ? columnValues[last]! + quantity : quantity;
        if (!fitsNarrow(value) && columnValues instanceof Uint32Array) {
          this.#setLength(length);
          this.#widen();
          columnValues = this.#values;
        }
        columnValues[last] = value;
        if (last < this.#changedFrom) this.#changedFrom = last;
        if (value > maxValue) maxValue = value;
      } else if (last < 0 || timestamp > columnTimestamps[last]!) {
        if (length === columnTimestamps.length) {
          this.#setLength(length);
          this.#reserve(length + 1);
          columnTimestamps = this.#timestamps;
          columnValues = this.#values;
        }
        columnTimestamps[length] = timestamp;
        columnValues[length] = quantity;
        if (quantity > maxValue) maxValue = quantity;
        length++;
      } else {
        this.#setLength(length);
        this.#maxValue = maxValue;
        this.apply(timestamp, quantity, action);
        maxValue = this.#maxValue;
        columnTimestamps = this.#timestamps;
        columnValues = this.#values;
        length = this.#length;
      }
    }
    this.#setLength(length);
    this.#maxValue = maxValue;
    // Merged timestamps may leave more slack than doubling would: give it back (room reserved
    // before this batch stays).
    if (grew && this.#timestamps.length > 2 * length) this.#resize(length);
  }

  /**
   * Room to append `count` entries in place, each stamped at or after `from`: the buffers and the
   * index to write at; null when the values are Float64 or `from` is not past the last timestamp
   * held. Write strictly ascending timestamps and whole quantities up to 2^32-1 from `at`, then
   * commitAppend. NOTE for callers: this is an append, so equal timestamps are not merged.
   */
  appendRoom(
    count: number,
    from: number,
  ): { timestamps: Uint32Array; quantities: Uint32Array; at: number } | null {
    const length = this.#length;
    if (!(this.#values instanceof Uint32Array)) return null;
    if (length > 0 && from <= this.#timestamps[length - 1]!) return null;
    this.#reserve(length + count);
    return { timestamps: this.#timestamps, quantities: this.#values as Uint32Array, at: length };
  }

  /** Takes the first `count` entries written into appendRoom's room; `maxValue` the largest. */
  commitAppend(count: number, maxValue: number): void {
    if (count === 0) return;
    if (maxValue > this.#maxValue) this.#maxValue = maxValue;
    this.#setLength(this.#length + count);
  }

  /**
   * Where these columns changed since the last call (the first index that may differ from then;
   * the length when only appends happened; 0 on the first call), and starts counting anew: a
   * store writes only what is past it.
   */
  takeChanges(): number {
    const from = Math.min(this.#changedFrom, this.#length);
    this.#changedFrom = this.#length;
    return from;
  }

  /**
   * Makes room in many columns at once, each for its `capacity` entries (a clock move's generated
   * records). Their buffers are cut from a few large ones: V8 runs a full garbage collection for
   * about every 64 MB of new buffers, which at 10,000 items and a year took 20 collections.
   */
  static reserveAll(requests: readonly (readonly [UsageColumns, number])[]): void {
    const growing = requests.filter(([columns, capacity]) => capacity > columns.#timestamps.length);
    let next = 0;
    while (next < growing.length) {
      // A slab: the Float64 values of its wide columns, then the Uint32 values of its narrow
      // ones and every timestamp (8-byte values stay aligned).
      let wideEntries = 0;
      let narrowWords = 0;
      let end = next;
      const bytes = () => wideEntries * 8 + narrowWords * 4;
      do {
        const [columns, capacity] = growing[end++]!;
        if (columns.#values instanceof Float64Array) wideEntries += capacity;
        else narrowWords += capacity;
        narrowWords += capacity;
      } while (
        end < growing.length &&
        bytes() + growing[end]![1] * (growing[end]![0].#values.BYTES_PER_ELEMENT + 4) <=
          MAX_SLAB_BYTES
      );
      const slab = new ArrayBuffer(bytes());
      let wideOffset = 0;
      let narrowOffset = wideEntries * 8;
      const cut = (capacity: number) => {
        const words = new Uint32Array(slab, narrowOffset, capacity);
        narrowOffset += capacity * 4;
        return words;
      };
      for (; next < end; next++) {
        const [columns, capacity] = growing[next]!;
        let values: UsageValues;
        if (columns.#values instanceof Float64Array) {
          values = new Float64Array(slab, wideOffset, capacity);
          wideOffset += capacity * 8;
        } else {
          values = cut(capacity);
        }
        columns.#adopt(cut(capacity), values);
      }
    }
  }

  /** Makes room for `capacity` entries in one step (for a known burst of appends). */
  reserve(capacity: number): void {
    if (capacity > this.#timestamps.length) this.#resize(capacity);
  }

  /** Gives back room beyond twice the length (after a reservation that was not filled). */
  trim(): void {
    if (this.#timestamps.length > 2 * this.#length) this.#resize(this.#length);
  }

  /** An independent copy, exact length. */
  clone(): UsageColumns {
    const copy = new UsageColumns();
    copy.#timestamps = this.#timestamps.slice(0, this.#length);
    copy.#values = this.#values.slice(0, this.#length);
    copy.#length = this.#length;
    copy.#maxValue = this.#maxValue;
    return copy;
  }

  /** Exact-length copies of both columns. */
  toArrays(): { timestamps: Uint32Array; values: UsageValues } {
    return {
      timestamps: this.#timestamps.slice(0, this.#length),
      values: this.#values.slice(0, this.#length),
    };
  }

  toJSON(): UsageColumnsJson {
    return { timestamps: Array.from(this.timestamps), values: Array.from(this.values) };
  }

  #append(timestamp: number, value: number): void {
    const length = this.#length;
    if (length === this.#timestamps.length) this.#reserve(length + 1);
    if (!fitsNarrow(value)) this.#widen();
    this.#timestamps[length] = timestamp;
    this.#values[length] = value;
    if (value > this.#maxValue) this.#maxValue = value;
    this.#setLength(length + 1);
  }

  /** Makes the values a Float64 column (once: for a value a Uint32 column cannot hold). */
  #widen(): void {
    if (this.#values instanceof Float64Array) return;
    const wide = new Float64Array(this.#values.length);
    wide.set(this.#values.subarray(0, this.#length));
    this.#values = wide;
    this.#valuesView = null;
  }

  /** Grows both buffers to hold `needed` entries, doubling so appends stay amortized O(1). */
  #reserve(needed: number): void {
    const capacity = this.#timestamps.length;
    if (needed <= capacity) return;
    this.#resize(Math.max(needed, capacity * 2));
  }

  #resize(capacity: number): void {
    this.#adopt(
      new Uint32Array(capacity),
      this.#values instanceof Float64Array ? new Float64Array(capacity) : new Uint32Array(capacity),
    );
  }

  /** Moves the entries into these (larger) buffers, values of the same type. */
  #adopt(timestamps: Uint32Array, values: UsageValues): void {
    timestamps.set(this.#timestamps.subarray(0, this.#length));
    values.set(this.#values.subarray(0, this.#length));
    this.#timestamps = timestamps;
    this.#values = values;
    this.#timestampsView = null;
    this.#valuesView = null;
  }

  #setLength(length: number): void {
    this.#length = length;
    this.#timestampsView = null;
    this.#valuesView = null;
  }

  #lowerBound(timestamp: number): number {
    return lowerBound(this.#timestamps, this.#length, timestamp);
  }
}

function invalidColumns(why: string): never {
  throw new MeterlabError(
    'api_error',
    'usage_columns_invalid',
    null,
    `Invalid usage columns: ${why}.`,
  );
}

/** True when the first `count` numbers all fit a Uint32 values column. */
function allFitNarrow(numbers: ArrayLike<number>, count: number): boolean {
  for (let i = 0; i < count; i++) if (!fitsNarrow(numbers[i]!)) return false;
  return true;
}

function assertColumns(timestamps: Uint32Array, values: UsageValues): void {
  if (timestamps.length !== values.length) {
    invalidColumns(`${timestamps.length} timestamps but ${values.length} values`);
  }
  for (let i = 1; i < timestamps.length; i++) {
    if (timestamps[i]! <= timestamps[i - 1]!) {
      invalidColumns(`timestamps not strictly ascending at index ${i}`);
    }
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isSafeInteger(values[i]))
      invalidColumns(`value at index ${i} is not a safe integer`);
  }
}
