// The webhook delivery queue the engine keeps for the host that sends webhooks: what is due (per
// endpoint in event order), the retries on the test clock after the quick ones, resends, and that
// it survives a snapshot (the workspace file).
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import { WEBHOOK_CLOCK_RETRY_DELAYS } from '../../../core/rules/webhook-retries';

const START = 1_740_787_200; // 2025-03-01
const HOUR = 3_600;

function setup() {
  const sim = createSimulator({ startTime: START, seed: 3 });
  const hooks = sim.webhookEndpoints.create({
    url: 'http://127.0.0.1:3000/hooks',
    enabledEvents: ['customer.created'],
  });
  const all = sim.webhookEndpoints.create({ url: 'http://127.0.0.1:3001/all' });
  sim.customers.create({ name: 'A' });
  sim.customers.create({ name: 'B' });
  const events = sim.events
    .list({ type: 'customer.created' })
    .data.map((e) => e.id)
    .reverse();
  return { sim, hooks: hooks.id, all: all.id, events };
}

function tried(
  sim: Simulator,
  event: string,
  endpoint: string,
  status: number | null,
  more: { retry?: 'realTime' | 'testClock' | 'never'; resend?: boolean; attempt?: number } = {},
) {
  return sim.webhookEndpoints.recordAttempt({
    endpoint,
    event,
    attempt: more.attempt ?? 1,
    url: 'http://127.0.0.1:3000/hooks',
    status,
    error: status === null ? 'ECONNREFUSED' : null,
    latencyMs: 3,
    responseExcerpt: '',
    sentAt: 1,
    ...(more.retry ? { retry: more.retry } : {}),
    ...(more.resend ? { resend: true } : {}),
  });
}

const dueOf = (sim: Simulator) =>
  sim.webhookEndpoints.dueDeliveries().map((d) => [d.entry.event, d.endpoint.id, d.resend]);

describe('the webhook delivery queue', () => {
  it('queues each event once per endpoint that receives it, and offers each endpoint its first', () => {
    const { sim, hooks, all, events } = setup();
    const [first, second] = events as [string, string];
    const queued = sim.webhookEndpoints.queueDeliveries({ events });
    expect(queued.map((e) => [e.event, e.endpoint])).toEqual([
      [first, hooks],
      [first, all],
      [second, hooks],
      [second, all],
    ]);
    expect(sim.webhookEndpoints.queueDeliveries({ events })).toEqual([]); // once
    // Per endpoint in event order: the second event waits for the first.
    expect(dueOf(sim)).toEqual([
      [first, hooks, false],
      [first, all, false],
    ]);
    tried(sim, first, hooks, 200);
    expect(dueOf(sim)).toEqual([
      [first, all, false],
      [second, hooks, false],
    ]);
  });

  it('retries after the quick tries on the test clock: 1 h, 6 h, 24 h, 72 h, then failed', () => {
    const { sim, hooks, events } = setup();
    const [first, second] = events as [string, string];
    sim.webhookEndpoints.queueDeliveries({ events });
    // Quick tries in real time leave the delivery due (the host waits seconds, not the clock).
    tried(sim, first, hooks, 500, { retry: 'realTime' });
    expect(dueOf(sim)).toContainEqual([first, hooks, false]);
    let at = START;
    for (const [k, delay] of WEBHOOK_CLOCK_RETRY_DELAYS.entries()) {
      tried(sim, first, hooks, 500, { attempt: k + 2 });
      const [log] = sim.webhookEndpoints.deliveryLog({ event: first });
      expect(log).toMatchObject({ status: 'pending', nextAttemptAt: at + delay });
      // Not due a second before; due when the clock passes it, and the second event still waits.
      sim.testClock.advance({ frozenTime: at + delay - 1 });
      expect(dueOf(sim).filter(([, endpoint]) => endpoint === hooks)).toEqual([]);
      sim.testClock.advance({ frozenTime: at + delay });
      expect(dueOf(sim)).toContainEqual([first, hooks, false]);
      at += delay;
    }
    expect([1, 6, 24, 72].map((h) => h * HOUR)).toEqual([...WEBHOOK_CLOCK_RETRY_DELAYS]);
    const last = tried(sim, first, hooks, null, { attempt: 6 });
    expect(last.clockTime).toBe(START + 103 * HOUR);
    const [log] = sim.webhookEndpoints.deliveryLog({ event: first });
    expect(log).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(log!.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    // Its failure ends its turn.
    expect(dueOf(sim)).toContainEqual([second, hooks, false]);
  });

  it('keeps an event past the retention while its delivery is pending, then lets it go', () => {
    const { sim, hooks, all, events } = setup();
    sim.webhookEndpoints.queueDeliveries({ events });
    tried(sim, events[0]!, hooks, 500);
    sim.testClock.advance({ frozenTime: START + 40 * 86_400 }); // events are kept 30 days
    const due = sim.webhookEndpoints.dueDeliveries().find((d) => d.endpoint.id === hooks);
    expect(due).toMatchObject({ entry: { event: events[0] }, event: { id: events[0] } });
    // Settled for both endpoints, the event goes at the next clock move.
    tried(sim, events[0]!, hooks, 200, { attempt: 2 });
    tried(sim, events[0]!, all, 200);
    sim.testClock.advance({ frozenTime: START + 41 * 86_400 });
    expect(() => sim.events.retrieve(events[0]!)).toThrow(
      expect.objectContaining({ code: 'resource_missing' }),
    );
    // An event no longer kept cannot be resent: the refusal names it.
    expect(() => sim.webhookEndpoints.resend({ event: events[0]!, endpoint: hooks })).toThrow(
      expect.objectContaining({ code: 'resource_missing' }),
    );
  });

  it('a try that can never succeed fails the delivery at once', () => {
    const { sim, hooks, events } = setup();
    sim.webhookEndpoints.queueDeliveries({ events });
    tried(sim, events[0]!, hooks, null, { retry: 'never' });
    expect(sim.webhookEndpoints.deliveryLog({ event: events[0]! })[0]!.status).toBe('failed');
  });

  it('a resend goes out of turn once; it settles the delivery only when it succeeds', () => {
    const { sim, hooks, all, events } = setup();
    const [first, second] = events as [string, string];
    sim.webhookEndpoints.queueDeliveries({ events });
    tried(sim, first, hooks, 500); // first waits for the clock; second waits behind it
    const entry = sim.webhookEndpoints.resend({ event: second, endpoint: hooks });
    expect(entry).toMatchObject({ status: 'pending', resendRequested: true });
    expect(dueOf(sim)).toContainEqual([second, hooks, true]);
    tried(sim, second, hooks, 503, { resend: true });
    // A failed resend changes nothing else: no clock retry was used, still pending and waiting.
    expect(sim.webhookEndpoints.deliveryLog({ event: second })[0]).toMatchObject({
      status: 'pending',
      resendRequested: false,
      nextAttemptAt: null,
    });
    sim.webhookEndpoints.resend({ event: first, endpoint: hooks });
    const attempt = tried(sim, first, hooks, 200, { resend: true, attempt: 2 });
    expect(attempt.resend).toBe(true);
    const [log] = sim.webhookEndpoints.deliveryLog({ event: first });
    expect(log).toMatchObject({ status: 'succeeded', nextAttemptAt: null });
    expect(dueOf(sim)).toContainEqual([second, hooks, false]);
    // An event from before any sender ran is queued by its resend; endpoints that don't receive
    // its type are refused, and nothing changes.
    sim.customers.create({ name: 'C' });
    const [late] = sim.events.list({ type: 'customer.created' }).data;
    expect(sim.webhookEndpoints.deliveryLog({ event: late!.id })[0]!.status).toBe('not_queued');
    sim.webhookEndpoints.resend({ event: late!.id, endpoint: hooks });
    expect(sim.webhookEndpoints.deliveryLog({ event: late!.id })[0]).toMatchObject({
      endpoint: hooks,
      status: 'pending',
      resendRequested: true,
    });
    const before = JSON.stringify(sim.snapshot());
    expect(() => sim.webhookEndpoints.resend({ event: first, endpoint: 'we_missing' })).toThrow(
      expect.objectContaining({ code: 'resource_missing', param: 'endpoint' }),
    );
    expect(JSON.stringify(sim.snapshot())).toBe(before);
    expect(sim.webhookEndpoints.deliveryLog({ event: first }).map((d) => d.endpoint)).toEqual([
      hooks,
      all,
    ]);
  });

  it('refuses unknown events as a whole and survives a snapshot', () => {
    const { sim, hooks, events } = setup();
    const before = JSON.stringify(sim.snapshot());
    expect(() =>
      sim.webhookEndpoints.queueDeliveries({ events: [events[0]!, 'evt_missing'] }),
    ).toThrow(expect.objectContaining({ code: 'resource_missing', param: 'events[1]' }));
    expect(JSON.stringify(sim.snapshot())).toBe(before);
    sim.webhookEndpoints.queueDeliveries({ events });
    tried(sim, events[0]!, hooks, 500);
    const restored = createSimulator({ snapshot: sim.snapshot() });
    expect(restored.webhookEndpoints.deliveryLog({ event: events[0]! })[0]).toMatchObject({
      status: 'pending',
      nextAttemptAt: START + HOUR,
    });
    expect(restored.webhookEndpoints.dueDeliveries().map((d) => d.entry.event)).toEqual([
      events[0],
    ]); // the other endpoint's first; hooks waits for the clock
  });
});
