import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Meterlab } from 'meterlab/client';
import { verifySignature } from '../../core/rules/signatures';
import { startListen } from '../../electron/listen';
import { serve } from '../../electron/serve';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('prints and forwards each event, signed with its own secret; a failed forward is retried', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meterlab-listen-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const sandbox = await serve({
    dataFile: join(dir, 'w.json'),
    port: 0,
    webhooks: { retryDelaysMs: [50] },
  });
  cleanups.push(() => sandbox.close());

  const got: { body: string; header: string; status: number }[] = [];
  const app: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const status = got.length === 0 ? 500 : 200; // the app fails the first time
      got.push({ body, header: String(req.headers['x-vinr-signature']), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => app.close(resolve)));
  const lines: string[] = [];
  const listen = await startListen({
    baseUrl: sandbox.url,
    secretKey: sandbox.secretKey,
    forwardTo: `http://127.0.0.1:${(app.address() as AddressInfo).port}/webhooks`,
    print: (line) => lines.push(line),
  });
  cleanups.push(() => listen.close());
  expect(listen.secret).toMatch(/^whsec_/);

  const vinr = new Meterlab({ secretKey: sandbox.secretKey, baseUrl: sandbox.url });
  const customer = await vinr.customers.create({ name: 'Acme' });
  await sandbox.webhooks!.idle();
  expect(got.map((g) => g.status)).toEqual([500, 200]);
  const event = JSON.parse(got[1]!.body) as { type: string; data: { id: string } };
  expect(event).toMatchObject({ type: 'customer.created', data: { id: customer.id } });
  const now = Math.floor(Date.now() / 1000);
  expect(() =>
    verifySignature(got[1]!.body, got[1]!.header, [listen.secret], now, 300),
  ).not.toThrow();
  expect(lines.filter((line) => line.startsWith('customer.created'))).toHaveLength(2);
  expect(lines.some((line) => line.endsWith(' 500'))).toBe(true);
});
