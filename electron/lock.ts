// One process owns a workspace file at a time (lowdb's writer assumes a single writer). The owner
// holds `<file>.lock` with its pid; a lock whose process is gone is stale and taken over.
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockFile: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' ? (owner as LockOwner) : null;
  } catch {
    return null; // unreadable: not a lock Meterlab wrote whole, so stale
  }
}

export interface FileLock {
  readonly lockFile: string;
  release(): void;
}

/** Takes the lock of `file`, or throws WorkspaceLockedError naming the owner. */
export function lockWorkspaceFile(file: string): FileLock {
  const lockFile = `${file}.lock`;
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  // Written whole to a temp file, then linked into place: linking fails if the lock exists, and a
  // reader never sees a half-written lock.
  const temp = `${lockFile}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(me));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, lockFile);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
      }
      const owner = readOwner(lockFile);
      // A lock from another machine (a shared folder) cannot be checked: treat it as live.
      const live =
        owner && (owner.host !== me.host || owner.pid === process.pid || isAlive(owner.pid));
      if (owner && live) throw new WorkspaceLockedError(file, lockFile, owner.pid);
      rmSync(lockFile, { force: true });
    }
  } finally {
    rmSync(temp, { force: true });
  }
  const releaseOnExit = () => release();
  function release() {
    process.off('exit', releaseOnExit);
    const owner = readOwner(lockFile);
    if (owner?.pid === me.pid && owner.since === me.since) rmSync(lockFile, { force: true });
  }
  process.on('exit', releaseOnExit);
  return { lockFile, release };
}
