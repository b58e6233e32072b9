import { loadWhole } from '../attacks/files';
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
import {
  SidecarError,
  decodeUsage,
  decodeUsageSteps,
  encodeUsage,
  encodeUsageSteps,
  joinUsage,
} from '../../electron/usage-sidecar';
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
    .filter((name) => /^workspace\.json\.usage-[0-9a-f]{16}\.bin$/.test(name))
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
    await loadWhole(store);
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
    expect(bytes.readUInt32LE(8)).toBe(3);
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

  const drain = <T>(steps: Generator<void, T>): T => {
    for (;;) {
      const next = steps.next();
      if (next.done) return next.value;
    }
  };

  it('keeps Uint32 values at 4 bytes each and Float64 ones at 8, each read back as its type', () => {
    const mixed = {
      si_narrow: { timestamps: Uint32Array.of(1, 2), values: Uint32Array.of(2 ** 32 - 1, 0) },
      si_wide: { timestamps: Uint32Array.of(1), values: Float64Array.of(2 ** 40) },
    };
    const { bytes, sha256 } = encodeUsage(mixed);
    const decoded = decodeUsage(bytes, sha256);
    expect(decoded).toEqual(mixed);
    expect(decoded.si_narrow!.values).toBeInstanceOf(Uint32Array);
    expect(decoded.si_wide!.values).toBeInstanceOf(Float64Array);
    // Narrow values take half the room: 2 × 4 bytes of values where Float64 took 2 × 8.
    const wideBytes = encodeUsage({
      ...mixed,
      si_narrow: { ...mixed.si_narrow, values: Float64Array.from(mixed.si_narrow.values) },
    }).bytes.length;
    expect(wideBytes - bytes.length).toBeGreaterThanOrEqual(8);
  });

  it('reads the Float64 files of versions 1 and 2, narrowing values that all fit Uint32', async () => {
    // Written by the encoder before values could be Uint32 (a base, then a segment of it).
    const fixture = (name: string) => readFile(join(__dirname, 'fixtures', name));
    const base = await fixture('usage-sidecar-v1-base.bin');
    const segment = await fixture('usage-sidecar-v2-segment.bin');
    expect([base.readUInt32LE(8), segment.readUInt32LE(8)]).toEqual([1, 2]);
    const files = [
      drain(decodeUsageSteps(base, base.subarray(24, 56).toString('hex'), false)),
      drain(decodeUsageSteps(segment, segment.subarray(24, 56).toString('hex'), true)),
    ];
    const joined = drain(joinUsage(files));
    expect(Object.fromEntries(joined)).toEqual({
      si_narrow: {
        timestamps: Uint32Array.of(10, 20, 30, 40),
        values: Uint32Array.of(5, 7, 9, 10),
      },
      si_wide: { timestamps: Uint32Array.of(10, 20, 30), values: Float64Array.of(1, 2 ** 40, 4) },
      si_empty: { timestamps: new Uint32Array(0), values: new Uint32Array(0) },
    });
    // A segment written now (typed values: this item widened since) continues an old base.
    const typed = drain(
      encodeUsageSteps(
        {
          si_narrow: { from: 4, timestamps: Uint32Array.of(50), values: Float64Array.of(2 ** 32) },
        },
        true,
      ),
    );
    expect(typed.bytes.readUInt32LE(8)).toBe(4);
    const more = drain(
      joinUsage([...files, drain(decodeUsageSteps(typed.bytes, typed.sha256, true))]),
    );
    expect(more.get('si_narrow')).toEqual({
      timestamps: Uint32Array.of(10, 20, 30, 40, 50),
      values: Float64Array.of(5, 7, 9, 10, 2 ** 32),
    });
  });
});

/** Asserts a load that refused the file: no data, one notice naming file and backup. */
async function expectRecovered(file: string, code: string, mention: string | RegExp) {
  const original = await readFile(file);
  const store = await openStore(file);
  const { data, notices } = await loadWhole(store);
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

/** Asserts a load that opened what it could: one `workspace_damaged` notice, a byte-exact backup. */
async function expectDamaged(file: string, mention: string | RegExp) {
  const original = await readFile(file);
  const store = await openStore(file);
  const { data, notices } = await loadWhole(store);
  expect(data).not.toBeNull();
  expect(notices).toHaveLength(1);
  const notice = notices[0]!;
  expect(notice).toMatchObject({ type: 'api_error', code: 'workspace_damaged', file });
  expect(notice.backup).toMatch(/workspace\.json\.damaged-2025-06-15T13-20-00-000Z(-\d+)?\.bak$/);
  expect(notice.message).toContain(notice.backup!);
  expect(notice.message).toContain(`--data ${notice.backup}`);
  expect(notice.message).toMatch(mention);
  expect(await readFile(file)).toEqual(original);
  expect(await readFile(notice.backup!)).toEqual(original);
  return { store, notice, data: data!, original };
}

/** A saved five-scenario workspace, closed again, and its JSON. */
async function savedWorkspace(scenarios = 5) {
  const file = await tempFile();
  const first = await openStore(file);
  await first.save(workspaceData(5, scenarios));
  await closeStore(first);
  return { file, json: await readJson(file) };
}

describe('LowdbWorkspaceStore refuses files it cannot use at all, keeping them', () => {
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

  it('a file holding null', async () => {
    const file = await tempFile();
    await writeFile(file, 'null');
    await expectRecovered(file, 'workspace_invalid', /not a workspace object/);
  });

  it('a file without a list of scenarios', async () => {
    const file = await tempFile();
    await writeFile(file, JSON.stringify({ schemaVersion: 1, revision: 1, scenarios: 'none' }));
    await expectRecovered(file, 'workspace_invalid', /scenarios: expected a list of scenarios/);
  });

  it('a backup, once corrected, opens as a workspace of its own, usage included', async () => {
    const { file, json } = await savedWorkspace(2);
    await writeFile(file, JSON.stringify({ ...json, scenarios: { lost: json.scenarios } }));
    const { notice, store } = await expectRecovered(file, 'workspace_invalid', /scenarios/);
    expect(notice.message).toContain(`--data ${notice.backup}`);
    // The next change and the next start sweep the old sidecars; the backup keeps its own.
    await store.save(workspaceData(6, 0));
    await closeStore(store);
    await loadWhole(await openStore(file));
    expect(await sidecars(file)).toEqual([]);
    await writeFile(notice.backup!, JSON.stringify(json));
    const backupStore = await openStore(notice.backup!);
    expect(await loadWhole(backupStore)).toEqual({ data: workspaceData(5, 2), notices: [] });
  });
});

describe('LowdbWorkspaceStore opens what it can of a damaged file, keeping it', () => {
  it.each([
    [
      'a wrong type',
      (f: WorkspaceFile) => ((f.scenarios[1] as unknown as { name: number }).name = 42),
      /scenario 'scn_1' \(scenarios\[1\]\) was left out: scenarios\[1\]\.name/,
      ['scn_0', 'scn_2', 'scn_3', 'scn_4'],
    ],
    [
      'a duplicate id',
      (f: WorkspaceFile) => (f.scenarios[2]!.id = 'scn_1'),
      /scenario 'Scenario 2' \(scenarios\[2\]\) was left out: its id scn_1 is used by an earlier/,
      ['scn_0', 'scn_1', 'scn_3', 'scn_4'],
    ],
    [
      'a damaged snapshot',
      (f: WorkspaceFile) => (f.scenarios[3]!.snapshot.products = 'none'),
      /scenario 'Scenario 3' \(scenarios\[3\]\) was left out: snapshot\.products/,
      ['scn_0', 'scn_1', 'scn_2', 'scn_4'],
    ],
    [
      'an entry that is not an object',
      (f: WorkspaceFile) => ((f.scenarios as unknown[])[4] = 'scn_4'),
      /a scenario \(scenarios\[4\]\) was left out/,
      ['scn_0', 'scn_1', 'scn_2', 'scn_3'],
    ],
  ])(
    'a hand-edited file with %s: only that scenario is left out',
    async (_l, edit, mention, ids) => {
      const { file, json } = await savedWorkspace();
      edit(json);
      await writeFile(file, JSON.stringify(json));
      const { data } = await expectDamaged(file, mention);
      expect(data.scenarios.map((s) => s.id)).toEqual(ids);
      const expected = workspaceData(5, 5);
      for (const scenario of data.scenarios) {
        expect(scenario).toEqual(expected.scenarios.find((s) => s.id === scenario.id));
      }
    },
  );

  it('a hand-edited top level: the bad parts are reset, every scenario opens', async () => {
    const { file, json } = await savedWorkspace(2);
    Object.assign(json, { revision: -1, currentScenario: 'scn_x', extra: 1 });
    await writeFile(file, JSON.stringify(json));
    const { data, notice } = await expectDamaged(file, /revision \(-1\) was reset to 0/);
    expect(notice.message).toMatch(/unknown field "extra" was dropped/);
    expect(notice.message).toMatch(
      /no scenario is open, as the one that was \('scn_x'\) is not in/,
    );
    expect(data).toEqual({ ...workspaceData(5, 2), revision: 0, currentScenario: null });
  });

  it('the open scenario damaged: the others open, none of them open', async () => {
    const { file, json } = await savedWorkspace(2);
    json.scenarios[0]!.snapshot.clock = null as unknown as Record<string, unknown>;
    await writeFile(file, JSON.stringify(json));
    const { data, notice } = await expectDamaged(file, /'Scenario 0' \(scenarios\[0\]\)/);
    expect(notice.message).toMatch(/the one that was \('scn_0'\) was left out/);
    expect(data.currentScenario).toBeNull();
    expect(data.scenarios.map((s) => s.id)).toEqual(['scn_1']);
  });

  it('a damaged or missing sidecar, backing the sidecars up too', async () => {
    const { file } = await savedWorkspace(2);
    const [mine, other] = await sidecarsOf(file);
    const bytes = await readFile(join(file, '..', mine!));
    bytes[bytes.length - 1]! ^= 0xff;
    await writeFile(join(file, '..', mine!), bytes);
    const { notice, store, data } = await expectDamaged(
      file,
      /scenario 'Scenario 0' \(scenarios\[0\]\) was left out: its usage file .* is unusable: its checksum/,
    );
    expect(data.scenarios.map((s) => s.id)).toEqual(['scn_1']);
    const hash = (name: string) => name.split('.usage-')[1];
    expect(await readFile(`${notice.backup}.usage-${hash(mine!)}`)).toEqual(bytes);
    expect(await readFile(`${notice.backup}.usage-${hash(other!)}`)).toEqual(
      await readFile(join(file, '..', other!)),
    );
    await closeStore(store);

    await rm(join(file, '..', mine!));
    await expectDamaged(
      file,
      /'Scenario 0' \(scenarios\[0\]\) was left out: its usage file .* is missing/,
    );
  });
});

/** The sidecars of the saved workspaceData scenarios, in scenario order. */
async function sidecarsOf(file: string): Promise<string[]> {
  const json = await readJson(file);
  return json.scenarios.map((s) => `workspace.json.usage-${s.usage!.sha256.slice(0, 16)}.bin`);
}

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

  it('loads a version 1 file (whole snapshots beside usage sidecars), and saves it as the current version', async () => {
    // Version 1 kept each scenario's snapshot whole in the file; its usage in a sidecar.
    const file = await tempFile();
    const snapshot = emptySnapshot(1_740_787_200, 7);
    snapshot.usage = { si_a: null };
    const encoded = encodeUsage({
      si_a: { timestamps: Uint32Array.of(1_740_787_260), values: Float64Array.of(3) },
    });
    await writeFile(`${file}.usage-${encoded.sha256.slice(0, 16)}.bin`, encoded.bytes);
    await writeFile(
      file,
      JSON.stringify({
        schemaVersion: 1,
        revision: 4,
        currentScenario: 'scn_v1',
        scenarios: [
          {
            id: 'scn_v1',
            name: 'From v1',
            createdAt: 1,
            lastOpenedAt: 2,
            snapshot,
            usage: { sha256: encoded.sha256, bytes: encoded.bytes.length },
          },
        ],
      }),
    );
    const expected = {
      revision: 4,
      currentScenario: 'scn_v1',
      scenarios: [
        {
          id: 'scn_v1',
          name: 'From v1',
          createdAt: 1,
          lastOpenedAt: 2,
          snapshot: { ...snapshot, usage: { si_a: { timestamps: [1_740_787_260], values: [3] } } },
        },
      ],
    };
    const store = await openStore(file);
    const loaded = await loadWhole(store);
    expect(loaded).toEqual({ data: expected, notices: [] });
    const { data } = await store.load();
    await store.save(data!);
    const saved = await readJson(file);
    expect(saved.schemaVersion).toBe(WORKSPACE_FILE_VERSION);
    expect(saved.scenarios[0]!.snapshot).not.toHaveProperty('invoices');
    await closeStore(store);
    expect(await loadWhole(await openStore(file))).toEqual({ data: expected, notices: [] });
  });

  it('has a fixture for every earlier version', () => {
    // Version 1 has its own test above: its usage is in a sidecar.
    expect([...Object.keys(earlier).map(Number), 1]).toEqual(
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
      const loaded = await loadWhole(store);
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
