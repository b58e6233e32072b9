import { describe, expect, it } from 'vitest';
import type { SandboxStatus } from '../../../core/contract';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { EventsState, attemptOutcome } from '../../../renderer/state/events.svelte';
import { sandboxOf } from '../../../renderer/state/sandbox.svelte';
import { FakeTransport } from '../fake-transport';

const key = 'sk_test_abcdefghijklmnopqrstuvwx';

describe('SandboxState', () => {
  it('turns the sandbox on at the port typed, and off; one state per app', async () => {
    let status: SandboxStatus = { running: false, port: 12111, url: null, secretKey: key };
    const transport = new FakeTransport()
      .on('sandbox.status', () => status)
      .on('sandbox.start', (args) => {
        const port = args?.port ?? status.port;
        status = { running: true, port, url: `http://127.0.0.1:${port}`, secretKey: key };
        return status;
      })
      .on('sandbox.stop', () => (status = { ...status, running: false, url: null }));
    const app = new AppState(createApiClient(transport));
    const sandbox = sandboxOf(app);
    expect(sandboxOf(app)).toBe(sandbox);
    await sandbox.load();
    expect(sandbox.available).toBe(true);
    expect(sandbox.port).toBe('12111');
    expect(sandbox.baseUrl).toBe('http://127.0.0.1:12111');
    sandbox.port = '4242';
    await sandbox.toggle();
    expect(transport.callsOf('sandbox.start')).toEqual([[{ port: 4242 }]]);
    expect(sandbox.running).toBe(true);
    expect(sandbox.baseUrl).toBe('http://127.0.0.1:4242');
    await sandbox.toggle();
    expect(transport.callsOf('sandbox.stop')).toHaveLength(1);
    expect(sandbox.running).toBe(false);
    expect(sandbox.status.value?.secretKey).toBe(key);
  });

  it('is not available where the host refuses sandbox.status', async () => {
    const sandbox = sandboxOf(new AppState(createApiClient(new FakeTransport())));
    await sandbox.load();
    expect(sandbox.available).toBe(false);
  });
});

describe('EventsState.resend', () => {
  it('asks for the resend, then reads the deliveries until the try is recorded', async () => {
    let requested = true;
    const event = { id: 'evt_1', object: 'event', type: 'customer.created', created: 1, data: {} };
    const transport = new FakeTransport()
      .on('analysis.eventPage', () => ({
        object: 'event_page',
        data: [event as never],
        offset: 0,
        total: 1,
      }))
      .on('webhookEndpoints.resend', () => ({}) as never)
      .on('webhookEndpoints.deliveryLog', () => {
        const log = [
          {
            endpoint: 'we_1',
            url: 'http://127.0.0.1:3000/hooks',
            status: 'succeeded' as const,
            nextAttemptAt: null,
            resendRequested: requested,
            attempts: [],
          },
        ];
        requested = false; // the next read finds the try recorded
        return log;
      })
      .on('workspace.current', () => null);
    const events = new EventsState(new AppState(createApiClient(transport)));
    await events.events.load();
    await events.resend('we_1');
    expect(transport.callsOf('webhookEndpoints.resend')).toEqual([
      [{ event: 'evt_1', endpoint: 'we_1' }],
    ]);
    expect(transport.callsOf('webhookEndpoints.deliveryLog').length).toBeGreaterThanOrEqual(2);
    expect(events.sent.value?.[0]?.resendRequested).toBe(false);
  });

  it('names a try by its status, or why none came', () => {
    expect(attemptOutcome({ status: 500, error: null })).toBe('HTTP 500');
    expect(attemptOutcome({ status: null, error: 'timeout after 10000 ms' })).toBe(
      'timeout after 10000 ms',
    );
  });
});
