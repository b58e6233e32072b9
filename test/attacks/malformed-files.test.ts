// "Malformed workspace files stop the app from starting" and "a UTF-8 BOM makes a file
// 'corrupt'": any shape of file opens, with a notice and a byte-exact backup, never a crash; a
// BOM is read past.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceData } from '../core/workspace-store.contract';
import { emptySnapshot } from '../core/workspace-fake';
import { closeHost, closeStore, openHost, openStore, tempWorkspace, loadWhole } from './files';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function call(port: number, token: string, method: string, args: unknown[] = []) {
  const reply = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-meterlab-token': token },
    body: JSON.stringify({ args }),
  });
  return (await reply.json()) as { ok: boolean; data?: unknown; error?: { code: string } };
}

describe('malformed workspace files open with a notice', () => {
  it.each([
    '{}',
    '{"active":null}',
    '{"scenarios":5}',
    '{"active":"scn_1","scenarios":{"0":{}}}',
    '{"schemaVersion":1}',
    '{"schemaVersion":1,"scenarios":null}',
    '{"schemaVersion":"1","scenarios":[]}',
    '{"schemaVersion":-1,"scenarios":[]}',
    '[]',
    '"workspace"',
    '42',
    'true',
  ])('%s: the host starts, every time, and the file is backed up as it was', async (text) => {
    const file = await tempWorkspace();
    await writeFile(file, text);
    for (let start = 0; start < 2; start++) {
      const { host, port } = await openHost(file);
      expect(host.notices).toHaveLength(1);
      expect(host.notices[0]!.code).toBe('workspace_invalid');
      expect(await readFile(host.notices[0]!.backup!, 'utf8')).toBe(text);
      expect(await call(port, host.token, 'workspace.list')).toEqual({ ok: true, data: [] });
      await closeHost(host);
    }
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it.each([
    [
      'entries that are not scenarios',
      '{"schemaVersion":1,"revision":0,"currentScenario":null,"scenarios":[null,5,"x",[],{}]}',
    ],
    ['a v0 list of odd entries', '{"active":7,"scenarios":[null,{"id":"scn_a"}]}'],
  ])('%s: opens empty, naming each left-out entry', async (_label, text) => {
    const file = await tempWorkspace();
    await writeFile(file, text);
    const { host, port } = await openHost(file);
    expect(host.notices.map((n) => n.code)).toEqual(['workspace_damaged']);
    expect(host.notices[0]!.message).toMatch(/scenarios\[1\]\) was left out/);
    expect(await call(port, host.token, 'workspace.list')).toEqual({ ok: true, data: [] });
    // The workspace works: a change saves a good file over it, the backup stays as it was.
    expect(await call(port, host.token, 'workspace.create', [{ name: 'New' }])).toMatchObject({
      ok: true,
    });
    expect(await readFile(host.notices[0]!.backup!, 'utf8')).toBe(text);
  });

  it('a snapshot whose lists hold no records leaves out that scenario, not the start', async () => {
    const file = await tempWorkspace();
    const store = await openStore(file);
    await store.save({ ...workspaceData(2, 2), currentScenario: null });
    await closeStore(store);
    const json = JSON.parse(await readFile(file, 'utf8')) as {
      scenarios: { snapshot: Record<string, unknown> }[];
    };
    json.scenarios[0]!.snapshot.invoices = [null];
    await writeFile(file, JSON.stringify(json));
    const { host, port } = await openHost(file);
    expect(host.notices[0]!.message).toMatch(/'Scenario 0' \(scenarios\[0\]\) was left out/);
    const listed = await call(port, host.token, 'workspace.list');
    expect((listed.data as { id: string }[]).map((s) => s.id)).toEqual(['scn_1']);
  });

  it('a workspace file that is a folder says so instead of a bare EISDIR', async () => {
    const file = await tempWorkspace();
    await mkdir(file);
    await expect(openHost(file)).rejects.toThrow(`${file} is a folder`);
  });
});

describe('a UTF-8 byte order mark', () => {
  it('is read past: the workspace opens whole, without a notice or a backup', async () => {
    const file = await tempWorkspace();
    const store = await openStore(file);
    await store.save(workspaceData(4, 2));
    await closeStore(store);
    await writeFile(file, Buffer.concat([BOM, await readFile(file)]));

    const again = await openStore(file);
    expect(await loadWhole(again)).toEqual({ data: workspaceData(4, 2), notices: [] });
    expect((await readdir(join(file, '..'))).filter((name) => name.includes('.bak'))).toEqual([]);
    // The next save writes the file without one.
    await again.save(workspaceData(5, 2));
    expect((await readFile(file))[0]).toBe('{'.charCodeAt(0));
  });

  it('in a file from before schemaVersion (v0), hand-edited in Notepad', async () => {
    const file = await tempWorkspace();
    const snapshot = emptySnapshot(1_740_787_200, 7);
    const v0 = {
      active: 'scn_old',
      scenarios: [{ id: 'scn_old', name: 'Old', created: 1, snapshot }],
    };
    await writeFile(file, Buffer.concat([BOM, Buffer.from(JSON.stringify(v0), 'utf8')]));
    const { data, notices } = await loadWhole(await openStore(file));
    expect(notices).toEqual([]);
    expect(data!.scenarios.map((s) => s.name)).toEqual(['Old']);
  });

  it('before a malformed shape still gives a notice, not a crash', async () => {
    const file = await tempWorkspace();
    await writeFile(file, Buffer.concat([BOM, Buffer.from('{}')]));
    const { data, notices } = await loadWhole(await openStore(file));
    expect(data).toBeNull();
    expect(notices.map((n) => n.code)).toEqual(['workspace_invalid']);
  });
});
