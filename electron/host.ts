// The browser host: the same dispatch over HTTP on 127.0.0.1, for browsers and end-to-end tests.
// It serves the built renderer and POST /api/<method> ({ "args": [...] } in, DispatchResult
// out), pushes HostEvents as server-sent events on GET /api/events, and guards the API with a
// random per-run token, a Host header check (against DNS rebinding), a body-size limit, and the
// same CSP as the desktop window. POST calls take the token in a header only; a GET, which a
// browser makes without headers (EventSource, a new tab), may carry it as ?token=.
//
// The print page, which the user prints or saves as PDF from the browser, is opened in a tab, so
// its URL lands in the browser's history and in the printed page's footer. It never holds the
// token: POST /api/print/ticket gives a one-use ticket good for a minute, and the page is served
// at /api/print/invoices?ticket=<ticket>. A GET /api/print/invoices with the token is answered
// with a redirect to such a ticket URL, so the tab keeps only the ticket.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DispatchResult, ErrorEnvelope, HostEvent } from '../core/contract';
import { createDispatcher } from '../core/dispatch';
import { compactJsonPieces } from './json-text';
import { Workspace } from '../core/workspace';
import type { TemplateCatalog } from '../core/workspace';
import { templateCatalog } from '../core/scenario/templates';
import { noticeEvent } from '../core/workspace-store';
import type { StoreNotice } from '../core/workspace-store';
import {
  BodyTooLarge,
  MAX_BODY_BYTES,
  foreignOrigin,
  loopbackHosts,
  readBody,
  secretsMatch,
  sendJson,
} from './http';
import { SECURITY_HEADERS, printPageHeaders } from './security';
import { createSandbox } from './sandbox';
import type { SandboxOptions } from './sandbox';
import { readStaticFile } from './static-files';
import { createBacktestWindow, tooLargeUpload } from './backtest/window';
import { toErrorEnvelope } from '../core/values/errors';
import { MAX_USAGE_UPLOAD_BYTES } from '../core/public/backtest';
import { LowdbWorkspaceStore, explainStorageError } from './store';
import type { WebhookSender } from './webhook-sender';
import type { Sandbox } from './sandbox';

export const TOKEN_HEADER = 'x-meterlab-token';
export { MAX_BODY_BYTES } from './http';
/** A scenario file is one body: a million usage values take about 13 MiB, pretty-printed ~25. */
export const MAX_IMPORT_BODY_BYTES = 64 * 1024 * 1024;
/** GET /api/<PRINT_PATH>?ticket=...: the open scenario's invoices as a print page. */
export const PRINT_PATH = 'print/invoices';
/** GET /api/<PRINT_BACKTEST_PATH>?ticket=...: the last backtest's summary as a print page. */
export const PRINT_BACKTEST_PATH = 'print/backtest';
/** POST /api/<UPLOAD_PATH>?name=<file name>, the file's bytes as the body: a usage file. */
export const UPLOAD_PATH = 'backtest/upload';
/** POST /api/<PRINT_TICKET_PATH> { "args": [{ "invoice"?: "in_..." }] } -> { url }: a print ticket. */
export const PRINT_TICKET_PATH = 'print/ticket';
/** How long a print ticket may wait for its page to be opened. */
export const PRINT_TICKET_MS = 60_000;
/** Tickets waiting at most at once; the oldest gives way. */
const MAX_PRINT_TICKETS = 32;
const GET_PATHS = new Set(['events', PRINT_PATH, PRINT_BACKTEST_PATH]);
const HEARTBEAT_MS = 25_000;

export interface HostOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Wall clock for print tickets (default Date.now). */
  now?: () => number;
  dataFile: string;
  /** The built renderer (default dist/renderer). */
  staticDir?: string;
  /** Default: 24 random bytes, new each run. */
  token?: string;
  /** Default: the templates shipped in core/scenario/templates. */
  templates?: TemplateCatalog;
  /**
   * Start the developer sandbox (`meterlab serve`'s API over the same dispatch, so the calls of a
   * developer's own code show in the open window as they land) right away, with these options
   * (port 12111 by default). Without it, the window's sandbox panel starts it (sandbox.start).
   */
  api?: SandboxOptions;
  /** The sandbox's options when the window starts it (default: none, port 12111). */
  sandbox?: SandboxOptions;
  /** The shipped backtest sample's folder (default electron/backtest/sample). */
  sampleDir?: string;
}

export interface RunningHost {
  url: string;
  token: string;
  /** What the user must be told about the workspace file (also sent to each event stream). */
  notices: StoreNotice[];
  /** The API beside the window when it was started with options.api, with the workspace's key. */
  api: { url: string; secretKey: string; webhooks: WebhookSender | null } | null;
  /** The developer sandbox, as the window's panel drives it. */
  sandbox: Sandbox;
  /** Stops serving, waits for saves in flight, and releases the workspace file. */
  close(): Promise<void>;
}

const envelope = (type: string, code: string, message: string): ErrorEnvelope => ({
  type,
  code,
  param: null,
  message,
});

/** What `npm start` prints when the host cannot start: the cause and what to do about it. */
export function startFailureMessage(error: unknown, options: { dataFile: string; port?: number }) {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  if (syscall === 'listen' && (code === 'EADDRINUSE' || code === 'EACCES')) {
    return (
      `Meterlab cannot listen on port ${options.port}: ` +
      `${code === 'EADDRINUSE' ? 'another program uses it' : 'that port needs more rights'}. ` +
      'Start it with another --port, or without --port to pick a free one.'
    );
  }
  // A full disk, no permission, ...: what is wrong and what to do, not a bare ENOSPC.
  const explained = explainStorageError(error, options.dataFile, 'open');
  return explained instanceof Error ? explained.message : String(explained);
}

/** What a print ticket prints: one invoice (or all: null), and whether zero invoices are in;
 * or the last backtest's summary. */
interface PrintRequest {
  invoice: string | null;
  includeZero: boolean;
  backtest?: true;
}

/** One-use print tickets: the print page's URL carries one of these instead of the token. */
class PrintTickets {
  readonly #tickets = new Map<string, PrintRequest & { expires: number }>();
  constructor(readonly now: () => number) {}

  issue(request: PrintRequest): string {
    const now = this.now();
    for (const [ticket, { expires }] of this.#tickets) {
      if (expires <= now || this.#tickets.size >= MAX_PRINT_TICKETS) this.#tickets.delete(ticket);
    }
    const ticket = randomBytes(24).toString('base64url');
    this.#tickets.set(ticket, { ...request, expires: now + PRINT_TICKET_MS });
    return ticket;
  }

  /** What a ticket was issued for, once; undefined for an unknown or expired ticket. */
  redeem(ticket: string | null): PrintRequest | undefined {
    const found = ticket === null ? undefined : this.#tickets.get(ticket);
    if (!found) return undefined;
    this.#tickets.delete(ticket!);
    const { expires, ...request } = found;
    return expires > this.now() ? request : undefined;
  }
}

const printUrl = (ticket: string, path = PRINT_PATH) => `/api/${path}?ticket=${ticket}`;

/** Characters of a large result's content escaped and sent at a time (a few milliseconds). */
const CONTENT_PIECE = 256 * 1024;

const answerHead = (response: ServerResponse) =>
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });

/** The file's fields but its content, as JSON object members to follow `"content":"…"`. */
const fieldsAfterContent = (data: { content?: unknown }) => {
  const { content: _content, ...rest } = data;
  const fields = JSON.stringify(rest).slice(1, -1);
  return `"${fields ? ',' : ''}${fields}}}`;
};

/**
 * Sends a result; one whose data holds a long `content` goes a piece at a time, yielding between
 * pieces, as one JSON.stringify of it would hold the event loop for seconds. The text is the
 * same JSON.
 */
async function sendResult(
  response: ServerResponse,
  result: DispatchResult,
  dispatchMs: number,
): Promise<void> {
  const data = result.ok ? (result.data as { content?: unknown } | null) : null;
  const plain = Object.keys(result).length === 2; // { ok, data }: no save warning to carry
  if (!plain || typeof data?.content !== 'string' || data.content.length <= CONTENT_PIECE) {
    // The engine's share of the answer, for the page's Resource Timing (the e2e prints it).
    return sendJson(response, 200, result, {
      'Server-Timing': `dispatch;dur=${dispatchMs.toFixed(1)}`,
    });
  }
  const { content } = data;
  answerHead(response);
  response.write('{"ok":true,"data":{"content":"');
  for (let at = 0; at < content.length && !response.destroyed; at += CONTENT_PIECE) {
    // A piece may end inside a surrogate pair: its halves are escaped, and parse back as one.
    response.write(JSON.stringify(content.slice(at, at + CONTENT_PIECE)).slice(1, -1));
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end(fieldsAfterContent(data));
}

/** The methods whose answers can be large enough to send a piece at a time (sendPieces). */
const PIECEWISE_ANSWERS = new Set(['workspace.exportScenario', 'backtest.run', 'backtest.reprice']);

/** Text sent at a time by sendPieces; and how long it works before yielding to other requests. */
const WRITE_BYTES = 64 * 1024;
const PIECES_MS = 10;

/**
 * Sends a large result (a scenario file of a million usage records) as compact JSON written a
 * piece at a time, yielding to other requests every few milliseconds and while the client is
 * behind, where one JSON.stringify would hold the event loop for as long as the whole text.
 */
async function sendPieces(response: ServerResponse, result: DispatchResult): Promise<void> {
  answerHead(response);
  let text = '';
  let since = performance.now();
  for (const piece of compactJsonPieces(result)) {
    if (response.destroyed) return;
    text += piece;
    if (text.length < WRITE_BYTES) continue;
    const full = !response.write(text);
    text = '';
    if (full || performance.now() - since > PIECES_MS) {
      await (full ? drained(response) : new Promise((resolve) => setImmediate(resolve)));
      since = performance.now();
    }
  }
  response.end(text);
}

/** Resolves when the response can take more (or is gone). */
const drained = (response: ServerResponse) =>
  new Promise<void>((resolve) => {
    if (!response.writableNeedDrain || response.destroyed) return resolve();
    const done = () => {
      response.off('drain', done).off('close', done);
      resolve();
    };
    response.on('drain', done).on('close', done);
  });

/**
 * An export's text sent as it is made (DispatchHooks.output): the answer's `content` string is
 * written piece by piece, so the host never holds the whole text (a JSON of 100,000 invoices is
 * about 400 MB) nor builds it in one go. The call waits while the client is behind.
 */
function streamedContent(response: ServerResponse) {
  let begun = false;
  return {
    get begun() {
      return begun;
    },
    write(piece: string) {
      if (response.destroyed) return;
      if (!begun) {
        answerHead(response);
        response.write('{"ok":true,"data":{"content":"');
        begun = true;
      }
      response.write(JSON.stringify(piece).slice(1, -1));
    },
    ready: () => drained(response),
    /** Ends the answer begun; a call that failed after it began can only cut it short. */
    end(result: DispatchResult) {
      if (!result.ok) return response.destroy();
      response.end(fieldsAfterContent(result.data as { content?: unknown }));
    },
  };
}

/** The largest body a method accepts: only an import carries a whole scenario file. */
export function bodyLimit(method: string): number {
  return method === 'workspace.importScenario' ? MAX_IMPORT_BODY_BYTES : MAX_BODY_BYTES;
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const staticDir = options.staticDir ?? join(process.cwd(), 'dist', 'renderer');
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tickets = new PrintTickets(options.now ?? Date.now);
  const store = await LowdbWorkspaceStore.open({ file: options.dataFile });
  let workspace: Workspace;
  try {
    workspace = await Workspace.load({
      store,
      now: Date.now,
      templates: options.templates ?? templateCatalog,
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const engineDispatch = createDispatcher(workspace, {
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
    now: () => performance.now(),
  });
  const streams = new Set<ServerResponse>();
  const broadcast = (event: HostEvent) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const stream of streams) stream.write(frame);
    // Changes made in the window send their webhooks too.
    if (event.type === 'state.changed') sandbox.poke();
  };
  const sandbox = createSandbox({
    dispatch: engineDispatch,
    dataFile: options.dataFile,
    onEvent: broadcast,
    ...((options.api ?? options.sandbox) ? { api: options.api ?? options.sandbox } : {}),
  });
  // Backtests beside the window: DuckDB in this process, uploads beside the workspace.
  const backtest = createBacktestWindow(sandbox.dispatch, {
    dataFile: options.dataFile,
    ...(options.sampleDir ? { sampleDir: options.sampleDir } : {}),
  });
  const dispatch = backtest.dispatch;

  let allowedHosts = new Set<string>();

  const send = sendJson;

  const refuse = (response: ServerResponse, status: number, error: ErrorEnvelope, headers = {}) =>
    send(response, status, { ok: false, error }, headers);

  /** Shown in a browser tab: plain text, readable, and never interpreted as markup. */
  function sendText(response: ServerResponse, status: number, text: string) {
    response.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    response.end(text);
  }

  function openEventStream(request: IncomingMessage, response: ServerResponse) {
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    response.write('retry: 2000\n\n');
    // The notices of this run's start, for every window that connects.
    for (const notice of workspace.notices) {
      response.write(`data: ${JSON.stringify(noticeEvent(notice))}\n\n`);
    }
    streams.add(response);
    request.on('close', () => streams.delete(response));
  }

  /** Reads a call's `args` from its JSON body; undefined when it answered the request itself. */
  async function readArgs(
    method: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<{ args: unknown } | undefined> {
    const type = request.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) {
      refuse(
        response,
        415,
        envelope(
          'invalid_request_error',
          'unsupported_media_type',
          'Send the body as application/json: { "args": [...] }.',
        ),
      );
      return undefined;
    }
    let body: Buffer;
    const limit = bodyLimit(method);
    try {
      body = await readBody(request, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      const mib = limit / 1024 / 1024;
      refuse(
        response,
        413,
        envelope(
          'invalid_request_error',
          'body_too_large',
          limit === MAX_BODY_BYTES
            ? `The request body is over ${mib} MiB: send usage in smaller batches.`
            : `The scenario file is over ${mib} MiB: Meterlab cannot import it.`,
        ),
        { Connection: 'close' },
      );
      return undefined;
    }
    let args: unknown = [];
    if (body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        refuse(
          response,
          400,
          envelope(
            'invalid_request_error',
            'invalid_json',
            'The body is not JSON: send { "args": [...] }.',
          ),
        );
        return undefined;
      }
      args =
        typeof parsed === 'object' && parsed !== null
          ? (parsed as { args?: unknown }).args
          : parsed;
    }
    return { args };
  }

  async function callApi(method: string, request: IncomingMessage, response: ServerResponse) {
    const body = await readArgs(method, request, response);
    if (!body) return;
    const { args } = body;
    // A client that goes away cancels long work (a fast-forward stops at a consistent point).
    const abort = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) abort.abort();
    });
    const output = streamedContent(response);
    const started = performance.now();
    const result = await dispatch(method, args, {
      onEvent: broadcast,
      signal: abort.signal,
      output,
    });
    if (output.begun) output.end(result);
    else if (response.destroyed) return;
    // A scenario file holds every call and usage record, a backtest's outcome a row per customer
    // and hypothesis (5 × 10,000 took up to 586 ms in one JSON.stringify): sent a piece at a time.
    else if (PIECEWISE_ANSWERS.has(method) && result.ok) await sendPieces(response, result);
    else await sendResult(response, result, performance.now() - started);
  }

  /**
   * POST backtest/upload?name=<file name>: a usage file's bytes, streamed to a temp file beside
   * the workspace (never buffered or parsed here), refused past the limit with nothing kept.
   */
  async function uploadUsage(url: URL, request: IncomingMessage, response: ServerResponse) {
    const type = request.headers['content-type'] ?? '';
    if (!type.startsWith('application/octet-stream')) {
      return refuse(
        response,
        415,
        envelope(
          'invalid_request_error',
          'unsupported_media_type',
          "Send the usage file's bytes as application/octet-stream.",
        ),
      );
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    const result = await (
      declared > MAX_USAGE_UPLOAD_BYTES
        ? Promise.reject(tooLargeUpload(url.searchParams.get('name') ?? 'The usage file'))
        : backtest.upload(url.searchParams.get('name'), request)
    ).then(
      (data): DispatchResult => ({ ok: true, data }),
      (error: unknown): DispatchResult => ({ ok: false, error: toErrorEnvelope(error) }),
    );
    if (!result.ok && result.error.code === 'usage_file_too_large') {
      // The rest of the body is not read: the connection closes after the answer.
      return send(response, 413, result, { Connection: 'close' });
    }
    send(response, 200, result);
  }

  /** POST print/ticket: a ticket for the print page of one invoice (`{ invoice }`) or all. */
  async function issuePrintTicket(request: IncomingMessage, response: ServerResponse) {
    const body = await readArgs(PRINT_TICKET_PATH, request, response);
    if (!body) return;
    const [options = {}] = Array.isArray(body.args) ? (body.args as unknown[]) : [undefined];
    const { invoice, includeZero } = (options ?? {}) as {
      invoice?: unknown;
      includeZero?: unknown;
    };
    if (
      typeof options !== 'object' ||
      options === null ||
      (invoice !== undefined && (typeof invoice !== 'string' || invoice.length > 255)) ||
      (includeZero !== undefined && typeof includeZero !== 'boolean')
    ) {
      return send(response, 200, {
        ok: false,
        error: {
          ...envelope(
            'invalid_request_error',
            'parameter_invalid',
            'Send { "args": [{ "invoice": "in_..." }] }, or { "args": [] } for all invoices ({ "includeZero": true } prints zero creation invoices too).',
          ),
          param: 'invoice',
        },
      });
    }
    const ticket = tickets.issue({
      invoice: (invoice as string | undefined) ?? null,
      includeZero: includeZero === true,
    });
    send(response, 200, {
      ok: true,
      data: { url: printUrl(ticket), expiresInMs: PRINT_TICKET_MS },
    });
  }

  /**
   * The print page: HTML from the engine, under a CSP that allows its own styles and no script.
   * Its URL holds a ticket; asked with the token instead, it redirects to a ticket URL.
   */
  async function servePrintPage(
    url: URL,
    response: ServerResponse,
    tokenGiven: boolean,
    path: string,
  ) {
    const isBacktest = path === PRINT_BACKTEST_PATH;
    if (tokenGiven) {
      const ticket = tickets.issue({
        invoice: url.searchParams.get('invoice'),
        includeZero: url.searchParams.get('includeZero') === '1',
        ...(isBacktest ? { backtest: true as const } : {}),
      });
      response.writeHead(303, {
        ...SECURITY_HEADERS,
        Location: printUrl(ticket, path),
        'Cache-Control': 'no-store',
        'Content-Length': 0,
      });
      return response.end();
    }
    const redeemed = tickets.redeem(url.searchParams.get('ticket'));
    if (!redeemed || (redeemed.backtest === true) !== isBacktest) {
      return sendText(
        response,
        401,
        'This print link was already used or has expired: print again from Meterlab.',
      );
    }
    const { invoice, includeZero } = redeemed;
    const result = isBacktest
      ? await dispatch('backtest.export', [{ format: 'html' }])
      : await dispatch('workspace.exportInvoices', [
          invoice
            ? { format: 'html', invoice }
            : { format: 'html', ...(includeZero ? { includeZero } : {}) },
        ]);
    if (!result.ok) {
      const text = `Meterlab cannot print the ${isBacktest ? 'backtest' : 'invoices'}: ${result.error.message}`;
      return sendText(response, result.error.code === 'resource_missing' ? 404 : 400, text);
    }
    const { content } = result.data as { content: string };
    response.writeHead(200, {
      ...printPageHeaders(content),
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(content),
      'Cache-Control': 'no-store',
    });
    response.end(content);
  }

  async function serveStatic(request: IncomingMessage, response: ServerResponse, path: string) {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return refuse(
        response,
        405,
        envelope('invalid_request_error', 'method_not_allowed', 'Use GET for files.'),
        {
          Allow: 'GET, HEAD',
        },
      );
    }
    const file = await readStaticFile(staticDir, path);
    if (!file) {
      return refuse(
        response,
        404,
        envelope('invalid_request_error', 'not_found', `Nothing at ${path}.`),
      );
    }
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': file.contentType,
      'Content-Length': file.body.length,
      'Cache-Control': 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    // DNS rebinding: a page from another site resolved to 127.0.0.1 still sends its own Host.
    if (!allowedHosts.has(request.headers.host ?? '')) {
      return refuse(
        response,
        403,
        envelope(
          'invalid_request_error',
          'host_not_allowed',
          'Open Meterlab at the address it printed (127.0.0.1).',
        ),
      );
    }
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) {
      return serveStatic(request, response, url.pathname);
    }
    const name = url.pathname.slice('/api/'.length);
    // A print ticket stands in for the token, once (it is checked where the page is served).
    const isPrintPage = name === PRINT_PATH || name === PRINT_BACKTEST_PATH;
    const byTicket = isPrintPage && request.method === 'GET' && url.searchParams.has('ticket');
    // Only a GET may carry the token in its URL: a browser cannot add headers to those.
    const fromHeader = request.headers[TOKEN_HEADER] as string | undefined;
    const fromQuery = request.method === 'GET' ? url.searchParams.get('token') : null;
    const given = fromHeader ?? fromQuery;
    if (!byTicket && !secretsMatch(given, token)) {
      const inQuery = !given && url.searchParams.has('token');
      return refuse(
        response,
        401,
        envelope(
          'invalid_request_error',
          given ? 'token_invalid' : 'token_missing',
          inQuery
            ? `Send this run's token in the ${TOKEN_HEADER} header, not in the URL: only GET requests may carry it as ?token=.`
            : `Send this run's token in the ${TOKEN_HEADER} header: it is in the URL Meterlab printed.`,
        ),
      );
    }
    if (foreignOrigin(request, allowedHosts)) {
      return refuse(
        response,
        403,
        envelope(
          'invalid_request_error',
          'origin_not_allowed',
          `Calls from ${request.headers.origin} are not allowed.`,
        ),
      );
    }
    const verb = GET_PATHS.has(name) ? 'GET' : 'POST';
    if (!name) {
      return refuse(
        response,
        404,
        envelope('invalid_request_error', 'not_found', 'Call POST /api/<method>.'),
      );
    }
    if (request.method !== verb) {
      return refuse(
        response,
        405,
        envelope('invalid_request_error', 'method_not_allowed', `Use ${verb} for ${url.pathname}.`),
        { Allow: verb },
      );
    }
    if (name === 'events') return openEventStream(request, response);
    if (isPrintPage) return servePrintPage(url, response, !byTicket, name);
    if (name === PRINT_TICKET_PATH) return issuePrintTicket(request, response);
    if (name === UPLOAD_PATH) return uploadUsage(url, request, response);
    let method: string;
    try {
      method = decodeURIComponent(name);
    } catch {
      method = name;
    }
    return callApi(method, request, response);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      refuse(response, 500, envelope('api_error', 'internal_error', String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = loopbackHosts(port);
  let api: RunningHost['api'] = null;
  if (options.api) {
    try {
      const { url, secretKey } = await sandbox.start();
      api = { url: url!, secretKey, webhooks: sandbox.api!.webhooks };
    } catch (error) {
      server.close();
      await store.close();
      throw error;
    }
  }
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(': keep-alive\n\n');
  }, HEARTBEAT_MS).unref();

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    notices: workspace.notices,
    api,
    sandbox,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        await sandbox.close();
        await backtest.close();
        for (const stream of streams) stream.end();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        try {
          await workspace.flush();
        } finally {
          await store.close();
        }
      })();
      return closing;
    },
  };
}
