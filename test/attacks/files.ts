// Shared by the attack tests: real temp folders, stores and hosts, all cleaned up after each test.
import { whole } from '../core/workspace-store.contract';
import type { WorkspaceLoad, WorkspaceStore } from '../../core/workspace-store';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startHost } from '../../electron/host';
import type { HostOptions, RunningHost } from '../../electron/host';
import { LowdbWorkspaceStore } from '../../electron/store';
import type { WorkspaceFile } from '../../electron/workspace-file';

const dirs: string[] = [];
const stores: LowdbWorkspaceStore[] = [];
const hosts: RunningHost[] = [];

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh folder and the path of a workspace file in it (not created). */
export async function tempWorkspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meterlab-attack-'));
  dirs.push(dir);
  return join(dir, 'workspace.json');
}

export const NOW = Date.UTC(2025, 5, 15, 13, 20);

export async function openStore(file: string): Promise<LowdbWorkspaceStore> {
  const store = await LowdbWorkspaceStore.open({ file, now: () => NOW });
  stores.push(store);
  return store;
}

/** What a store loads, each scenario's usage in its snapshot (the store keeps columns apart). */
export async function loadWhole(store: WorkspaceStore): Promise<WorkspaceLoad> {
  const loaded = await store.load();
  return { ...loaded, data: whole(loaded.data) };
}

export async function closeStore(store: LowdbWorkspaceStore): Promise<void> {
  stores.splice(stores.indexOf(store), 1);
  await store.close();
}

/** The browser host on a free port, as `npm start -- --data <dataFile>` starts it. */
export async function openHost(
  dataFile: string,
  options: Partial<HostOptions> = {},
): Promise<{ host: RunningHost; port: number }> {
  const host = await startHost({ port: 0, dataFile, staticDir: join(dataFile, '..'), ...options });
  hosts.push(host);
  return { host, port: Number(new URL(host.url).port) };
}

export async function closeHost(host: RunningHost): Promise<void> {
  hosts.splice(hosts.indexOf(host), 1);
  await host.close();
}

export const readJson = async (file: string) =>
  JSON.parse(await readFile(file, 'utf8')) as WorkspaceFile;

/** Every file in the workspace's folder, sorted. */
export const folder = async (file: string) => (await readdir(join(file, '..'))).sort();

/** The sidecar file names a saved workspace refers to, in scenario order. */
export async function sidecarNames(file: string): Promise<string[]> {
  const json = await readJson(file);
  return json.scenarios.map((s) => `workspace.json.usage-${s.usage!.sha256.slice(0, 16)}.bin`);
}
