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
      .on('events.list', () => ({ object: 'list', data: [], hasMore: false }))
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
