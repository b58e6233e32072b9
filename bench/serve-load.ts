// A load on `meterlab serve`: concurrent clients reporting usage with idempotency keys for a
// while, over loopback. Every tenth call repeats the one before it (a retry, same key and body),
// which must count once. Used by the bounded test (test/electron/serve-load.test.ts) and by
// `npm run bench -- --serve-load` (1,000 clients for 60 s).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../electron/serve';

export interface LoadResult {
  clients: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers by HTTP status; network errors as 'error'. */
  statuses: Record<string, number>;
  /** What the clients' accepted records add up to, and what summaries says. */
  sent: number;
  counted: number;
  /** The slowest GET /v1/test_clock, asked every 100 ms while the load ran. */
  worstProbeMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

export async function runServeLoad(clients: number, seconds: number): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'meterlab-load-'));
  const server = await serve({
    dataFile: join(dir, 'workspace.json'),
    port: 0,
    followWallClock: false,
    webhooks: false,
  });
  try {
    const headers = {
      Authorization: `Bearer ${server.secretKey}`,
      'Content-Type': 'application/json',
    };
    const post = async (path: string, body: unknown, extra: Record<string, string> = {}) => {
      const response = await fetch(server.url + path, {
        method: 'POST',
        headers: { ...headers, ...extra },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const product = (await post('/v1/products', { name: 'API' })).body;
    const price = (
      await post('/v1/prices', {
        product: product.id,
        currency: 'EUR',
        billingScheme: 'usage',
        unitAmountDecimal: '0.2',
        recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
      })
    ).body;
    await post('/v1/customers', { id: 'cust_load', name: 'Load', paymentMethod: 'pm_card_visa' });
    const subscription = (
      await post('/v1/subscriptions', { customer: 'cust_load', items: [{ price: price.id }] })
    ).body as { items: { data: { id: string }[] } };
    const item = subscription.items.data[0]!.id;
    const path = `/v1/subscription_items/${item}/usage_records`;

    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    /** Quantity by idempotency key, for the calls answered 200. */
    const accepted = new Map<string, number>();
    const end = performance.now() + seconds * 1000;
    const client = async (n: number) => {
      let previous: { key: string; quantity: number } | null = null;
      let unanswered: { key: string; quantity: number } | null = null;
      for (let call = 0; performance.now() < end; call++) {
        // A call without an answer (429, network error) is retried as is; every tenth call
        // repeats the one before: neither may count twice.
        const request: { key: string; quantity: number } =
          unanswered ??
          (previous !== null && call % 10 === 9
            ? previous
            : { key: `load-${n}-${call}`, quantity: 1 + ((n * 7 + call) % 9) });
        const started = performance.now();
        let status: string;
        try {
          const body = { quantity: request.quantity, action: 'increment' };
          status = String((await post(path, body, { 'Idempotency-Key': request.key })).status);
        } catch {
          status = 'error';
        }
        latencies.push(performance.now() - started);
        statuses[status] = (statuses[status] ?? 0) + 1;
        unanswered = status === '429' || status === 'error' ? request : null;
        if (status === '200') accepted.set(request.key, request.quantity);
        if (status === '429') await new Promise((resolve) => setTimeout(resolve, 1000));
        previous = request;
      }
    };
    let worstProbeMs = 0;
    const probe = (async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await fetch(`${server.url}/v1/test_clock`, { headers });
        worstProbeMs = Math.max(worstProbeMs, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const started = performance.now();
    await Promise.all([...Array.from({ length: clients }, (_, n) => client(n)), probe]);
    const elapsed = (performance.now() - started) / 1000;
    const summary = await fetch(`${server.url}${path}/summaries`, { headers });
    const counted = ((await summary.json()) as { data: { totalUsage: number }[] }).data[0]!
      .totalUsage;
    latencies.sort((a, b) => a - b);
    return {
      clients,
      seconds,
      requests: latencies.length,
      requestsPerSecond: latencies.length / elapsed,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      statuses,
      sent: [...accepted.values()].reduce((sum, quantity) => sum + quantity, 0),
      counted,
      worstProbeMs,
    };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function describeLoad(result: LoadResult): string {
  return (
    `${result.clients} clients × ${result.seconds} s: ${result.requests} requests, ` +
    `${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(1)} ms, ` +
    `p99 ${result.p99Ms.toFixed(1)} ms, statuses ${JSON.stringify(result.statuses)}, ` +
    `usage sent ${result.sent} / counted ${result.counted}, slowest probe ${result.worstProbeMs.toFixed(0)} ms`
  );
}
