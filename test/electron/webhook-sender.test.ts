import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../core/dispatch';
import type { Dispatch } from '../../core/dispatch';
import type { WebhookAttempt } from '../../core/public/types';
import { verifySignature } from '../../core/rules/signatures';
import { Workspace } from '../../core/workspace';
import { MemoryWorkspaceStore } from '../../core/workspace-store';
import { serve } from '../../electron/serve';
import { isLoopbackUrl, startWebhookSender } from '../../electron/webhook-sender';
import type { WebhookSender, WebhookSenderOptions } from '../../electron/webhook-sender';

const servers: Server[] = [];
const senders: WebhookSender[] = [];

afterEach(async () => {
  for (const sender of senders.splice(0)) sender.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function receiver(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
}

/** A JSON answer, read loosely: the assertions check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** An in-memory workspace whose changes wake the attached sender, as serve's dispatch does. */
async function engine() {
  const workspace = await Workspace.load({ store: new MemoryWorkspaceStore(), now: () => 0 });
  let sender: WebhookSender | undefined;
  const inner = createDispatcher(workspace);
  const dispatch: Dispatch = (method, args, hooks = {}) =>
    inner(method, args, {
      ...hooks,
      onEvent: (event) => {
        hooks.onEvent?.(event);
        if (event.type === 'state.changed') sender?.poke();
      },
    });
  const call = async (method: string, ...args: unknown[]): Promise<Json> => {
    const result = await dispatch(method, args);
    if (!result.ok) throw new Error(result.error.message);
    return result.data;
  };
  await call('workspace.create', { name: 'hooks' });
  const attach = async (options: Omit<WebhookSenderOptions, 'dispatch'>) => {
    sender = await startWebhookSender({ dispatch, ...options });
    senders.push(sender);
    return sender;
  };
  return { call, attach };
}

describe('webhook delivery', () => {
  it('sends each event in order, signed; a hanging, redirecting or huge receiver holds up only itself', async () => {
    const got: { id: string; header: string; body: string }[] = [];
    const good = await receiver((req, res, body) => {
      got.push({
        id: (JSON.parse(body) as { id: string }).id,
        header: String(req.headers['x-vinr-signature']),
        body,
      });
      res.end('thanks');
    });
    const hang = await receiver(() => {}); // never answers
    const redirect = await receiver((_req, res) => res.writeHead(302, { Location: good }).end());
    const huge = await receiver((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(10 * 1024 * 1024, 0x61));
    });
    const { call, attach } = await engine();
    const endpoints: Json[] = [];
    for (const url of [hang, redirect, huge, good]) {
      endpoints.push(
        await call('webhookEndpoints.create', { url, enabledEvents: ['customer.created'] }),
      );
    }
    const sender = await attach({ retryDelaysMs: [20], timeoutMs: 1_000 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) await call('customers.create', { name: `C${i}` });
    for (const event of (await call('events.list', { type: 'customer.created' })).data)
      ids.unshift(event.id);

    // The good receiver has every event, in order, before the hanging one's first try times out.
    for (let waited = 0; got.length < 3 && waited < 900; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(got.map((g) => g.id)).toEqual(ids);
    const attempts = (await call('webhookEndpoints.attempts', { limit: 1000 }))
      .data as WebhookAttempt[];
    const of = (endpoint: { id: string }) => attempts.filter((a) => a.endpoint === endpoint.id);
    expect(of(endpoints[0])).toEqual([]); // still waiting for the hanging receiver
    const { secret } = endpoints[3] as { secret: string };
    for (const { header, body } of got) {
      expect(() =>
        verifySignature(body, header, [secret], Math.floor(Date.now() / 1000), 300),
      ).not.toThrow();
    }
    // A redirect is a failure, retried, never followed; a 10 MB answer is cut to an excerpt.
    await sender.idle();
    const attemptsNow = async () =>
      (await call('webhookEndpoints.attempts', { limit: 1000 })).data as WebhookAttempt[];
    let after = await attemptsNow();
    // Oldest first (attempts lists newest first).
    const all = (endpoint: { id: string }) =>
      after.filter((a) => a.endpoint === endpoint.id).reverse();
    // The quick tries in real time (the first and one retry) of the first event only: the
    // events after it wait for its retries on the test clock.
    expect(all(endpoints[1]).map((a) => [a.event, a.attempt])).toEqual([
      [ids[0], 1],
      [ids[0], 2],
    ]);
    const big = all(endpoints[2]);
    expect(big).toHaveLength(3);
    expect(big.every((a) => a.status === 200 && a.responseExcerpt.length === 500)).toBe(true);
    expect(all(endpoints[0])).toHaveLength(2);
    // Each advance past the next retry time makes one more try; after the last (72 h) the first
    // event's delivery has failed and the second event's turn comes.
    for (let round = 0; round < 5; round++) {
      await call('testClock.advance', {
        frozenTime: (await call('testClock.retrieve')).frozenTime + 3 * 86_400,
      });
      await sender.idle();
    }
    after = await attemptsNow();
    const redirected = all(endpoints[1]);
    expect(redirected.filter((a) => a.event === ids[0])).toHaveLength(6);
    expect(redirected.filter((a) => a.event === ids[1]).length).toBeGreaterThanOrEqual(2);
    expect(redirected.every((a) => a.status === 302)).toBe(true);
    const hung = all(endpoints[0]);
    expect(hung.filter((a) => a.event === ids[0])).toHaveLength(6);
    expect(hung.every((a) => a.status === null && /timeout/.test(a.error!))).toBe(true);
    const [log] = (await call('webhookEndpoints.deliveryLog', { event: ids[0] })).filter(
      (d: Json) => d.endpoint === endpoints[1].id,
    );
    expect(log).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(got).toHaveLength(3); // the redirect was not followed to the good receiver
  }, 60_000);

  it('sends only to loopback URLs unless remote ones are allowed', async () => {
    expect(isLoopbackUrl('http://127.0.0.1:3000/x')).toBe(true);
    expect(isLoopbackUrl('http://localhost:3000/x')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:3000/x')).toBe(true);
    expect(isLoopbackUrl('http://127.0.0.1.evil.example/x')).toBe(false);
    expect(isLoopbackUrl('https://example.com/x')).toBe(false);
    const { call, attach } = await engine();
    const endpoint = await call('webhookEndpoints.create', { url: 'https://example.com/hooks' });
    const sender = await attach({ retryDelaysMs: [10] });
    await call('customers.create', { name: 'A' });
    await sender.idle();
    const attempts = (await call('webhookEndpoints.attempts', { endpoint: endpoint.id })).data;
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      status: null,
      error: expect.stringMatching(/^url_not_allowed/),
    });
  });
});

describe('webhook retries, resends and restarts', () => {
  it('resend sends an event to an endpoint again, once, and records the try', async () => {
    const got: string[] = [];
    const url = await receiver((_req, res, body) => {
      got.push((JSON.parse(body) as { id: string }).id);
      res.end('ok');
    });
    const { call, attach } = await engine();
    const endpoint = await call('webhookEndpoints.create', { url });
    const sender = await attach({ retryDelaysMs: [] });
    await call('customers.create', { name: 'A' });
    await sender.idle();
    const [event] = got;
    expect(got).toHaveLength(1);
    await call('webhookEndpoints.resend', { event, endpoint: endpoint.id });
    await sender.idle();
    expect(got).toEqual([event, event]);
    const [log] = await call('webhookEndpoints.deliveryLog', { event });
    expect(log).toMatchObject({ status: 'succeeded', resendRequested: false });
    expect(log.attempts.map((a: WebhookAttempt) => [a.attempt, a.status, a.resend])).toEqual([
      [1, 200, undefined],
      [2, 200, true],
    ]);
  });

  it('sends none of the events a scenario had when it is opened, only new ones', async () => {
    const got: string[] = [];
    const url = await receiver((_req, res, body) => {
      got.push((JSON.parse(body) as { type: string }).type);
      res.end('ok');
    });
    const { call, attach } = await engine();
    const first = await call('workspace.current');
    const other = await call('workspace.create', { name: 'other' });
    await call('webhookEndpoints.create', { url });
    await call('customers.create', { name: 'Before' });
    await call('workspace.open', first.id);
    const sender = await attach({ retryDelaysMs: [] });
    await call('workspace.open', other.id);
    sender.poke();
    await sender.idle();
    expect(got).toEqual([]);
    await call('products.create', { name: 'After' });
    await sender.idle();
    expect(got).toEqual(['product.created']);
  });

  it('a pending delivery survives a restart of serve and goes when the test clock passes its retry', async () => {
    let answer = 500;
    const got: string[] = [];
    const url = await receiver((_req, res, body) => {
      got.push((JSON.parse(body) as { id: string }).id);
      res.writeHead(answer).end(answer === 200 ? 'ok' : 'down');
    });
    const dir = await mkdtemp(join(tmpdir(), 'meterlab-hooks-'));
    const dataFile = join(dir, 'workspace.json');
    const options = { dataFile, port: 0, followWallClock: false, webhooks: { retryDelaysMs: [] } };
    try {
      let server = await serve(options);
      const call = async (verb: string, path: string, body?: unknown): Promise<Json> => {
        const response = await fetch(server.url + path, {
          method: verb,
          headers: {
            Authorization: `Bearer ${server.secretKey}`,
            'Content-Type': 'application/json',
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return response.json();
      };
      await call('POST', '/v1/webhook_endpoints', { url, enabledEvents: ['customer.created'] });
      await call('POST', '/v1/customers', { name: 'A' });
      await server.webhooks!.idle();
      expect(got).toHaveLength(1); // the one quick try failed; the retry waits for the clock
      const [event] = got;
      const clock = (await call('GET', '/v1/test_clock')).frozenTime as number;
      await server.close();

      answer = 200;
      server = await serve(options);
      try {
        await server.webhooks!.idle();
        expect(got).toHaveLength(1); // not yet: its time has not come
        const [log] = (await call(
          'GET',
          `/v1/webhook_endpoints/delivery_log?event=${event}`,
        )) as unknown as Json[];
        expect(log).toMatchObject({ status: 'pending', nextAttemptAt: clock + 3_600 });
        await call('POST', '/v1/test_clock/advance', { frozenTime: clock + 3_600 });
        await server.webhooks!.idle();
        expect(got).toEqual([event, event]);
        const [after] = (await call(
          'GET',
          `/v1/webhook_endpoints/delivery_log?event=${event}`,
        )) as unknown as Json[];
        expect(after.status).toBe('succeeded');
        expect(after.attempts.map((a: WebhookAttempt) => [a.status, a.clockTime])).toEqual([
          [500, clock],
          [200, clock + 3_600],
        ]);
      } finally {
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
