// Time travel: workspace.branch and workspace.rewind cut a scenario's file at an earlier time and
// replay it, through the one dispatch on the real engine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DispatchResult, ScenarioSummary } from '../../core/contract';
import { createDispatcher } from '../../core/dispatch';
import { cutScenario } from '../../core/scenario/cut';
import { importScenario } from '../../core/scenario/replay';
import { Workspace } from '../../core/workspace';
import { MemoryWorkspaceStore } from '../../core/workspace-store';
import type { Simulator } from '../../core/simulator';
import { DAY, HOUR, MARCH_1, exportAsJson, guideScenario } from './scenario/helpers';

const APRIL_1 = MARCH_1 + 31 * DAY;
const MAY_1 = APRIL_1 + 30 * DAY;
const JUNE_1 = MAY_1 + 31 * DAY;
/** After month 1's invoice is finalized (the default finalization delay is an hour). */
const END_OF_MONTH_1 = APRIL_1 + 2 * HOUR;

/** The guide's calls in each month: 10,000 in March, 5,000 in April, 2,500 in May (EUR 0.002 each). */
function reportAndAdvance(sim: Simulator, item: string, from: number) {
  const months: [number, number, number][] = [
    [MARCH_1, APRIL_1, 10_000],
    [APRIL_1, MAY_1, 5_000],
    [MAY_1, JUNE_1, 2_500],
  ];
  for (const [start, end, calls] of months) {
    if (end <= from) continue;
    sim.testClock.advance({ frozenTime: start + DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: calls });
    sim.testClock.advance({ frozenTime: end + 2 * HOUR });
  }
}

async function threeMonths() {
  const { sim, item } = guideScenario();
  reportAndAdvance(sim, item, MARCH_1);
  const workspace = await Workspace.load({
    store: new MemoryWorkspaceStore(),
    now: () => 1_750_000_000_000,
  });
  const dispatch = createDispatcher(workspace);
  const call = (method: string, ...args: unknown[]): Promise<DispatchResult> =>
    dispatch(method, args);
  const data = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    const result = await call(method, ...args);
    if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
    return result.data as T;
  };
  const original = await data<ScenarioSummary>('workspace.importScenario', {
    file: exportAsJson(sim, 'Three months'),
  });
  return { workspace, call, data, original, item };
}

type Invoices = { data: { id: string; total: number; status: string; periodStart: number }[] };
const invoiceFigures = (list: Invoices) =>
  list.data.map(({ id, total, status, periodStart }) => ({ id, total, status, periodStart }));

describe('workspace.branch', () => {
  it('a branch at the end of month 1 has exactly month 1 invoices; advancing it gives the original ones', async () => {
    const { workspace, data, original, item } = await threeMonths();
    const originalInvoices = invoiceFigures(await data<Invoices>('invoices.list', { limit: 100 }));
    const billed = originalInvoices.filter((invoice) => invoice.total > 0);
    // 10,000 × EUR 0.002 = EUR 20.00; 5,000 → EUR 10.00; 2,500 → EUR 5.00.
    expect(billed.map((invoice) => invoice.total).sort((a, b) => a - b)).toEqual([500, 1000, 2000]);

    const branch = await data<ScenarioSummary>('workspace.branch', {
      id: original.id,
      at: END_OF_MONTH_1,
    });
    expect(branch.id).not.toBe(original.id);
    expect(branch.name).toBe('Three months (from 2025-04-01 02:00:00 UTC)');
    expect(branch.frozenTime).toBe(END_OF_MONTH_1);
    expect((await data<ScenarioSummary>('workspace.current')).id).toBe(branch.id);
    const branchInvoices = invoiceFigures(await data<Invoices>('invoices.list', { limit: 100 }));
    expect(branchInvoices).toEqual(
      originalInvoices.filter((invoice) => invoice.periodStart < APRIL_1),
    );
    expect(branchInvoices.filter((invoice) => invoice.total > 0).map((i) => i.total)).toEqual([
      2000,
    ]);

    reportAndAdvance(workspace.simulator!, item, END_OF_MONTH_1);
    expect(invoiceFigures(await data<Invoices>('invoices.list', { limit: 100 }))).toEqual(
      originalInvoices,
    );
    // The source is untouched.
    await data('workspace.open', original.id);
    expect(invoiceFigures(await data<Invoices>('invoices.list', { limit: 100 }))).toEqual(
      originalInvoices,
    );
  });
});

describe('workspace.rewind', () => {
  it('puts the scenario back at a time, keeping its id and name; undoRewind takes it back', async () => {
    const { data, original } = await threeMonths();
    const before = invoiceFigures(await data<Invoices>('invoices.list', { limit: 100 }));
    const rewound = await data<ScenarioSummary>('workspace.rewind', {
      id: original.id,
      at: END_OF_MONTH_1,
    });
    expect(rewound).toMatchObject({ id: original.id, name: 'Three months' });
    expect(rewound.frozenTime).toBe(END_OF_MONTH_1);
    expect(rewound.invoicedTotals).toEqual({ EUR: 2000 });
    expect(await data<ScenarioSummary[]>('workspace.list')).toHaveLength(1);
    const after = invoiceFigures(await data<Invoices>('invoices.list', { limit: 100 }));
    expect(after).toEqual(before.filter((invoice) => invoice.periodStart < APRIL_1));

    const undone = await data<ScenarioSummary>('workspace.undoRewind');
    expect(undone.frozenTime).toBe(JUNE_1 + 2 * HOUR);
    expect(invoiceFigures(await data<Invoices>('invoices.list', { limit: 100 }))).toEqual(before);
  });

  it('rewinds a scenario that is not open', async () => {
    const { data, original } = await threeMonths();
    await data('workspace.create', { name: 'Other' });
    await data('workspace.rewind', { id: original.id, at: APRIL_1 - 1 });
    const listed = (await data<ScenarioSummary[]>('workspace.list'))[0]!;
    expect(listed).toMatchObject({ id: original.id, frozenTime: APRIL_1 - 1, invoicedTotals: {} });
    await data('workspace.open', original.id);
    const invoices = await data<Invoices>('invoices.list', { limit: 100 });
    expect(invoices.data.every((invoice) => invoice.total === 0)).toBe(true);
  });

  it('refuses an `at` before the start or after the clock, naming at, and changes nothing', async () => {
    const { call, data, original } = await threeMonths();
    const listBefore = await data<ScenarioSummary[]>('workspace.list');
    const invoicesBefore = await data<Invoices>('invoices.list', { limit: 100 });
    for (const [method, at] of [
      ['workspace.rewind', MARCH_1 - 1],
      ['workspace.rewind', JUNE_1 + 3 * HOUR],
      ['workspace.branch', JUNE_1 + 3 * HOUR],
      ['workspace.branch', 1.5],
      ['workspace.branch', 'yesterday'],
    ] as const) {
      const result = await call(method, { id: original.id, at });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error.param).toBe('at');
      if (typeof at === 'number' && Number.isInteger(at)) {
        expect(result.error.code).toBe('time_out_of_range');
        expect(result.error.message).toContain('2025-03-01T00:00:00Z');
      }
    }
    expect(await data('workspace.list')).toEqual(listBefore);
    expect(await data('invoices.list', { limit: 100 })).toEqual(invoicesBefore);
    const undo = await call('workspace.undoRewind');
    expect(undo.ok || undo.error.code).toBe('nothing_to_undo');
  });
});

describe('cutScenario', () => {
  it('keeps calls and usage at or before the time, columns aligned, and moves the clock', () => {
    const { sim, item } = guideScenario();
    reportAndAdvance(sim, item, MARCH_1);
    sim.customers.update('cust_8aZ2', { name: 'Acme Ltd' }); // in June: cut away
    const file = exportAsJson(sim);
    const cut = cutScenario(file, APRIL_1 + DAY);
    expect(cut.clock).toEqual({ frozenTime: APRIL_1 + DAY });
    expect(cut.usage[item]).toEqual({
      timestamps: [MARCH_1 + DAY, APRIL_1 + DAY],
      values: [10_000, 5_000],
    });
    expect(cut.calls.every((c) => c.at <= APRIL_1 + DAY)).toBe(true);
    expect(cut.calls).toEqual(file.calls.slice(0, -1));
    // The file it was cut from is left as it was.
    expect(file.usage[item]!.timestamps).toHaveLength(3);
    expect(cutScenario(file, file.clock.frozenTime)).toEqual(file);
  });

  it('cutting twice is cutting once at the earlier time, and every cut replays', () => {
    const { sim, item } = guideScenario();
    reportAndAdvance(sim, item, MARCH_1);
    const file = exportAsJson(sim);
    const time = fc.integer({ min: file.startTime, max: file.clock.frozenTime });
    fc.assert(
      fc.property(time, time, (a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(cutScenario(cutScenario(file, late), early)).toEqual(cutScenario(file, early));
        const cut = cutScenario(file, early);
        for (const { timestamps, values } of Object.values(cut.usage)) {
          expect(timestamps.length).toBe(values.length);
          expect(timestamps.every((t) => t <= early)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(time, (at) => {
        expect(importScenario(cutScenario(file, at)).problems).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });
});
