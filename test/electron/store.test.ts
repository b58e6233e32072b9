import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../core/simulator';
import { Workspace } from '../../core/workspace';
import type { WorkspaceData } from '../../core/workspace-store';
import { WorkspaceLockedError } from '../../electron/lock';
import { LowdbWorkspaceStore } from '../../electron/store';
import { SidecarError, decodeUsage, encodeUsage } from '../../electron/usage-sidecar';
import { WORKSPACE_FILE_VERSION } from '../../electron/workspace-file';
import type { WorkspaceFile } from '../../electron/workspace-file';
import { describeWorkspaceStoreContract, workspaceData } from '../core/workspace-store.contract';
import { emptySnapshot } from '../core/workspace-fake';

const open: LowdbWorkspaceStore[] = [];
const dirs: string[] = [];

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meterlab-store-'));
  dirs.push(dir);
  return join(dir, 'workspace.json');
}

async function openStore(file: string, now = () => Date.UTC(2025, 5, 15, 13, 20)) {
  const store = await LowdbWorkspaceStore.open({ file, now });
  open.push(store);
  return store;
}

async function closeStore(store: LowdbWorkspaceStore) {
  open.splice(open.indexOf(store), 1);
  await store.close();
}

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describeWorkspaceStoreContract(
  'LowdbWorkspaceStore',
  async () => {
    const file = await tempFile();
    let store = await openStore(file);
    return {
      store,
      async reopen() {
        await closeStore(store);
        store = await openStore(file);
        return store;
      },
    };
  },
  createSimulator,
);

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as WorkspaceFile;
const sidecars = async (file: string) =>
  (await readdir(join(file, '..')))
    .filter((name) => /\.usage-[0-9a-f]{16}\.bin$/.test(name))
    .sort();

describe('LowdbWorkspaceStore file layout', () => {
  it('keeps usage columns out of the JSON, in one sidecar per distinct usage', async () => {
    const file = await tempFile();
    const store = await openStore(file);
    const data = workspaceData(1, 2);
    // A duplicated scenario has the same usage: it shares the sidecar.
    data.scenarios.push({ ...data.scenarios[0]!, id: 'scn_copy' });
    await store.save(data);
    const json = await readJson(file);
    expect(json.schemaVersion).toBe(WORKSPACE_FILE_VERSION);
    const first = json.scenarios[0]!;
    expect(first.snapshot.usage).toEqual({ si_a: null, si_b: null });
    expect(await sidecars(file)).toHaveLength(2);
    expect(await sidecars(file)).toContain(
      `workspace.json.usage-${first.usage!.sha256.slice(0, 16)}.bin`,
    );
  });

  it('writes a sidecar only when its usage changed, and deletes the ones nothing refers to', async () => {
    const file = await tempFile();
    const store = await openStore(file);
    const data = workspaceData(1, 1);
    await store.save(data);
    const [before] = await sidecars(file);
    const written = (await stat(join(file, '..', before!))).mtimeMs;
    await store.save({ ...data, revision: 2 });
    expect(await sidecars(file)).toEqual([before]);
    expect((await stat(join(file, '..', before!))).mtimeMs).toBe(written);

    const changed = structuredClone(data.scenarios[0]!.snapshot);
    changed.usage.si_b = { timestamps: [1_740_787_300], values: [2] };
    await store.save({
      ...data,
      revision: 3,
      scenarios: [{ ...data.scenarios[0]!, snapshot: changed }],
    });
    const after = await sidecars(file);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
  });

  it('sweeps sidecars left by a crash before their JSON was written', async () => {
    const file = await tempFile();
    const store = await openStore(file);
    await store.save(workspaceData(1, 1));
    const orphan = `${file}.usage-0123456789abcdef.bin`;
    await writeFile(orphan, 'left by a crash');
    await writeFile(`${join(file, '..')}/.workspace.json.usage-0123456789abcdef.bin.tmp`, 'half');
    await store.load();
    expect(await sidecars(file)).toHaveLength(1);
    expect((await readdir(join(file, '..'))).some((name) => name.endsWith('.bin.tmp'))).toBe(false);
  });
});

describe('usage sidecar format', () => {
  const bulk = {
    si_a: { timestamps: Uint32Array.from([1, 2, 3]), values: Float64Array.from([0.5, 2, 1e15]) },
    si_b: { timestamps: new Uint32Array(0), values: new Float64Array(0) },
  };

  it('round-trips columns exactly, with a header and a checksum', () => {
    const { bytes, sha256 } = encodeUsage(bulk);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('MLUSAGE\0');
    expect(bytes.readUInt32LE(8)).toBe(1);
    expect(bytes.readUInt32LE(12)).toBe(2);
    expect(bytes.subarray(24, 56).toString('hex')).toBe(sha256);
    expect(decodeUsage(bytes, sha256)).toEqual(bulk);
  });

  it('refuses a damaged file, a wrong header and content other than expected', () => {
    const { bytes, sha256 } = encodeUsage(bulk);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => decodeUsage(flipped, sha256)).toThrow(/checksum/);
    expect(() =>
      decodeUsage(Buffer.from('not a sidecar at all, long enough to have a header...'), sha256),
    ).toThrow(SidecarError);
    expect(() => decodeUsage(bytes, '0'.repeat(64))).toThrow(/different usage/);
  });
});

/** Asserts a load that refused the file: no data, one notice naming file and backup. */
async function expectRecovered(file: string, code: string, mention: string | RegExp) {
  const original = await readFile(file);
  const store = await openStore(file);
  const { data, notices } = await store.load();
  expect(data).toBeNull();
  expect(notices).toHaveLength(1);
  const notice = notices[0]!;
  expect(notice).toMatchObject({ type: 'api_error', code, file });
  expect(notice.backup).toMatch(/workspace\.json\.\w+-2025-06-15T13-20-00-000Z(-\d+)?\.bak$/);
  expect(notice.message).toContain(file);
  expect(notice.message).toContain(notice.backup!);
  expect(notice.message).toMatch(mention);
  // The original is untouched and the backup is a byte-exact copy.
  expect(await readFile(file)).toEqual(original);
  expect(await readFile(notice.backup!)).toEqual(original);
  return { store, notice, original };
}

describe('LowdbWorkspaceStore refuses files it cannot use, keeping them', () => {
  it('a file that is not JSON', async () => {
    const file = await tempFile();
    await writeFile(file, '{ "schemaVersion": 1, "scenarios": [ oops');
    await expectRecovered(file, 'workspace_corrupt', /not valid JSON/);
  });

  it('an empty file', async () => {
    const file = await tempFile();
    await writeFile(file, '');
    await expectRecovered(file, 'workspace_corrupt', /not valid JSON/);
  });

  it('a truncated file, and the next save writes a new one while the backup stays', async () => {
    const file = await tempFile();
    const first = await openStore(file);
    await first.save(workspaceData(5));
    await closeStore(first);
    const { size } = await stat(file);
    await truncate(file, Math.floor(size / 2));
    const { store, notice, original } = await expectRecovered(
      file,
      'workspace_corrupt',
      /cut short/,
    );
    await store.save(workspaceData(6, 1));
    expect((await readJson(file)).revision).toBe(6);
    expect(await readFile(notice.backup!)).toEqual(original);
  });

  it('a file from a newer Meterlab, which is never written over', async () => {
    const file = await tempFile();
    await writeFile(file, JSON.stringify({ schemaVersion: 99, scenarios: [], future: true }));
    const { store, original } = await expectRecovered(
      file,
      'workspace_too_new',
      /newer Meterlab \(file version 99/,
    );
    await expect(store.save(workspaceData(1))).rejects.toMatchObject({
      code: 'workspace_read_only',
    });
    expect(await readFile(file)).toEqual(original);
  });

  it.each([
    [
      'a wrong type',
      (f: WorkspaceFile) => ((f.scenarios[1] as unknown as { name: number }).name = 42),
      /scenarios\[1\]\.name/,
    ],
    [
      'a duplicate id',
      (f: WorkspaceFile) => (f.scenarios[1]!.id = 'scn_0'),
      /id scn_0 is used twice/,
    ],
    [
      'an unknown open scenario',
      (f: WorkspaceFile) => (f.currentScenario = 'scn_x'),
      /currentScenario/,
    ],
    [
      'an unknown field',
      (f: WorkspaceFile) => ((f as unknown as { extra: number }).extra = 1),
      /extra/,
    ],
    [
      'a damaged snapshot',
      (f: WorkspaceFile) => (f.scenarios[0]!.snapshot.products = 'none'),
      /scenarios\[0\] \('Scenario 0'\) snapshot\.products/,
    ],
  ])('a hand-edited file with %s', async (_label, edit, mention) => {
    const file = await tempFile();
    const first = await openStore(file);
    await first.save(workspaceData(5));
    await closeStore(first);
    const json = await readJson(file);
    edit(json);
    await writeFile(file, JSON.stringify(json));
    await expectRecovered(file, 'workspace_invalid', mention);
  });

  it('a file holding null', async () => {
    const file = await tempFile();
    await writeFile(file, 'null');
    await expectRecovered(file, 'workspace_invalid', /not a workspace object/);
  });

  it('a damaged or missing sidecar, backing the sidecars up too', async () => {
    const file = await tempFile();
    const first = await openStore(file);
    await first.save(workspaceData(5, 1));
    await closeStore(first);
    const [sidecar] = await sidecars(file);
    const bytes = await readFile(join(file, '..', sidecar!));
    bytes[bytes.length - 1]! ^= 0xff;
    await writeFile(join(file, '..', sidecar!), bytes);
    const { notice, store } = await expectRecovered(file, 'workspace_invalid', /checksum/);
    const hash = sidecar!.split('.usage-')[1];
    expect(await readFile(`${notice.backup}.usage-${hash}`)).toEqual(bytes);
    await closeStore(store);

    await rm(join(file, '..', sidecar!));
    await expectRecovered(file, 'workspace_invalid', /usage of scenario 'Scenario 0' is missing/);
  });

  it('a backup can be opened as a workspace of its own', async () => {
    const file = await tempFile();
    const first = await openStore(file);
    await first.save(workspaceData(5, 2));
    await closeStore(first);
    const json = await readJson(file);
    json.revision = -1;
    await writeFile(file, JSON.stringify(json));
    const { notice } = await expectRecovered(file, 'workspace_invalid', /revision/);
    await writeFile(notice.backup!, JSON.stringify({ ...json, revision: 5 }));
    const backupStore = await openStore(notice.backup!);
    expect((await backupStore.load()).data).toEqual(workspaceData(5, 2));
  });
});

describe('LowdbWorkspaceStore migrations', () => {
  /** A file as each earlier version wrote it, with what it must load as. */
  const earlier: Record<number, () => { file: unknown; expected: WorkspaceData }> = {
    0: () => {
      const snapshot = emptySnapshot(1_740_787_200, 7);
      snapshot.usage = { si_a: { timestamps: [1_740_787_260], values: [3] } };
      return {
        file: {
          active: 'scn_old',
          scenarios: [{ id: 'scn_old', name: 'From v0', created: 1_700_000_000, snapshot }],
        },
        expected: {
          revision: 0,
          currentScenario: 'scn_old',
          scenarios: [
            {
              id: 'scn_old',
              name: 'From v0',
              createdAt: 1_700_000_000_000,
              lastOpenedAt: 1_700_000_000_000,
              snapshot,
            },
          ],
        },
      };
    },
  };

  it('has a fixture for every earlier version', () => {
    expect(Object.keys(earlier).map(Number)).toEqual(
      Array.from({ length: WORKSPACE_FILE_VERSION }, (_, v) => v),
    );
  });

  it.each(Object.keys(earlier).map(Number))(
    'loads a version %i file, and saves it as the current version',
    async (version) => {
      const file = await tempFile();
      const { file: content, expected } = earlier[version]!();
      await writeFile(file, JSON.stringify(content));
      const store = await openStore(file);
      const loaded = await store.load();
      expect(loaded).toEqual({ data: expected, notices: [] });
      await store.save(loaded.data!);
      expect((await readJson(file)).schemaVersion).toBe(WORKSPACE_FILE_VERSION);
      expect(await sidecars(file)).toHaveLength(1);
    },
  );

  it('a migrated workspace opens with its scenario and usage', async () => {
    const file = await tempFile();
    await writeFile(file, JSON.stringify(earlier[0]!().file));
    const workspace = await Workspace.load({ store: await openStore(file), now: () => 0 });
    expect(workspace.current()).toMatchObject({ id: 'scn_old', name: 'From v0' });
  });
});

describe('LowdbWorkspaceStore lock', () => {
  it('refuses a second owner, naming the file and the owner', async () => {
    const file = await tempFile();
    await openStore(file);
    const error = await LowdbWorkspaceStore.open({ file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkspaceLockedError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain(`process ${process.pid}`);
  });

  it('is free again once the owner closes', async () => {
    const file = await tempFile();
    await closeStore(await openStore(file));
    await expect(openStore(file)).resolves.toBeInstanceOf(LowdbWorkspaceStore);
  });

  it('takes over the lock of a process that died', async () => {
    const file = await tempFile();
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    await writeFile(
      `${file}.lock`,
      JSON.stringify({ pid: child.pid, host: (await import('node:os')).hostname(), since: 'x' }),
    );
    await expect(openStore(file)).resolves.toBeInstanceOf(LowdbWorkspaceStore);
  });

  it('refuses a lock held by another live process', async () => {
    const file = await tempFile();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      const host = (await import('node:os')).hostname();
      await writeFile(`${file}.lock`, JSON.stringify({ pid: child.pid, host, since: 'x' }));
      await expect(LowdbWorkspaceStore.open({ file })).rejects.toThrow(`process ${child.pid}`);
    } finally {
      child.kill();
    }
  });
});
