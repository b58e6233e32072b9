// The browser host: the same dispatch over HTTP on 127.0.0.1, for browsers and end-to-end tests.
// It serves the built renderer and POST /api/<method> ({ "args": [...] } in, DispatchResult
// out), pushes HostEvents as server-sent events on GET /api/events, and guards the API with a
// random per-run token, a Host header check (against DNS rebinding), a body-size limit, and the
// same CSP as the desktop window. GET /api/print/invoices serves the invoices' print page, which
// the user prints or saves as PDF from the browser.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ErrorEnvelope, HostEvent } from '../core/contract';
import { createDispatcher } from '../core/dispatch';
import { Workspace } from '../core/workspace';
import type { TemplateCatalog } from '../core/workspace';
import { templateCatalog } from '../core/scenario/templates';
import { noticeEvent } from '../core/workspace-store';
import type { StoreNotice } from '../core/workspace-store';
import { SECURITY_HEADERS, printPageHeaders } from './security';
import { readStaticFile } from './static-files';
import { LowdbWorkspaceStore } from './store';

export const TOKEN_HEADER = 'x-meterlab-token';
/** Bodies above this are refused (a batch of 100k usage records is about 6 MiB). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** A scenario file is one body: a million usage values take about 13 MiB, pretty-printed ~25. */
export const MAX_IMPORT_BODY_BYTES = 64 * 1024 * 1024;
/** GET /api/<PRINT_PATH>[?invoice=in_...]: the open scenario's invoices as a print page. */
export const PRINT_PATH = 'print/invoices';
const GET_PATHS = new Set(['events', PRINT_PATH]);
const HEARTBEAT_MS = 25_000;

export interface HostOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  dataFile: string;
  /** The built renderer (default dist/renderer). */
  staticDir?: string;
  /** Default: 24 random bytes, new each run. */
  token?: string;
  /** Default: the templates shipped in core/scenario/templates. */
  templates?: TemplateCatalog;
}

export interface RunningHost {
  url: string;
  token: string;
  /** What the user must be told about the workspace file (also sent to each event stream). */
  notices: StoreNotice[];
  /** Stops serving, waits for saves in flight, and releases the workspace file. */
  close(): Promise<void>;
}

const envelope = (type: string, code: string, message: string): ErrorEnvelope => ({
  type,
  code,
  param: null,
  message,
});

function tokensMatch(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The largest body a method accepts: only an import carries a whole scenario file. */
export function bodyLimit(method: string): number {
  return method === 'workspace.importScenario' ? MAX_IMPORT_BODY_BYTES : MAX_BODY_BYTES;
}

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const staticDir = options.staticDir ?? join(process.cwd(), 'dist', 'renderer');
  const token = options.token ?? randomBytes(24).toString('base64url');
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
  const dispatch = createDispatcher(workspace, {
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
  });
  const streams = new Set<ServerResponse>();
  const broadcast = (event: HostEvent) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };

  let allowedHosts = new Set<string>();

  function send(response: ServerResponse, status: number, body: unknown, headers = {}) {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      ...headers,
    });
    response.end(text);
  }

  const refuse = (response: ServerResponse, status: number, error: ErrorEnvelope, headers = {}) =>
    send(response, status, { ok: false, error }, headers);

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

  async function callApi(method: string, request: IncomingMessage, response: ServerResponse) {
    const type = request.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) {
      return refuse(
        response,
        415,
        envelope(
          'invalid_request_error',
          'unsupported_media_type',
          'Send the body as application/json: { "args": [...] }.',
        ),
      );
    }
    let body: Buffer;
    const limit = bodyLimit(method);
    try {
      body = await readBody(request, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      const mib = limit / 1024 / 1024;
      return refuse(
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
    }
    let args: unknown = [];
    if (body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return refuse(
          response,
          400,
          envelope(
            'invalid_request_error',
            'invalid_json',
            'The body is not JSON: send { "args": [...] }.',
          ),
        );
      }
      args =
        typeof parsed === 'object' && parsed !== null
          ? (parsed as { args?: unknown }).args
          : parsed;
    }
    // A client that goes away cancels long work (a fast-forward stops at a consistent point).
    const abort = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) abort.abort();
    });
    const result = await dispatch(method, args, { onEvent: broadcast, signal: abort.signal });
    if (!response.destroyed) send(response, 200, result);
  }

  /** The print page: HTML from the engine, under a CSP that allows its own styles and no script. */
  async function servePrintPage(url: URL, response: ServerResponse) {
    const invoice = url.searchParams.get('invoice');
    const result = await dispatch('workspace.exportInvoices', [
      invoice ? { format: 'html', invoice } : { format: 'html' },
    ]);
    if (!result.ok) {
      // Shown in a browser tab: plain text, readable, and never interpreted as markup.
      const text = `Meterlab cannot print the invoices: ${result.error.message}`;
      response.writeHead(result.error.code === 'resource_missing' ? 404 : 400, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-store',
      });
      return response.end(text);
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
    const given =
      (request.headers[TOKEN_HEADER] as string | undefined) ?? url.searchParams.get('token');
    if (!tokensMatch(given, token)) {
      return refuse(
        response,
        401,
        envelope(
          'invalid_request_error',
          given ? 'token_invalid' : 'token_missing',
          `Send this run's token in the ${TOKEN_HEADER} header (or ?token=): it is in the URL Meterlab printed.`,
        ),
      );
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) {
      return refuse(
        response,
        403,
        envelope(
          'invalid_request_error',
          'origin_not_allowed',
          `Calls from ${origin} are not allowed.`,
        ),
      );
    }
    const name = url.pathname.slice('/api/'.length);
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
    if (name === PRINT_PATH) return servePrintPage(url, response);
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
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(': keep-alive\n\n');
  }, HEARTBEAT_MS).unref();

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    notices: workspace.notices,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
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
