import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../core/values/errors';
import type { Snapshot } from '../../core/resources/snapshot';
import { Workspace, scenarioStats } from '../../core/workspace';
import type { TemplateCatalog } from '../../core/workspace';
import { MemoryWorkspaceStore } from '../../core/workspace-store';
import type { WorkspaceData, WorkspaceLoad, WorkspaceStore } from '../../core/workspace-store';
import { createFakeSimulator, emptySnapshot, fakeInvoice } from './workspace-fake';

const day = 86_400_000;
// 2025-06-15T13:20:00Z in milliseconds; the start of that UTC day is 1749945600 s.
const noon = 1_749_993_600_000;

function wallClock(start = noon) {
  let now = start;
  return { now: () => now, tick: (ms = 1000) => (now += ms) };
}

async function workspaceWith(
  options: { store?: WorkspaceStore; templates?: TemplateCatalog } = {},
) {
  const clock = wallClock();
  const store = options.store ?? new MemoryWorkspaceStore();
  const workspace = await Workspace.load({
    store,
    createSimulator: createFakeSimulator,
    now: clock.now,
    ...(options.templates ? { templates: options.templates } : {}),
  });
  return { workspace, clock, store };
}

function caught(fn: () => unknown): MeterlabError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MeterlabError) return error;
    throw error;
  }
  throw new Error('expected a MeterlabError');
}

describe('Workspace scenarios', () => {
  it('creates a scenario at the start of today (UTC) and opens it', async () => {
    const { workspace } = await workspaceWith();
    const created = workspace.create({ name: '  Guide  ' });
    expect(created).toEqual({
      id: expect.stringMatching(/^scn_/),
      name: 'Guide',
      createdAt: noon,
      lastOpenedAt: noon,
      frozenTime: 1_749_945_600,
      customers: 0,
      invoicedTotals: {},
    });
    expect(workspace.currentId).toBe(created.id);
    expect(workspace.current()).toEqual(created);
    expect(workspace.list()).toEqual([created]);
  });

  it('gives every scenario its own id, even within one millisecond', async () => {
    const { workspace } = await workspaceWith();
    const ids = [1, 2, 3].map(() => workspace.create({ name: 'Same time' }).id);
    expect(new Set(ids).size).toBe(3);
  });

  it('refuses a bad name or seed, naming the field, and changes nothing', async () => {
    const { workspace } = await workspaceWith();
    expect(caught(() => workspace.create({ name: '' })).param).toBe('name');
    expect(caught(() => workspace.create({ name: 'x', seed: -1 })).param).toBe('seed');
    expect(caught(() => workspace.create(null as never)).code).toBe('parameter_invalid');
    expect(workspace.list()).toEqual([]);
  });

  it('keeps each scenario state when switching between them', async () => {
    const { workspace, clock } = await workspaceWith();
    const first = workspace.create({ name: 'First' });
    workspace.simulator!.products.create({ name: 'API access' });
    clock.tick(day);
    const second = workspace.create({ name: 'Second' });
    expect(workspace.simulator!.products.list().data).toEqual([]);
    clock.tick(day);
    const reopened = workspace.open(first.id);
    expect(reopened.lastOpenedAt).toBe(noon + 2 * day);
    expect(workspace.simulator!.products.list().data.map((p) => p.name)).toEqual(['API access']);
    expect(workspace.list().map((s) => s.id)).toEqual([first.id, second.id]);
  });

  it('renames, refusing an unknown id with scenario_not_found', async () => {
    const { workspace } = await workspaceWith();
    const { id } = workspace.create({ name: 'Old' });
    expect(workspace.rename(id, 'New').name).toBe('New');
    const error = caught(() => workspace.rename('scn_missing', 'x'));
    expect([error.code, error.param]).toEqual(['scenario_not_found', 'id']);
    expect(caught(() => workspace.rename(id, ' ')).param).toBe('name');
  });

  it('duplicates the open scenario as it is now, next to it, without opening the copy', async () => {
    const { workspace } = await workspaceWith();
    const first = workspace.create({ name: 'Guide' });
    const last = workspace.create({ name: 'Last' });
    workspace.open(first.id);
    workspace.simulator!.customers.create({ name: 'Acme' });
    const copy = workspace.duplicate(first.id);
    expect(copy).toMatchObject({ name: 'Guide (copy)', customers: 1 });
    expect(workspace.list().map((s) => s.id)).toEqual([first.id, copy.id, last.id]);
    expect(workspace.currentId).toBe(first.id);
    workspace.open(copy.id);
    expect(workspace.simulator!.customers.list().data.map((c) => c.name)).toEqual(['Acme']);
  });

  it('deletes and brings the most recent deletion back where it was, with its data', async () => {
    const { workspace } = await workspaceWith();
    const a = workspace.create({ name: 'A' });
    workspace.simulator!.products.create({ name: 'kept' });
    const b = workspace.create({ name: 'B' });
    workspace.create({ name: 'C' });
    expect(workspace.delete(b.id)).toEqual({ deleted: b.id });
    expect(workspace.delete(a.id)).toEqual({ deleted: a.id });
    expect(workspace.list().map((s) => s.name)).toEqual(['C']);
    expect(workspace.undoDelete().id).toBe(a.id);
    expect(workspace.undoDelete().id).toBe(b.id);
    expect(workspace.list().map((s) => s.name)).toEqual(['A', 'B', 'C']);
    workspace.open(a.id);
    expect(workspace.simulator!.products.list().data).toHaveLength(1);
    expect(caught(() => workspace.undoDelete()).code).toBe('nothing_to_undo');
  });

  it('closes the open scenario when it is deleted', async () => {
    const { workspace } = await workspaceWith();
    const { id } = workspace.create({ name: 'Only' });
    workspace.delete(id);
    expect(workspace.currentId).toBeNull();
    expect(workspace.current()).toBeNull();
    expect(workspace.simulator).toBeNull();
  });

  it('builds a scenario from a template with the seed, and names the templates on a bad id', async () => {
    const seeds: number[] = [];
    const templates: TemplateCatalog = {
      list: () => [{ id: 'guide', name: 'API calls', description: 'EUR 0.002 each' }],
      build: (_id, seed) => {
        seeds.push(seed);
        const snapshot = emptySnapshot(1_740_787_200, seed);
        snapshot.customers.push({ id: 'cust_8aZ2' } as Snapshot['customers'][number]);
        return snapshot;
      },
    };
    const { workspace } = await workspaceWith({ templates });
    expect(workspace.templates()).toEqual(templates.list());
    const created = workspace.create({ name: 'From template', template: 'guide', seed: 42 });
    expect(seeds).toEqual([42]);
    expect(created).toMatchObject({ customers: 1, frozenTime: 1_740_787_200 });
    const error = caught(() => workspace.create({ name: 'x', template: 'nope' }));
    expect([error.code, error.param]).toEqual(['template_not_found', 'template']);
    expect(error.message).toContain("'guide'");
  });

  it('has no templates by default, and says so', async () => {
    const { workspace } = await workspaceWith();
    expect(workspace.templates()).toEqual([]);
    const error = caught(() => workspace.create({ name: 'x', template: 'guide' }));
    expect(error.code).toBe('template_not_found');
    expect(error.message).toContain('no templates are installed');
  });
});

describe('scenarioStats', () => {
  it('totals finalized invoices per currency, leaving out drafts and voided ones', () => {
    const snapshot = emptySnapshot(1_740_787_200);
    snapshot.customers.push({ id: 'cust_1' } as Snapshot['customers'][number]);
    snapshot.invoices.push(
      fakeInvoice('EUR', 3684, 'paid'),
      fakeInvoice('EUR', 100, 'open'),
      fakeInvoice('EUR', 50, 'uncollectible'),
      fakeInvoice('EUR', 999, 'draft'),
      fakeInvoice('EUR', 777, 'void'),
      fakeInvoice('JPY', 1234, 'paid'),
    );
    // EUR: 3684 + 100 + 50 = 3834 (the draft and the voided invoice do not count).
    expect(scenarioStats(snapshot)).toEqual({
      frozenTime: 1_740_787_200,
      customers: 1,
      invoicedTotals: { EUR: 3834, JPY: 1234 },
    });
  });
});

/** A store whose writes finish only when the test says so. */
class GatedStore implements WorkspaceStore {
  writes: WorkspaceData[] = [];
  #gates: { resolve(): void; reject(e: Error): void }[] = [];
  load(): Promise<WorkspaceLoad> {
    return Promise.resolve({ data: null, notices: [] });
  }
  save(data: WorkspaceData): Promise<void> {
    this.writes.push(data);
    return new Promise((resolve, reject) => this.#gates.push({ resolve, reject }));
  }
  finish(error?: Error) {
    const gate = this.#gates.shift()!;
    if (error) gate.reject(error);
    else gate.resolve();
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Workspace saving (group commit)', () => {
  it('merges saves requested during a write into one next write, snapshotted when it starts', async () => {
    const store = new GatedStore();
    const { workspace } = await workspaceWith({ store });
    workspace.create({ name: 'Guide' });
    const done: string[] = [];
    const first = workspace.save().then(() => done.push('first'));
    await settle();
    expect(store.writes).toHaveLength(1);

    // Three changes while the first write is in flight: one next write covers them all.
    const later = [1, 2, 3].map((n) => {
      workspace.simulator!.products.create({ name: `p${n}` });
      workspace.markChanged();
      return workspace.save().then(() => done.push(`later${n}`));
    });
    await settle();
    expect(store.writes).toHaveLength(1);
    expect(done).toEqual([]);

    store.finish();
    await first;
    await settle();
    expect(done).toEqual(['first']);
    expect(store.writes).toHaveLength(2);
    const second = store.writes[1]!;
    expect(second.revision).toBe(3);
    expect(second.scenarios[0]!.snapshot.products.map((p) => p.name)).toEqual(['p1', 'p2', 'p3']);

    store.finish();
    await Promise.all(later);
    expect(done).toEqual(['first', 'later1', 'later2', 'later3']);
    await workspace.flush();
    expect(store.writes).toHaveLength(2);
  });

  it('coalesces saves of the same tick into one write', async () => {
    const store = new MemoryWorkspaceStore();
    const { workspace } = await workspaceWith({ store });
    workspace.create({ name: 'Guide' });
    await Promise.all([workspace.save(), workspace.save(), workspace.save()]);
    expect(store.saves).toBe(1);
  });

  it('rejects the saves a failed write covered, and the next save writes everything', async () => {
    const store = new GatedStore();
    const { workspace } = await workspaceWith({ store });
    workspace.create({ name: 'Guide' });
    const failed = workspace.save();
    await settle();
    store.finish(new Error('disk full'));
    await expect(failed).rejects.toThrow('disk full');
    const retried = workspace.save();
    await settle();
    store.finish();
    await retried;
    expect(store.writes[1]!.scenarios).toHaveLength(1);
  });

  it('refreshes the listed figures of the open scenario when it is written', async () => {
    const { workspace } = await workspaceWith();
    workspace.create({ name: 'Guide' });
    workspace.simulator!.customers.create({ name: 'Acme' });
    workspace.simulator!.testClock.advance({ frozenTime: 1_800_000_000 });
    await workspace.save();
    expect(workspace.current()).toMatchObject({ customers: 1, frozenTime: 1_800_000_000 });
  });

  it('restores the open scenario and the revision on load', async () => {
    const store = new MemoryWorkspaceStore();
    const { workspace } = await workspaceWith({ store });
    workspace.create({ name: 'A' });
    const b = workspace.create({ name: 'B' });
    workspace.markChanged();
    await workspace.save();
    const again = await Workspace.load({
      store,
      createSimulator: createFakeSimulator,
      now: () => 0,
    });
    expect([again.currentId, again.revision]).toEqual([b.id, 1]);
  });

  it('opens with no scenario and a notice when the open scenario cannot be restored', async () => {
    const snapshot = emptySnapshot();
    const store = new MemoryWorkspaceStore({
      revision: 4,
      currentScenario: 'scn_bad',
      scenarios: [
        {
          id: 'scn_bad',
          name: 'Broken',
          createdAt: 0,
          lastOpenedAt: 0,
          snapshot,
        },
      ],
    });
    const workspace = await Workspace.load({
      store,
      now: () => 0,
      createSimulator: () => {
        throw new MeterlabError('invalid_request_error', 'snapshot_invalid', 'snapshot', 'damaged');
      },
    });
    expect(workspace.currentId).toBeNull();
    expect(workspace.list().map((s) => s.id)).toEqual(['scn_bad']);
    expect(workspace.notices).toEqual([
      {
        type: 'invalid_request_error',
        code: 'snapshot_invalid',
        param: 'snapshot',
        message: "Scenario 'Broken' could not be opened: damaged",
        file: null,
        backup: null,
      },
    ]);
  });
});
