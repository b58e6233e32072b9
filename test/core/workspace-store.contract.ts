// The contract every WorkspaceStore keeps, run against the memory store and the lowdb store.
import { describe, expect, it } from 'vitest';
import { joinColumns } from '../../core/resources/snapshot';
import type { Snapshot } from '../../core/resources/snapshot';
import { Workspace } from '../../core/workspace';
import type { CreateSimulator } from '../../core/workspace';
import type { WorkspaceData, WorkspaceStore } from '../../core/workspace-store';
import { emptySnapshot } from './workspace-fake';

export interface StoreHarness {
  store: WorkspaceStore;
  /** The same storage seen by a fresh store, as after a restart. */
  reopen(): Promise<WorkspaceStore>;
}

function snapshotWithUsage(seed: number, records: number): Snapshot {
  const snapshot = emptySnapshot(1_740_787_200, seed);
  snapshot.usage = {
    si_a: {
      timestamps: Array.from({ length: records }, (_, i) => 1_740_787_200 + i * 60),
      values: Array.from({ length: records }, (_, i) => (i * 7) % 13),
    },
    si_b: { timestamps: [1_740_787_300], values: [0.5] },
  };
  return snapshot;
}

export function workspaceData(revision: number, scenarios = 2): WorkspaceData {
  return {
    revision,
    currentScenario: scenarios > 0 ? 'scn_0' : null,
    scenarios: Array.from({ length: scenarios }, (_, i) => ({
      id: `scn_${i}`,
      name: `Scenario ${i}`,
      createdAt: 1_700_000_000_000 + i,
      lastOpenedAt: 1_700_000_000_500 + i,
      snapshot: snapshotWithUsage(i + 1, 100 * (i + 1)),
    })),
  };
}

/** Loaded data with each scenario's usage in its snapshot (a store may keep columns apart). */
export function whole(data: WorkspaceData | null): WorkspaceData | null {
  return (
    data && {
      ...data,
      scenarios: data.scenarios.map(({ columns, ...scenario }) => ({
        ...scenario,
        snapshot: columns
          ? joinColumns({ snapshot: scenario.snapshot, columns })
          : scenario.snapshot,
      })),
    }
  );
}

export function describeWorkspaceStoreContract(
  name: string,
  harness: () => Promise<StoreHarness>,
  createSimulator: CreateSimulator,
): void {
  describe(`WorkspaceStore contract: ${name}`, () => {
    it('loads nothing, without notices, before the first save', async () => {
      const { store } = await harness();
      expect(await store.load()).toEqual({ data: null, notices: [] });
    });

    it('gives back what was saved, in this run and after a restart', async () => {
      const { store, reopen } = await harness();
      const data = workspaceData(7);
      await store.save(data);
      expect(whole((await store.load()).data)).toEqual(data);
      const reopened = await reopen();
      const loaded = await reopened.load();
      expect({ ...loaded, data: whole(loaded.data) }).toEqual({ data, notices: [] });
    });

    it('replaces the workspace whole on each save', async () => {
      const { store, reopen } = await harness();
      await store.save(workspaceData(1, 3));
      await store.save(workspaceData(2, 1));
      const loaded = await (await reopen()).load();
      expect(loaded.data?.revision).toBe(2);
      expect(loaded.data?.scenarios.map((s) => s.id)).toEqual(['scn_0']);
    });

    it('keeps the last of overlapping saves', async () => {
      const { store, reopen } = await harness();
      await Promise.all([1, 2, 3, 4, 5].map((revision) => store.save(workspaceData(revision))));
      expect((await (await reopen()).load()).data?.revision).toBe(5);
    });

    it('an empty workspace round-trips', async () => {
      const { store, reopen } = await harness();
      await store.save(workspaceData(3, 0));
      expect((await (await reopen()).load()).data).toEqual(workspaceData(3, 0));
    });

    it('a workspace saved through it reopens with its scenarios and the open one', async () => {
      let clock = 1_750_000_000_000;
      const { store, reopen } = await harness();
      const options = { createSimulator, now: () => (clock += 1000) };
      const workspace = await Workspace.load({ store, ...options });
      workspace.create({ name: 'Guide' });
      workspace.simulator!.products.create({ name: 'API access' });
      const second = workspace.create({ name: 'Seats' });
      workspace.markChanged();
      await workspace.save();

      const again = await Workspace.load({ store: await reopen(), ...options });
      expect(again.list()).toEqual(workspace.list());
      expect(again.currentId).toBe(second.id);
      again.open(again.list()[0]!.id);
      expect(again.simulator!.products.list().data.map((p) => p.name)).toEqual(['API access']);
      expect(again.revision).toBe(1);
    });
  });
}
