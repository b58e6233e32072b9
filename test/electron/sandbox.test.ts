// The developer sandbox of the browser host: switched on and off through the window's API, with
// the workspace's key (the one `meterlab serve` prints), loopback only, its calls and webhook
// tries pushed to the window as they land.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHost } from '../../electron/host';
import type { RunningHost } from '../../electron/host';
import { coalesceChanges } from '../../electron/sandbox';
import { workspaceSecretKey } from '../../electron/serve';
import { createDispatcher } from '../../core/dispatch';
import { Workspace } from '../../core/workspace';
import { MemoryWorkspaceStore } from '../../core/workspace-store';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let dir: string;
let host: RunningHost;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-sandbox-'));
  host = await startHost({ port: 0, dataFile: join(dir, 'workspace.json'), staticDir: dir });
});

afterEach(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

async function windowCall(method: string, ...args: unknown[]): Promise<Json> {
  const response = await fetch(`${new URL(host.url).origin}/api/${method}`, {
    method: 'POST',
    headers: { 'x-meterlab-token': host.token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ args }),
  });
  return response.json();
}

describe('the developer sandbox beside the browser host', () => {
  it('starts and stops from the window with the key serve prints; its calls are pushed live', async () => {
    await windowCall('workspace.create', { name: 'Sandbox' });
    const key = await workspaceSecretKey(join(dir, 'workspace.json'));
    expect(await windowCall('sandbox.status')).toEqual({
      ok: true,
      data: { running: false, port: 12111, url: null, secretKey: key },
    });
    const on = await windowCall('sandbox.start', { port: 0 });
    expect(on).toMatchObject({ ok: true, data: { running: true, secretKey: key } });
    const { url, port } = on.data as { url: string; port: number };
    expect(url).toBe(`http://127.0.0.1:${port}`);

    const events = await fetch(`${new URL(host.url).origin}/api/events?token=${host.token}`);
    const reader = events.body!.getReader();
    const created = await fetch(`${url}/v1/customers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'From my code' }),
    });
    expect(created.status).toBe(200);
    let seen = '';
    while (!seen.includes('state.changed')) {
      seen += new TextDecoder().decode((await reader.read()).value);
    }
    await reader.cancel();
    const listed = await windowCall('customers.list', {});
    expect(listed.data.data.map((c: Json) => c.name)).toEqual(['From my code']);
    // Without the key: refused, as by serve.
    expect((await fetch(`${url}/v1/customers`)).status).toBe(401);

    expect(await windowCall('sandbox.stop')).toMatchObject({
      ok: true,
      data: { running: false, port, url: null },
    });
    await expect(fetch(`${url}/v1/customers`)).rejects.toThrow();
  });

  it('names a port in use and refuses a bad one; nothing runs then', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const refused = await windowCall('sandbox.start', { port });
      expect(refused).toMatchObject({
        ok: false,
        error: { code: 'port_unavailable', param: 'port' },
      });
      expect(refused.error.message).toContain(String(port));
      expect(await windowCall('sandbox.start', { port: 70_000 })).toMatchObject({
        ok: false,
        error: { code: 'parameter_invalid', param: 'port' },
      });
      expect((await windowCall('sandbox.status')).data.running).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('is not part of plain dispatch (the CLI, tests): a clear error', async () => {
    const workspace = await Workspace.load({ store: new MemoryWorkspaceStore(), now: () => 0 });
    const result = await createDispatcher(workspace)('sandbox.start', []);
    expect(result).toMatchObject({ ok: false, error: { code: 'sandbox_not_available' } });
  });
});

describe('coalesceChanges', () => {
  it('pushes the first change at once and the last of a burst after the interval', async () => {
    const heard: unknown[] = [];
    let time = 1_000;
    const push = coalesceChanges(
      (event) => heard.push(event),
      50,
      () => time,
    );
    const changed = (revision: number) =>
      ({ type: 'state.changed', scenario: 's', revision }) as const;
    push(changed(1));
    expect(heard).toEqual([changed(1)]);
    push(changed(2));
    push({ type: 'progress', task: 't', done: 1, total: 2 });
    push(changed(3));
    expect(heard).toHaveLength(2); // progress passes; 2 and 3 wait
    time += 50;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(heard.at(-1)).toEqual(changed(3));
    expect(heard).toHaveLength(3);
  });
});
