// Incremental usage saves: a save writes only what changed since the last one (a segment), and
// whatever sequence of appends, in-place changes, replaced columns (a rewind, a restore) and
// restarts happened, the workspace loads back exactly the columns that were saved last.
import { readdir, stat } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageColumns } from '../../core/rules/usage/columns';
import type { WorkspaceData } from '../../core/workspace-store';
import { LowdbWorkspaceStore } from '../../electron/store';
import type { WorkspaceFile } from '../../electron/workspace-file';
import { readFile } from 'node:fs/promises';
import { emptySnapshot } from '../core/workspace-fake';

const START = 1_740_787_200;
const folders: string[] = [];

afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function tempFile(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'meterlab-incremental-'));
  folders.push(folder);
  return join(folder, 'workspace.json');
}

/** One scenario whose usage is `columns`, apart from its snapshot, as the workspace saves it. */
function dataOf(revision: number, columns: Map<string, UsageColumns>): WorkspaceData {
  const snapshot = emptySnapshot(START, 1);
  snapshot.usage = Object.fromEntries([...columns.keys()].map((item) => [item, null]));
  return {
    revision,
    currentScenario: 'scn_a',
    scenarios: [{ id: 'scn_a', name: 'A', createdAt: 0, lastOpenedAt: 0, snapshot, columns }],
  };
}

const arrays = (columns: ReadonlyMap<string, UsageColumns> | undefined) =>
  Object.fromEntries(
    [...(columns ?? [])].map(([item, c]) => [item, [[...c.timestamps], [...c.values]]]),
  );

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as WorkspaceFile;

/** What can happen to a scenario's usage between two saves. */
type Step =
  | { kind: 'record'; item: number; timestamp: number; quantity: number; set: boolean }
  | { kind: 'replace'; item: number }
  | { kind: 'drop'; item: number }
  | { kind: 'save' }
  | { kind: 'restart' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      item: fc.integer({ min: 0, max: 2 }),
      // Mostly later than anything before (appends), sometimes earlier (in place, inserted).
      timestamp: fc.integer({ min: 0, max: 400 }),
      // Now and then a value past Uint32, which widens the item's values after saves of narrow ones.
      quantity: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 0, max: 1000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 2 ** 32 - 2, max: 2 ** 40 }) },
      ),
      set: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      item: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('drop' as const),
      item: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('save' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
);

describe('incremental usage saves', () => {
  it('save → load gives back the last saved columns after any appends, changes, replacements and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const file = await tempFile();
        let store = await LowdbWorkspaceStore.open({ file });
        let live = new Map<string, UsageColumns>();
        let revision = 0;
        let saved: Record<string, unknown> = {};
        let clock = 0;
        const save = async () => {
          await store.save(dataOf(++revision, live));
          saved = arrays(live);
        };
        try {
          for (const s of steps) {
            const item = `si_${'item' in s ? s.item : 0}`;
            if (s.kind === 'record') {
              const columns = live.get(item) ?? new UsageColumns();
              live.set(item, columns);
              // Appends mostly: later than the clock so far, unless the draw says otherwise.
              clock = Math.max(clock, s.timestamp % 5 === 0 ? clock : clock + 1 + s.timestamp);
              const timestamp = START + (s.timestamp % 3 === 0 ? s.timestamp : clock);
              columns.apply(timestamp, s.quantity, s.set ? 'set' : 'increment');
            } else if (s.kind === 'replace') {
              const columns = live.get(item);
              if (columns) live.set(item, columns.clone());
            } else if (s.kind === 'drop') {
              live.delete(item);
            } else if (s.kind === 'save') {
              await save();
            } else {
              await store.close();
              store = await LowdbWorkspaceStore.open({ file });
              const { data, notices } = await store.load();
              expect(notices).toEqual([]);
              if (revision === 0) {
                expect(data).toBeNull();
                continue;
              }
              expect(arrays(data!.scenarios[0]!.columns)).toEqual(saved);
              // Go on with the columns as loaded, as a simulator adopting them does.
              live = new Map(data!.scenarios[0]!.columns);
            }
          }
          await save();
          await store.close();
          store = await LowdbWorkspaceStore.open({ file });
          const { data, notices } = await store.load();
          expect(notices).toEqual([]);
          expect(arrays(data!.scenarios[0]!.columns)).toEqual(saved);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('one appended record is saved as a small segment beside the whole base, and loads back', async () => {
    const file = await tempFile();
    const store = await LowdbWorkspaceStore.open({ file });
    const columns = new UsageColumns();
    columns.appendSorted(
      Array.from({ length: 100_000 }, (_, i) => START + i),
      Array.from({ length: 100_000 }, (_, i) => i % 7),
      'increment',
    );
    const live = new Map([['si_a', columns]]);
    await store.save(dataOf(1, live));
    const first = (await readJson(file)).scenarios[0]!;
    expect(first.segments).toBeUndefined();
    expect(first.usage!.bytes).toBeGreaterThan(100_000 * 8);

    columns.apply(START + 200_000, 5, 'increment');
    await store.save(dataOf(2, live));
    const second = (await readJson(file)).scenarios[0]!;
    // The base stays as it was; one segment holds the one record.
    expect(second.usage).toEqual(first.usage);
    expect(second.segments).toHaveLength(1);
    expect(second.segments![0]!.bytes).toBeLessThan(200);
    // So small a segment is kept inline in the workspace file: the save writes one file.
    const inline = second.segments![0]!.inline!;
    expect(Buffer.from(inline, 'base64').length).toBe(second.segments![0]!.bytes);
    const sidecar = (ref: { sha256: string }) =>
      join(file, '..', `workspace.json.usage-${ref.sha256.slice(0, 16)}.bin`);
    const bins = async () =>
      (await readdir(join(file, '..'))).filter((name) => name.endsWith('.bin'));
    expect(await bins()).toHaveLength(1);

    // Nothing changed: nothing new is written.
    await store.save(dataOf(3, live));
    expect((await readJson(file)).scenarios[0]!.segments).toEqual(second.segments);

    // A larger segment is a sidecar of its own.
    for (let i = 1; i <= 1000; i++) columns.apply(START + 200_000 + i, 1, 'increment');
    await store.save(dataOf(4, live));
    const fourth = (await readJson(file)).scenarios[0]!;
    expect(fourth.segments).toHaveLength(2);
    expect(fourth.segments![1]!.inline).toBeUndefined();
    expect((await stat(sidecar(fourth.segments![1]!))).size).toBe(fourth.segments![1]!.bytes);
    expect(fourth.segments![1]!.bytes).toBeGreaterThan(1000 * 8);
    await store.close();

    const again = await LowdbWorkspaceStore.open({ file });
    const loaded = (await again.load()).data!.scenarios[0]!.columns!.get('si_a')!;
    expect(loaded.length).toBe(101_001);
    expect(loaded.valueAt(START + 200_000)).toBe(5);
    expect(loaded.valueAt(START + 200_500)).toBe(1);
    expect(loaded.valueAt(START + 99_999)).toBe(99_999 % 7);
    await again.close();
  });

  it('a workspace saved as one whole sidecar (before segments) loads, and its next change is a segment on it', async () => {
    const file = await tempFile();
    const store = await LowdbWorkspaceStore.open({ file });
    // A whole snapshot, usage inside: the store writes the one-sidecar layout of before.
    const snapshot = emptySnapshot(START, 1);
    snapshot.usage = { si_a: { timestamps: [START, START + 60], values: [1, 2] } };
    await store.save({
      revision: 1,
      currentScenario: 'scn_a',
      scenarios: [{ id: 'scn_a', name: 'A', createdAt: 0, lastOpenedAt: 0, snapshot }],
    });
    await store.close();
    const old = (await readJson(file)).scenarios[0]!;
    expect(old.segments).toBeUndefined();

    const reopened = await LowdbWorkspaceStore.open({ file });
    const { data, notices } = await reopened.load();
    expect(notices).toEqual([]);
    const columns = data!.scenarios[0]!.columns!;
    expect(arrays(columns)).toEqual({
      si_a: [
        [START, START + 60],
        [1, 2],
      ],
    });
    columns.get('si_a')!.apply(START + 120, 3, 'increment');
    await reopened.save({ ...data!, revision: 2 });
    const next = (await readJson(file)).scenarios[0]!;
    expect(next.usage).toEqual(old.usage);
    expect(next.segments).toHaveLength(1);
    // The one record's segment is kept inline: the base is the one sidecar.
    expect(next.segments![0]!.inline).toBeDefined();
    await reopened.close();
    const names = (await readdir(join(file, '..'))).filter((name) => name.endsWith('.bin'));
    expect(names).toHaveLength(1);
  });
});
