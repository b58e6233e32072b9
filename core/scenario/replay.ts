// Scenario files in and out. Export writes the engine's journal of calls and its usage columns;
// import replays them through the engine's public API, so an imported scenario is recomputed by
// the same engine and bills the same invoices, to the cent, by construction.
import { MeterlabError, invalidRequest } from '../values/errors';
import { isoInstant } from '../values/time';
import { settingsUpdateArgs } from '../resources/schemas';
import { slotsBetween } from '../rules/generators';
import { createSimulator } from '../simulator';
import type { Simulator } from '../simulator';
import { registry } from '../simulator/registry';
import { drain } from '../resources/entry';
import type { StepProgress } from '../resources/entry';
import { DEFAULT_SETTINGS } from '../resources/snapshot';
import { meterEventCalls } from '../rules/meters/calls';
import type { Snapshot } from '../resources/snapshot';
import type { SimulatorSettings, Subscription } from '../public/types';
import {
  SCENARIO_FORMAT,
  SCENARIO_SCHEMA_VERSION,
  parseScenarioFile,
  problemOf,
  scenarioRefused,
} from './format';
import type { ReplayableMethod, ScenarioCall, ScenarioFile, ScenarioProblem } from './format';

export interface ScenarioMeta {
  name: string;
  description?: string;
}

export interface ReplayOptions {
  /** Called as the replay goes: calls and usage timestamps done, of the total. */
  onProgress?(done: number, total: number): void;
  /**
   * The most usage records the file's generators may produce up to its clock (default: the
   * engine's maxGeneratedRecordsPerAdvance default). The host sets it, never the file.
   */
  maxGeneratedRecords?: number;
}

export interface ScenarioImport {
  /** The replayed scenario, or null when the file was refused (see problems). */
  simulator: Simulator | null;
  problems: ScenarioProblem[];
  /** The file as read (migrated to the current version), or null when it did not read. */
  file: ScenarioFile | null;
  /** The version the file was migrated from, or null when it was current. */
  migratedFrom: number | null;
}

/** Largest batch the engine takes in one createBatch. */
const MAX_BATCH = 100_000;

/**
 * The settings a scenario started with. NOTE: the snapshot keeps only the current settings, so
 * a setting that a settings.update call changed is taken to have started at its default (every
 * host creates scenarios with the default settings); the update calls replay the changes.
 */
function startingSettings(snapshot: Snapshot): ScenarioFile['settings'] {
  const changed = new Set(
    snapshot.journal
      .filter((entry) => entry.method === 'settings.update')
      .flatMap((entry) => Object.keys((entry.args[0] ?? {}) as object)),
  );
  const settings: Record<string, unknown> = {};
  for (const key of Object.keys(settingsUpdateArgs.shape) as (keyof SimulatorSettings)[]) {
    settings[key] = changed.has(key) ? DEFAULT_SETTINGS[key] : snapshot.settings[key];
  }
  return settings as ScenarioFile['settings'];
}

/** The scenario as a file: its calls, its manually reported usage and its clock. */
export function exportScenario(snapshot: Snapshot, meta: ScenarioMeta): ScenarioFile {
  const usage: ScenarioFile['usage'] = {};
  for (const [item, columns] of Object.entries(snapshot.usage)) {
    if (!columns) {
      throw invalidRequest(
        'snapshot_invalid',
        `snapshot.usage.${item}`,
        `The usage of ${item} is not in the snapshot: join the bulk data first (joinSnapshot).`,
      );
    }
    if (columns.timestamps.length > 0) {
      usage[item] = { timestamps: [...columns.timestamps], values: [...columns.values] };
    }
  }
  // Meter event calls are journaled as markers: their events come from the meter columns.
  const eventCalls = meterEventCalls(snapshot.billing.meters, snapshot.billing.meterEvents);
  let eventCall = 0;
  const argsOf = (entry: Snapshot['journal'][number]): unknown[] => {
    if (entry.method === 'billing.meterEvents.create') return eventCalls[eventCall++]!;
    if (entry.method === 'billing.meterEvents.createBatch')
      return [{ events: eventCalls[eventCall++]! }];
    return entry.args;
  };
  const calls: ScenarioCall[] = snapshot.journal.map((entry) => ({
    at: entry.at,
    method: entry.method as ReplayableMethod,
    args: argsOf(entry),
    ...(entry.result === undefined ? {} : { result: entry.result }),
  }));
  // Nothing happens before the first call (there is nothing to bill), so replay may start there.
  const startTime = Math.min(calls[0]?.at ?? Infinity, snapshot.clock.frozenTime);
  return {
    format: SCENARIO_FORMAT,
    schemaVersion: SCENARIO_SCHEMA_VERSION,
    name: meta.name,
    ...(meta.description === undefined ? {} : { description: meta.description }),
    seed: snapshot.seed,
    startTime,
    settings: startingSettings(snapshot),
    calls,
    usage,
    clock: { frozenTime: snapshot.clock.frozenTime },
  };
}

/** Reads and replays a scenario file, or lists every problem found (nothing is changed). */
export function importScenario(input: unknown, options: ReplayOptions = {}): ScenarioImport {
  return drain(importScenarioSteps(input, options));
}

/**
 * importScenario step by step: it yields between calls, usage batches and the clock's steps, so
 * a host can stay responsive and cancel (dropping the replayed scenario changes nothing).
 */
export function* importScenarioSteps(
  input: unknown,
  options: ReplayOptions = {},
): Generator<StepProgress, ScenarioImport> {
  const parsed = parseScenarioFile(input);
  if ('problems' in parsed) {
    return { simulator: null, problems: parsed.problems, file: null, migratedFrom: null };
  }
  const { file, migratedFrom } = parsed;
  const tooLarge = generationProblem(file, options.maxGeneratedRecords);
  if (tooLarge) return { simulator: null, problems: [tooLarge], file, migratedFrom };
  try {
    return { simulator: yield* replay(file, options), problems: [], file, migratedFrom };
  } catch (error) {
    if (error instanceof ReplayRefused) {
      return { simulator: null, problems: [error.problem], file, migratedFrom };
    }
    throw error;
  }
}

/**
 * NOTE: a file whose generators would produce more records up to its clock than the host allows
 * is refused before anything is replayed, with the estimate: an import never runs for minutes.
 */
function generationProblem(file: ScenarioFile, limit?: number): ScenarioProblem | null {
  const bound = limit ?? DEFAULT_SETTINGS.maxGeneratedRecordsPerAdvance;
  const stoppedAt = new Map<unknown, number>();
  for (const call of file.calls) {
    if (call.method === 'generators.stop') stoppedAt.set(call.args[0], call.at);
  }
  let estimate = 0;
  for (const call of file.calls) {
    if (call.method !== 'generators.create') continue;
    const { spec, id } = (call.args[0] ?? {}) as { spec?: Record<string, unknown>; id?: unknown };
    const start = typeof spec?.start === 'number' ? spec.start : call.at;
    const until = Math.min(stoppedAt.get(id) ?? Infinity, file.clock.frozenTime) + 1;
    estimate += slotsBetween(spec ?? {}, start, until);
  }
  if (estimate <= bound) return null;
  return {
    path: 'calls',
    code: 'work_too_large',
    message: `The file's generators would produce about ${estimate.toLocaleString('en-US')} usage records up to its clock, more than the limit of ${bound.toLocaleString('en-US')}: stop generators earlier, use a coarser resolutionSeconds, or raise the limit (CLI: --max-records).`,
  };
}

/** Every problem of a file: its fields first; a file that reads well is replayed to the end. */
export function validateScenario(input: unknown): ScenarioProblem[] {
  return importScenario(input).problems;
}

/** Like importScenario, but a refused file throws a MeterlabError naming the first problem. */
export function replayScenario(input: unknown, options: ReplayOptions = {}): Simulator {
  return drain(replayScenarioSteps(input, options));
}

/** replayScenario step by step (see importScenarioSteps). */
export function* replayScenarioSteps(
  input: unknown,
  options: ReplayOptions = {},
): Generator<StepProgress, Simulator> {
  const { simulator, problems } = yield* importScenarioSteps(input, options);
  if (!simulator) throw scenarioRefused(problems);
  return simulator;
}

/** A replay stopped at a call or a record the engine refused. */
class ReplayRefused extends Error {
  constructor(readonly problem: ScenarioProblem) {
    super(problem.message);
  }
}

/** The file's usage merged into one stream ordered by timestamp (then by item, as listed). */
interface UsageStream {
  items: string[];
  /** Per position in time order: the item's index in `items`, its timestamp, value and index. */
  item: Uint32Array;
  timestamp: Float64Array;
  value: Float64Array;
  index: Uint32Array;
}

function usageStream(usage: ScenarioFile['usage']): UsageStream {
  const items = Object.keys(usage);
  const total = items.reduce((count, item) => count + usage[item]!.timestamps.length, 0);
  const order: [number, number][] = [];
  items.forEach((item, itemIndex) => {
    for (let i = 0; i < usage[item]!.timestamps.length; i++) order.push([itemIndex, i]);
  });
  const at = ([itemIndex, i]: [number, number]) => usage[items[itemIndex]!]!.timestamps[i]!;
  order.sort((a, b) => at(a) - at(b) || a[0] - b[0]);
  const stream: UsageStream = {
    items,
    item: new Uint32Array(total),
    timestamp: new Float64Array(total),
    value: new Float64Array(total),
    index: new Uint32Array(total),
  };
  order.forEach(([itemIndex, i], position) => {
    const columns = usage[items[itemIndex]!]!;
    stream.item[position] = itemIndex;
    stream.timestamp[position] = columns.timestamps[i]!;
    stream.value[position] = columns.values[i]!;
    stream.index[position] = i;
  });
  return stream;
}

/** Methods whose first argument is the id of the object they act on. */
function idFirst(method: ReplayableMethod): boolean {
  return registry.get(method)?.params[0]?.name === 'id';
}

/** Where in a call's arguments an engine error's param points. */
function argumentPath(call: ScenarioCall, callPath: string, param: string | null): string {
  if (param === null) return callPath;
  if (idFirst(call.method) && (param === 'id' || call.args.length === 1)) {
    return `${callPath}.args[0]`;
  }
  const argument = `${callPath}.args[${idFirst(call.method) ? 1 : 0}]`;
  return param.startsWith('[') ? `${argument}${param}` : `${argument}.${param}`;
}

/**
 * Reports the given stream positions (all stamped at or before the clock), yielding after each
 * batch (or record).
 */
function* reportPositions(
  sim: Simulator,
  stream: UsageStream,
  positions: number[],
  step: () => StepProgress,
): Generator<StepProgress, void> {
  const byItem = new Map<number, number[]>();
  for (const position of positions) {
    const item = stream.item[position]!;
    const list = byItem.get(item);
    if (list) list.push(position);
    else byItem.set(item, [position]);
  }
  // NOTE: one record at a time while a draft invoice waits: a batch then refreshes the draft
  // (an invoice.updated event, which takes an id) even for records of the open period.
  const draftWaiting = sim.invoices.list({ status: 'draft', limit: 1 }).data.length > 0;
  const batchSize = draftWaiting ? 1 : MAX_BATCH;
  for (const [itemIndex, itemPositions] of byItem) {
    const item = stream.items[itemIndex]!;
    for (let from = 0; from < itemPositions.length; from += batchSize) {
      const chunk = itemPositions.slice(from, from + batchSize);
      // NOTE: increment, not set: on an item without generators each timestamp is reported
      // once, so both are the same; on an item with generators the file holds only the manual
      // records, which add to the generated ones at the same timestamp, as when a snapshot loads.
      const records = chunk.map((position) => ({
        quantity: stream.value[position]!,
        timestamp: stream.timestamp[position]!,
        action: 'increment' as const,
      }));
      try {
        if (draftWaiting) sim.usageRecords.create({ subscriptionItem: item, ...records[0]! });
        else sim.usageRecords.createBatch({ subscriptionItem: item, records });
      } catch (error) {
        if (!(error instanceof MeterlabError)) throw error;
        const bad = /^records\[(\d+)\]/.exec(error.param ?? '');
        const position = chunk[bad ? Number(bad[1]) : 0]!;
        throw new ReplayRefused({
          path: `usage.${item}.timestamps[${stream.index[position]!}]`,
          code: error.code,
          message: `Reporting the usage of ${item} at ${isoInstant(stream.timestamp[position]!)} was refused: ${error.message}`,
        });
      }
      yield step();
    }
  }
}

/**
 * Replays a file through the engine's public API: the clock moves to each call's time and the
 * call runs; each usage value is reported at its own timestamp before the clock passes it, so it
 * lands in the period it belongs to before that period closes.
 */
function* replay(file: ScenarioFile, options: ReplayOptions): Generator<StepProgress, Simulator> {
  let sim: Simulator;
  try {
    sim = createSimulator({ seed: file.seed, startTime: file.startTime, settings: file.settings });
  } catch (error) {
    if (!(error instanceof MeterlabError)) throw error;
    throw new ReplayRefused(problemOf(error));
  }
  const stream = usageStream(file.usage);
  const total = file.calls.length + stream.timestamp.length;
  let done = 0;
  let reported = -1;
  const progress = (count: number) => {
    done += count;
    const percent = Math.floor((done / Math.max(1, total)) * 100);
    if (percent !== reported && options.onProgress) {
      reported = percent;
      options.onProgress(done, total);
    }
  };
  /** Items the replay has created so far. */
  const known = new Set<string>();
  let cursor = 0;
  /** Records stamped at a call's time for items that call creates: reported right after it. */
  let deferred: number[] = [];

  const step = (): StepProgress => ({ from: 0, to: total, at: done });
  const now = () => sim.testClock.retrieve().frozenTime;
  const advance = function* (to: number): Generator<StepProgress, void> {
    if (to <= now()) return;
    try {
      const steps = sim.steps('testClock.advance', [{ frozenTime: to }])!;
      for (let next = steps.next(); !next.done; next = steps.next()) yield step();
    } catch (error) {
      if (!(error instanceof MeterlabError)) throw error;
      throw new ReplayRefused({
        path: 'clock.frozenTime',
        code: error.code,
        message: `Moving the clock to ${isoInstant(to)} was refused: ${error.message}`,
      });
    }
  };

  const report = function* (positions: number[]): Generator<StepProgress, void> {
    yield* reportPositions(sim, stream, positions, step);
    progress(positions.length);
  };

  /**
   * Reports every record stamped before `limit`, and those stamped at `limit` for items that
   * exist (`final`: all of them), moving the clock no further than the records need.
   */
  const reportUntil = function* (limit: number, final: boolean): Generator<StepProgress, void> {
    const isKnown = (position: number) => known.has(stream.items[stream.item[position]!]!);
    const ready: number[] = [];
    const waiting: number[] = [];
    for (const position of deferred) (final || isKnown(position) ? ready : waiting).push(position);
    deferred = waiting;
    if (ready.length > 0) yield* report(ready);
    while (cursor < stream.timestamp.length && stream.timestamp[cursor]! <= limit) {
      const first = stream.timestamp[cursor]!;
      // A moment already due runs on the next advance, one second on.
      const barrier = Math.max(sim.nextBillingMoment(), now() + 1);
      if (first >= barrier) {
        yield* advance(barrier); // the moment runs first: a record stamped at a period's end is in the next
        continue;
      }
      const run: number[] = [];
      let end = cursor;
      while (end < stream.timestamp.length) {
        const timestamp = stream.timestamp[end]!;
        if (timestamp >= barrier || timestamp > limit) break;
        if (timestamp === limit && !final && !isKnown(end)) deferred.push(end);
        else run.push(end);
        end++;
      }
      yield* advance(stream.timestamp[end - 1]!);
      if (run.length > 0) yield* report(run);
      cursor = end;
    }
  };

  for (const [index, call] of file.calls.entries()) {
    const path = `calls[${index}]`;
    yield* reportUntil(call.at, false);
    yield* advance(call.at);
    let result: unknown;
    try {
      result = sim.call(call.method, call.args);
    } catch (error) {
      if (!(error instanceof MeterlabError)) throw error;
      throw new ReplayRefused({
        path: argumentPath(call, path, error.param),
        code: error.code,
        message: `${call.method} at ${isoInstant(call.at)} was refused: ${error.message}`,
      });
    }
    const made = (result as { id?: unknown }).id;
    if (call.result !== undefined && made !== call.result) {
      throw new ReplayRefused({
        path: `${path}.result`,
        code: 'replay_id_mismatch',
        message: `Replaying ${call.method} created ${String(made)}, but the file says ${call.result}: calls were removed, reordered or edited, or the seed changed. Export the scenario from Meterlab again.`,
      });
    }
    if (call.method === 'subscriptions.create' || call.method === 'subscriptions.update') {
      for (const item of (result as Subscription).items.data) known.add(item.id);
    }
    progress(1);
    yield step();
  }
  yield* reportUntil(file.clock.frozenTime, true);
  yield* advance(file.clock.frozenTime);
  return sim;
}
