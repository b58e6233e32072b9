// The developer sandbox beside the window: `meterlab serve`'s API (electron/serve.ts) over the
// window's own dispatch, switched on and off from the UI. The desktop app and the browser host
// wrap their dispatch with it, so `sandbox.status`, `sandbox.start` and `sandbox.stop` are
// answered here and every other method goes on to the engine. Calls the developer's code makes
// through it, and its webhook tries, reach the window as host events (state.changed), so the
// views follow them live. Loopback only, with the workspace's sk_test key, as `meterlab serve`.
import type { DispatchResult, HostEvent, SandboxStatus } from '../core/contract';
import type { Dispatch } from '../core/dispatch';
import { invalidRequest, toErrorEnvelope } from '../core/values/errors';
import { DEFAULT_SERVE_PORT, startApiServer, workspaceSecretKey } from './serve';
import type { ApiServerOptions, RunningApi } from './serve';

export type SandboxOptions = Omit<ApiServerOptions, 'dispatch' | 'secretKey' | 'onEvent'>;

/** The window hears the sandbox's changes at most this often (the last one always). */
export const CHANGE_PUSH_MS = 250;

/**
 * Passes host events on, but state.changed at most once per `ms`: the first at once, the last of
 * a burst when the time is up. A developer's load test must not make the window reload on every
 * call (its reloads would queue behind the calls in the one dispatch).
 */
export function coalesceChanges(
  onEvent: (event: HostEvent) => void,
  ms = CHANGE_PUSH_MS,
  now: () => number = Date.now,
): (event: HostEvent) => void {
  let last = -Infinity;
  let waiting: HostEvent | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const push = (event: HostEvent) => {
    last = now();
    onEvent(event);
  };
  return (event) => {
    if (event.type !== 'state.changed') return onEvent(event);
    if (timer === null && now() - last >= ms) return push(event);
    waiting = event;
    timer ??= setTimeout(
      () => {
        timer = null;
        const latest = waiting!;
        waiting = null;
        push(latest);
      },
      Math.max(0, last + ms - now()),
    );
    timer.unref?.();
  };
}

export interface Sandbox {
  /** The host's dispatch, answering the sandbox methods itself. */
  dispatch: Dispatch;
  status(): Promise<SandboxStatus>;
  start(port?: number): Promise<SandboxStatus>;
  stop(): Promise<SandboxStatus>;
  /** A change was made in the window: its webhooks go out too. */
  poke(): void;
  /** The running API (tests), or null. */
  readonly api: RunningApi | null;
  close(): Promise<void>;
}

export function createSandbox(options: {
  dispatch: Dispatch;
  dataFile: string;
  onEvent: (event: HostEvent) => void;
  /** Options of the API server (port, webhooks, the wall clock); the port is the first one. */
  api?: SandboxOptions;
}): Sandbox {
  const { dispatch, dataFile } = options;
  const onEvent = coalesceChanges(options.onEvent);
  let port = options.api?.port ?? DEFAULT_SERVE_PORT;
  let api: RunningApi | null = null;
  // Starts and stops one at a time (two clicks, two windows).
  let turning: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = turning.then(work, work);
    turning = next.catch(() => undefined);
    return next;
  };

  async function status(): Promise<SandboxStatus> {
    return {
      running: api !== null,
      port: api?.port ?? port,
      url: api?.url ?? null,
      secretKey: await workspaceSecretKey(dataFile),
    };
  }

  const start = (wanted?: number) =>
    serially(async () => {
      if (wanted !== undefined && wanted !== port && api) {
        await api.close();
        api = null;
      }
      if (wanted !== undefined) port = wanted;
      if (!api) {
        const secretKey = await workspaceSecretKey(dataFile);
        try {
          api = await startApiServer({ ...options.api, port, dispatch, secretKey, onEvent });
          // Port 0 picked a free one: it stays the sandbox's port when turned off and on.
          port = api.port;
        } catch (error) {
          const { code } = error as NodeJS.ErrnoException;
          if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
          throw invalidRequest(
            'port_unavailable',
            'port',
            `Port ${port} ${code === 'EADDRINUSE' ? 'is used by another program' : 'needs more rights'}: pick another port (1024–65535), or 0 for any free one.`,
          );
        }
      }
      return status();
    });

  const stop = () =>
    serially(async () => {
      const running = api;
      api = null;
      await running?.close();
      return status();
    });

  function portArgument(args: unknown[]): number | undefined {
    const [given] = args;
    if (given === undefined) return undefined;
    const value = (given as { port?: unknown } | null)?.port;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      throw invalidRequest('parameter_invalid', 'args[0]', 'Pass { port } or nothing.');
    }
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65_535) {
      throw invalidRequest(
        'parameter_invalid',
        'port',
        'The port is a whole number from 1024 to 65535 (0 picks a free one).',
      );
    }
    return value;
  }

  async function answer(method: string, args: unknown): Promise<DispatchResult> {
    try {
      const list = Array.isArray(args) ? args : [];
      if (method === 'sandbox.status') return { ok: true, data: await status() };
      if (method === 'sandbox.start') return { ok: true, data: await start(portArgument(list)) };
      if (method === 'sandbox.stop') return { ok: true, data: await stop() };
      throw invalidRequest(
        'unknown_method',
        'method',
        `Unknown method '${method.slice(0, 100)}': the sandbox has sandbox.status, sandbox.start and sandbox.stop.`,
      );
    } catch (error) {
      return { ok: false, error: toErrorEnvelope(error) };
    }
  }

  return {
    dispatch: (method, args, hooks) =>
      typeof method === 'string' && method.startsWith('sandbox.')
        ? answer(method, args)
        : dispatch(method, args, hooks),
    status,
    start,
    stop,
    poke: () => api?.webhooks?.poke(),
    get api() {
      return api;
    },
    close: () => stop().then(() => undefined),
  };
}
