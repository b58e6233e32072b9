// Generated usage: each generator is a spec plus a cursor position. Its records live in the item's
// usage columns while the scenario is open, but a snapshot stores only the spec, the position and
// the item's manually reported records; loading regenerates the rest, byte for byte, so a scenario
// with millions of generated records stays a small file.
import { invalidRequest } from '../../values/errors';
import {
  DEFAULT_RESOLUTION_SECONDS,
  createCursor,
  restoreCursor,
  slotsBetween,
} from '../generators';
import type { AppendRoom, GeneratorCursor, GeneratorCursorState, RecordSink } from '../generators';
import type { UsageGenerator } from '../../public/types';
import { UsageColumns } from './columns';

export interface StoredGenerator {
  generator: UsageGenerator;
  cursor: GeneratorCursorState;
}

interface ManualChange {
  item: string;
  was: UsageColumns | undefined;
}

/**
 * The manual records map at a checkpoint: the changes made since, undone in reverse; and the
 * stored generators as they were, when materialize removed some since (other calls only append).
 */
export interface ManualMark {
  changes: ManualChange[];
  storedBefore: StoredGenerator[] | null;
}

export class GeneratedUsage {
  private readonly cursors = new Map<string, GeneratorCursor>();
  private readonly byItem = new Map<string, StoredGenerator[]>();
  /** Manually reported records of items that also have generators (what a snapshot keeps). */
  private readonly manual = new Map<string, UsageColumns>();
  /** Generators whose cursor moved since their position was last saved. */
  private readonly moved = new Set<StoredGenerator>();
  /** While a checkpoint runs: what changed since it (see ManualMark). */
  private mark: ManualMark | null = null;

  constructor(private readonly stored: StoredGenerator[]) {}

  /** Rebuilds the generated records from specs after a load; `usage` holds the manual part. */
  restore(columnsOf: (item: string) => UsageColumns): void {
    for (const entry of this.stored) {
      const item = entry.generator.subscriptionItem;
      const columns = columnsOf(item);
      if (!this.manual.has(item)) this.setManual(item, columns.clone());
      const cursor = createCursor(entry.generator.spec, { defaultStart: entry.cursor.start });
      const resolution = entry.generator.spec.resolutionSeconds ?? DEFAULT_RESOLUTION_SECONDS;
      cursor.next(entry.cursor.start + entry.cursor.slot * resolution, new IncrementInto(columns));
      this.track(entry, cursor);
    }
  }

  private track(entry: StoredGenerator, cursor: GeneratorCursor): void {
    this.cursors.set(entry.generator.id, cursor);
    const item = entry.generator.subscriptionItem;
    this.byItem.set(item, [...(this.byItem.get(item) ?? []), entry]);
  }

  has(item: string): boolean {
    return this.byItem.has(item);
  }

  list(): UsageGenerator[] {
    return this.stored.map((entry) => entry.generator);
  }

  hasGenerator(id: string): boolean {
    return this.cursors.has(id);
  }

  find(id: string): StoredGenerator {
    const entry = this.cursors.has(id)
      ? this.stored.find((candidate) => candidate.generator.id === id)
      : undefined;
    if (!entry)
      throw invalidRequest(
        'resource_missing',
        'id',
        `No such generator: '${id}'. List the generators to find it.`,
      );
    return entry;
  }

  /**
   * Emits every record of the item's generators stamped before `limit`, in timestamp order.
   * Returns the slots the generators walked (the work done).
   */
  sync(item: string, columns: UsageColumns, limit: number): number {
    const entries = this.byItem.get(item);
    if (entries === undefined) return 0;
    let slots = 0;
    const sink = new IncrementInto(columns);
    for (const entry of entries) {
      if (entry.generator.status === 'stopped') continue;
      const cursor = this.cursors.get(entry.generator.id)!;
      const from = cursor.slot;
      cursor.next(limit, sink);
      if (cursor.slot === from) continue;
      slots += cursor.slot - from;
      this.moved.add(entry);
    }
    return slots;
  }

  /**
   * A copy of the item's columns with what its running generators report before `limit`; the
   * generators stay where they are (a clock move looking ahead for a threshold crossing).
   */
  lookAhead(item: string, columns: UsageColumns, limit: number): UsageColumns {
    const ahead = columns.clone();
    for (const entry of this.byItem.get(item) ?? []) {
      if (entry.generator.status === 'stopped') continue;
      const cursor = this.cursors.get(entry.generator.id)!;
      restoreCursor(entry.generator.spec, cursor.state).next(limit, new IncrementInto(ahead));
    }
    return ahead;
  }

  /**
   * Reserves room in each item's columns for what its increment generators can report before its
   * limit: one allocation for a long advance instead of a doubling cascade. Call trim() after.
   */
  reserveUntil(items: readonly { item: string; columns: UsageColumns; limit: number }[]): void {
    UsageColumns.reserveAll(
      items.map(({ item, columns, limit }) => [
        columns,
        columns.length + this.recordsUntil(item, limit, 'increment'),
      ]),
    );
  }

  /** At most how many records the item's running generators report before `limit`. */
  recordsUntil(item: string, limit: number, only?: 'increment'): number {
    let slots = 0;
    for (const entry of this.byItem.get(item) ?? []) {
      if (entry.generator.status === 'stopped') continue;
      if (only && entry.generator.spec.action !== only) continue;
      const { start, slot } = this.cursors.get(entry.generator.id)!;
      const resolution = entry.generator.spec.resolutionSeconds ?? DEFAULT_RESOLUTION_SECONDS;
      slots += slotsBetween(entry.generator.spec, start + slot * resolution, limit);
    }
    return slots;
  }

  /** Items that have generators. */
  items(): IterableIterator<string> {
    return this.byItem.keys();
  }

  add(generator: UsageGenerator, columns: UsageColumns): void {
    const item = generator.subscriptionItem;
    if (!this.manual.has(item)) this.setManual(item, columns.clone());
    const cursor = createCursor(generator.spec);
    const entry = { generator, cursor: cursor.state };
    this.stored.push(entry);
    this.track(entry, cursor);
  }

  /**
   * Writes manually reported records of an item that has generators: into its manual columns,
   * then each touched timestamp of the live columns becomes manual + generated. Returns null
   * (writing nothing) for an item without generators.
   */
  writeManual<T>(
    item: string,
    columns: UsageColumns,
    timestamps: readonly number[],
    write: (manual: UsageColumns) => T,
    manual = this.manual.get(item),
  ): { result: T } | null {
    if (!manual) return null;
    const generatedAt = timestamps.map((t) => (columns.valueAt(t) ?? 0) - (manual.valueAt(t) ?? 0));
    const result = write(manual);
    timestamps.forEach((t, i) => columns.apply(t, manual.valueAt(t)! + generatedAt[i]!, 'set'));
    return { result };
  }

  /**
   * Turns the item's generated records into stored records: the generators go, the records stay.
   * Returns the generators removed.
   */
  materialize(item: string): UsageGenerator[] {
    const removed = (this.byItem.get(item) ?? []).map((entry) => entry.generator);
    for (const entry of this.byItem.get(item) ?? []) {
      this.cursors.delete(entry.generator.id);
      this.moved.delete(entry);
    }
    this.byItem.delete(item);
    this.setManual(item, undefined);
    if (this.mark) this.mark.storedBefore ??= [...this.stored];
    const kept = this.stored.filter((entry) => entry.generator.subscriptionItem !== item);
    this.stored.splice(0, this.stored.length, ...kept);
    return removed;
  }

  private setManual(item: string, columns: UsageColumns | undefined): void {
    this.mark?.changes.push({ item, was: this.manual.get(item) });
    if (columns === undefined) this.manual.delete(item);
    else this.manual.set(item, columns);
  }

  /**
   * Starts keeping what each change of the items' manual records replaced (a checkpoint), so
   * manualAsOf can give the map as it is now without copying it on every call.
   */
  markManual(): ManualMark {
    this.mark = { changes: [], storedBefore: null };
    return this.mark;
  }

  stopMarkingManual(): void {
    this.mark = null;
  }

  /** Items that had generators at the mark -> their manual records. */
  manualAsOf(mark: ManualMark): Map<string, UsageColumns> {
    const manual = new Map(this.manual);
    for (let i = mark.changes.length - 1; i >= 0; i--) {
      const { item, was } = mark.changes[i]!;
      if (was === undefined) manual.delete(item);
      else manual.set(item, was);
    }
    return manual;
  }

  /** A copy of the item's manual records, or null for an item without generators (trial writes). */
  manualCopy(item: string): UsageColumns | null {
    return this.manual.get(item)?.clone() ?? null;
  }

  /** What a snapshot stores for an item: its manual records where it has generators. */
  persisted(item: string, columns: UsageColumns): UsageColumns {
    return this.manual.get(item) ?? columns;
  }

  /** Copies the position of each cursor that moved into the stored state, for a snapshot. */
  savePositions(): void {
    for (const entry of this.moved) entry.cursor = this.cursors.get(entry.generator.id)!.state;
    this.moved.clear();
  }
}

/**
 * NOTE: generated and manually reported values at one timestamp add up, whatever order they
 * came in (a set spec never reports one timestamp twice, so adding is its set too).
 */
class IncrementInto implements RecordSink {
  constructor(private readonly columns: UsageColumns) {}

  push(timestamp: number, quantity: number): void {
    this.columns.apply(timestamp, quantity, 'increment');
  }

  pushMany(timestamps: Float64Array, quantities: Float64Array, count: number): void {
    this.columns.appendSorted(timestamps, quantities, 'increment', count);
  }

  appendRoom(count: number, from: number): AppendRoom | null {
    return this.columns.appendRoom(count, from);
  }

  commitAppend(count: number, maxQuantity: number): void {
    this.columns.commitAppend(count, maxQuantity);
  }
}
