// Events and signed webhook deliveries through the API. Expected signatures are computed with
// node:crypto, independently of the engine.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../core/simulator';
import type { Invoice } from '../../../core/public/types';
import {
  APR_1_2025,
  DAY,
  HOUR,
  MAR_1_2025,
  eventsOf,
  expectError,
  latestInvoice,
  scenario,
} from './fixtures';

const SECRET = 'whsec_fixedTestSecret0123456789';
const TIMESTAMP = 1_740_787_200;
const PAYLOAD = JSON.stringify({ id: 'evt_test', object: 'event', type: 'invoice.paid', data: {} });

const hmacHex = (payload: string, secret: string, timestamp: number) =>
  createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');

describe('webhooks.generateTestHeader and verify', () => {
  it('generates the header an endpoint would receive', () => {
    const sim = createSimulator({ startTime: TIMESTAMP });
    expect(
      sim.webhooks.generateTestHeader({ payload: PAYLOAD, secret: SECRET, timestamp: TIMESTAMP }),
    ).toBe(`t=${TIMESTAMP},v1=${hmacHex(PAYLOAD, SECRET, TIMESTAMP)}`);
  });

  it('round-trips: a generated header verifies and returns the parsed event', () => {
    const sim = createSimulator({ startTime: TIMESTAMP });
    const header = sim.webhooks.generateTestHeader({
      payload: PAYLOAD,
      secret: SECRET,
      timestamp: TIMESTAMP,
    });
    expect(sim.webhooks.verify(PAYLOAD, header, { secret: SECRET })).toEqual(JSON.parse(PAYLOAD));
  });

  it('tolerates 300 s by default: 300 s old passes, 301 s old fails', () => {
    const sim = createSimulator({ startTime: TIMESTAMP });
    const header = `t=${TIMESTAMP},v1=${hmacHex(PAYLOAD, SECRET, TIMESTAMP)}`;
    const options = (now: number) => ({ secret: SECRET, now });
    expect(sim.webhooks.verify(PAYLOAD, header, options(TIMESTAMP + 300)).type).toBe(
      'invoice.paid',
    );
    expectError(() => sim.webhooks.verify(PAYLOAD, header, options(TIMESTAMP + 301)), {
      type: 'signature_verification_error',
      code: 'timestamp_outside_tolerance',
    });
    // A wider tolerance is an option.
    expect(() =>
      sim.webhooks.verify(PAYLOAD, header, { ...options(TIMESTAMP + 301), tolerance: 301 }),
    ).not.toThrow();
  });

  it("uses the test clock's time as now by default", () => {
    const sim = createSimulator({ startTime: TIMESTAMP });
    const header = `t=${TIMESTAMP},v1=${hmacHex(PAYLOAD, SECRET, TIMESTAMP)}`;
    sim.testClock.advance({ frozenTime: TIMESTAMP + 300 });
    expect(() => sim.webhooks.verify(PAYLOAD, header, { secret: SECRET })).not.toThrow();
    sim.testClock.advance({ frozenTime: TIMESTAMP + 301 });
    expectError(() => sim.webhooks.verify(PAYLOAD, header, { secret: SECRET }), {
      type: 'signature_verification_error',
    });
  });

  it('rejects a tampered body or header with a clear error', () => {
    const sim = createSimulator({ startTime: TIMESTAMP });
    const header = `t=${TIMESTAMP},v1=${hmacHex(PAYLOAD, SECRET, TIMESTAMP)}`;
    const tampered = PAYLOAD.replace('invoice.paid', 'invoice.voided');
    const error = expectError(() => sim.webhooks.verify(tampered, header, { secret: SECRET }), {
      type: 'signature_verification_error',
      param: 'signatureHeader',
    });
    expect(error.message).toMatch(/raw request body/);
    expectError(() => sim.webhooks.verify(PAYLOAD, null, { secret: SECRET }), {
      type: 'signature_verification_error',
      code: 'signature_missing',
    });
    expectError(() => sim.webhooks.verify(PAYLOAD, header, { secret: 'whsec_wrong' }), {
      type: 'signature_verification_error',
    });
  });

  it("verifies with the endpoints' secrets by default, and needs one", () => {
    const sim = createSimulator({ startTime: TIMESTAMP });
    const header = `t=${TIMESTAMP},v1=${hmacHex(PAYLOAD, SECRET, TIMESTAMP)}`;
    expectError(() => sim.webhooks.verify(PAYLOAD, header), { code: 'secret_missing' });
    const endpoint = sim.webhookEndpoints.create({ url: 'http://127.0.0.1:3000/hooks' });
    expect(endpoint).toMatchObject({
      object: 'webhook_endpoint',
      url: 'http://127.0.0.1:3000/hooks',
    });
    expect(endpoint.secret).toMatch(/^whsec_[0-9A-Za-z]{16,}$/);
    const signed = sim.webhooks.generateTestHeader({
      payload: PAYLOAD,
      secret: endpoint.secret,
      timestamp: TIMESTAMP,
    });
    expect(sim.webhooks.verify(PAYLOAD, signed).id).toBe('evt_test');
    expectError(() => sim.webhooks.verify(PAYLOAD, header), { code: 'signature_mismatch' });
  });
});

describe('signed deliveries of events', () => {
  it("signs each event for each endpoint with the endpoint's secret at the event time", () => {
    const { sim, subscription, item } = scenario();
    const first = sim.webhookEndpoints.create({ url: 'http://127.0.0.1:3000/hooks' });
    const second = sim.webhookEndpoints.create({ url: 'https://example.com/billing' });
    expect(second.secret).not.toBe(first.secret);
    sim.usageRecords.create({ subscriptionItem: item, quantity: 18420 });
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const paid = sim.events.list({ type: 'invoice.paid' }).data[0]!;
    const deliveries = sim.webhookEndpoints.deliveries({ event: paid.id });
    expect(deliveries.map((delivery) => delivery.endpoint)).toEqual([first.id, second.id]);
    for (const [index, endpoint] of [first, second].entries()) {
      const delivery = deliveries[index]!;
      expect(delivery.url).toBe(endpoint.url);
      expect(JSON.parse(delivery.payload)).toEqual(paid);
      expect(delivery.signatureHeader).toBe(
        `t=${paid.created},v1=${hmacHex(delivery.payload, endpoint.secret, paid.created)}`,
      );
      expect(sim.webhooks.verify(delivery.payload, delivery.signatureHeader)).toEqual(paid);
    }
    // 301 s later the same delivery is too old to accept.
    sim.testClock.advance({ frozenTime: paid.created + 301 });
    expectError(() => sim.webhooks.verify(deliveries[0]!.payload, deliveries[0]!.signatureHeader), {
      code: 'timestamp_outside_tolerance',
    });
  });

  it('gives the same secrets for the same seed', () => {
    const secret = (seed: number) =>
      createSimulator({ seed }).webhookEndpoints.create({ url: 'http://127.0.0.1:1/h' }).secret;
    expect(secret(5)).toBe(secret(5));
    expect(secret(5)).not.toBe(secret(6));
  });
});

describe('events', () => {
  it('every change emits an event, in order', () => {
    const { sim, subscription, customerId } = scenario();
    expect(eventsOf(sim).map((event) => event.type)).toEqual([
      'product.created',
      'price.created',
      'customer.created',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
    ]);
    sim.customers.update(customerId, { email: 'billing@acme.test' });
    sim.subscriptions.update(subscription.id, { cancelAtPeriodEnd: true });
    expect(
      eventsOf(sim)
        .slice(-2)
        .map((event) => event.type),
    ).toEqual(['customer.updated', 'customer.subscription.updated']);
    const ids = eventsOf(sim).map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^evt_/);
  });

  it('keeps the object as it was when the event happened', () => {
    const { sim, subscription, item } = scenario();
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1000 });
    sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
    const invoice = latestInvoice(sim, subscription.id);
    const created = sim.events
      .list({ type: 'invoice.created' })
      .data.find((event) => event.data.id === invoice.id)!;
    expect((created.data as Invoice).status).toBe('draft');
    expect(sim.events.retrieve(created.id)).toEqual(created);
    expect(invoice.status).toBe('paid');
  });

  it('lists newest first, filtered by type and limited', () => {
    const { sim } = scenario();
    const newest = sim.events.list({ limit: 2 });
    expect(newest.data.map((event) => event.type)).toEqual(['invoice.paid', 'invoice.finalized']);
    expect(newest.hasMore).toBe(true);
    expect(sim.events.list({ type: 'price.created' }).data).toHaveLength(1);
  });

  it('event retention is a setting (0 keeps every event)', () => {
    const { sim, subscription } = scenario();
    sim.settings.update({ eventRetentionDays: 0 });
    sim.testClock.advance({ frozenTime: MAR_1_2025 + 90 * DAY });
    expect(eventsOf(sim, 'customer.subscription.created').map((e) => e.data.id)).toEqual([
      subscription.id,
    ]);
  });
});
