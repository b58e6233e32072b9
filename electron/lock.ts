// One process owns a workspace file at a time (lowdb's writer assumes a single writer). The owner
// holds `<file>.lock`, naming itself by host, boot, pid and the start of its process as the
// operating system records it. A lock is stale, and taken over, when its process is gone: the
// pid is dead, the machine has rebooted since, or the pid now names another process (pids are
// reused). Where the OS cannot tell (another host, Windows, a lock without that record), a lock
// whose pid is alive is respected: two writers would damage the workspace, while a wrongly kept
// lock only needs deleting, which the error says.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  /** Random per lock: the owner releases only the lock it took. */
  nonce?: string;
  /** The boot the owner runs in (Linux boot_id, macOS boot session UUID), when known. */
  boot?: string | null;
  /** When the owner's process started, in the OS's own terms, when known. */
  started?: string | null;
}

/** Thrown when another live process owns the workspace file. */
export class WorkspaceLockedError extends Error {
  override name = 'WorkspaceLockedError';
  constructor(
    readonly file: string,
    readonly lockFile: string,
    readonly ownerPid: number,
  ) {
    super(
      `The workspace ${file} is already open in another Meterlab (process ${ownerPid}). ` +
        `Switch to that window, or start this one with --data <another file>. ` +
        `If no Meterlab is running, delete ${lockFile}.`,
    );
  }
}

/** What identifies a process beyond its pid; each part null where this OS cannot say. */
export interface ProcessIdentity {
  boot(): string | null;
  started(pid: number): string | null;
  alive(pid: number): boolean;
}

function run(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: 2000,
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
  });
  return result.status === 0 && result.stdout.trim() ? result.stdout.trim() : null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** The identity the running OS gives: exact on Linux and macOS, pid-only elsewhere. */
export const osIdentity: ProcessIdentity = {
  boot() {
    if (process.platform === 'linux') return readText('/proc/sys/kernel/random/boot_id');
    if (process.platform === 'darwin')
      return run('/usr/sbin/sysctl', ['-n', 'kern.bootsessionuuid']);
    return null;
  },
  started(pid) {
    if (process.platform === 'linux') {
      // Field 22 of /proc/<pid>/stat, clock ticks after boot; the name (field 2) may hold spaces.
      const stat = readText(`/proc/${pid}/stat`);
      const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
      return fields?.[19] ?? null;
    }
    if (process.platform === 'darwin') return run('/bin/ps', ['-o', 'lstart=', '-p', String(pid)]);
    return null;
  },
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: the process exists but belongs to someone else.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

function readOwner(lockFile: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<LockOwner> | null;
    return owner && Number.isSafeInteger(owner.pid) && owner.pid! > 0 ? (owner as LockOwner) : null;
  } catch {
    return null; // unreadable: not a lock Meterlab wrote whole, so stale
  }
}

/** Whether the process that wrote `owner` may still be running and holding the lock. */
export function ownerIsLive(owner: LockOwner, me: LockOwner, os: ProcessIdentity): boolean {
  // A lock from another machine (a shared folder) cannot be checked.
  if (owner.host !== me.host) return true;
  const sameBoot = owner.boot && me.boot ? owner.boot === me.boot : null;
  if (sameBoot === false) return false; // no process outlives a reboot
  if (!os.alive(owner.pid)) return false;
  if (sameBoot && owner.started) {
    const started = owner.pid === me.pid ? me.started : os.started(owner.pid);
    // The pid is alive but names a process started at another time: not the lock's writer.
    if (started && started !== owner.started) return false;
  }
  return true;
}

export interface FileLock {
  readonly lockFile: string;
  release(): void;
}

/** Takes the lock of `file`, or throws WorkspaceLockedError naming the owner. */
export function lockWorkspaceFile(file: string, os: ProcessIdentity = osIdentity): FileLock {
  const lockFile = `${file}.lock`;
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    nonce: randomBytes(16).toString('hex'),
    boot: os.boot(),
    started: os.started(process.pid),
  };
  // Written whole to a temp file, then linked into place: linking fails if the lock exists, and a
  // reader never sees a half-written lock.
  const temp = `${lockFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify(me));
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, lockFile);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
      }
      const owner = readOwner(lockFile);
      if (owner && ownerIsLive(owner, me, os)) {
        throw new WorkspaceLockedError(file, lockFile, owner.pid);
      }
      rmSync(lockFile, { force: true });
    }
  } finally {
    rmSync(temp, { force: true });
  }
  const releaseOnExit = () => release();
  function release() {
    process.off('exit', releaseOnExit);
    if (readOwner(lockFile)?.nonce === me.nonce) rmSync(lockFile, { force: true });
  }
  process.on('exit', releaseOnExit);
  return { lockFile, release };
}
