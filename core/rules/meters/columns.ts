// The events of one meter for one customer as columns, in the order they were accepted: the
// timestamp, when it was sent, its sequence number (its generated identifier), the value and a
// canceled flag. Whole values live in a Float64 column; a decimal value is NaN there and kept
// exactly in a list of texts beside it, so the integer path never touches a decimal.
import { lowerBound } from '../usage/view';

export interface MeterEventColumnsJson {
  meter: string;
  customer: string;
  timestamps: number[];
  created: number[];
  seqs: number[];
  /** Whole values as numbers; decimals (and unique_count strings) as strings. */
  values: (number | string)[];
  /** Rows that were canceled. */
  canceled: number[];
  /** Rows that were the first event of their call (a create, or a batch). */
  callStarts: number[];
  /** Row -> the client's identifier, kept for canceled events (scenario files replay the cancel). */
  identifiers: Record<string, string>;
  /** Rows a generator emitted (no call sent them); optional, so older snapshots need no migration. */
  generated?: number[];
}

/** Flag bits: canceled, first event of its call, emitted by a generator. */
export const CANCELED = 1;
const CALL_START = 2;
const GENERATED = 4;
/** The seq of a generated event: it takes no sequence number (no identifier, no call). */
export const GENERATED_SEQ = 0xffffffff;

export class MeterEventColumns {
  readonly meter: string;
  readonly customer: string;
  #timestamps = new Uint32Array(0);
  #created = new Uint32Array(0);
  #seqs = new Uint32Array(0);
  #values = new Float64Array(0);
  #flags = new Uint8Array(0);
  #length = 0;
  /**
   * Row -> exact decimal (or unique_count string) where the value column holds NaN: an array by
   * row (holes elsewhere), so a run of decimal events appends as plainly as the numbers do.
   */
  #texts: (string | undefined)[] = [];
  /** Row -> the client's identifier of a canceled event. */
  readonly canceledIdentifiers = new Map<number, string>();
  /** True while every timestamp came in non-decreasing order: spans are found by binary search. */
  #sorted = true;

  constructor(meter: string, customer: string) {
    this.meter = meter;
    this.customer = customer;
  }

  get length(): number {
    return this.#length;
  }
  get timestamps(): Uint32Array {
    return this.#timestamps;
  }
  get created(): Uint32Array {
    return this.#created;
  }
  get seqs(): Uint32Array {
    return this.#seqs;
  }
  get values(): Float64Array {
    return this.#values;
  }
  get flags(): Uint8Array {
    return this.#flags;
  }
  get byteLength(): number {
    return (
      this.#timestamps.byteLength +
      this.#created.byteLength +
      this.#seqs.byteLength +
      this.#values.byteLength +
      this.#flags.byteLength
    );
  }

  /**
   * Appends one event; `value` a number, or a string held exactly (decimal or unique value);
   * `callStart` marks the first event of a call.
   */
  append(
    timestamp: number,
    created: number,
    seq: number,
    value: number | string,
    callStart: boolean,
  ): number {
    const row = this.#length;
    if (row === this.#timestamps.length) this.reserve(row + 1);
    if (row > 0 && timestamp < this.#timestamps[row - 1]!) this.#sorted = false;
    this.#timestamps[row] = timestamp;
    this.#created[row] = created;
    this.#seqs[row] = seq;
    this.#flags[row] = callStart ? CALL_START : 0;
    if (typeof value === 'number') this.#values[row] = value;
    else {
      this.#values[row] = NaN;
      this.#texts[row] = value;
    }
    this.#length = row + 1;
    return row;
  }

  /** Makes room for `capacity` rows, doubling so appends stay amortized O(1). */
  reserve(capacity: number): void {
    const current = this.#timestamps.length;
    if (capacity <= current) return;
    const size = Math.max(capacity, current * 2, 16);
    const grow = <T extends Uint32Array | Float64Array | Uint8Array>(old: T, fresh: T): T => {
      fresh.set(old.subarray(0, this.#length));
      return fresh;
    };
    this.#timestamps = grow(this.#timestamps, new Uint32Array(size));
    this.#created = grow(this.#created, new Uint32Array(size));
    this.#seqs = grow(this.#seqs, new Uint32Array(size));
    this.#values = grow(this.#values, new Float64Array(size));
    this.#flags = grow(this.#flags, new Uint8Array(size));
  }

  /** Drops the rows from `length` on (a failed call's), and rechecks the timestamp order. */
  truncate(length: number): void {
    if (this.#texts.length > length) this.#texts.length = length;
    this.#length = length;
    this.#sorted = true;
    for (let row = 1; row < length && this.#sorted; row++)
      if (this.#timestamps[row]! < this.#timestamps[row - 1]!) this.#sorted = false;
  }

  /** Undoes cancel (a failed call's). */
  uncancel(row: number): void {
    this.#flags[row] = this.#flags[row]! & ~CANCELED;
    this.canceledIdentifiers.delete(row);
  }

  isCanceled(row: number): boolean {
    return (this.#flags[row]! & CANCELED) !== 0;
  }
  /** Cancels a row; a client identifier is kept, so a scenario file can replay the cancel. */
  cancel(row: number, identifier: string | undefined): void {
    this.#flags[row] = this.#flags[row]! | CANCELED;
    if (identifier !== undefined) this.canceledIdentifiers.set(row, identifier);
  }
  isCallStart(row: number): boolean {
    return (this.#flags[row]! & CALL_START) !== 0;
  }
  isGenerated(row: number): boolean {
    return (this.#flags[row]! & GENERATED) !== 0;
  }
  /** Marks a row as emitted by a generator. */
  markGenerated(row: number): void {
    this.#flags[row] = this.#flags[row]! | GENERATED;
  }

  /** The exact value of a row as text. */
  valueText(row: number): string {
    const value = this.#values[row]!;
    return Number.isNaN(value) ? this.#texts[row]! : String(value);
  }

  /** The exact text of a row whose value column holds NaN (a decimal or a unique value). */
  decimalAt(row: number): string {
    return this.#texts[row]!;
  }

  /**
   * The rows to look at for [start, end): a contiguous range when timestamps came in order
   * (binary search), else every row (the caller filters by timestamp).
   */
  candidateRows(start: number, end: number): [number, number] {
    if (!this.#sorted) return [0, this.#length];
    const lo = lowerBound(this.#timestamps, this.#length, start);
    return [lo, Math.max(lo, lowerBound(this.#timestamps, this.#length, end))];
  }

  toJSON(): MeterEventColumnsJson {
    const values: (number | string)[] = new Array<number | string>(this.#length);
    const canceled: number[] = [];
    const callStarts: number[] = [];
    const generated: number[] = [];
    for (let row = 0; row < this.#length; row++) {
      values[row] = Number.isNaN(this.#values[row]!) ? this.#texts[row]! : this.#values[row]!;
      if (this.isCanceled(row)) canceled.push(row);
      if (this.isCallStart(row)) callStarts.push(row);
      if (this.isGenerated(row)) generated.push(row);
    }
    return {
      meter: this.meter,
      customer: this.customer,
      timestamps: Array.from(this.#timestamps.subarray(0, this.#length)),
      created: Array.from(this.#created.subarray(0, this.#length)),
      seqs: Array.from(this.#seqs.subarray(0, this.#length)),
      values,
      canceled,
      callStarts,
      identifiers: Object.fromEntries(this.canceledIdentifiers),
      ...(generated.length > 0 ? { generated } : {}),
    };
  }

  static fromJSON(json: MeterEventColumnsJson): MeterEventColumns {
    const columns = new MeterEventColumns(json.meter, json.customer);
    columns.reserve(json.timestamps.length);
    const starts = new Set(json.callStarts);
    for (let row = 0; row < json.timestamps.length; row++)
      columns.append(
        json.timestamps[row]!,
        json.created[row]!,
        json.seqs[row]!,
        json.values[row]!,
        starts.has(row),
      );
    for (const row of json.canceled) columns.cancel(row, json.identifiers[row]);
    for (const row of json.generated ?? []) columns.markGenerated(row);
    return columns;
  }
}
