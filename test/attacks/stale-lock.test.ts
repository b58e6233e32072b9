// "A stale lock naming a live unrelated pid blocks start": a lock names its owner by boot, pid
// and process start time, so a pid that now belongs to another process (pids are reused, most
// of all after a reboot) no longer blocks; a live Meterlab still does.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkspaceLockedError, ownerIsLive } from '../../electron/lock';
import type { LockOwner, ProcessIdentity } from '../../electron/lock';
import { LowdbWorkspaceStore } from '../../electron/store';
import { openHost, openStore, tempWorkspace } from './files';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Another Meterlab process holding the lock of `file`, once it says it has it. */
async function otherMeterlab(file: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures/hold-lock.ts'), file],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
  return child;
}

/** An unrelated live process (not a Meterlab, holding nothing). */
function unrelatedProcess(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  children.push(child);
  return child;
}

async function killed(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const readLock = async (file: string) =>
  JSON.parse(await readFile(`${file}.lock`, 'utf8')) as LockOwner;

describe.runIf(process.platform === 'linux')('the workspace lock (Linux: exact identity)', () => {
  it('a live Meterlab holding the lock still blocks a second one, naming it', async () => {
    const file = await tempWorkspace();
    const holder = await otherMeterlab(file);
    const error = await LowdbWorkspaceStore.open({ file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkspaceLockedError);
    expect((error as Error).message).toContain(`process ${holder.pid}`);
  });

  it('a killed Meterlab whose pid now names an unrelated live process does not block', async () => {
    const file = await tempWorkspace();
    const holder = await otherMeterlab(file);
    const written = await readLock(file);
    expect(written).toMatchObject({ pid: holder.pid, host: hostname() });
    expect(written.started).toMatch(/^\d+$/);
    await killed(holder);
    // The pid is reused: the lock as the dead Meterlab left it, its pid now a live process's.
    const stranger = unrelatedProcess();
    await writeFile(`${file}.lock`, JSON.stringify({ ...written, pid: stranger.pid }));

    const { host } = await openHost(file);
    expect(host.notices).toEqual([]);
    expect(await readLock(file)).toMatchObject({ pid: process.pid });
    expect(stranger.exitCode).toBeNull(); // the stranger was left alone
  });

  it('a lock from before a reboot does not block, even when its pid is alive', async () => {
    const file = await tempWorkspace();
    const holder = await otherMeterlab(file);
    const written = await readLock(file);
    await killed(holder);
    const stranger = unrelatedProcess();
    const lock = { ...written, pid: stranger.pid, boot: '00000000-0000-0000-0000-000000000000' };
    await writeFile(`${file}.lock`, JSON.stringify(lock));
    await expect(openStore(file)).resolves.toBeInstanceOf(LowdbWorkspaceStore);
  });

  it('a lock naming this very process from an earlier run does not block it', async () => {
    const file = await tempWorkspace();
    const holder = await otherMeterlab(file);
    const written = await readLock(file);
    await killed(holder);
    await writeFile(`${file}.lock`, JSON.stringify({ ...written, pid: process.pid }));
    await expect(openStore(file)).resolves.toBeInstanceOf(LowdbWorkspaceStore);
  });

  it('releasing removes only the lock it took', async () => {
    const file = await tempWorkspace();
    const store = await LowdbWorkspaceStore.open({ file });
    const taken = await readLock(file);
    const someoneElse = { ...taken, nonce: 'f'.repeat(32) };
    await writeFile(`${file}.lock`, JSON.stringify(someoneElse));
    await store.close();
    expect(await readLock(file)).toEqual(someoneElse);
  });
});

describe('deciding whether a lock is live', () => {
  const me: LockOwner = { pid: 10, host: 'here', since: '', boot: 'b1', started: '500' };
  const os = (alive: number[], started: Record<number, string | null> = {}): ProcessIdentity => ({
    boot: () => 'b1',
    alive: (pid) => alive.includes(pid),
    started: (pid) => started[pid] ?? null,
  });
  const owner = (fields: Partial<LockOwner>): LockOwner => ({ ...me, pid: 20, ...fields });

  it('is stale when the pid is dead, the boot is another, or the pid names a later process', () => {
    expect(ownerIsLive(owner({}), me, os([]))).toBe(false);
    expect(ownerIsLive(owner({ boot: 'b0' }), me, os([20], { 20: '900' }))).toBe(false);
    expect(ownerIsLive(owner({ started: '100' }), me, os([20], { 20: '900' }))).toBe(false);
    expect(ownerIsLive(owner({ pid: 10, started: '100' }), me, os([10]))).toBe(false);
  });

  it('is live when the process matches, or when nothing can tell', () => {
    expect(ownerIsLive(owner({ started: '900' }), me, os([20], { 20: '900' }))).toBe(true);
    expect(ownerIsLive(owner({ pid: 10 }), me, os([10]))).toBe(true); // this process, again
    // Another machine (a shared folder): never judged from here.
    expect(ownerIsLive(owner({ host: 'there', boot: 'b0' }), me, os([]))).toBe(true);
    // Where the OS gives no boot or start time (Windows), or an older lock without them.
    const bare = { pid: 20, host: 'here', since: '' };
    expect(ownerIsLive(bare, me, os([20], { 20: '900' }))).toBe(true);
    expect(ownerIsLive(owner({ boot: null, started: null }), { ...me, boot: null }, os([20]))).toBe(
      true,
    );
    expect(ownerIsLive(owner({ started: '100' }), me, os([20]))).toBe(true); // start unknown now
  });
});
