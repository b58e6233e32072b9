// Scenario files and invoice exports through the one dispatch, on the real engine.
import { describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../core/contract';
import { createDispatcher } from '../../core/dispatch';
import { templateCatalog } from '../../core/scenario/templates';
import { Workspace } from '../../core/workspace';
import { MemoryWorkspaceStore } from '../../core/workspace-store';

async function guideWorkspace() {
  const workspace = await Workspace.load({
    store: new MemoryWorkspaceStore(),
    now: () => 1_750_000_000_000,
    templates: templateCatalog,
  });
  const dispatch = createDispatcher(workspace);
  const call = async (method: string, ...args: unknown[]) => {
    const result: DispatchResult = await dispatch(method, args);
    return result;
  };
  const data = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    const result = await call(method, ...args);
    if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
    return result.data as T;
  };
  const scenario = await data<{ id: string }>('workspace.create', {
    name: 'Guide',
    template: 'api-calls',
  });
  await data('testClock.advance', { frozenTime: 1743469200 }); // 2025-04-01 01:00, March finalized
  return { call, data, scenario };
}

type Invoices = { data: { id: string; total: number; status: string }[] };

describe('workspace scenario files', () => {
  it('export -> import gives the same invoices to the cent, in a new scenario', async () => {
    const { data, scenario } = await guideWorkspace();
    const before = await data<Invoices>('invoices.list', {});
    const file = await data<{ format: string }>('workspace.exportScenario', scenario.id);
    expect(file.format).toBe('meterlab-scenario');
    const imported = await data<{ id: string; name: string }>('workspace.importScenario', {
      file,
      name: 'Imported guide',
    });
    expect(imported.id).not.toBe(scenario.id);
    expect((await data<{ id: string }>('workspace.current')).id).toBe(imported.id);
    const after = await data<Invoices>('invoices.list', {});
    const amounts = (list: Invoices) => list.data.map((invoice) => [invoice.total, invoice.status]);
    expect(amounts(after)).toEqual(amounts(before));
    expect(amounts(after)).toContainEqual([3684, 'paid']);
  });

  it('refuses a bad file with the path and reason, and changes nothing', async () => {
    const { call, data } = await guideWorkspace();
    const listBefore = await data<unknown[]>('workspace.list');
    const file = await data<Record<string, unknown>>(
      'workspace.exportScenario',
      (await data<{ id: string }>('workspace.current')).id,
    );
    const result = await call('workspace.importScenario', { file: { ...file, seed: 'x' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.param).toBe('seed');
    expect(result.error.message).toContain('seed');
    expect(await data('workspace.list')).toEqual(listBefore);
  });
});

describe('workspace invoice exports', () => {
  it('exports invoice lines as CSV, invoices as JSON, and a print page', async () => {
    const { data } = await guideWorkspace();
    type Exported = { filename: string; mimeType: string; content: string };
    const csv = await data<Exported>('workspace.exportInvoices', { format: 'csv' });
    expect(csv.mimeType).toBe('text/csv');
    expect(csv.filename).toBe('guide-invoices.csv');
    const rows = csv.content.trim().split(/\r?\n/);
    expect(rows[0]).toContain('invoice');
    expect(rows.some((row) => row.includes('3684') && row.includes('EUR 36.84'))).toBe(true);

    const json = await data<Exported>('workspace.exportInvoices', { format: 'json' });
    const invoices = JSON.parse(json.content) as { total: number }[];
    expect(invoices.map((invoice) => invoice.total)).toContain(3684);

    const html = await data<Exported>('workspace.exportInvoices', { format: 'html' });
    expect(html.mimeType).toBe('text/html');
    expect(html.content).toContain('EUR 36.84');
    expect(html.content).toContain('Meterlab simulated seller');
  });
});
