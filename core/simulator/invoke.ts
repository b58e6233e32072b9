// Running one registry entry: its arguments parsed (errors name the field), idempotency keys
// honoured, the journal written for replayable calls. The API, dispatch and replay all call here.
import { MeterlabError } from '../values/errors';
import { canonicalJson, copy } from '../values/json';
import { parseArgs } from '../values/validation';
import { releaseCheckpoint, restoreCheckpoint, takeCheckpoint } from '../resources/checkpoint';
import type { MethodEntry, StepProgress } from '../resources/entry';
import type { ScenarioState } from '../resources/state';

/** The scenario's state; a failed call replaces it with the state from before the call. */
export interface StateHolder {
  state: ScenarioState;
}
import type { EngineMethod } from './registry';

/** The call's arguments with trailing undefined removed, as the journal keeps them. */
function given(args: readonly unknown[]): unknown[] {
  return args.slice(0, args.findLastIndex((arg) => arg !== undefined) + 1);
}

function parsed(entry: MethodEntry, args: readonly unknown[]): never {
  return entry.params.map((p, index) => parseArgs(p.schema, args[index], p.name)) as never;
}

/** Runs an idempotent request: a key seen with the same parameters returns the first response. */
function idempotent(
  state: ScenarioState,
  method: EngineMethod,
  args: readonly unknown[],
  key: string | undefined,
  run: () => unknown,
): unknown {
  if (key === undefined) return run();
  const fingerprint = canonicalJson([method, args[0]]);
  const seen = state.data.idempotency[key];
  if (seen && seen.createdAt + state.data.settings.idempotencyKeyTtlSeconds > state.now) {
    if (seen.fingerprint !== fingerprint) {
      throw new MeterlabError(
        'idempotency_error',
        'idempotency_key_reused',
        'idempotencyKey',
        `Idempotency key '${key}' was already used with other parameters: use a new key for a new request.`,
      );
    }
    return copy(seen.response);
  }
  const response = run();
  // NOTE: only successful requests are remembered, so a corrected retry with the same key runs.
  state.data.idempotency[key] = { fingerprint, response: copy(response), createdAt: state.now };
  return response;
}

/** Writes the journal entry of a replayable call that succeeded. */
function journal(
  state: ScenarioState,
  method: EngineMethod,
  entry: MethodEntry,
  at: number,
  args: readonly unknown[],
  values: never,
  result: unknown,
): void {
  const rule = entry.journal;
  if (rule === undefined) return;
  const record =
    typeof rule === 'function'
      ? rule(result, values)
      : {
          args: copy(given(args)),
          ...(rule === 'argumentsAndId' ? { result: (result as { id: string }).id } : {}),
        };
  state.data.journal.push({ at, method, ...record });
}

/** Runs `work` all or nothing: a failure restores the state from before it, then rethrows. */
function allOrNothing<T>(holder: StateHolder, entry: MethodEntry, work: () => T): T {
  if (!entry.mutates || entry.atomic) return work();
  const checkpoint = takeCheckpoint(holder.state);
  try {
    return work();
  } catch (error) {
    holder.state = restoreCheckpoint(holder.state, checkpoint);
    throw error;
  } finally {
    releaseCheckpoint(holder.state);
  }
}

/** Runs a method with untrusted arguments. */
export function invoke(
  holder: StateHolder,
  method: EngineMethod,
  entry: MethodEntry,
  args: readonly unknown[],
): unknown {
  const state = holder.state;
  const at = state.now;
  const values = parsed(entry, args);
  try {
    return allOrNothing(holder, entry, () => {
      const run = () => entry.run(state, values);
      const key = (values as { idempotencyKey?: string }[]).at(-1)?.idempotencyKey;
      const result = entry.idempotent ? idempotent(state, method, args, key, run) : run();
      journal(state, method, entry, at, args, values, result);
      return result;
    });
  } finally {
    if (entry.mutates) holder.state.changes += 1;
  }
}

/**
 * A long method step by step (progress, cancel); null for methods that run in one go. Stopping
 * early keeps the steps done (a consistent state); a failure undoes the whole call.
 */
export function* invokeSteps(
  holder: StateHolder,
  entry: MethodEntry,
  args: readonly unknown[],
): Generator<StepProgress, unknown> {
  const steps = entry.steps!(holder.state, parsed(entry, args));
  const checkpoint = takeCheckpoint(holder.state);
  try {
    return yield* steps;
  } catch (error) {
    holder.state = restoreCheckpoint(holder.state, checkpoint);
    throw error;
  } finally {
    // Also when the caller stops early (return()): the steps done stay.
    releaseCheckpoint(holder.state);
    holder.state.changes += 1;
  }
}
