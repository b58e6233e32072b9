import { request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../electron/http';
import { serve, statusOf } from '../../electron/serve';
import type { RunningServe } from '../../electron/serve';
import { main } from '../../electron/cli';
import { startHost } from '../../electron/host';

/** A JSON answer, read loosely: the assertions check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let dir: string;
let dataFile: string;
const running: RunningServe[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-serve-'));
  dataFile = join(dir, 'workspace.json');
});

afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: { followWallClock?: boolean; scenario?: string } = {}) {
  const server = await serve({ dataFile, port: 0, webhooks: false, ...options });
  running.push(server);
  const call = async (
    verb: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(server.url + path, {
      method: verb,
      headers: {
        Authorization: `Bearer ${server.secretKey}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  return { server, call };
}

/** A raw request, for headers fetch will not send (Host). */
function raw(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/products', headers }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('meterlab serve', () => {
  it('needs the workspace key, kept beside the workspace, owner-only, the same on restart', async () => {
    const { server, call } = await start();
    expect(server.secretKey).toMatch(/^sk_test_[A-Za-z0-9_-]{32}$/);
    const keyFile = `${dataFile}.serve-key`;
    expect((await readFile(keyFile, 'utf8')).trim()).toBe(server.secretKey);
    expect((await stat(keyFile)).mode & 0o077).toBe(0);
    const missing = await fetch(`${server.url}/v1/products`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as Json).error).toMatchObject({
      type: 'authentication_error',
      code: 'api_key_missing',
    });
    const wrong = await call('GET', '/v1/products', undefined, {
      Authorization: 'Bearer sk_test_nope',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('api_key_invalid');
    expect(JSON.stringify(wrong.body)).not.toContain(server.secretKey);
    await server.close();
    running.pop();
    const again = await start();
    expect(again.server.secretKey).toBe(server.secretKey);
  });

  it('refuses other Host names and foreign origins, and sends no CORS headers', async () => {
    const { server, call } = await start();
    const auth = { Authorization: `Bearer ${server.secretKey}` };
    expect(await raw(server.port, { ...auth, Host: 'evil.example:80' })).toBe(403);
    expect(await raw(server.port, { ...auth, Host: `localhost:${server.port}` })).toBe(200);
    const foreign = await call('GET', '/v1/products', undefined, {
      Origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('origin_not_allowed');
    const preflight = await fetch(`${server.url}/v1/products`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the engine errors with fitting statuses and the error envelope', async () => {
    const { call } = await start();
    expect((await call('GET', '/v1/products/prod_missing')).status).toBe(404);
    const bad = await call('POST', '/v1/products', { name: 'A', colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param: 'colour' });
    expect((await call('GET', '/v1/nowhere')).status).toBe(404);
    expect((await call('DELETE', '/v1/products')).status).toBe(405);
    const notJson = await fetch(running[0]!.url + '/v1/products', {
      method: 'POST',
      headers: { Authorization: `Bearer ${running[0]!.secretKey}`, 'Content-Type': 'text/plain' },
      body: 'name=A',
    });
    expect(notJson.status).toBe(415);
    const key = await call('POST', '/v1/products', { name: 'A' }, { 'Idempotency-Key': 'k' });
    expect(key.status).toBe(400);
    expect(key.body.error.param).toBe('Idempotency-Key');

    const product = (await call('POST', '/v1/products', { name: 'API' })).body;
    const price = (
      await call('POST', '/v1/prices', {
        product: product.id,
        currency: 'EUR',
        billingScheme: 'usage',
        unitAmountDecimal: '0.2',
        recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
      })
    ).body;
    await call('POST', '/v1/customers', {
      id: 'cust_d',
      name: 'D',
      paymentMethod: 'pm_card_chargeDeclined',
    });
    const sub = (
      await call('POST', '/v1/subscriptions', { customer: 'cust_d', items: [{ price: price.id }] })
    ).body;
    const si = sub.items.data[0].id as string;
    const path = `/v1/subscription_items/${si}/usage_records`;
    const first = await call('POST', path, { quantity: 5 }, { 'Idempotency-Key': 'usage-1' });
    expect(first.status).toBe(200);
    const retry = await call('POST', path, { quantity: 5 }, { 'Idempotency-Key': 'usage-1' });
    expect(retry.body.id).toBe(first.body.id);
    const reused = await call('POST', path, { quantity: 6 }, { 'Idempotency-Key': 'usage-1' });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    const summary = await call(
      'GET',
      `/v1/subscription_items/${si}/usage_records/summaries?limit=1`,
    );
    expect(summary.body.data[0].totalUsage).toBe(5);

    await call('POST', '/v1/test_clock/advance_billing_period', { subscription: sub.id });
    const [invoice] = (await call('GET', `/v1/invoices?subscription=${sub.id}&limit=1`)).body.data;
    expect(invoice.status).toBe('open');
    // A declined charge is recorded on the invoice, which stays open (no refusal).
    const pay = await call('POST', `/v1/invoices/${invoice.id}/pay`);
    expect(pay.body.status).toBe('open');
  });

  it('maps each kind of refusal to its status', () => {
    const of = (type: string, code: string) => statusOf({ type, code, param: null, message: '' });
    expect(of('invalid_request_error', 'parameter_invalid')).toBe(400);
    expect(of('invalid_request_error', 'resource_missing')).toBe(404);
    expect(of('card_error', 'card_declined')).toBe(402);
    expect(of('idempotency_error', 'idempotency_key_reused')).toBe(409);
    expect(of('invalid_request_error', 'resource_already_exists')).toBe(409);
    expect(of('api_error', 'save_failed')).toBe(500);
  });

  it('refuses a body over the limit before reading it', async () => {
    const { server } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/v1/products',
          headers: {
            Authorization: `Bearer ${server.secretKey}`,
            'Content-Type': 'application/json',
            'Content-Length': String(MAX_BODY_BYTES + 1),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.write('{');
    });
    expect(status).toBe(413);
  });

  it('moves the test clock up to the wall clock before a call, unless frozen', async () => {
    const live = await start({ scenario: 'live' });
    const wall = Math.floor(Date.now() / 1000);
    const clock = (await live.call('GET', '/v1/test_clock')).body;
    expect(clock.frozenTime).toBeGreaterThanOrEqual(wall);
    await live.server.close();
    running.pop();
    const frozen = await start({ scenario: 'frozen', followWallClock: false });
    const still = (await frozen.call('GET', '/v1/test_clock')).body;
    // A new scenario starts at midnight UTC today and stays there.
    expect(still.frozenTime).toBe(Math.floor(wall / 86_400) * 86_400);
  });

  it('runs from the command line and prints the base URL and key', async () => {
    let stop!: () => void;
    const untilStopped = new Promise<void>((resolve) => (stop = resolve));
    let out = '';
    const exited = main(['serve', '--port', '0', '--data', dataFile, '--scenario', 'cli'], {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: () => true },
      untilStopped,
    });
    while (!out.includes('secret key')) await new Promise((r) => setTimeout(r, 20));
    const url = /base URL\s+(\S+)/.exec(out)![1]!;
    const key = /secret key\s+(\S+)/.exec(out)![1]!;
    const response = await fetch(`${url}/v1/test_clock`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(200);
    stop();
    expect(await exited).toBe(0);
    expect(out).toContain("scenario 'cli'");
  });

  it('runs beside the browser host over the same dispatch: API calls show in the window live', async () => {
    const host = await startHost({
      port: 0,
      dataFile,
      staticDir: dir,
      api: { port: 0, webhooks: false },
    });
    try {
      const origin = new URL(host.url).origin;
      const events = await fetch(`${origin}/api/events?token=${host.token}`);
      const reader = events.body!.getReader();
      await fetch(`${origin}/api/workspace.create`, {
        method: 'POST',
        headers: { 'x-meterlab-token': host.token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ args: [{ name: 'live' }] }),
      });
      const created = await fetch(`${host.api!.url}/v1/products`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${host.api!.secretKey}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ name: 'From my code' }),
      });
      expect(created.status).toBe(200);
      let seen = '';
      while ((seen.match(/state\.changed/g) ?? []).length < 2) {
        seen += new TextDecoder().decode((await reader.read()).value);
      }
      await reader.cancel();
      const listed = await fetch(`${origin}/api/products.list`, {
        method: 'POST',
        headers: { 'x-meterlab-token': host.token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ args: [] }),
      });
      const result = (await listed.json()) as { data: { data: { name: string }[] } };
      expect(result.data.data.map((p) => p.name)).toEqual(['From my code']);
    } finally {
      await host.close();
    }
  });
});
