// The one dispatch every host calls: Electron IPC, the browser host, the CLI and tests. It checks
// the method name and the argument tuple, runs the call on the open scenario (engine methods) or
// the workspace (workspace.*), saves after a change, and answers with a plain-JSON DispatchResult.
// Hosts do transport only.
import type {
  DispatchResult,
  EngineMethod,
  ErrorEnvelope,
  HostEvent,
  Method,
  WorkspaceMethod,
} from './contract';
import { invalidRequest, toErrorEnvelope } from './values/errors';
import { plainJson } from './values/json';
import { runPaced } from './resources/entry';
import type { MethodEntry, StepProgress } from './resources/entry';
import type { Simulator } from './simulator';
import { arityOf, registry } from './simulator/registry';
import type { Workspace } from './workspace';

/** The part of an AbortSignal dispatch reads (core has no DOM types). */
export interface CancelSignal {
  readonly aborted: boolean;
}

export interface DispatchHooks {
  /** Hears the events this call causes: progress while it runs, state.changed after a change. */
  onEvent?(event: HostEvent): void;
  /** Aborted when the caller gave up (the window closed, the HTTP client went away). */
  signal?: CancelSignal;
  /**
   * Takes an export's text as it is made (workspace.exportInvoices), so a host streams it out
   * instead of holding one string of it; the result's `content` is then empty. The call waits
   * for `ready` at each yield, so no more than a slice of text is ever waiting to be sent.
   */
  output?: { write(piece: string): void; ready(): Promise<void> };
}

export type Dispatch = (
  method: string,
  args: unknown,
  hooks?: DispatchHooks,
) => Promise<DispatchResult>;

export interface DispatcherOptions {
  /**
   * Lets the host handle other work (sending progress, answering other requests, noticing a
   * cancel) between the slices of a long call; Node hosts pass a setImmediate. Default: a
   * microtask, which lets no I/O in.
   */
  yieldToHost?: () => Promise<void>;
  /**
   * Monotonic milliseconds (Node hosts pass performance.now): long work then yields after each
   * `sliceMs` of work (default 20 ms), so the host is never held much longer. Without it, long
   * work yields once per percent of its progress.
   */
  now?: () => number;
  sliceMs?: number;
}

/**
 * What a running call may use besides its arguments. Long work reports `progress` between steps
 * and stops early when `signal` is aborted, leaving a consistent state.
 */
export interface CallContext {
  progress(done: number, total: number): void;
  signal: CancelSignal | undefined;
  yieldToHost(): Promise<void>;
  now?: () => number;
  sliceMs?: number;
  /** Holds back saves until the returned function is called (see Workspace.holdSaves). */
  holdSaves(): () => void;
  /** Where an export's text goes as it is made (DispatchHooks.output). */
  write?: (piece: string) => void;
}

/**
 * Runs steps paced for the host. A long call rests part-way while it yields, so no save may
 * snapshot the state until it is done.
 */
async function runLong<R>(steps: Generator<StepProgress, R>, context: CallContext) {
  const release = context.holdSaves();
  try {
    return await runPaced(steps, context);
  } finally {
    release();
  }
}

/** A method's work: its result, or steps that yield to the host between slices of it. */
function isSteps(value: unknown): value is Generator<StepProgress, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator)[Symbol.iterator] === 'function'
  );
}

type Runner<T> = (target: T, args: unknown[], context: CallContext) => unknown;

interface MethodSpec<T> {
  /** Argument count bounds: [required, allowed]. */
  arity: readonly [number, number];
  /** Read-only calls skip the save and the state.changed event. */
  readOnly: boolean;
  run: Runner<T>;
}

/**
 * Runs a registry method on the open scenario. Long ones (the clock) run step by step, yielding
 * to the host after each slice of work: progress at most once per percent of the span, and a
 * cancelled call stops at the next consistent point (a billing moment done, or the clock part of
 * the way to the next one with the usage generated up to it) and answers with the clock there.
 */
function engineSpec(method: EngineMethod, entry: MethodEntry): MethodSpec<Simulator> {
  return {
    arity: arityOf(entry),
    readOnly: !entry.mutates,
    run: async (simulator, args, context) => {
      const steps = simulator.steps(method, args);
      if (!steps) return simulator.call(method, args);
      const ran = await runLong(steps, context);
      return 'value' in ran ? ran.value : simulator.testClock.retrieve();
    },
  };
}

/**
 * Runs a workspace method whose work comes as steps (imports, time travel, exports) like an
 * engine one; nothing changes before its last step, so a cancelled one is refused as it stands.
 */
async function workspaceSteps(method: string, work: unknown, context: CallContext) {
  if (!isSteps(work)) return work;
  const ran = await runLong(work, context);
  if ('value' in ran) return ran.value;
  throw invalidRequest('request_aborted', null, `${method} was cancelled: nothing changed.`);
}

const engineMethods = new Map(
  [...registry].map(([method, entry]) => [method as string, engineSpec(method, entry)]),
);

type WorkspaceSpec = MethodSpec<Workspace>;

// The workspace validates its own arguments, as the engine does.
const workspaceMethods = {
  'workspace.list': { arity: [0, 0], readOnly: true, run: (w) => w.list() },
  'workspace.create': { arity: [1, 1], readOnly: false, run: (w, [a]) => w.create(a as never) },
  'workspace.open': { arity: [1, 1], readOnly: false, run: (w, [id]) => w.open(id as string) },
  'workspace.current': { arity: [0, 0], readOnly: true, run: (w) => w.current() },
  'workspace.rename': {
    arity: [2, 2],
    readOnly: false,
    run: (w, [id, name]) => w.rename(id as string, name as string),
  },
  'workspace.duplicate': {
    arity: [1, 1],
    readOnly: false,
    run: (w, [id]) => w.duplicate(id as string),
  },
  'workspace.branch': { arity: [1, 1], readOnly: false, run: (w, [a]) => w.branch(a as never) },
  'workspace.rewind': { arity: [1, 1], readOnly: false, run: (w, [a]) => w.rewind(a as never) },
  'workspace.undoRewind': { arity: [0, 0], readOnly: false, run: (w) => w.undoRewind() },
  'workspace.delete': { arity: [1, 1], readOnly: false, run: (w, [id]) => w.delete(id as string) },
  'workspace.undoDelete': { arity: [0, 0], readOnly: false, run: (w) => w.undoDelete() },
  // Changes nothing itself: as a change, it is followed by the save that failed before.
  'workspace.save': { arity: [0, 0], readOnly: false, run: () => ({ saved: true }) },
  'workspace.templates': { arity: [0, 0], readOnly: true, run: (w) => w.templates() },
  'workspace.importScenario': {
    arity: [1, 1],
    readOnly: false,
    run: (w, [a]) => w.importScenario(a as never),
  },
  'workspace.exportScenario': {
    arity: [1, 1],
    readOnly: true,
    run: (w, [id]) => w.exportScenario(id as string),
  },
  'workspace.exportInvoices': {
    arity: [1, 1],
    readOnly: true,
    run: (w, [a], context) => w.exportInvoices(a as never, context.write),
  },
  'workspace.exportComparison': {
    arity: [1, 1],
    readOnly: true,
    run: (w, [a]) => w.exportComparison(a as never),
  },
} satisfies Record<WorkspaceMethod, WorkspaceSpec>;

/** Every method of the contract, in the order above. */
export const methods: readonly Method[] = [
  ...registry.keys(),
  ...(Object.keys(workspaceMethods) as WorkspaceMethod[]),
];

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length]!;
}

function unknownMethod(method: unknown): ErrorEnvelope {
  if (typeof method !== 'string') {
    return invalidRequest(
      'unknown_method',
      'method',
      'The method must be a string naming a contract method, such as "products.create".',
    ).toEnvelope();
  }
  const near = methods
    .map((candidate) => ({
      candidate,
      distance: editDistance(method.toLowerCase(), candidate.toLowerCase()),
    }))
    .sort((x, y) => x.distance - y.distance)[0]!;
  const hint =
    near.distance <= 3
      ? `did you mean '${near.candidate}'?`
      : "use a method of core/contract.ts, such as 'products.create' or 'workspace.list'.";
  return invalidRequest(
    'unknown_method',
    'method',
    `Unknown method '${method.slice(0, 100)}': ${hint}`,
  ).toEnvelope();
}

function checkArity(method: string, arity: readonly [number, number], args: unknown[]): void {
  const [min, max] = arity;
  if (args.length >= min && args.length <= max) return;
  const expected =
    min === max ? `${min} argument${min === 1 ? '' : 's'}` : `${min} to ${max} arguments`;
  const code = args.length < min ? 'parameter_missing' : 'parameter_invalid';
  const param = args.length < min ? `args[${args.length}]` : 'args';
  throw invalidRequest(code, param, `${method} takes ${expected}; got ${args.length}.`);
}

const noScenarioOpen = invalidRequest(
  'no_scenario_open',
  null,
  'No scenario is open: create one with workspace.create or open one with workspace.open.',
).toEnvelope();

/** Methods only the window's hosts answer (they wrap dispatch): here, what to use instead. */
const BESIDE_WINDOW = [
  ['sandbox.', 'sandbox_not_available', 'the developer sandbox', 'start `meterlab serve`'],
  ['backtest.', 'backtest_not_available', 'backtests', 'run `meterlab backtest`'],
] as const;

function besideWindow(method: string) {
  const found = BESIDE_WINDOW.find(([prefix]) => method.startsWith(prefix));
  if (!found) return null;
  const [, code, what, instead] = found;
  return invalidRequest(
    code,
    'method',
    `${method.slice(0, 100)}: ${what} run${what === 'backtests' ? '' : 's'} beside the window (the desktop app, the browser host); here, ${instead}.`,
  );
}

/** The result of running a call: ready now, or once the save covering its change is durable. */
type Ran = { result: DispatchResult } | { saved: Promise<DispatchResult> };

/**
 * One dispatch over one workspace. Calls run one at a time, in the order they arrive; a call's
 * save overlaps the calls after it, which join the next write (group commit).
 */
export function createDispatcher(workspace: Workspace, options: DispatcherOptions = {}): Dispatch {
  const yieldToHost = options.yieldToHost ?? (() => Promise.resolve());
  let running: Promise<unknown> = Promise.resolve();

  async function execute(method: string, args: unknown, hooks: DispatchHooks): Promise<Ran> {
    const isEngine = typeof method === 'string' && engineMethods.has(method);
    const beside = typeof method === 'string' ? besideWindow(method) : null;
    if (beside) return { result: { ok: false, error: beside.toEnvelope() } };
    if (!isEngine && !(typeof method === 'string' && Object.hasOwn(workspaceMethods, method))) {
      return { result: { ok: false, error: unknownMethod(method) } };
    }
    if (hooks.signal?.aborted) {
      const error = invalidRequest(
        'request_aborted',
        null,
        `${method} was cancelled before it ran.`,
      );
      return { result: { ok: false, error: error.toEnvelope() } };
    }
    const spec: MethodSpec<Simulator> | WorkspaceSpec = isEngine
      ? engineMethods.get(method)!
      : workspaceMethods[method as WorkspaceMethod];
    const { output } = hooks;
    const context: CallContext = {
      progress: (done, total) => hooks.onEvent?.({ type: 'progress', task: method, done, total }),
      signal: hooks.signal,
      yieldToHost: output ? () => yieldToHost().then(() => output.ready()) : yieldToHost,
      ...(output ? { write: (piece: string) => output.write(piece) } : {}),
      holdSaves: () => workspace.holdSaves(),
      ...(options.now ? { now: options.now } : {}),
      ...(options.sliceMs === undefined ? {} : { sliceMs: options.sliceMs }),
    };
    // A write may be reading the open scenario's live state (saves copy nothing): let it finish.
    if (!spec.readOnly) await workspace.reading;
    let data: unknown;
    try {
      const tuple = argumentTuple(method, spec.arity, args);
      if (isEngine) {
        const simulator = workspace.simulator;
        if (!simulator) return { result: { ok: false, error: noScenarioOpen } };
        data = await (spec as MethodSpec<Simulator>).run(simulator, tuple, context);
      } else {
        const work = (spec as WorkspaceSpec).run(workspace, tuple, context);
        data = await workspaceSteps(method, work, context);
      }
    } catch (error) {
      return { result: { ok: false, error: toErrorEnvelope(error) } };
    }
    try {
      data = plainJson(data ?? null, 'result');
    } catch (error) {
      const message = `${method} returned something that is not plain JSON (${(error as Error).message}); this is a bug in Meterlab.`;
      return {
        result: {
          ok: false,
          error: { type: 'api_error', code: 'result_not_json', param: null, message },
        },
      };
    }
    if (spec.readOnly) return { result: { ok: true, data } };

    const revision = workspace.markChanged();
    // NOTE: a change that was made but could not be saved is answered as made (ok, saved:
    // false): retrying it would make it twice; workspace.save retries the save alone.
    const saved = workspace.save().then(
      (): DispatchResult => ({ ok: true, data }),
      (error: unknown): DispatchResult => {
        const warning = saveFailed(error);
        hooks.onEvent?.({ type: 'save.failed', error: warning });
        return { ok: true, data, saved: false, warning };
      },
    );
    return {
      saved: saved.then((result) => {
        hooks.onEvent?.({ type: 'state.changed', scenario: workspace.currentId, revision });
        return result;
      }),
    };
  }

  return (method, args, hooks = {}) => {
    const ran = running.then(() => execute(method, args, hooks));
    running = ran;
    return ran.then((outcome) => ('result' in outcome ? outcome.result : outcome.saved));
  };
}

/** The call's arguments as a checked, plain-JSON tuple. */
function argumentTuple(method: string, arity: readonly [number, number], args: unknown): unknown[] {
  if (!Array.isArray(args)) {
    throw invalidRequest(
      'parameter_invalid',
      'args',
      `Pass ${method}'s arguments as an array (its argument tuple), e.g. [] or [{ ... }].`,
    );
  }
  // Hosts that clone (IPC) keep a trailing undefined; JSON hosts cannot send one.
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  const tuple = plainJson(args.slice(0, end), 'args') as unknown[];
  checkArity(method, arity, tuple);
  return tuple;
}

function saveFailed(error: unknown): ErrorEnvelope {
  return {
    type: 'api_error',
    code: 'save_failed',
    param: null,
    message: `The change was made but could not be saved: ${toErrorEnvelope(error).message} It is kept in memory: retry the save (workspace.save), and the next change retries it too.`,
  };
}
