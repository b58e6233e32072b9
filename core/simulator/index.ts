// createSimulator: one scenario's state behind the API shaped like the guide's SDK, built from
// the registry. Pure: time is the scenario's test clock, ids and randomness come from its seed.
// Every method validates all of its input before it changes anything.
import { copy } from '../values/json';
import { makeId } from '../values/ids';
import { parseArgs, unixSeconds } from '../values/validation';
import type { StepProgress } from '../resources/entry';
import { nextDueTime } from '../resources/clock';
import { settingsUpdateArgs } from '../resources/schemas';
import {
  DEFAULT_SETTINGS,
  SNAPSHOT_SCHEMA_VERSION,
  emptyBillingState,
  migrateSnapshot,
} from '../resources/snapshot';
import type { SaveView, Snapshot } from '../resources/snapshot';
import type { UsageColumns } from '../rules/usage/columns';
import { ScenarioState } from '../resources/state';
import type { SimulatorSettings, TestClock } from '../public/types';
import type { SimulatorApi } from './api';
import { invoke, invokeSteps } from './invoke';
import type { StateHolder } from './invoke';
import { isEntry, namespaces, registry } from './registry';
import type { EngineMethod, NamespaceTree } from './registry';

export type AdvanceProgress = StepProgress;

export interface SimulatorOptions {
  /** Unix seconds the test clock starts frozen at (default 2025-03-01T00:00:00Z). */
  startTime?: number;
  /** Seed of ids and randomness (default 1). */
  seed?: number;
  settings?: Partial<SimulatorSettings>;
  /** A snapshot to restore (any earlier schemaVersion is migrated, every value is checked). */
  snapshot?: unknown;
  /**
   * The snapshot's values were checked already (the workspace's own snapshots: checked when the
   * file loaded, or made by the engine), so opening it again skips the check.
   */
  snapshotChecked?: boolean;
  /**
   * The simulator owns the snapshot from here on, so it is adopted as it is, not copied (a
   * workspace's scenario that nothing else holds: copying 100,000 invoices would hold the host).
   */
  snapshotOwned?: boolean;
  /**
   * Usage columns to adopt as they are, no copy (the snapshot's usage lists them as null): what a
   * SaveView holds. The simulator owns them from here on.
   */
  columns?: ReadonlyMap<string, UsageColumns>;
}

export interface Simulator extends SimulatorApi {
  snapshot(): Snapshot;
  /** The state without a copy, as a save stores it (ScenarioState.saveView: read it at once). */
  saveView(): SaveView;
  /** The live clock, customers, prices and invoices, read without a copy (listings, exports). */
  view(): Readonly<Pick<Snapshot, 'clock' | 'customers' | 'invoices' | 'prices'>>;
  /** Distinct usage timestamps held in memory, and the bytes their columns take. */
  usageFootprint(): { timestamps: number; bytes: number };
  /** Meter events held in columns and their bytes; events in the identifier window and its bytes. */
  meterEventFootprint(): {
    events: number;
    bytes: number;
    windowEvents: number;
    windowBytes: number;
  };
  /**
   * The clock advance as a generator: yields after each billing moment so a host can report
   * progress or stop; stopping leaves a consistent state with the clock at the last moment run.
   */
  advanceStepwise(
    target: { frozenTime: number } | { subscription: string },
  ): Generator<AdvanceProgress, TestClock>;
  /** Runs a registry method by name with untrusted arguments (dispatch and replay). */
  call(method: EngineMethod, args: readonly unknown[]): unknown;
  /** A long registry method step by step, or null for one that runs in one go. */
  steps(method: EngineMethod, args: readonly unknown[]): Generator<StepProgress, unknown> | null;
  /** The next time the clock would run billing (a period end, a finalization, a retry);
   * Infinity when nothing is due. */
  nextBillingMoment(): number;
}

const DEFAULT_START = 1740787200; // 2025-03-01T00:00:00Z

function initialState(options: SimulatorOptions): Snapshot {
  const startTime = parseArgs(unixSeconds, options.startTime ?? DEFAULT_START, 'startTime');
  const seed = parseArgs(unixSeconds, options.seed ?? 1, 'seed') >>> 0;
  const settings = parseArgs(settingsUpdateArgs, options.settings ?? {}, 'settings');
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    seed,
    idCounter: 0,
    usageRecordCounter: 0,
    eventCounter: 0,
    generatorCounter: 0,
    rngState: seed,
    clock: { id: makeId('clock', seed, 0xffffffff), object: 'test_clock', frozenTime: startTime },
    settings: { ...DEFAULT_SETTINGS, ...settings },
    products: [],
    prices: [],
    customers: [],
    subscriptions: [],
    periodIndex: {},
    invoices: [],
    events: [],
    webhookEndpoints: [],
    balanceTransactions: [],
    coupons: [],
    taxRates: [],
    creditGrants: [],
    creditBalanceTransactions: [],
    pendingLines: [],
    journal: [],
    generators: [],
    idempotency: {},
    usage: {},
    billing: emptyBillingState(),
  };
}

/** A namespace tree as objects of functions, each calling its registry entry. */
function buildNamespace(
  holder: StateHolder,
  tree: NamespaceTree,
  prefix: string,
): Record<string, unknown> {
  const api: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(tree)) {
    const method = `${prefix}${name}` as EngineMethod;
    api[name] = isEntry(value)
      ? (...args: unknown[]) => invoke(holder, method, value, args)
      : buildNamespace(holder, value, `${method}.`);
  }
  return api;
}

/** The API's namespaces, each method calling its registry entry. */
function buildApi(holder: StateHolder): SimulatorApi {
  const api = buildNamespace(holder, namespaces as unknown as NamespaceTree, '');
  api.quote = (...args: unknown[]) => invoke(holder, 'quote', registry.get('quote')!, args);
  return api as unknown as SimulatorApi;
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  // Adopted columns may come from a file: checked like usage read from a snapshot's JSON.
  for (const columns of options.columns?.values() ?? []) columns.check();
  const holder: StateHolder = {
    state: new ScenarioState(
      options.snapshot === undefined
        ? initialState(options)
        : migrateSnapshot(options.snapshotOwned ? options.snapshot : copy(options.snapshot), {
            checked: options.snapshotChecked === true,
          }),
      options.columns,
    ),
  };
  const entryOf = (method: EngineMethod) => {
    const entry = registry.get(method);
    if (!entry) throw new TypeError(`Unknown engine method '${String(method)}'.`);
    return entry;
  };
  return {
    ...buildApi(holder),
    snapshot: () => holder.state.snapshot(),
    saveView: () => holder.state.saveView(),
    view: () => holder.state.data,
    usageFootprint: () => {
      let timestamps = 0;
      let bytes = 0;
      for (const item of holder.state.usage.keys()) {
        const columns = holder.state.columns(item);
        timestamps += columns.length;
        bytes += columns.byteLength;
      }
      return { timestamps, bytes };
    },
    meterEventFootprint: () => {
      let events = 0;
      let bytes = 0;
      for (const columns of holder.state.meterEvents.partitions()) {
        events += columns.length;
        bytes += columns.byteLength;
      }
      const window = holder.state.meterEvents.window;
      return { events, bytes, windowEvents: window.size, windowBytes: window.byteLength };
    },
    advanceStepwise: (target) => {
      const method =
        'subscription' in target ? 'testClock.advanceBillingPeriod' : 'testClock.advance';
      return invokeSteps(holder, entryOf(method), [target]) as Generator<
        AdvanceProgress,
        TestClock
      >;
    },
    call: (method, args) => invoke(holder, method, entryOf(method), args),
    steps: (method, args) => {
      const entry = entryOf(method);
      return entry.steps ? invokeSteps(holder, entry, args) : null;
    },
    nextBillingMoment: () => nextDueTime(holder.state, Infinity) ?? Infinity,
  };
}
