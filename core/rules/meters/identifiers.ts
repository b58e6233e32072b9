// Meter event identifiers over a sliding window of simulated time, O(1) per event and bounded in
// memory: the events of the last two days in arrival order (a queue; arrival order is `created`
// order, since the clock only moves forward) and a map of the identifiers the clients chose.
// Generated identifiers (`mev_` + the event's sequence number) are never stored: they decode.
import { idCounter, makeId } from '../../values/ids';
import type { MeterEventColumns } from './columns';

/** NOTE: an identifier is taken for 24 hours after its event was sent (dedup and cancel). */
export const IDENTIFIER_WINDOW_SECONDS = 86_400;
/**
 * NOTE (Meterlab's decision): an identifier is remembered one more day after that, so a cancel
 * of an event 24–48 hours old says the window expired; an older one is not known any more.
 */
export const IDENTIFIER_MEMORY_SECONDS = 2 * IDENTIFIER_WINDOW_SECONDS;

export interface WindowEvent {
  seq: number;
  created: number;
  columns: MeterEventColumns;
  row: number;
  /** The client's identifier; undefined for a generated one. */
  identifier: string | undefined;
}

export class IdentifierWindow {
  /** The sequence number of the queue's head (queue index 0 holds seq `headSeq`). */
  #headSeq: number;
  #head = 0;
  #created: number[] = [];
  #columns: MeterEventColumns[] = [];
  #rows: number[] = [];
  #identifiers: (string | undefined)[] = [];
  /** Client identifier -> the seq of its latest event still remembered. */
  readonly #byIdentifier = new Map<string, number>();
  readonly #seed: number;

  constructor(seed: number, nextSeq: number) {
    this.#seed = seed;
    this.#headSeq = nextSeq;
  }

  /** The seq the next pushed event must have. */
  get nextSeq(): number {
    return this.#headSeq + this.#created.length - this.#head;
  }

  /** Events still remembered, for footprint figures. */
  get size(): number {
    return this.#created.length - this.#head;
  }

  /** Forgets events sent at or before `now − 2 days`. Amortized O(1) per event. */
  expire(now: number): void {
    const cutoff = now - IDENTIFIER_MEMORY_SECONDS;
    let head = this.#head;
    while (head < this.#created.length && this.#created[head]! <= cutoff) {
      const identifier = this.#identifiers[head];
      const seq = this.#headSeq + (head - this.#head);
      if (identifier !== undefined && this.#byIdentifier.get(identifier) === seq)
        this.#byIdentifier.delete(identifier);
      head++;
    }
    this.#headSeq += head - this.#head;
    this.#head = head;
    // Drop the consumed front once it is most of the queue (amortized O(1)).
    if (head > 1024 && head * 2 > this.#created.length) {
      this.#created = this.#created.slice(head);
      this.#columns = this.#columns.slice(head);
      this.#rows = this.#rows.slice(head);
      this.#identifiers = this.#identifiers.slice(head);
      this.#head = 0;
    }
  }

  push(
    created: number,
    columns: MeterEventColumns,
    row: number,
    identifier: string | undefined,
  ): void {
    const seq = this.nextSeq;
    this.#created.push(created);
    this.#columns.push(columns);
    this.#rows.push(row);
    this.#identifiers.push(identifier);
    if (identifier !== undefined) this.#byIdentifier.set(identifier, seq);
  }

  /** The remembered event with this identifier (the client's or a generated one), if any. */
  find(identifier: string): WindowEvent | null {
    let seq = this.#byIdentifier.get(identifier);
    if (seq === undefined) {
      const generated = idCounter('mev', this.#seed, identifier);
      if (generated === null) return null;
      seq = generated;
    }
    const index = this.#head + (seq - this.#headSeq);
    if (seq < this.#headSeq || index >= this.#created.length) return null;
    // A client identifier that spells a generated one names that event only if it was generated.
    const own = this.#identifiers[index];
    if (own !== undefined && own !== identifier) return null;
    return {
      seq,
      created: this.#created[index]!,
      columns: this.#columns[index]!,
      row: this.#rows[index]!,
      identifier: own,
    };
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
    for (let index = this.#head; index < this.#identifiers.length; index++) {
      const identifier = this.#identifiers[index];
      if (identifier !== undefined && this.#created[index]! > cutoff)
        out[this.#headSeq + index - this.#head] = identifier;
    }
    return out;
  }
}
