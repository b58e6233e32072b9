// Every meter event of a scenario: columns per (meter, customer), the identifier window, and the
// sequence counter of generated identifiers. Plain JSON in snapshots.
import { GENERATED_SEQ, MeterEventColumns } from './columns';
import type { MeterEventColumnsJson } from './columns';
import { IDENTIFIER_MEMORY_SECONDS, IdentifierWindow } from './identifiers';

export interface MeterEventsJson {
  /** The sequence number of the next event (its generated identifier is mev_ + this). */
  nextSeq: number;
  partitions: MeterEventColumnsJson[];
  /** Seq -> the client's identifier, for events still in the identifier window. */
  identifiers: Record<string, string>;
}

export interface StoreMark {
  nextSeq: number;
  lengths: Map<string, number>;
}

export const EMPTY_METER_EVENTS: MeterEventsJson = { nextSeq: 0, partitions: [], identifiers: {} };

export class MeterEventStore {
  readonly #partitions = new Map<string, MeterEventColumns>();
  readonly window: IdentifierWindow;

  constructor(seed: number, json: MeterEventsJson, now: number) {
    for (const partition of json.partitions)
      this.#partitions.set(
        key(partition.meter, partition.customer),
        MeterEventColumns.fromJSON(partition),
      );
    // The window holds the events sent in the last two days, in seq order.
    const recent: { seq: number; created: number; columns: MeterEventColumns; row: number }[] = [];
    const since = now - IDENTIFIER_MEMORY_SECONDS;
    for (const columns of this.#partitions.values()) {
      for (let row = columns.length - 1; row >= 0 && columns.created[row]! > since; row--)
        if (!columns.isGenerated(row))
          recent.push({ seq: columns.seqs[row]!, created: columns.created[row]!, columns, row });
    }
    recent.sort((a, b) => a.seq - b.seq);
    // Seqs are given in the order events are sent, so the recent ones are the last, contiguous.
    this.window = new IdentifierWindow(seed, recent[0]?.seq ?? json.nextSeq);
    for (const event of recent)
      this.window.push(event.created, event.columns, event.row, json.identifiers[event.seq]);
    this.#nextSeq = json.nextSeq;
  }

  #nextSeq: number;

  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** The columns of a meter's events for one customer, if any event was accepted. */
  columns(meter: string, customer: string): MeterEventColumns | undefined {
    return this.#partitions.get(key(meter, customer));
  }

  /** The columns to append to, created when missing. */
  writable(meter: string, customer: string): MeterEventColumns {
    const id = key(meter, customer);
    let columns = this.#partitions.get(id);
    if (!columns) {
      columns = new MeterEventColumns(meter, customer);
      this.#partitions.set(id, columns);
    }
    return columns;
  }

  /** Accepts one checked event: its row, and its seq (the generated identifier's counter). */
  append(
    columns: MeterEventColumns,
    timestamp: number,
    now: number,
    value: number | string,
    identifier: string | undefined,
    callStart: boolean,
  ): number {
    const seq = this.#nextSeq++;
    const row = columns.append(timestamp, now, seq, value, callStart);
    this.window.push(now, columns, row, identifier);
    return seq;
  }

  /**
   * Appends an event a generator emitted: sent at its own timestamp, with no sequence number,
   * so it never takes an identifier nor enters the identifier window.
   */
  appendGenerated(columns: MeterEventColumns, timestamp: number, value: number | string): void {
    columns.markGenerated(columns.append(timestamp, timestamp, GENERATED_SEQ, value, false));
  }

  /** Where the store is now, for rollback. */
  mark(): StoreMark {
    return {
      nextSeq: this.#nextSeq,
      lengths: new Map([...this.#partitions].map(([id, columns]) => [id, columns.length])),
    };
  }

  /** Drops what was appended since `mark` (and the partitions created since). */
  rollback(mark: StoreMark): void {
    for (const [id, columns] of this.#partitions) {
      const length = mark.lengths.get(id);
      if (length === undefined) this.#partitions.delete(id);
      else if (length < columns.length) columns.truncate(length);
    }
    if (mark.nextSeq === this.#nextSeq) return;
    this.#nextSeq = mark.nextSeq;
    this.window.truncate(mark.nextSeq);
  }

  /**
   * Runs `write`; if it throws, the events it appended are dropped (and partitions it created),
   * so a failed call leaves the store as it was.
   */
  atomically<T>(write: () => T): T {
    const mark = this.mark();
    try {
      return write();
    } catch (error) {
      this.rollback(mark);
      throw error;
    }
  }

  /**
   * The identifier of an accepted event at `now` (MeterEventNote.identifier): a canceled event's
   * is kept for good; a counted one's while the window remembers it (sent in the last 2 days, so
   * the answer depends on the clock only, not on when the window last expired).
   */
  // NOTE (Meterlab's decision): a counted event is named only while its identifier is remembered.
  identifierOf(columns: MeterEventColumns, row: number, now: number): string | null {
    const seq = columns.seqs[row]!;
    if (seq === GENERATED_SEQ) return null;
    if (columns.isCanceled(row))
      return columns.canceledIdentifiers.get(row) ?? this.window.generatedIdentifier(seq);
    if (columns.created[row]! <= now - IDENTIFIER_MEMORY_SECONDS) return null;
    return this.window.identifierOf(seq);
  }

  /** Every partition (footprint, exports). */
  partitions(): IterableIterator<MeterEventColumns> {
    return this.#partitions.values();
  }

  toJSON(now: number): MeterEventsJson {
    return {
      nextSeq: this.#nextSeq,
      partitions: [...this.#partitions.values()].map((columns) => columns.toJSON()),
      identifiers: this.window.clientIdentifiers(now),
    };
  }
}

function key(meter: string, customer: string): string {
  return `${meter} ${customer}`;
}
