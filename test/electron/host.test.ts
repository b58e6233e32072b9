import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult, HostEvent } from '../../core/contract';
import { MAX_BODY_BYTES, MAX_IMPORT_BODY_BYTES, startHost } from '../../electron/host';
import { MAX_USAGE_UPLOAD_BYTES } from '../../core/public/backtest';
import type { RunningHost } from '../../electron/host';
import { CONTENT_SECURITY_POLICY } from '../../electron/security';
import { runGuideFlow } from '../core/guide-flow';
import { exportInvoicesFile } from '../../core/scenario/exports';
import { exportScenario } from '../../core/scenario/replay';
import { templateCatalog } from '../../core/scenario/templates';
import { createSimulator } from '../../core/simulator';

let dir: string;
let staticDir: string;
let dataFile: string;
const hosts: RunningHost[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-host-'));
  staticDir = join(dir, 'renderer');
  dataFile = join(dir, 'data', 'workspace.json');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Meterlab</title>');
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  await writeFile(join(dir, 'secret.txt'), 'outside the static folder');
});

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: { token?: string } = {}) {
  const host = await startHost({ port: 0, dataFile, staticDir, ...options });
  hosts.push(host);
  const url = new URL(host.url);
  return { host, port: Number(url.port) };
}

/** Declares a body of `size` bytes, sends a little of it, and reads the early answer. */
function declaredOnly(
  port: number,
  token: string,
  method: string,
  size: number,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/${method}`,
        headers: {
          'content-type': 'application/json',
          'content-length': String(size),
          'x-meterlab-token': token,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) });
          req.destroy();
        });
      },
    );
    req.on('error', reject);
    req.write('{"args": [');
  });
}

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  json: () => DispatchResult;
}

/** A raw HTTP request (fetch would not let a test send a foreign Host header). */
function send(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as DispatchResult,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function api(
  port: number,
  token: string,
  method: string,
  args: unknown,
  headers: Record<string, string> = {},
) {
  return send(port, 'POST', `/api/${method}`, {
    headers: { 'content-type': 'application/json', 'x-meterlab-token': token, ...headers },
    body: JSON.stringify({ args }),
  });
}

describe('browser host: address and token', () => {
  it('prints a 127.0.0.1 URL with a random token, new each run', async () => {
    const first = (await start()).host;
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    await first.close();
    hosts.length = 0;
    const second = (await start()).host;
    expect(second.token).not.toBe(first.token);
  });

  it('listens on the loopback interface only', async () => {
    const { port } = await start();
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (!outside) return;
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const req = httpRequest({ host: outside.address, port, path: '/' }, () => resolve(null));
      req.on('error', resolve);
      req.end();
    });
    expect(error?.code).toBe('ECONNREFUSED');
  });

  it('refuses API calls without the token, or with a wrong one', async () => {
    const { port } = await start({ token: 'secret-token' });
    const missing = await send(port, 'POST', '/api/workspace.list', {
      headers: { 'content-type': 'application/json' },
      body: '{"args":[]}',
    });
    expect(missing.status).toBe(401);
    expect(missing.json()).toMatchObject({ ok: false, error: { code: 'token_missing' } });
    const wrong = await api(port, 'secret-tokex', 'workspace.list', []);
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ ok: false, error: { code: 'token_invalid' } });
    const events = await send(port, 'GET', '/api/events');
    expect(events.status).toBe(401);
  });

  it('takes the token of a POST from the header only, of a GET also from the query', async () => {
    const { port } = await start({ token: 'secret-token' });
    expect((await api(port, 'secret-token', 'workspace.list', [])).json()).toEqual({
      ok: true,
      data: [],
    });
    const viaQuery = await send(port, 'POST', '/api/workspace.list?token=secret-token', {
      headers: { 'content-type': 'application/json' },
      body: '{"args":[]}',
    });
    expect(viaQuery.status).toBe(401);
    expect(viaQuery.json()).toMatchObject({
      ok: false,
      error: { code: 'token_missing', message: expect.stringContaining('header, not in the URL') },
    });
    const events = await readEvents(port, 'secret-token').opened;
    expect(events.statusCode).toBe(200);
    events.destroy();
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    const { port, host } = await start();
    const rebound = await api(port, host.token, 'workspace.list', [], {
      host: `evil.example:${port}`,
    });
    expect(rebound.status).toBe(403);
    expect(rebound.json()).toMatchObject({ ok: false, error: { code: 'host_not_allowed' } });
    expect((await send(port, 'GET', '/', { headers: { host: 'evil.example' } })).status).toBe(403);
    const foreign = await api(port, host.token, 'workspace.list', [], {
      origin: 'http://evil.example',
    });
    expect(foreign.status).toBe(403);
    const local = await api(port, host.token, 'workspace.list', [], {
      host: `localhost:${port}`,
      origin: `http://localhost:${port}`,
    });
    expect(local.status).toBe(200);
  });
});

describe('browser host: requests', () => {
  it('refuses a body over the limit, declared or streamed', async () => {
    const { port, host } = await start();
    // The declared size alone is refused, before any of the body is read.
    const declared = await declaredOnly(port, host.token, 'workspace.list', MAX_BODY_BYTES + 1);
    expect(declared.status).toBe(413);
    const streamed = await send(port, 'POST', '/api/workspace.list', {
      headers: {
        'content-type': 'application/json',
        'x-meterlab-token': host.token,
        'transfer-encoding': 'chunked',
      },
      body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20),
    });
    expect(streamed.status).toBe(413);
    expect(streamed.json()).toMatchObject({ ok: false, error: { code: 'body_too_large' } });
  });

  it('answers unknown methods and bad arguments with envelopes (HTTP 200)', async () => {
    const { port, host } = await start();
    const unknown = await api(port, host.token, 'products.craete', [{ name: 'x' }]);
    expect(unknown.status).toBe(200);
    expect(unknown.json()).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    const notArray = await api(port, host.token, 'workspace.create', { name: 'x' });
    expect(notArray.json()).toMatchObject({
      ok: false,
      error: { code: 'parameter_invalid', param: 'args' },
    });
    const badArg = await api(port, host.token, 'workspace.create', [{ name: 42 }]);
    expect(badArg.json()).toMatchObject({
      ok: false,
      error: { code: 'parameter_invalid', param: 'name' },
    });
    const noScenario = await api(port, host.token, 'products.list', []);
    expect(noScenario.json()).toMatchObject({ ok: false, error: { code: 'no_scenario_open' } });
  });

  it('answers HTTP-level mistakes with envelopes and the right status', async () => {
    const { port, host } = await start();
    const headers = { 'content-type': 'application/json', 'x-meterlab-token': host.token };
    const notJson = await send(port, 'POST', '/api/workspace.list', {
      headers,
      body: '{"args": [',
    });
    expect([notJson.status, notJson.json()]).toMatchObject([
      400,
      { ok: false, error: { code: 'invalid_json' } },
    ]);
    const wrongVerb = await send(port, 'GET', '/api/workspace.list', { headers });
    expect([wrongVerb.status, wrongVerb.headers.allow]).toEqual([405, 'POST']);
    expect(wrongVerb.json()).toMatchObject({ ok: false, error: { code: 'method_not_allowed' } });
    expect((await send(port, 'POST', '/api/events', { headers })).status).toBe(405);
    expect((await send(port, 'POST', '/api/', { headers })).status).toBe(404);
    const text = await send(port, 'POST', '/api/workspace.list', {
      headers: { 'content-type': 'text/plain', 'x-meterlab-token': host.token },
      body: '{"args":[]}',
    });
    expect(text.status).toBe(415);
  });

  it('serves the renderer with the CSP, routes to index.html, nothing outside its folder', async () => {
    const { port } = await start();
    const index = await send(port, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>Meterlab</title>');
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect((await send(port, 'GET', '/catalog/prices')).text).toContain('<title>Meterlab</title>');
    const script = await send(port, 'GET', '/assets/app.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await send(port, 'GET', '/assets/missing.js')).status).toBe(404);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%00']) {
      const reply = await send(port, 'GET', path);
      expect(reply.text).not.toContain('outside the static folder');
    }
    expect((await send(port, 'POST', '/')).status).toBe(405);
  });
});

/** Reads server-sent events until `until` is satisfied. */
function readEvents(port: number, token: string) {
  const events: HostEvent[] = [];
  let waiters: (() => void)[] = [];
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: `/api/events?token=${token}` },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
  void opened.then((res) => {
    let buffer = '';
    res.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of frame.split('\n')) {
          if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as HostEvent);
        }
      }
      for (const wake of waiters) wake();
      waiters = [];
    });
  });
  return {
    opened,
    events,
    async until(test: (events: HostEvent[]) => boolean) {
      while (!test(events)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

describe('browser host: events and the guide flow', () => {
  it('streams state.changed to event listeners', async () => {
    const { port, host } = await start();
    const stream = readEvents(port, host.token);
    const res = await stream.opened;
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await api(port, host.token, 'workspace.create', [{ name: 'Guide' }]);
    await stream.until((events) => events.some((e) => e.type === 'state.changed'));
    expect(stream.events[0]).toMatchObject({ type: 'state.changed', revision: 1 });
  });

  it("runs the guide's whole flow over HTTP: EUR 36.84 paid, invoice.paid sent", async () => {
    const { port, host } = await start();
    const call = async (method: string, ...args: unknown[]) => {
      const result = (await api(port, host.token, method, args)).json();
      if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
      return result.data as Record<string, unknown>;
    };
    await call('workspace.create', { name: 'Bill for usage', seed: 42 });
    const billed = await runGuideFlow(call);
    // 18420 calls x EUR 0.002 = EUR 36.84 = 3684 cents.
    expect(billed).toMatchObject({ total: 3684, status: 'paid' });
    const paid = (await call('events.list', { type: 'invoice.paid' })).data as {
      data: { total: number };
    }[];
    expect(paid.map((event) => event.data.total)).toContain(3684);

    // The scenario survives a restart of the host.
    await host.close();
    hosts.length = 0;
    const again = await start();
    const current = (await api(again.port, again.host.token, 'workspace.current', [])).json();
    expect(current).toMatchObject({
      ok: true,
      data: { name: 'Bill for usage', invoicedTotals: { EUR: 3684 } },
    });
  });
});

describe('browser host: templates', () => {
  it('offers the shipped templates and creates a scenario from one', async () => {
    const { port, host } = await start();
    const templates = (await api(port, host.token, 'workspace.templates', [])).json();
    if (!templates.ok) throw new Error(templates.error.message);
    const ids = (templates.data as { id: string }[]).map((t) => t.id);
    expect(ids).toContain('api-calls');
    const created = await api(port, host.token, 'workspace.create', [
      { name: 'From a template', template: 'api-calls' },
    ]);
    expect(created.json()).toMatchObject({ ok: true, data: { name: 'From a template' } });
  });
});

describe('browser host: scenario files and printing', () => {
  it('takes a scenario file above the general limit, up to the import limit', async () => {
    const { port, host } = await start();
    const created = await api(port, host.token, 'workspace.create', [
      { name: 'Guide', template: 'api-calls' },
    ]);
    const id = (created.json() as { data: { id: string } }).data.id;
    const exported = (await api(port, host.token, 'workspace.exportScenario', [id])).json();
    if (!exported.ok) throw new Error(exported.error.message);
    // Valid JSON past 8 MiB: the file, then whitespace (a big scenario file is just as large).
    const padding = ' '.repeat(MAX_BODY_BYTES);
    const body = `{"args": [{"file": ${JSON.stringify(exported.data)}, "name": "Big copy"}]${padding}}`;
    const headers = { 'content-type': 'application/json', 'x-meterlab-token': host.token };
    const imported = await send(port, 'POST', '/api/workspace.importScenario', { headers, body });
    expect(imported.json()).toMatchObject({ ok: true, data: { name: 'Big copy' } });
    // The same size to any other method is still refused.
    const other = await send(port, 'POST', '/api/workspace.list', { headers, body });
    expect(other.status).toBe(413);
    const tooBig = await declaredOnly(
      port,
      host.token,
      'workspace.importScenario',
      MAX_IMPORT_BODY_BYTES + 1,
    );
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatchObject({
      error: { code: 'body_too_large', message: expect.stringContaining('64 MiB') },
    });
  });

  it('sends exports as they are made: the same files as the engine makes in one go', async () => {
    const { port, host } = await start();
    const created = await api(port, host.token, 'workspace.create', [
      { name: 'Guide', template: 'api-calls', seed: 7 },
    ]);
    const id = (created.json() as { data: { id: string } }).data.id;
    const sim = createSimulator({ snapshot: templateCatalog.build('api-calls', 7) });
    const argsList = [
      { format: 'csv' },
      { format: 'json' },
      { format: 'html', includeZero: true },
      { format: 'json', by: 'calendar-month' },
    ] as const;
    for (const args of argsList) {
      const answer = await api(port, host.token, 'workspace.exportInvoices', [args]);
      // Streamed: the content comes first, written as it was made, the file's fields after it.
      expect(answer.text.startsWith('{"ok":true,"data":{"content":"')).toBe(true);
      expect(answer.json()).toEqual({ ok: true, data: exportInvoicesFile(sim, 'Guide', args) });
    }
    // A refused export is refused before any of it is sent: a plain envelope.
    const refused = await api(port, host.token, 'workspace.exportInvoices', [
      { format: 'html', part: 9 },
    ]);
    expect(refused.json()).toMatchObject({ ok: false, error: { param: 'part' } });
    // The scenario file goes a piece at a time too, and parses to the same file.
    const scenario = await api(port, host.token, 'workspace.exportScenario', [id]);
    expect(scenario.json()).toEqual({
      ok: true,
      data: exportScenario(sim.snapshot(), { name: 'Guide' }),
    });
  });

  it('serves the print page by ticket only, under a CSP for its styles and no script', async () => {
    const { port, host } = await start();
    const headers = { 'content-type': 'application/json', 'x-meterlab-token': host.token };
    const ticket = async (args: unknown[] = []) => {
      const reply = await send(port, 'POST', '/api/print/ticket', {
        headers,
        body: JSON.stringify({ args }),
      });
      return (reply.json() as { data: { url: string } }).data.url;
    };
    const noScenario = await send(port, 'GET', await ticket());
    expect(noScenario.status).toBe(400);
    expect(noScenario.headers['content-type']).toMatch(/^text\/plain/);
    expect(noScenario.text).toContain('Open a scenario first');

    await api(port, host.token, 'workspace.create', [{ name: 'Guide', template: 'api-calls' }]);
    const subscriptions = (await api(port, host.token, 'subscriptions.list', [])).json();
    if (!subscriptions.ok) throw new Error(subscriptions.error.message);
    const subscription = (subscriptions.data as { data: { id: string }[] }).data[0]!.id;
    await api(port, host.token, 'testClock.advanceBillingPeriod', [{ subscription }]);

    expect((await send(port, 'GET', '/api/print/invoices')).status).toBe(401);
    expect((await send(port, 'POST', '/api/print/invoices', { headers })).status).toBe(405);
    const url = await ticket();
    expect(url).toMatch(/^\/api\/print\/invoices\?ticket=[A-Za-z0-9_-]{32}$/);
    const page = await send(port, 'GET', url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    // 18420 calls × EUR 0.002 = EUR 36.84
    expect(page.text).toContain('EUR 36.84');
    const policy = page.headers['content-security-policy'] as string;
    const style = /<style>([\s\S]*?)<\/style>/.exec(page.text)![1]!;
    const hash = createHash('sha256').update(style).digest('base64');
    expect(policy).toContain(`style-src 'sha256-${hash}'`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toMatch(/script-src|unsafe-inline/);

    const missing = await send(port, 'GET', await ticket([{ invoice: 'in_nope' }]));
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('in_nope');

    // The EUR 0.00 invoice of the subscription's creation is left out unless asked for.
    const invoiceCount = (text: string) => (text.match(/class="invoice"/g) ?? []).length;
    expect(page.text).toContain('Left out: 1 zero invoice');
    const withZero = await send(port, 'GET', await ticket([{ includeZero: true }]));
    expect(invoiceCount(withZero.text)).toBe(invoiceCount(page.text) + 1);
    expect(withZero.text).not.toContain('Left out');
    const byToken = await send(port, 'GET', '/api/print/invoices?includeZero=1', { headers });
    expect(byToken.status).toBe(303);
    const redirected = await send(port, 'GET', byToken.headers.location as string);
    expect(invoiceCount(redirected.text)).toBe(invoiceCount(withZero.text));
    const badOption = await send(port, 'POST', '/api/print/ticket', {
      headers,
      body: JSON.stringify({ args: [{ includeZero: 'yes' }] }),
    });
    expect(badOption.json()).toMatchObject({ ok: false, error: { code: 'parameter_invalid' } });
  });
});

describe('browser host: backtests', () => {
  it("takes a usage file's bytes on backtest/upload, bounded, and prints the run by ticket", async () => {
    const { port, host } = await start();
    const upload = (name: string, body: string, type = 'application/octet-stream') =>
      send(port, 'POST', `/api/backtest/upload?name=${encodeURIComponent(name)}`, {
        headers: { 'content-type': type, 'x-meterlab-token': host.token },
        body,
      });
    const csv = 'customer,meter,timestamp,quantity\nc1,api_calls,2025-01-02,500\n';
    const stored = await upload('usage.csv', csv);
    expect(stored.status).toBe(200);
    const file = (stored.json() as { data: { id: string; name: string; size: number } }).data;
    expect(file).toMatchObject({ name: 'usage.csv', size: csv.length });
    expect((await upload('usage.csv', csv, 'application/json')).status).toBe(415);
    expect(
      (await send(port, 'POST', '/api/backtest/upload?name=u.csv', { body: csv })).status,
    ).toBe(401);
    // Declared over the limit: refused before a byte is stored, naming the file.
    const declared = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/backtest/upload?name=big.csv',
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(MAX_USAGE_UPLOAD_BYTES + 1),
            'x-meterlab-token': host.token,
          },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode!, body });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.write('customer');
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({
      ok: false,
      error: { code: 'usage_file_too_large', message: expect.stringContaining('big.csv') },
    });

    const hypotheses = [
      { key: 'a', meter: 'api_calls', currency: 'EUR', unitAmountDecimal: '0.2' },
    ];
    const mapping = {
      customer: 'customer',
      meter: 'meter',
      timestamp: 'timestamp',
      quantity: 'quantity',
    };
    const ran = (
      await api(port, host.token, 'backtest.run', [{ file: file.id, mapping, hypotheses }])
    ).json();
    // 500 calls × EUR 0.002 = EUR 1.00
    expect(ran).toMatchObject({ ok: true, data: { hypotheses: [{ key: 'a', total: 100 }] } });
    const headers = { 'x-meterlab-token': host.token };
    const byToken = await send(port, 'GET', '/api/print/backtest', { headers });
    expect(byToken.status).toBe(303);
    const location = byToken.headers.location as string;
    expect(location).toMatch(/^\/api\/print\/backtest\?ticket=/);
    const page = await send(port, 'GET', location);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Backtest: usage.csv');
    expect(page.text).toContain('EUR 1.00');
    expect(page.headers['content-security-policy']).not.toMatch(/script-src|unsafe-inline/);
    // A ticket is good once, and an invoices ticket does not print a backtest.
    expect((await send(port, 'GET', location)).status).toBe(401);
    const invoices = await send(port, 'GET', '/api/print/invoices', { headers });
    const swapped = (invoices.headers.location as string).replace('invoices', 'backtest');
    expect((await send(port, 'GET', swapped)).status).toBe(401);
  });
});

describe('browser host: the workspace file', () => {
  it('tells every event stream what happened to an unreadable workspace', async () => {
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(dataFile, '{ broken');
    const { port, host } = await start();
    expect(host.notices.map((n) => n.code)).toEqual(['workspace_corrupt']);
    const stream = readEvents(port, host.token);
    await stream.until((events) => events.length > 0);
    expect(stream.events[0]).toMatchObject({ type: 'error', error: { code: 'workspace_corrupt' } });
    expect((stream.events[0] as { error: { message: string } }).error.message).toContain(
      host.notices[0]!.backup!,
    );
  });

  it('refuses to open a workspace another host owns, naming the file', async () => {
    await start();
    await expect(startHost({ port: 0, dataFile, staticDir })).rejects.toThrow(dataFile);
  });
});
