// The guide runs as written: its code blocks, in a small server of the developer's that uses
// meterlab/client, against `meterlab serve` started here. Changes from the guide's text: the SDK
// is imported from meterlab/client with the baseUrl `serve` printed; the customer is created first
// (the guide assumes one); the batch uses this period's timestamps and the real item id (the
// guide's are from 2025 and a placeholder); the handler remembers event ids, as the guide asks
// ("so it happens exactly once"); and the Dashboard's "Advance billing period" is the API call.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Meterlab } from 'meterlab/client';
import type { Invoice } from 'meterlab/client';
import { serve } from '../../electron/serve';
import type { RunningServe } from '../../electron/serve';

let dir: string;
let sandbox: RunningServe;
let app: Server;
let appUrl: string;

/** What the developer's server did, and what its webhook route was sent. */
const extended: { subscription: string | null; periodEnd: number }[] = [];
const dunning: string[] = [];
const received: { type: string; id: string; status: number }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-guide-'));
  // Retries come quickly here; the default waits 2 s, 10 s, 30 s.
  sandbox = await serve({
    dataFile: join(dir, 'workspace.json'),
    port: 0,
    webhooks: { retryDelaysMs: [50, 100] },
  });
  process.env.VINR_SECRET_KEY = sandbox.secretKey;
});

afterAll(async () => {
  app?.close();
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

it("bills the guide's usage and delivers invoice.paid once and invoice.payment_failed", async () => {
  // --- the guide, "Define a metered price" ---
  const vinr = new Meterlab({ secretKey: process.env.VINR_SECRET_KEY, baseUrl: sandbox.url });
  const product = await vinr.products.create({
    name: 'API access',
  });
  const price = await vinr.prices.create({
    product: product.id, // prod_...
    currency: 'EUR',
    billingScheme: 'usage',
    unitAmountDecimal: '0.2', // €0.002 per unit, in minor-unit decimals
    recurring: {
      interval: 'month',
      usageType: 'metered',
      aggregateUsage: 'sum', // sum | last_during_period | max
    },
  });

  // --- the guide, "Invoicing usage": the webhook route, in the developer's server ---
  const processed = new Set<string>();
  async function extendAccess(subscription: string | null, periodEnd: number) {
    extended.push({ subscription, periodEnd });
  }
  async function startDunning(customer: string) {
    dunning.push(customer);
  }
  async function POST(req: Request) {
    const event = vinr.webhooks.verify(await req.text(), req.headers.get('x-vinr-signature'));
    if (processed.has(event.id)) return new Response('OK', { status: 200 }); // a retry
    processed.add(event.id);
    switch (event.type) {
      case 'invoice.paid':
        // inv_... — quantity already aggregated and priced
        await extendAccess((event.data as Invoice).subscription, (event.data as Invoice).periodEnd);
        break;
      case 'invoice.payment_failed':
        await startDunning((event.data as Invoice).customer);
        break;
    }
    return new Response('OK', { status: 200 });
  }
  // The developer's server: the first invoice.paid it handles, it fails to answer (500) after
  // fulfilling, so Meterlab retries and the handler must not fulfil twice.
  let failedOnce = false;
  app = createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = new Headers(incoming.headers as Record<string, string>);
    let status: number;
    try {
      status = (
        await POST(new Request(`${appUrl}${incoming.url}`, { method: 'POST', headers, body }))
      ).status;
    } catch {
      status = 400; // the signature did not verify
    }
    const type = (JSON.parse(body) as { type: string }).type;
    if (type === 'invoice.paid' && !failedOnce) {
      failedOnce = true;
      status = 500;
    }
    received.push({ type, id: (JSON.parse(body) as { id: string }).id, status });
    outgoing.writeHead(status).end(status === 200 ? 'OK' : 'error');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  await vinr.webhookEndpoints.create({
    url: `${appUrl}/webhooks`,
    enabledEvents: ['invoice.paid', 'invoice.payment_failed'],
  });

  // --- the guide, "Subscribe the customer" (the customer made first) ---
  await vinr.customers.create({ id: 'cust_8aZ2', name: 'Acme', paymentMethod: 'pm_card_visa' });
  const subscription = await vinr.subscriptions.create({
    customer: 'cust_8aZ2',
    items: [{ price: price.id }], // price_...
  });
  expect(subscription.id).toMatch(/^sub_/);

  // --- the guide, "Report usage records" ---
  async function reportApiCall(subscriptionItemId: string, count: number, requestId: string) {
    const record = await vinr.usageRecords.create(
      {
        subscriptionItem: subscriptionItemId,
        quantity: count,
        timestamp: Math.floor(Date.now() / 1000),
        action: 'increment', // increment | set
      },
      { idempotencyKey: `usage-${requestId}` },
    );
    return record.id; // mbu_...
  }
  const si = subscription.items.data[0]!.id;
  expect(await reportApiCall(si, 18_000, 'req-1')).toMatch(/^mbu_/);
  const now = Math.floor(Date.now() / 1000);
  await vinr.usageRecords.createBatch({
    subscriptionItem: si,
    records: [
      { quantity: 300, timestamp: now, action: 'increment' },
      { quantity: 120, timestamp: now, action: 'increment' },
    ],
  });

  // --- the guide, "Aggregation & windows" ---
  const summary = await vinr.usageRecords.summaries({
    subscriptionItem: si,
  });
  expect(summary.data[0]!.totalUsage).toBe(18_420);

  // A second customer whose card is declined.
  await vinr.customers.create({
    id: 'cust_decl',
    name: 'Declined',
    paymentMethod: 'pm_card_chargeDeclined',
  });
  const declined = await vinr.subscriptions.create({
    customer: 'cust_decl',
    items: [{ price: price.id }],
  });
  await reportApiCall(declined.items.data[0]!.id, 100, 'req-2');

  // --- the guide, "Test it": advance the billing period through the API ---
  await vinr.testClock.advanceBillingPeriod({ subscription: subscription.id });
  // The declined subscription's period closed with it (within seconds); an hour on, its invoice is
  // finalized and charged too.
  const { frozenTime } = await vinr.testClock.retrieve();
  await vinr.testClock.advance({ frozenTime: frozenTime + 3_600 });
  await sandbox.webhooks!.idle();

  const invoices = (await vinr.invoices.list({ subscription: subscription.id })).data;
  const invoice = invoices.find((i) => i.billingReason === 'subscription_cycle');
  expect(invoice).toMatchObject({ status: 'paid', total: 3684 }); // 18,420 × €0.002
  expect(dunning).toEqual(['cust_decl']);

  // Every invoice.paid (the €0 invoices of the subscriptions' start too) reached the handler
  // with a signature it verified, and was fulfilled once; the period's invoice among them. The
  // first was answered 500 after it was fulfilled, retried, and not fulfilled again.
  const paid = received.filter((r) => r.type === 'invoice.paid');
  expect(paid.map((r) => r.status)).toEqual([500, 200, 200, 200]);
  expect(paid[1]!.id).toBe(paid[0]!.id);
  expect(extended).toHaveLength(new Set(paid.map((r) => r.id)).size);
  expect(extended).toContainEqual({ subscription: subscription.id, periodEnd: invoice!.periodEnd });
  const [lastPaid] = (await vinr.events.list({ type: 'invoice.paid', limit: 1 })).data;
  expect(lastPaid!.data.id).toBe(invoice!.id);
  expect(paid.at(-1)!.id).toBe(lastPaid!.id);
  const attempts = (await vinr.webhookEndpoints.attempts({ event: paid[0]!.id })).data;
  expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
    [2, 200],
    [1, 500],
  ]);
  expect(received.every((r) => r.status !== 400)).toBe(true);
});
