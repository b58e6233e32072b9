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
import type { MeterlabError } from './values/errors';
import { advanceArgs, advanceBillingPeriodArgs } from './resources/schemas';
import type { Simulator } from './simulator';
import type { TestClock } from './public/types';
import { parseArgs } from './values/validation';
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
}

export type Dispatch = (
  method: string,
  args: unknown,
  hooks?: DispatchHooks,
) => Promise<DispatchResult>;

export interface DispatcherOptions {
  /**
   * Lets the host handle other work (sending progress, noticing a cancel) between the steps of a
   * long call; Node hosts pass a setImmediate. Default: a microtask, which lets no I/O in.
   */
  yieldToHost?: () => Promise<void>;
}

/**
 * What a running call may use besides its arguments. Long work reports `progress` between steps
 * and stops early when `signal` is aborted, leaving a consistent state.
 */
export interface CallContext {
  progress(done: number, total: number): void;
  signal: CancelSignal | undefined;
  yieldToHost(): Promise<void>;
}

type Runner<T> = (target: T, args: unknown[], context: CallContext) => unknown;

interface MethodSpec<T> {
  /** Argument count bounds: [required, allowed]. */
  arity: readonly [number, number];
  /** Read-only calls skip the save and the state.changed event. */
  readOnly: boolean;
  /** How the call runs; engine methods default to calling the simulator's method of that name. */
  run?: Runner<T>;
}

/** Runs `namespace.name` (or the top-level `quote`) on the simulator with the tuple as is. */
function callEngine(method: EngineMethod, simulator: Simulator, args: unknown[]): unknown {
  const [namespace, name] = method.split('.') as [string, string | undefined];
  const owner = (
    name === undefined ? simulator : simulator[namespace as keyof Simulator]
  ) as Record<string, (...a: unknown[]) => unknown>;
  return owner[name ?? namespace]!.apply(owner, args);
}

/**
 * The clock advances, run step by step through the engine's advanceStepwise: progress at most once
 * per percent of the span, and a cancelled call stops after the billing moment it is at (a
 * consistent state) and answers with the clock where it stopped.
 */
function advanceInSteps(toTarget: (arg: unknown) => Parameters<Simulator['advanceStepwise']>[0]) {
  return async (
    simulator: Simulator,
    [arg]: unknown[],
    context: CallContext,
  ): Promise<TestClock> => {
    const steps = simulator.advanceStepwise(toTarget(arg));
    let reported = -1;
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      const { from, to, at } = step.value;
      const percent = Math.floor(((at - from) / Math.max(1, to - from)) * 100);
      if (percent === reported) continue;
      reported = percent;
      context.progress(at - from, to - from);
      await context.yieldToHost();
      if (context.signal?.aborted) return simulator.testClock.retrieve();
    }
  };
}

const reads = (min: number, max = min): MethodSpec<Simulator> => ({
  arity: [min, max],
  readOnly: true,
});
const writes = (min: number, max = min): MethodSpec<Simulator> => ({
  arity: [min, max],
  readOnly: false,
});

const engineMethods = {
  'products.create': writes(1),
  'products.retrieve': reads(1),
  'products.list': reads(0, 1),
  'prices.create': writes(1),
  'prices.retrieve': reads(1),
  'prices.list': reads(0, 1),
  'customers.create': writes(1),
  'customers.retrieve': reads(1),
  'customers.list': reads(0, 1),
  'customers.update': writes(2),
  'subscriptions.create': writes(1),
  'subscriptions.retrieve': reads(1),
  'subscriptions.list': reads(0, 1),
  'subscriptions.update': writes(2),
  'subscriptions.cancel': writes(1, 2),
  'usageRecords.create': writes(1, 2),
  'usageRecords.createBatch': writes(1, 2),
  'usageRecords.summaries': reads(1),
  'generators.create': writes(1),
  'generators.list': reads(0, 1),
  'generators.stop': writes(1),
  'generators.materialize': writes(1),
  'generators.preview': reads(1),
  'invoices.retrieve': reads(1),
  'invoices.list': reads(0, 1),
  'invoices.upcoming': reads(1),
  'invoices.pay': writes(1),
  'invoices.voidInvoice': writes(1),
  'invoices.markUncollectible': writes(1),
  'events.retrieve': reads(1),
  'events.list': reads(0, 1),
  'webhookEndpoints.create': writes(1),
  'webhookEndpoints.list': reads(0, 1),
  'webhookEndpoints.deliveries': reads(1),
  'webhooks.verify': reads(2, 3),
  'webhooks.generateTestHeader': reads(1),
  'testClock.retrieve': reads(0),
  'testClock.advance': {
    arity: [1, 1],
    readOnly: false,
    run: advanceInSteps((arg) => parseArgs(advanceArgs, arg)),
  },
  'testClock.advanceBillingPeriod': {
    arity: [1, 1],
    readOnly: false,
    run: advanceInSteps((arg) => parseArgs(advanceBillingPeriodArgs, arg)),
  },
  'settings.retrieve': reads(0),
  'settings.update': writes(1),
  'analysis.usageSeries': reads(1),
  'analysis.strategies': reads(1),
  'analysis.comparePrices': reads(1),
  quote: reads(2),
} satisfies Record<EngineMethod, MethodSpec<Simulator>>;

type WorkspaceSpec = MethodSpec<Workspace> & { run: Runner<Workspace> };

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
  'workspace.delete': { arity: [1, 1], readOnly: false, run: (w, [id]) => w.delete(id as string) },
  'workspace.undoDelete': { arity: [0, 0], readOnly: false, run: (w) => w.undoDelete() },
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
    run: (w, [a]) => w.exportInvoices(a as never),
  },
} satisfies Record<WorkspaceMethod, WorkspaceSpec>;

/** Every method of the contract, in the order above. */
export const methods: readonly Method[] = [
  ...(Object.keys(engineMethods) as EngineMethod[]),
  ...(Object.keys(workspaceMethods) as WorkspaceMethod[]),
];

/** Nesting deeper than this is refused: no API argument comes close. */
const maxDepth = 64;

/**
 * A copy of `value` holding plain JSON only (objects, arrays, strings, finite numbers, booleans,
 * null); `undefined` object fields are dropped. Anything else throws, naming where it is.
 */
export function plainJson(value: unknown, path: string, depth = 0): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw notJson(path, `${String(value)} is not a finite number`);
  }
  if (typeof value !== 'object') throw notJson(path, `a ${typeof value} is not JSON`);
  if (depth >= maxDepth) throw notJson(path, `it nests deeper than ${maxDepth} levels`);
  if (Array.isArray(value))
    return value.map((item, i) => plainJson(item, `${path}[${i}]`, depth + 1));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) {
    throw notJson(path, 'only plain objects and arrays cross the contract');
  }
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    // Defined as data, so a key named __proto__ stays a key.
    Object.defineProperty(copy, key, {
      value: plainJson(field, `${path}.${key}`, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function notJson(path: string, reason: string): MeterlabError {
  return invalidRequest(
    'parameter_invalid',
    path,
    `Invalid ${path}: ${reason}. Pass plain JSON values.`,
  );
}

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
    const isEngine = typeof method === 'string' && Object.hasOwn(engineMethods, method);
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
      ? engineMethods[method as EngineMethod]
      : workspaceMethods[method as WorkspaceMethod];
    const context: CallContext = {
      progress: (done, total) => hooks.onEvent?.({ type: 'progress', task: method, done, total }),
      signal: hooks.signal,
      yieldToHost,
    };
    let data: unknown;
    try {
      const tuple = argumentTuple(method, spec.arity, args);
      if (isEngine) {
        const simulator = workspace.simulator;
        if (!simulator) return { result: { ok: false, error: noScenarioOpen } };
        const { run } = spec as MethodSpec<Simulator>;
        data = await (run
          ? run(simulator, tuple, context)
          : callEngine(method as EngineMethod, simulator, tuple));
      } else {
        data = await (spec as WorkspaceSpec).run(workspace, tuple, context);
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
    const saved = workspace.save().then(
      (): DispatchResult => ({ ok: true, data }),
      (error: unknown): DispatchResult => ({ ok: false, error: saveFailed(error) }),
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
    message: `The change was made but could not be saved: ${toErrorEnvelope(error).message} It is kept in memory; the next change retries the save.`,
  };
}
