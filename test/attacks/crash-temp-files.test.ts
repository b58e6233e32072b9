// "Crash temp files .workspace.json.usage-*.bin.tmp are never removed": a crash between writing
// a sidecar's temp file and renaming it left the temp file for good. The next start sweeps every
// temp file of this workspace, and only of this one.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceData } from '../core/workspace-store.contract';
import { closeStore, folder, openStore, tempWorkspace } from './files';

describe('temp files a crash left', () => {
  it('are removed on the next start, with no sidecar of the same name needed', async () => {
    const file = await tempWorkspace();
    const store = await openStore(file);
    await store.save(workspaceData(1, 1));
    await closeStore(store);
    const dir = join(file, '..');
    const left = [
      '.workspace.json.usage-0123456789abcdef.bin.tmp', // a sidecar never renamed into place
      '.workspace.json.usage-fedcba9876543210.bin.tmp',
      '.workspace.json.tmp', // the JSON's own (lowdb's writer), cut short
    ];
    const others = ['.other.json.usage-0123456789abcdef.bin.tmp', '.workspace.json.tmp.keep'];
    for (const name of [...left, ...others]) await writeFile(join(dir, name), 'half written');
    const before = await folder(file);

    const again = await openStore(file);
    expect((await again.load()).notices).toEqual([]);
    const after = await folder(file);
    for (const name of left) expect(after).not.toContain(name);
    for (const name of others) expect(after).toContain(name);
    expect(before.length - after.length).toBe(left.length - 1); // -3 temp files, +1 lock file
  });

  it('are swept even when the file cannot be read (its sidecars then stay)', async () => {
    const file = await tempWorkspace();
    const store = await openStore(file);
    await store.save(workspaceData(1, 1));
    await closeStore(store);
    await writeFile(file, '{ cut short');
    const temp = '.workspace.json.usage-0123456789abcdef.bin.tmp';
    await writeFile(join(file, '..', temp), 'x');
    const [sidecar] = (await folder(file)).filter((name) => name.endsWith('.bin'));
    const again = await openStore(file);
    expect((await again.load()).notices.map((n) => n.code)).toEqual(['workspace_corrupt']);
    expect(await folder(file)).not.toContain(temp);
    expect(await folder(file)).toContain(sidecar);
  });
});
