// "On a full disk, start exits with a bare ENOSPC": the error is injected for real, by pointing
// the file Meterlab is about to write at /dev/full (every write there fails with ENOSPC), and for
// the rest by throwing it. Start then says the disk is full and what to do; a save says so too.
import { existsSync } from 'node:fs';
import { readFile, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFailureMessage } from '../../electron/host';
import { WorkspaceStorageError, explainStorageError } from '../../electron/store';
import { closeHost, openHost, tempWorkspace } from './files';

const devFull = existsSync('/dev/full');

/** What `npm start -- --data <file>` prints when the host does not start. */
async function startMessage(file: string): Promise<string> {
  const error = await openHost(file).then(
    () => expect.unreachable('the host started'),
    (e: unknown) => e,
  );
  return startFailureMessage(error, { dataFile: file });
}

describe.runIf(devFull)('a full disk, for real (/dev/full)', () => {
  it('at start: a message that says the disk is full and what to do, nothing left behind', async () => {
    const file = await tempWorkspace();
    // The lock is written first, through a temp file named by the process id.
    await symlink('/dev/full', `${file}.lock.${process.pid}.tmp`);
    const message = await startMessage(file);
    expect(message).toContain(`Meterlab cannot open the workspace ${file}`);
    expect(message).toContain('the disk that holds');
    expect(message).toContain('is full');
    expect(message).toContain('Free some space on that disk');
    expect(message).toContain('--data');
    expect(message).not.toMatch(/^ENOSPC/);
    expect(await readdir(join(file, '..'))).toEqual([]);
  });

  it('on a save: the change is refused with the reason, the file and next saves are fine', async () => {
    const file = await tempWorkspace();
    const { host, port } = await openHost(file);
    const call = async (method: string, args: unknown[] = []) => {
      const reply = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-meterlab-token': host.token },
        body: JSON.stringify({ args }),
      });
      return (await reply.json()) as {
        ok: boolean;
        saved?: false;
        error?: { code: string; message: string };
        warning?: { code: string; message: string };
      };
    };
    expect((await call('workspace.create', [{ name: 'First' }])).ok).toBe(true);
    const saved = await readFile(file);
    // lowdb's writer writes the JSON to .workspace.json.tmp first.
    await symlink('/dev/full', join(file, '..', '.workspace.json.tmp'));
    const failed = await call('workspace.create', [{ name: 'Second' }]);
    expect(failed).toMatchObject({ ok: true, saved: false, warning: { code: 'save_failed' } });
    expect(failed.warning!.message).toContain('The disk that holds');
    expect(failed.warning!.message).toContain('is full (ENOSPC');
    expect(failed.warning!.message).toContain('Free some space on that disk');
    expect(await readFile(file)).toEqual(saved);
    // The temp file (here the link to /dev/full) is gone: the space it took is given back.
    expect(await readdir(join(file, '..'))).not.toContain('.workspace.json.tmp');
    expect((await call('workspace.create', [{ name: 'Third' }])).ok).toBe(true);
    await closeHost(host);
    const names = JSON.parse(await readFile(file, 'utf8')) as { scenarios: { name: string }[] };
    expect(names.scenarios.map((s) => s.name)).toEqual(['First', 'Second', 'Third']);
  });
});

describe('a full disk, injected', () => {
  const enospc = () =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
    });

  it('start explains an ENOSPC from anywhere, and a full quota too', () => {
    const message = startFailureMessage(enospc(), { dataFile: '/home/me/workspace.json' });
    expect(message).toBe(
      'Meterlab cannot open the workspace /home/me/workspace.json: the disk that holds /home/me ' +
        'is full (ENOSPC at /home/me/workspace.json). Free some space on that disk (empty the ' +
        'trash, delete large files you do not need), then start Meterlab again; or start it ' +
        'with --data <a file on another disk or folder>.',
    );
    const quota = Object.assign(enospc(), { code: 'EDQUOT' });
    expect(startFailureMessage(quota, { dataFile: '/w.json' })).toContain('quota');
  });

  it('keeps other errors as they are, and explains a busy port', () => {
    expect(startFailureMessage(new Error('boom'), { dataFile: '/w.json' })).toBe('boom');
    const busy = Object.assign(new Error('listen EADDRINUSE'), {
      code: 'EADDRINUSE',
      syscall: 'listen',
    });
    expect(startFailureMessage(busy, { dataFile: '/w.json', port: 8080 })).toContain(
      'port 8080: another program uses it',
    );
  });

  it('a save error keeps its cause and code', () => {
    const error = explainStorageError(enospc(), '/w/workspace.json', 'save');
    expect(error).toBeInstanceOf(WorkspaceStorageError);
    expect(error).toMatchObject({ code: 'ENOSPC', cause: expect.any(Error) });
    expect((error as Error).message).toMatch(/^The disk that holds \/w is full/);
  });
});
