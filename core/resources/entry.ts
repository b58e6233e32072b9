// A method of the API as one entry: its parameters (zod schemas, named for error paths), whether
// it changes state, how the scenario journal keeps it, and its handler. The registry
// (core/simulator/registry.ts) builds the API, dispatch, the journal and replay from entries.
import type { z } from 'zod';
import type { StepProgress } from '../values/steps';
import type { ScenarioState } from './state';

export { drain, type StepProgress } from '../values/steps';

export interface Param<S extends z.ZodType = z.ZodType> {
  /** What errors in this argument point at ('id', 'options'); '' for the arguments object. */
  readonly name: string;
  readonly schema: S;
}

export function param<S extends z.ZodType>(name: string, schema: S): Param<S> {
  return { name, schema };
}

/** The handler's arguments: each parameter as its schema parsed it. */
export type ParsedArgs<P extends readonly Param[]> = {
  -readonly [K in keyof P]: P[K] extends Param<infer S> ? z.output<S> : never;
};

/** What the scenario journal keeps of a call, besides its time and method. */
export interface JournalRecord {
  args: unknown[];
  /** The id the call made, so replay can check it makes the same. */
  result?: string;
}

/**
 * How a journaled call is kept: its arguments as given, those and the id it made, or a record
 * of its own (for calls whose result fixes values the arguments left open).
 */
export type JournalRule<R, A = unknown[]> =
  'arguments' | 'argumentsAndId' | ((result: R, args: A) => JournalRecord);

export interface MethodEntry<P extends readonly Param[] = readonly Param[], R = unknown> {
  readonly params: P;
  /** Hosts save after a mutating call; a read-only one changes nothing. */
  readonly mutates: boolean;
  /** Present for calls a scenario file replays (usage and clock moves are kept otherwise). */
  readonly journal?: JournalRule<R, ParsedArgs<P>>;
  /** The last parameter is request options with an idempotencyKey. */
  readonly idempotent?: boolean;
  /**
   * The handler checks everything before its first change and nothing after it can fail, so the
   * call needs no checkpoint (the hot path of usage records). Other mutating calls are rolled
   * back from a checkpoint when they fail part-way.
   */
  readonly atomic?: boolean;
  readonly run: (state: ScenarioState, args: ParsedArgs<P>) => R;
  /** Long calls: the same work as run, yielding between steps so a host can report and cancel. */
  readonly steps?: (state: ScenarioState, args: ParsedArgs<P>) => Generator<StepProgress, R>;
}

/** Declares an entry; the identity, so that its parameter and result types are inferred. */
export function method<const P extends readonly Param[], R>(
  entry: MethodEntry<P, R>,
): MethodEntry<P, R> {
  return entry;
}

/** How a host shares its event loop with long work. */
export interface StepPacing {
  /** Lets the host handle other work (I/O, timers, a cancel); Node hosts pass a setImmediate. */
  yieldToHost(): Promise<void>;
  /**
   * Monotonic milliseconds (hosts pass performance.now). With it, work yields once it has run
   * `sliceMs`; without it, once per percent of progress.
   */
  now?(): number;
  /** The longest the work runs between yields, when `now` is given (default 20 ms). */
  sliceMs?: number;
  /** Aborted when the caller gave up: the work stops at its next stopping point. */
  signal?: { readonly aborted: boolean };
  /** Hears progress, at most once per percent. */
  progress?(done: number, total: number): void;
}

/** Work between two yields to the host, by default: well under the 100 ms a host may be held. */
export const DEFAULT_SLICE_MS = 20;

/**
 * Runs stepwise work, yielding to the host after each slice of it. Returns the work's result, or
 * `stopped` when the signal was aborted: the work then rests at a stopping point (a step that is
 * not partial), and the generator is left unfinished.
 */
export async function runPaced<R>(
  steps: Generator<StepProgress, R>,
  pacing: StepPacing,
): Promise<{ value: R } | { stopped: true }> {
  const { now, signal } = pacing;
  const sliceMs = pacing.sliceMs ?? DEFAULT_SLICE_MS;
  let reported = -1;
  let sliceStart = now?.() ?? 0;
  for (;;) {
    const step = steps.next();
    if (step.done) return { value: step.value };
    const { from, to, at, partial } = step.value;
    const percent = Math.floor(((at - from) / Math.max(1, to - from)) * 100);
    const newPercent = percent !== reported;
    if (newPercent) {
      reported = percent;
      pacing.progress?.(at - from, to - from);
    }
    if (now ? now() - sliceStart >= sliceMs : newPercent) {
      await pacing.yieldToHost();
      sliceStart = now?.() ?? 0;
    }
    if (!partial && signal?.aborted) {
      // Closes the steps, so their cleanup runs (a checkpoint stops recording changes).
      steps.return(undefined as R);
      return { stopped: true };
    }
  }
}
