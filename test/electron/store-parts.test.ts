// A scenario's growing lists in part files: a save writes only what changed (settled elements
// once, the rest again), and whatever sequence of appends, in-place changes of unsettled
// invoices, settlements, prunes, truncations, replaced lists and restarts happened, the workspace
// loads back exactly the lists that were saved last.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingEvent, Invoice } from '../../core/public/types';
import type { Snapshot } from '../../core/resources/snapshot';
import type { WorkspaceData } from '../../core/workspace-store';
import { LowdbWorkspaceStore } from '../../electron/store';
import type { WorkspaceFile } from '../../electron/workspace-file';
import { manyInvoicesSnapshot } from '../../bench/many-invoices';
import { emptySnapshot } from '../core/workspace-fake';

const folders: string[] = [];
let template: Invoice;

beforeAll(() => {
  template = manyInvoicesSnapshot(1).invoices[0]!;
});

afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function tempFile(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'meterlab-parts-'));
  folders.push(folder);
  return join(folder, 'workspace.json');
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as WorkspaceFile;
const partFiles = async (file: string) =>
  (await readdir(join(file, '..'))).filter((name) => name.endsWith('.jsonl'));

function dataOf(revision: number, snapshot: Snapshot): WorkspaceData {
  return {
    revision,
    currentScenario: 'scn_a',
    scenarios: [{ id: 'scn_a', name: 'A', createdAt: 0, lastOpenedAt: 0, snapshot }],
  };
}

const invoice = (n: number, status: Invoice['status']): Invoice => ({
  ...template,
  id: `in_${n}`,
  status,
});
const event = (n: number): BillingEvent => ({
  id: `evt_${n}`,
  object: 'event',
  type: 'customer.created',
  created: 1_740_787_200 + n,
  data: { object: 'customer' } as BillingEvent['data'],
});

/** What can happen to a scenario's lists between two saves. */
type Step =
  | { kind: 'invoices'; count: number; paid: boolean }
  | { kind: 'settle'; at: number; status: 'paid' | 'void' }
  | { kind: 'change'; at: number; total: number }
  | { kind: 'events'; count: number }
  | { kind: 'prune'; keep: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'replace' }
  | { kind: 'save' }
  | { kind: 'restart' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('invoices' as const),
    count: fc.integer({ min: 1, max: 300 }),
    paid: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('settle' as const),
    at: fc.nat(),
    status: fc.constantFrom('paid' as const, 'void' as const),
  }),
  fc.record({ kind: fc.constant('change' as const), at: fc.nat(), total: fc.nat(10_000) }),
  fc.record({ kind: fc.constant('events' as const), count: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('prune' as const), keep: fc.integer({ min: 2, max: 5 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('save' as const) }) },
  fc.record({ kind: fc.constant('restart' as const) }),
);

describe('growing lists in part files', () => {
  it(
    'save → load gives back the last saved lists after any appends, changes, prunes and restarts',
    { timeout: 300_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
          const file = await tempFile();
          let store = await LowdbWorkspaceStore.open({ file });
          const live = emptySnapshot();
          let made = 0;
          let revision = 0;
          let saved: unknown = null;
          try {
            for (const s of steps) {
              if (s.kind === 'invoices') {
                for (let i = 0; i < s.count; i++) {
                  live.invoices.push(invoice(made++, s.paid ? 'paid' : 'open'));
                }
              } else if (s.kind === 'settle' || s.kind === 'change') {
                // Only unsettled invoices change, in place, as the engine does.
                const open = live.invoices.filter((i) => i.status === 'open');
                const target = open[s.at % Math.max(1, open.length)];
                if (target && s.kind === 'settle') target.status = s.status;
                if (target && s.kind === 'change') target.total = s.total;
              } else if (s.kind === 'events') {
                for (let i = 0; i < s.count; i++) live.events.push(event(made++));
              } else if (s.kind === 'prune') {
                // As pruneEvents: a new array of some of the old events.
                live.events = live.events.filter((_, i) => i % s.keep !== 0);
              } else if (s.kind === 'truncate') {
                // As a failed call's checkpoint: the same array, cut back.
                live.invoices.length = s.at % (live.invoices.length + 1);
              } else if (s.kind === 'replace') {
                live.invoices = structuredClone(live.invoices);
              } else if (s.kind === 'save') {
                // A new top level each time, as a live view is (a whole snapshot is never mutated).
                await store.save(dataOf(++revision, { ...live }));
                saved = structuredClone({ invoices: live.invoices, events: live.events });
              } else {
                await store.close();
                store = await LowdbWorkspaceStore.open({ file });
                const { data, notices } = await store.load();
                expect(notices).toEqual([]);
                if (saved === null) expect(data).toBeNull();
                else {
                  const { invoices, events } = data!.scenarios[0]!.snapshot;
                  expect({ invoices, events }).toEqual(saved);
                  // Go on from what was loaded, as a restarted app does.
                  live.invoices = invoices;
                  live.events = events;
                }
              }
            }
            await store.close();
            const again = await LowdbWorkspaceStore.open({ file });
            const { data } = await again.load();
            if (saved !== null) {
              const { invoices, events } = data!.scenarios[0]!.snapshot;
              expect({ invoices, events }).toEqual(saved);
            }
            await again.close();
          } finally {
            await store.close().catch(() => undefined);
          }
        }),
        { numRuns: 60 },
      );
    },
  );

  it(
    'settled invoices are written once; a change rewrites only the tail',
    { timeout: 120_000 },
    async () => {
      const file = await tempFile();
      const store = await LowdbWorkspaceStore.open({ file });
      const live = emptySnapshot();
      for (let i = 0; i < 1000; i++) live.invoices.push(invoice(i, 'paid'));
      live.invoices.push(invoice(1000, 'open'));
      await store.save(dataOf(1, live));
      const first = (await readJson(file)).scenarios[0]!;
      expect(first.part).toBeTruthy();
      expect(first.tail).toBeUndefined();
      expect(first.snapshot).not.toHaveProperty('invoices');
      expect(await partFiles(file)).toHaveLength(1);

      // The open invoice changes, one more is paid: the tail holds just those, the base stays.
      live.invoices[1000]!.total = 7;
      live.invoices.push(invoice(1001, 'paid'));
      await store.save(dataOf(2, live));
      const second = (await readJson(file)).scenarios[0]!;
      expect(second.part).toEqual(first.part);
      expect(second.partSegments).toBeUndefined();
      expect(second.tail).toEqual([
        { k: 'invoices', keep: [0, 1000] },
        { k: 'invoices', add: [live.invoices[1000], live.invoices[1001]] },
      ]);
      expect(await partFiles(file)).toHaveLength(1);

      // Many more settled ones: they go to a part segment, and the tail empties.
      for (let i = 0; i < 300; i++) live.invoices.push(invoice(2000 + i, 'void'));
      await store.save(dataOf(3, live));
      const third = (await readJson(file)).scenarios[0]!;
      expect(third.part).toEqual(first.part);
      expect(third.partSegments).toHaveLength(1);
      expect(third.tail).toBeUndefined();
      expect(await partFiles(file)).toHaveLength(2);
      await store.close();
    },
  );

  it(
    'a damaged part file costs its scenario only, and is kept in the backup as it was',
    { timeout: 120_000 },
    async () => {
      const file = await tempFile();
      const store = await LowdbWorkspaceStore.open({ file });
      const big = emptySnapshot();
      for (let i = 0; i < 300; i++) big.invoices.push(invoice(i, 'paid'));
      const small = emptySnapshot();
      await store.save({
        revision: 1,
        currentScenario: 'scn_a',
        scenarios: [
          { id: 'scn_a', name: 'Big', createdAt: 0, lastOpenedAt: 0, snapshot: big },
          { id: 'scn_b', name: 'Small', createdAt: 0, lastOpenedAt: 0, snapshot: small },
        ],
      });
      await store.close();
      const [part] = await partFiles(file);
      const path = join(file, '..', part!);
      const bytes = await readFile(path);
      bytes[bytes.length - 10]! ^= 0x01;
      await writeFile(path, bytes);

      const reopened = await LowdbWorkspaceStore.open({ file });
      const { data, notices } = await reopened.load();
      expect(data!.scenarios.map((s) => s.id)).toEqual(['scn_b']);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.message).toMatch(
        /scenario 'Big' \(scenarios\[0\]\) was left out: its part file .* is unusable: it holds different content/,
      );
      const backup = notices[0]!.backup!;
      expect(await readFile(`${backup}${part!.slice('workspace.json'.length)}`)).toEqual(bytes);
      await reopened.close();
    },
  );
});
