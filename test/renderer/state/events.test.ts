import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { EventsState, signedAt, tamper } from '../../../renderer/state/events.svelte';
import { FakeTransport } from '../fake-transport';

describe('webhook helpers', () => {
  it('tampers by changing the first digit of the body', () => {
    expect(tamper('{"amountPaid":3684}')).toBe('{"amountPaid":4684}');
    expect(tamper('{"n":9}')).toBe('{"n":0}');
  });

  it('reads t= from a signature header', () => {
    expect(signedAt('t=1748390400,v1=abc')).toBe(1748390400);
    expect(signedAt('v1=abc, t=12')).toBe(12);
    expect(signedAt('v1=abc')).toBeNull();
  });
});

describe('EventsState.verify', () => {
  it("verifies with the endpoint's secret as at the signing time", async () => {
    const transport = new FakeTransport()
      .on('analysis.eventPage', () => ({ object: 'event_page', data: [], offset: 0, total: 0 }))
      .on('webhookEndpoints.list', () => ({ object: 'list', data: [], hasMore: false }));
    const events = new EventsState(new AppState(createApiClient(transport)));
    transport.on('webhooks.verify', (body) => ({
      id: 'evt_1',
      object: 'event',
      type: 'invoice.paid',
      created: 1,
      data: JSON.parse(body),
    }));
    events.body = '{"id":"inv_1"}';
    events.header = 't=1748390400,v1=00';
    await events.verify();
    expect(transport.callsOf('webhooks.verify')[0]).toEqual([
      '{"id":"inv_1"}',
      't=1748390400,v1=00',
      { now: 1748390400 },
    ]);
    expect(events.outcome).toMatchObject({ ok: true, event: { type: 'invoice.paid' } });
  });
});

describe('EventsState pages', () => {
  it('asks the engine for 50 events at a time, of the type chosen, from the first page', async () => {
    const transport = new FakeTransport()
      .on('analysis.eventPage', (args) => ({
        object: 'event_page',
        data: [],
        offset: args?.offset ?? 0,
        total: 120,
      }))
      .on('webhookEndpoints.list', () => ({ object: 'list', data: [], hasMore: false }))
      .on('settings.retrieve', () => ({}) as never)
      .on('webhookEndpoints.deliveries', () => []);
    const events = new EventsState(new AppState(createApiClient(transport)));
    await events.events.load();
    await events.page(1);
    expect(events.total).toBe(120);
    expect(transport.callsOf('analysis.eventPage').at(-1)).toEqual([{ offset: 50, limit: 50 }]);
    events.filter('invoice.paid');
    expect(events.offset).toBe(0);
    expect(transport.callsOf('analysis.eventPage').at(-1)).toEqual([
      { offset: 0, limit: 50, type: 'invoice.paid' },
    ]);
  });
});
