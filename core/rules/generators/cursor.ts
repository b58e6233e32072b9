// Generation in chunks as the test clock moves. A cursor walks the spec's slots in time order;
// its whole state is plain JSON, so the engine keeps it in its snapshot and resumes later with
// exactly the records a single run would have produced.
import { z } from 'zod';
import { invalidRequest } from '../../values/errors';
import type { UnixSeconds } from '../../public/types';
import { parseArgs } from '../../values/validation';
import { UsageProgram } from './program';
import type { ProgramState } from './program';
import {
  DEFAULT_REPEAT_SECONDS,
  DEFAULT_RESOLUTION_SECONDS,
  MAX_GENERATED_TIMESTAMP,
  parseGeneratorSpec,
} from './spec';
import type { GeneratorSpec } from '../../public/types';

/** Receives records in timestamp order. It must not throw: the cursor has moved on by then. */
export interface RecordSink {
  push(timestamp: UnixSeconds, quantity: number): void;
  /**
   * Optional: the first `count` records of the arrays at once, the same as push for each in
   * order. The arrays are the cursor's: read them before returning, keep nothing.
   */
  pushMany?(timestamps: Float64Array, quantities: Float64Array, count: number): void;
  /**
   * Optional: room to write up to `count` records straight into (no batch copied after), each
   * stamped at or after `from`: Uint32 columns and the index to write at, or null when the sink
   * cannot give it there (then the cursor pushes). commitAppend(n, max) then takes the first n
   * records written and the largest quantity among them.
   */
  appendRoom?(count: number, from: UnixSeconds): AppendRoom | null;
  commitAppend?(count: number, maxQuantity: number): void;
}

/** Where a sink takes records in place (see RecordSink.appendRoom). */
export interface AppendRoom {
  timestamps: Uint32Array;
  quantities: Uint32Array;
  at: number;
}

export interface GeneratorCursorState extends ProgramState {
  /** The first slot's time (the spec's start, or the default it was created with). */
  start: UnixSeconds;
  /** Slots generated so far. */
  slot: number;
  /** For set specs: the value last reported, null before the first record. */
  last: number | null;
}

export interface GeneratorCursor {
  /** The first slot's time. */
  readonly start: UnixSeconds;
  /** Emits each record stamped before `untilExclusive` not emitted yet, in timestamp order. */
  next(untilExclusive: UnixSeconds, out: RecordSink): void;
  /** The next slot's index (cheap: `state` copies the whole program state). */
  readonly slot: number;
  /** A copy of the state, plain JSON, for restoreCursor. */
  readonly state: GeneratorCursorState;
}

export interface CursorOptions {
  /** The first slot's time when the spec has no start (the host passes the item's creation). */
  defaultStart?: UnixSeconds;
}

/** Slots drawn, and records handed to a sink, at a time. */
const BATCH = 256;
/** A batch of records: next() fills them and hands them over before returning. */
const batchTimestamps = new Float64Array(BATCH);
const batchQuantities = new Float64Array(BATCH);

/** Hands the first `count` records of the batch to `out`, in one call when it takes them so. */
function emit(out: RecordSink, count: number): void {
  if (count === 0) return;
  if (out.pushMany) out.pushMany(batchTimestamps, batchQuantities, count);
  else for (let i = 0; i < count; i += 1) out.push(batchTimestamps[i]!, batchQuantities[i]!);
}

/**
 * Writes the records of `count` drawn slots from `time` into the room and commits them; false
 * (nothing committed) when a quantity does not fit a Uint32, so the caller pushes them instead.
 */
function writeInto(
  room: AppendRoom,
  quantities: Float64Array,
  count: number,
  time: number,
  resolution: number,
  out: RecordSink,
): boolean {
  const { timestamps: roomTimestamps, quantities: roomQuantities } = room;
  let at = room.at;
  let peak = 0;
  for (let i = 0; i < count; i += 1, time += resolution) {
    const quantity = quantities[i]!;
    // NOTE: a slot with nothing to count reports nothing, which keeps storage small.
    if (quantity > 0) {
      roomTimestamps[at] = time;
      roomQuantities[at] = quantity;
      if (quantity > peak) peak = quantity;
      at += 1;
    }
  }
  if (peak > 0xffffffff) return false;
  out.commitAppend!(at - room.at, peak);
  return true;
}

class SpecCursor implements GeneratorCursor {
  private readonly resolution: number;
  private readonly end: number;
  private readonly increment: boolean;
  private readonly repeat: number;

  constructor(
    spec: GeneratorSpec,
    readonly start: UnixSeconds,
    private readonly program: UsageProgram,
    public slot: number,
    /** NaN before the first record of a set spec, so the first value is always reported. */
    private last: number,
  ) {
    this.resolution = spec.resolutionSeconds ?? DEFAULT_RESOLUTION_SECONDS;
    this.end = Math.min(spec.end ?? Number.POSITIVE_INFINITY, MAX_GENERATED_TIMESTAMP + 1);
    this.increment = spec.action === 'increment';
    this.repeat = this.increment ? 0 : (spec.repeatEverySeconds ?? DEFAULT_REPEAT_SECONDS);
  }

  next(untilExclusive: UnixSeconds, out: RecordSink): void {
    const limit = Math.min(untilExclusive, this.end);
    const resolution = this.resolution;
    const program = this.program;
    const timestamps = batchTimestamps;
    const quantities = batchQuantities;
    let slot = this.slot;
    let time = this.start + slot * resolution;
    if (this.increment && !Number.isNaN(program.steadyPoissonMean)) {
      // The same slots as below, their quantities drawn a batch at a time and kept in place, or
      // written straight into the sink's room when it gives some.
      while (time < limit) {
        const count = Math.min(BATCH, Math.ceil((limit - time) / resolution));
        program.nextQuantities(count, quantities);
        const room = out.appendRoom?.(count, time) ?? null;
        if (room !== null && writeInto(room, quantities, count, time, resolution, out)) {
          time += count * resolution;
          slot += count;
          continue;
        }
        let kept = 0;
        for (let i = 0; i < count; i += 1, time += resolution) {
          const quantity = quantities[i]!;
          // NOTE: a slot with nothing to count reports nothing, which keeps storage small.
          if (quantity > 0) {
            timestamps[kept] = time;
            quantities[kept] = quantity;
            kept += 1;
          }
        }
        emit(out, kept);
        slot += count;
      }
    } else if (this.increment) {
      let kept = 0;
      for (; time < limit; time += resolution, slot += 1) {
        const quantity = program.nextQuantity(slot);
        // NOTE: a slot with nothing to count reports nothing, which keeps storage small.
        if (quantity > 0) {
          timestamps[kept] = time;
          quantities[kept] = quantity;
          kept += 1;
          if (kept === BATCH) {
            emit(out, kept);
            kept = 0;
          }
        }
      }
      emit(out, kept);
    } else {
      // NOTE: set specs report a value when it changes, and re-report it every repeatEverySeconds
      // (a day by default): a period with no record bills 0 under last_during_period and max.
      let last = this.last;
      const repeat = this.repeat;
      let kept = 0;
      for (; time < limit; time += resolution, slot += 1) {
        const quantity = program.nextQuantity(slot);
        if (quantity !== last || (repeat > 0 && (time - this.start) % repeat === 0)) {
          timestamps[kept] = time;
          quantities[kept] = quantity;
          kept += 1;
          if (kept === BATCH) {
            emit(out, kept);
            kept = 0;
          }
          last = quantity;
        }
      }
      emit(out, kept);
      this.last = last;
    }
    this.slot = slot;
  }

  get state(): GeneratorCursorState {
    return {
      start: this.start,
      slot: this.slot,
      last: Number.isNaN(this.last) ? null : this.last,
      ...this.program.state,
    };
  }
}

const startSchema = z.number().int().nonnegative().max(MAX_GENERATED_TIMESTAMP);

function resolveStart(spec: GeneratorSpec, options: CursorOptions): UnixSeconds {
  const start = spec.start ?? options.defaultStart;
  if (start === undefined) {
    throw invalidRequest(
      'parameter_missing',
      'start',
      'Missing start: give the generator a start (unix seconds) or create it with a default start.',
    );
  }
  return parseArgs(startSchema, start, 'start');
}

/** A cursor at the spec's first slot. The spec is validated (errors name the field). */
export function createCursor(spec: GeneratorSpec, options: CursorOptions = {}): GeneratorCursor {
  const valid = parseGeneratorSpec(spec);
  const start = resolveStart(valid, options);
  return new SpecCursor(valid, start, new UsageProgram(valid, start), 0, Number.NaN);
}

const uint32 = z.number().int().min(0).max(0xffffffff);
const cursorStateSchema = z.strictObject({
  start: uint32,
  slot: z.number().int().nonnegative().max(MAX_GENERATED_TIMESTAMP),
  last: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable(),
  carry: z.number().gt(-1).lt(1),
  bursts: z.array(z.number().int().nonnegative().max(MAX_GENERATED_TIMESTAMP)),
  seats: z.array(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)),
  rng: z.array(uint32),
});

/** A cursor that continues exactly where the one whose `state` this is stopped. */
export function restoreCursor(spec: GeneratorSpec, state: GeneratorCursorState): GeneratorCursor {
  const valid = parseGeneratorSpec(spec);
  const saved = parseArgs(cursorStateSchema, state, 'state');
  if (valid.start !== undefined && valid.start !== saved.start) {
    throw invalidRequest(
      'generator_state_mismatch',
      'state.start',
      `This state starts at ${saved.start} but the spec at ${valid.start}: restore it with the spec it came from.`,
    );
  }
  const program = new UsageProgram(valid, saved.start, saved);
  return new SpecCursor(valid, saved.start, program, saved.slot, saved.last ?? Number.NaN);
}

export interface RecordColumns {
  timestamps: Uint32Array;
  quantities: Float64Array;
}

/** A sink that stores records in growing typed columns. */
export class RecordCollector implements RecordSink {
  private timestamps: Uint32Array;
  private quantities: Float64Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.timestamps = new Uint32Array(Math.max(1, initialCapacity));
    this.quantities = new Float64Array(this.timestamps.length);
  }

  get length(): number {
    return this.count;
  }

  push(timestamp: UnixSeconds, quantity: number): void {
    if (this.count === this.timestamps.length) this.grow();
    this.timestamps[this.count] = timestamp;
    this.quantities[this.count] = quantity;
    this.count += 1;
  }

  pushMany(timestamps: Float64Array, quantities: Float64Array, count: number): void {
    while (this.count + count > this.timestamps.length) this.grow();
    this.timestamps.set(timestamps.subarray(0, count), this.count);
    this.quantities.set(quantities.subarray(0, count), this.count);
    this.count += count;
  }

  /** Copies of the records collected so far. */
  toColumns(): RecordColumns {
    return {
      timestamps: this.timestamps.slice(0, this.count),
      quantities: this.quantities.slice(0, this.count),
    };
  }

  private grow(): void {
    const timestamps = new Uint32Array(this.timestamps.length * 2);
    const quantities = new Float64Array(timestamps.length);
    timestamps.set(this.timestamps);
    quantities.set(this.quantities);
    this.timestamps = timestamps;
    this.quantities = quantities;
  }
}
