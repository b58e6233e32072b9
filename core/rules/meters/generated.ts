// Generated meter events: a generator spec aimed at a meter (an event name and a customer)
// instead of a subscription item. Each record the spec reports becomes one meter event, stamped
// and sent at the record's time. The events are stored with the others (so they are aggregated
// and billed as if sent by hand); this module keeps the cursors, which resume where they stopped.
import { createCursor, restoreCursor } from '../generators';
import type { GeneratorCursor, GeneratorCursorState } from '../generators';
import { DEFAULT_RESOLUTION_SECONDS, slotsBetween } from '../generators/spec';
import type { MeterEventGenerator, MeterEventsTarget } from '../../public/types';

export interface StoredMeterGenerator {
  generator: MeterEventGenerator;
  cursor: GeneratorCursorState;
}

/** Receives generated events in timestamp order (ties: in the order the generators were made). */
export type GeneratedEventSink = (
  generator: MeterEventGenerator,
  timestamp: number,
  value: number | string,
) => void;

/**
 * The distinct id a unique_count event carries: drawn from the pool by a hash of the seed and
 * the timestamp, so the draw needs no state and any chunking of the generation gives the same ids.
 */
export function uniqueValueAt(
  unique: NonNullable<MeterEventsTarget['uniqueValues']>,
  seed: number,
  timestamp: number,
): string {
  let hash = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ timestamp;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash = (hash ^ (hash >>> 16)) >>> 0;
  return `${unique.payloadKey}-${(hash % unique.count) + 1}`;
}

export class MeterEventGenerators {
  readonly #cursors = new Map<string, GeneratorCursor>();

  /** `stored`: the snapshot's list, kept and updated in place. */
  constructor(readonly stored: StoredMeterGenerator[]) {
    for (const entry of stored)
      this.#cursors.set(entry.generator.id, restoreCursor(entry.generator.spec, entry.cursor));
  }

  list(): MeterEventGenerator[] {
    return this.stored.map((entry) => entry.generator);
  }

  find(id: string): MeterEventGenerator | undefined {
    return this.stored.find((entry) => entry.generator.id === id)?.generator;
  }

  add(generator: MeterEventGenerator): void {
    const cursor = createCursor(generator.spec);
    this.stored.push({ generator, cursor: cursor.state });
    this.#cursors.set(generator.id, cursor);
  }

  /**
   * Every event the running generators report before `limit`, in timestamp order (ties: in the
   * order the generators were made), so how the clock's moves split the work changes nothing.
   */
  next(limit: number, out: GeneratedEventSink): void {
    const running = this.stored.filter((entry) => entry.generator.status !== 'stopped');
    // One generator's events are in time order already: straight to the sink. Several are
    // gathered, then a stable sort keeps each one's own order and the generators' order on ties.
    const gathered: {
      generator: MeterEventGenerator;
      timestamp: number;
      value: number | string;
    }[] = [];
    const sink: GeneratedEventSink =
      running.length === 1
        ? out
        : (generator, timestamp, value) => gathered.push({ generator, timestamp, value });
    for (const { generator } of running) {
      const unique = generator.meterEvents.uniqueValues;
      const seed = generator.spec.seed;
      this.#cursors.get(generator.id)!.next(limit, {
        push: unique
          ? (timestamp) => sink(generator, timestamp, uniqueValueAt(unique, seed, timestamp))
          : (timestamp, quantity) => sink(generator, timestamp, quantity),
      });
    }
    if (gathered.length === 0) return;
    gathered.sort((a, b) => a.timestamp - b.timestamp);
    for (const event of gathered) out(event.generator, event.timestamp, event.value);
  }

  /** At most how many events the running generators report before `limit`. */
  eventsUntil(limit: number): number {
    let slots = 0;
    for (const { generator } of this.stored) {
      if (generator.status === 'stopped') continue;
      const { start, slot } = this.#cursors.get(generator.id)!.state;
      const resolution = generator.spec.resolutionSeconds ?? DEFAULT_RESOLUTION_SECONDS;
      slots += slotsBetween(generator.spec, start + slot * resolution, limit);
    }
    return slots;
  }

  /** Copies each cursor's position into the stored list (snapshots, checkpoints). */
  savePositions(): void {
    for (const entry of this.stored) entry.cursor = this.#cursors.get(entry.generator.id)!.state;
  }
}
