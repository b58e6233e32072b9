// Hostile requests to meterlab serve: each is refused with a clear error, changes nothing, and
// leaves the server answering.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve } from '../../electron/serve';
import type { RunningServe } from '../../electron/serve';

let dir: string;
let server: RunningServe;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-serve-attack-'));
  server = await serve({ dataFile: join(dir, 'w.json'), port: 0, webhooks: false });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function send(
  verb: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(server.url + path, {
    method: verb,
    headers: {
      Authorization: `Bearer ${server.secretKey}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  });
  const json = (await response.json()) as { error?: { code: string; param: string | null } };
  return { status: response.status, error: json.error };
}

it('refuses hostile bodies, paths, queries and headers, and changes nothing', async () => {
  const cases: [string, string, string | undefined, Record<string, string>, number, string][] = [
    [
      'POST',
      '/v1/products',
      '{"name":"A","__proto__":{"polluted":true}}',
      {},
      400,
      'parameter_invalid',
    ],
    ['POST', '/v1/products', '{"name":', {}, 400, 'invalid_json'],
    ['POST', '/v1/products', '[{"name":"A"}]', {}, 400, 'invalid_json'],
    ['POST', '/v1/products', '"A"', {}, 400, 'invalid_json'],
    ['GET', '/v1/products/..%2F..%2Fetc%2Fpasswd', undefined, {}, 404, 'resource_missing'],
    ['GET', '/v1/products/%E0%A4%A', undefined, {}, 404, 'route_unknown'],
    ['GET', '/v1/products?__proto__=x', undefined, {}, 400, 'parameter_invalid'],
    ['GET', '/v1/products?limit=1e400', undefined, {}, 400, 'parameter_invalid'],
    [
      'POST',
      '/v1/quote',
      '{"price":"p","quantity":1,"constructor":{}}',
      {},
      400,
      'parameter_unknown',
    ],
    [
      'GET',
      '/v1/test_clock',
      undefined,
      { Authorization: `Bearer ${'x'.repeat(10_000)}` },
      401,
      'api_key_invalid',
    ],
    ['GET', '/v1/test_clock', undefined, { Authorization: 'Basic abc' }, 401, 'api_key_missing'],
  ];
  for (const [verb, path, body, headers, status, code] of cases) {
    const answer = await send(verb, path, body, headers);
    expect([path, body, answer.status, answer.error?.code]).toEqual([path, body, status, code]);
  }
  const longKey = await send(
    'POST',
    '/v1/subscription_items/si_x/usage_records',
    '{"quantity":1}',
    { 'Idempotency-Key': 'k'.repeat(300) },
  );
  expect(longKey).toMatchObject({ status: 400, error: { param: 'Idempotency-Key' } });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  const products = await fetch(`${server.url}/v1/products`, {
    headers: { Authorization: `Bearer ${server.secretKey}` },
  });
  expect(((await products.json()) as { data: unknown[] }).data).toEqual([]);
});
