// Meter event identifiers over a sliding window of simulated time, O(1) per event and bounded in
// memory: the events of the last two days in arrival order (a queue of typed columns; arrival
// order is `created` order, since the clock only moves forward) and a map of the identifiers
// clients chose. Generated identifiers (`mev_` + the event's sequence number) are never stored:
// they decode back to the sequence number.
import { idCounter, makeId } from '../../values/ids';
import type { MeterEventColumns } from './columns';

/** NOTE: an identifier is taken for 24 hours after its event was sent (dedup and cancel). */
export const IDENTIFIER_WINDOW_SECONDS = 86_400;
/**
 * NOTE (Meterlab's decision): an identifier is remembered one more day after that, so a cancel
 * of an event 24–48 hours old says the window expired; an older one is not known any more.
 */
export const IDENTIFIER_MEMORY_SECONDS = 2 * IDENTIFIER_WINDOW_SECONDS;

const TOMBSTONE = 0xffffffff;

/** FNV-1a over the UTF-16 code units. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export interface WindowEvent {
  seq: number;
  created: number;
  columns: MeterEventColumns;
  row: number;
  /** The client's identifier; undefined for a generated one. */
  identifier: string | undefined;
}

export class IdentifierWindow {
  /** The sequence number of the queue's slot 0. */
  #baseSeq: number;
  /** Slots [head, tail) hold the remembered events. */
  #head = 0;
  #tail = 0;
  #created = new Uint32Array(1024);
  #partition = new Uint32Array(1024);
  #rows = new Uint32Array(1024);
  /** The columns a partition number stands for (numbers keep the queue typed). */
  readonly #partitions: MeterEventColumns[] = [];
  readonly #partitionNumbers = new Map<MeterEventColumns, number>();
  #lastColumns: MeterEventColumns | null = null;
  #lastPartition = 0;
  /** The client's identifier per slot (undefined: generated). */
  #identifiers: (string | undefined)[] = new Array<string | undefined>(1024);
  /** Slots from head to tail holding a client's identifier (none: nothing to move on growth). */
  #named = 0;
  /**
   * Client identifier -> the seq of its latest remembered event: open addressing over a typed
   * table of entries [seq + 1 (0 empty, TOMBSTONE deleted), the identifier's hash]; the identifier
   * itself is read from its slot. Faster than a Map of millions of strings, and as bounded as the
   * queue.
   */
  #table = new Uint32Array(1024);
  #used = 0;
  #live = 0;
  /** The last identifier hashed and its hash: a new event's is looked up, then remembered. */
  #hashedText = '';
  #hashed = hashOf('');
  /** The latest seq whose identifier replaced an older event's in the table (-1: none). */
  #replacedSeq = -1;
  readonly #seed: number;

  constructor(seed: number, nextSeq: number) {
    this.#seed = seed;
    this.#baseSeq = nextSeq;
  }

  /** The seq the next pushed event gets. */
  get nextSeq(): number {
    return this.#baseSeq + this.#tail;
  }

  /** Events still remembered, for footprint figures. */
  get size(): number {
    return this.#tail - this.#head;
  }

  /** Bytes of the queue's columns, identifier slots and index (the strings come on top). */
  get byteLength(): number {
    const slots = this.#created.length;
    return (
      this.#created.byteLength +
      this.#partition.byteLength +
      this.#rows.byteLength +
      slots * 8 +
      this.#table.byteLength
    );
  }

  /** Forgets events sent at or before `now − 2 days`. Amortized O(1) per event. */
  expire(now: number): void {
    const cutoff = now - IDENTIFIER_MEMORY_SECONDS;
    let head = this.#head;
    while (head < this.#tail && this.#created[head]! <= cutoff) {
      const identifier = this.#identifiers[head];
      if (identifier !== undefined) {
        this.#forget(identifier, this.#baseSeq + head);
        this.#identifiers[head] = undefined;
        this.#named--;
      }
      head++;
    }
    this.#head = head;
  }

  push(
    created: number,
    columns: MeterEventColumns,
    row: number,
    identifier: string | undefined,
  ): void {
    if (this.#tail === this.#created.length) this.#makeRoom();
    const slot = this.#tail++;
    this.#created[slot] = created;
    this.#partition[slot] = this.#partitionOf(columns);
    this.#rows[slot] = row;
    // Slots from the tail on hold undefined already (expire, truncate and makeRoom leave them so).
    if (identifier !== undefined) {
      this.#identifiers[slot] = identifier;
      this.#named++;
      this.#remember(identifier, this.#baseSeq + slot);
    }
  }

  /** The number of a partition; consecutive events mostly share one, so the last is kept. */
  #partitionOf(columns: MeterEventColumns): number {
    if (columns === this.#lastColumns) return this.#lastPartition;
    let partition = this.#partitionNumbers.get(columns);
    if (partition === undefined) {
      partition = this.#partitions.push(columns) - 1;
      this.#partitionNumbers.set(columns, partition);
    }
    this.#lastColumns = columns;
    this.#lastPartition = partition;
    return partition;
  }

  /** Drops the forgotten front, or doubles: amortized O(1) per push. */
  #makeRoom(): void {
    const live = this.#tail - this.#head;
    const capacity =
      live * 2 > this.#created.length ? this.#created.length * 2 : this.#created.length;
    const move = (old: Uint32Array) => {
      const fresh = new Uint32Array(capacity);
      fresh.set(old.subarray(this.#head, this.#tail));
      return fresh;
    };
    this.#created = move(this.#created);
    this.#partition = move(this.#partition);
    this.#rows = move(this.#rows);
    const identifiers = new Array<string | undefined>(capacity);
    if (this.#named > 0)
      for (let slot = this.#head; slot < this.#tail; slot++)
        identifiers[slot - this.#head] = this.#identifiers[slot];
    this.#identifiers = identifiers;
    this.#baseSeq += this.#head;
    this.#tail = live;
    this.#head = 0;
  }

  /** Forgets the events from seq `nextSeq` on (a failed call's). */
  truncate(nextSeq: number): void {
    const tail = nextSeq - this.#baseSeq;
    for (let slot = this.#tail - 1; slot >= tail; slot--) {
      const identifier = this.#identifiers[slot];
      if (identifier !== undefined) {
        this.#forget(identifier, this.#baseSeq + slot);
        this.#identifiers[slot] = undefined;
        this.#named--;
      }
    }
    this.#tail = tail;
    // An identifier reused by the dropped events points at its earlier event again.
    if (this.#replacedSeq >= nextSeq) {
      this.#replacedSeq = nextSeq - 1; // an upper bound of the replacements kept
      this.#rebuild();
    }
  }

  /** The remembered event with this identifier (the client's or a generated one), if any. */
  find(identifier: string): WindowEvent | null {
    let seq = this.#lookup(identifier);
    if (seq === -1) {
      const generated = idCounter('mev', this.#seed, identifier);
      if (generated === null) return null;
      seq = generated;
    }
    const slot = seq - this.#baseSeq;
    if (slot < this.#head || slot >= this.#tail) return null;
    const own = this.#identifiers[slot];
    // A generated identifier names its event only if the client gave none.
    if (own !== undefined && own !== identifier) return null;
    return {
      seq,
      created: this.#created[slot]!,
      columns: this.#partitions[this.#partition[slot]!]!,
      row: this.#rows[slot]!,
      identifier: own,
    };
  }

  /**
   * The identifier of the event with this seq while it is remembered: the client's, or the
   * generated one; null once forgotten.
   */
  identifierOf(seq: number): string | null {
    const slot = seq - this.#baseSeq;
    if (slot < this.#head || slot >= this.#tail) return null;
    return this.#identifiers[slot] ?? this.generatedIdentifier(seq);
  }

  /** The client identifier of a remembered seq, or undefined. */
  #identifierAt(seq: number): string | undefined {
    const slot = seq - this.#baseSeq;
    return slot >= this.#head && slot < this.#tail ? this.#identifiers[slot] : undefined;
  }

  /** The table entry holding `identifier`, or -1. */
  #indexOf(identifier: string): number {
    const table = this.#table;
    const mask = (table.length >> 1) - 1;
    const hash = this.#hashOf(identifier);
    for (let index = hash & mask; ; index = (index + 1) & mask) {
      const entry = table[index * 2]!;
      if (entry === 0) return -1;
      // The hash beside the seq spares reading the identifiers of other entries.
      if (
        entry !== TOMBSTONE &&
        table[index * 2 + 1] === hash &&
        this.#identifierAt(entry - 1) === identifier
      )
        return index;
    }
  }

  #hashOf(identifier: string): number {
    if (identifier !== this.#hashedText) {
      this.#hashedText = identifier;
      this.#hashed = hashOf(identifier);
    }
    return this.#hashed;
  }

  #lookup(identifier: string): number {
    const index = this.#indexOf(identifier);
    return index === -1 ? -1 : this.#table[index * 2]! - 1;
  }

  #remember(identifier: string, seq: number): void {
    const existing = this.#indexOf(identifier);
    if (existing !== -1) {
      this.#table[existing * 2] = seq + 1;
      this.#replacedSeq = seq;
      return;
    }
    if ((this.#used + 1) * 4 > this.#table.length) this.#grow();
    this.#insert(this.#hashOf(identifier), seq);
    this.#live++;
  }

  /** Puts seq at the first free or deleted entry of its hash's probe sequence. */
  #insert(hash: number, seq: number): void {
    const table = this.#table;
    const mask = (table.length >> 1) - 1;
    let index = hash & mask;
    while (table[index * 2] !== 0 && table[index * 2] !== TOMBSTONE) index = (index + 1) & mask;
    if (table[index * 2] === 0) this.#used++;
    table[index * 2] = seq + 1;
    table[index * 2 + 1] = hash;
  }

  #forget(identifier: string, seq: number): void {
    const index = this.#indexOf(identifier);
    if (index === -1 || this.#table[index * 2] !== seq + 1) return;
    this.#table[index * 2] = TOMBSTONE;
    this.#live--;
  }

  /** An empty table for the live identifiers, at most half full (16 bytes an identifier or more). */
  #fresh(): Uint32Array {
    let entries = 512;
    while (entries < (this.#live + 1) * 2) entries *= 2;
    const old = this.#table;
    this.#table = new Uint32Array(entries * 2);
    this.#used = 0;
    return old;
  }

  /** A table twice as large, from the entries of the old one (each identifier's latest, once). */
  #grow(): void {
    const old = this.#fresh();
    for (let index = 0; index < old.length; index += 2) {
      const entry = old[index]!;
      if (entry !== 0 && entry !== TOMBSTONE) this.#insert(old[index + 1]!, entry - 1);
    }
  }

  /** A fresh table from the queue's identifiers (after a truncate, an older event may be back). */
  #rebuild(): void {
    this.#fresh();
    this.#live = 0;
    // Newest first, so only an identifier's latest event is indexed.
    for (let slot = this.#tail - 1; slot >= this.#head; slot--) {
      const identifier = this.#identifiers[slot];
      if (identifier === undefined || this.#indexOf(identifier) !== -1) continue;
      this.#insert(this.#hashOf(identifier), this.#baseSeq + slot);
      this.#live++;
    }
  }

  /** The identifier made for an event sent without one. */
  generatedIdentifier(seq: number): string {
    return makeId('mev', this.#seed, seq);
  }

  /**
   * The client identifiers of events sent after `now − 2 days`, by seq (for snapshots): the
   * same whether or not expire() ran, so a snapshot depends on the clock only.
   */
  clientIdentifiers(now: number): Record<string, string> {
    const out: Record<string, string> = {};
    const cutoff = now - IDENTIFIER_MEMORY_SECONDS;
    for (let slot = this.#head; slot < this.#tail; slot++) {
      const identifier = this.#identifiers[slot];
      if (identifier !== undefined && this.#created[slot]! > cutoff)
        out[this.#baseSeq + slot] = identifier;
    }
    return out;
  }
}
