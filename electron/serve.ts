// `meterlab serve`: the engine API as resource-style HTTP routes on 127.0.0.1, over the same
// dispatch as the desktop app, the browser host and the CLI, so a developer's own code (through
// meterlab/client or plain fetch) runs against a local, stateful sandbox with a test clock.
// Routes come from core/routes.ts (derived from the method registry). Requests authenticate with
// `Authorization: Bearer sk_test_…` (a key per workspace, kept beside it); the Host header is
// checked, bodies are limited, foreign origins are refused and no CORS header is ever sent. The
// key is printed once on start and never logged.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorEnvelope, HostEvent } from '../core/contract';
import { createDispatcher } from '../core/dispatch';
import type { Dispatch } from '../core/dispatch';
import { IDEMPOTENCY_HEADER, argumentsOf, matchRoute, queryFields, routes } from '../core/routes';
import type { Route } from '../core/routes';
import { templateCatalog } from '../core/scenario/templates';
import { toErrorEnvelope } from '../core/values/errors';
import { Workspace } from '../core/workspace';
import {
  BodyTooLarge,
  MAX_BODY_BYTES,
  foreignOrigin,
  loopbackHosts,
  readBody,
  secretsMatch,
  sendJson,
} from './http';
import { LowdbWorkspaceStore } from './store';
import { startWebhookSender } from './webhook-sender';
import type { WebhookSender, WebhookSenderOptions } from './webhook-sender';

export const DEFAULT_SERVE_PORT = 12111;
/** Calls waiting for the engine above this are answered 429 (retry after a second). */
export const MAX_PENDING_CALLS = 2_000;

export interface ApiServerOptions {
  dispatch: Dispatch;
  secretKey: string;
  /** Default 12111; 0 picks a free port. */
  port?: number;
  /**
   * Before a call, move the test clock up to the wall clock when it is behind, so usage stamped
   * `Math.floor(Date.now() / 1000)` lands in the open period (default true).
   */
  followWallClock?: boolean;
  /** Real webhook delivery; false sends none. */
  webhooks?: Omit<WebhookSenderOptions, 'dispatch' | 'onEvent'> | false;
  maxPendingCalls?: number;
  /** Wall clock in milliseconds (default Date.now). */
  now?: () => number;
  /** Hears the host events calls cause (a UI beside the server shows them live). */
  onEvent?: (event: HostEvent) => void;
}

export interface RunningApi {
  url: string;
  port: number;
  webhooks: WebhookSender | null;
  close(): Promise<void>;
}

/** A new test secret key. */
export function newSecretKey(): string {
  return `sk_test_${randomBytes(24).toString('base64url')}`;
}

/** The workspace's key, kept beside it (`<workspace>.serve-key`, readable by the owner only). */
export async function workspaceSecretKey(dataFile: string): Promise<string> {
  const file = `${dataFile}.serve-key`;
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (/^sk_test_[A-Za-z0-9_-]{16,}$/.test(stored)) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = newSecretKey();
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

const error = (type: string, code: string, message: string, param: string | null = null) => ({
  type,
  code,
  param,
  message,
});

/** The HTTP status that fits an engine refusal. */
export function statusOf(envelope: ErrorEnvelope): number {
  if (envelope.code === 'resource_missing' || envelope.code === 'scenario_not_found') return 404;
  if (envelope.type === 'card_error') return 402;
  if (envelope.type === 'idempotency_error' || envelope.code === 'resource_already_exists') {
    return 409;
  }
  if (envelope.code === 'no_scenario_open') return 409;
  if (envelope.type === 'api_error') return 500;
  return 400;
}

export async function startApiServer(options: ApiServerOptions): Promise<RunningApi> {
  const { dispatch, secretKey } = options;
  const now = options.now ?? Date.now;
  const maxPending = options.maxPendingCalls ?? MAX_PENDING_CALLS;
  let pending = 0;
  let allowedHosts = new Set<string>();
  let webhooks: WebhookSender | null = null;
  const onEvent = (event: HostEvent) => {
    options.onEvent?.(event);
    if (event.type === 'state.changed') webhooks?.poke();
  };

  const refuse = (
    response: ServerResponse,
    status: number,
    envelope: ErrorEnvelope,
    headers: Record<string, string> = {},
  ) => sendJson(response, status, { error: envelope }, headers);

  // NOTE: the test clock catches up with the wall clock (never back), checked at most once a
  // second; the calls of that second wait for it.
  let followedSecond = 0;
  let following: Promise<void> = Promise.resolve();
  function followClock(): Promise<void> {
    if (options.followWallClock === false) return following;
    const wall = Math.floor(now() / 1000);
    if (wall <= followedSecond) return following;
    followedSecond = wall;
    following = (async () => {
      const clock = await dispatch('testClock.retrieve', []);
      const frozenTime = clock.ok ? (clock.data as { frozenTime: number }).frozenTime : wall;
      if (frozenTime < wall)
        await dispatch('testClock.advance', [{ frozenTime: wall }], { onEvent });
    })();
    return following;
  }

  /** The body's fields: undefined when the request was answered (refused) here. */
  async function bodyFields(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<Record<string, unknown> | undefined> {
    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (caught) {
      if (!(caught instanceof BodyTooLarge)) throw caught;
      refuse(
        response,
        413,
        error(
          'invalid_request_error',
          'body_too_large',
          `The request body is over ${MAX_BODY_BYTES / 1024 / 1024} MiB: send usage in smaller batches.`,
        ),
        { Connection: 'close' },
      );
      return undefined;
    }
    if (body.length === 0) return {};
    const type = request.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) {
      refuse(
        response,
        415,
        error(
          'invalid_request_error',
          'unsupported_media_type',
          'Send the body as application/json.',
        ),
      );
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      refuse(
        response,
        400,
        error(
          'invalid_request_error',
          'invalid_json',
          'The body must be a JSON object of the parameters, in camelCase as in the guide.',
        ),
      );
      return undefined;
    }
    return parsed as Record<string, unknown>;
  }

  async function call(
    route: Route,
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    pathParams: Record<string, string>,
  ) {
    const header = request.headers[IDEMPOTENCY_HEADER];
    const idempotencyKey = Array.isArray(header) ? header[0] : header;
    if (idempotencyKey !== undefined && !route.args.some((a) => a.from === 'idempotency')) {
      const takers = routes.filter((r) => r.args.some((a) => a.from === 'idempotency'));
      return refuse(
        response,
        400,
        error(
          'invalid_request_error',
          'parameter_not_allowed',
          `${route.method} takes no Idempotency-Key: only ${takers.map((r) => r.method).join(' and ')} do.`,
          'Idempotency-Key',
        ),
      );
    }
    const fields =
      route.verb === 'GET'
        ? queryFields(route, url.searchParams)
        : await bodyFields(request, response);
    if (!fields) return;
    let args: unknown[];
    try {
      args = argumentsOf(route, {
        pathParams,
        fields,
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      });
    } catch (caught) {
      const envelope = toErrorEnvelope(caught);
      return refuse(response, statusOf(envelope), envelope);
    }
    if (pending >= maxPending) {
      return refuse(
        response,
        429,
        error('rate_limit_error', 'rate_limited', 'Too many calls are waiting: retry in a second.'),
        { 'Retry-After': '1' },
      );
    }
    pending += 1;
    try {
      // A client that goes away cancels long work (a fast-forward stops at a consistent point).
      const abort = new AbortController();
      response.on('close', () => {
        if (!response.writableFinished) abort.abort();
      });
      await followClock();
      const result = await dispatch(route.method, args, { onEvent, signal: abort.signal });
      if (response.destroyed) return;
      if (result.ok) return sendJson(response, 200, result.data);
      // Over HTTP the request options' key is a header: errors name it so.
      const param = /^(options\.)?idempotencyKey$/.test(result.error.param ?? '')
        ? 'Idempotency-Key'
        : result.error.param;
      refuse(response, statusOf(result.error), { ...result.error, param });
    } finally {
      pending -= 1;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    if (!allowedHosts.has(request.headers.host ?? '')) {
      return refuse(
        response,
        403,
        error(
          'invalid_request_error',
          'host_not_allowed',
          'Call Meterlab at the address it printed (127.0.0.1).',
        ),
      );
    }
    // No CORS: a page of another origin gets no answer it can read, and its preflights fail.
    if (foreignOrigin(request, allowedHosts)) {
      return refuse(
        response,
        403,
        error(
          'invalid_request_error',
          'origin_not_allowed',
          'Calls from web pages of other origins are not allowed.',
        ),
      );
    }
    const authorization = request.headers.authorization ?? '';
    const given = /^Bearer (.+)$/i.exec(authorization)?.[1]?.trim();
    if (!secretsMatch(given, secretKey)) {
      return refuse(
        response,
        401,
        error(
          'authentication_error',
          given ? 'api_key_invalid' : 'api_key_missing',
          given
            ? "The secret key is not this workspace's: use the sk_test_ key `meterlab serve` printed."
            : 'Send the secret key as `Authorization: Bearer sk_test_…` (`meterlab serve` prints it).',
        ),
      );
    }
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/v1/routes' && request.method === 'GET') {
      return sendJson(response, 200, { object: 'list', data: routes });
    }
    const match = matchRoute(request.method ?? '', url.pathname);
    if (match === null) {
      return refuse(
        response,
        404,
        error(
          'invalid_request_error',
          'route_unknown',
          `No route ${request.method} ${url.pathname.slice(0, 200)}: GET /v1/routes lists them.`,
        ),
      );
    }
    if ('allowed' in match) {
      return refuse(
        response,
        405,
        error(
          'invalid_request_error',
          'method_not_allowed',
          `Use ${match.allowed.join(' or ')} for ${url.pathname}.`,
        ),
        { Allow: match.allowed.join(', ') },
      );
    }
    return call(match.route, request, response, url, match.pathParams);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((caught: unknown) => {
      if (response.headersSent) return response.destroy();
      refuse(response, 500, error('api_error', 'internal_error', String(caught)));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_SERVE_PORT, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = loopbackHosts(port);
  if (options.webhooks !== false) {
    webhooks = await startWebhookSender({
      dispatch,
      ...options.webhooks,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    webhooks,
    async close() {
      webhooks?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export interface ServeOptions extends Omit<ApiServerOptions, 'dispatch' | 'secretKey'> {
  dataFile: string;
  /** The scenario to serve, by name; created empty when the workspace has none of that name. */
  scenario?: string;
}

export interface RunningServe extends RunningApi {
  secretKey: string;
  scenario: { id: string; name: string };
  notices: Workspace['notices'];
}

/** Opens the workspace file, picks the scenario, and serves it. */
export async function serve(options: ServeOptions): Promise<RunningServe> {
  const store = await LowdbWorkspaceStore.open({ file: options.dataFile });
  try {
    const workspace = await Workspace.load({ store, now: Date.now, templates: templateCatalog });
    const dispatch = createDispatcher(workspace, {
      yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
      now: () => performance.now(),
    });
    const scenario = await chooseScenario(dispatch, options.scenario);
    const secretKey = await workspaceSecretKey(options.dataFile);
    const api = await startApiServer({ ...options, dispatch, secretKey });
    return {
      ...api,
      secretKey,
      scenario,
      notices: workspace.notices,
      async close() {
        await api.close();
        try {
          await workspace.flush();
        } finally {
          await store.close();
        }
      },
    };
  } catch (caught) {
    await store.close();
    throw caught;
  }
}

async function chooseScenario(dispatch: Dispatch, name: string | undefined) {
  const expect = async <T>(method: string, args: unknown[]): Promise<T> => {
    const result = await dispatch(method, args);
    if (!result.ok) throw new Error(result.error.message);
    return result.data as T;
  };
  type Summary = { id: string; name: string };
  if (name === undefined) {
    const current = await expect<Summary | null>('workspace.current', []);
    if (current) return { id: current.id, name: current.name };
  }
  const wanted = name ?? 'Sandbox';
  const found = (await expect<Summary[]>('workspace.list', [])).find((s) => s.name === wanted);
  const opened = found
    ? await expect<Summary>('workspace.open', [found.id])
    : await expect<Summary>('workspace.create', [{ name: wanted }]);
  return { id: opened.id, name: opened.name };
}
