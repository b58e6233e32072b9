import { describe, expect, it, vi } from 'vitest';
import type { ExportedFile } from '../../../core/contract';
import type { ScenarioFile } from '../../../core/scenario/format';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { FakeTransport, settle } from '../fake-transport';

function setup() {
  const transport = new FakeTransport()
    .on('workspace.current', () => ({
      id: 'scn_1',
      name: 'Guide',
      createdAt: 1,
      lastOpenedAt: 1,
      frozenTime: 100,
      customers: 0,
      invoicedTotals: {},
    }))
    .on('testClock.retrieve', () => ({ id: 'clock_1', object: 'test_clock', frozenTime: 100 }))
    .on('products.create', (args) => ({
      id: 'prod_1',
      object: 'product',
      name: args.name,
      created: 100,
    }));
  return { transport, app: new AppState(createApiClient(transport)) };
}

describe('AppState', () => {
  it('opens on the catalog when a scenario is open, with its clock', async () => {
    const { app } = setup();
    await app.start();
    expect(app.view).toBe('catalog');
    expect(app.clock?.frozenTime).toBe(100);
  });

  it('bumps the revision after its own change, ignoring the echo but not others', async () => {
    const { app, transport } = setup();
    await app.start();
    const now = vi.spyOn(performance, 'now').mockReturnValue(1_000);
    const before = app.revision;
    await app.change('products.create', { name: 'API access' });
    expect(app.revision).toBe(before + 1);
    transport.emit({ type: 'state.changed', scenario: 'scn_1', revision: 7 });
    expect(app.revision).toBe(before + 1); // the echo of the change above
    now.mockReturnValue(5_000);
    transport.emit({ type: 'state.changed', scenario: 'scn_1', revision: 8 });
    expect(app.revision).toBe(before + 2); // a change made elsewhere (the CLI, another window)
    now.mockRestore();
    await settle();
  });

  it('shows progress while work runs and clears it when done', async () => {
    const { app, transport } = setup();
    await app.start();
    transport.emit({ type: 'progress', task: 'advance', done: 3, total: 12 });
    expect(app.progress).toEqual({ type: 'progress', task: 'advance', done: 3, total: 12 });
    transport.emit({ type: 'progress', task: 'advance', done: 12, total: 12 });
    expect(app.progress).toBeNull();
  });
});

describe('AppState menu commands', () => {
  it('opens the scenarios view for the desktop menu’s New and Open', async () => {
    const { app, transport } = setup();
    await app.start();
    transport.emit({ type: 'menu', command: 'scenario.new' });
    expect(app.view).toBe('scenarios');
  });

  it('brings Import to the scenarios view, asking for the file', async () => {
    const { app, transport } = setup();
    await app.start();
    transport.emit({ type: 'menu', command: 'scenario.import' });
    expect(app.view).toBe('scenarios');
    expect(app.importRequested).toBe(true);
    expect(app.notices.at(-1)!.text).toContain('Choose the scenario file');
  });

  it('exports the open scenario for Export, and says when none is open', async () => {
    const { transport } = setup();
    const saved: ExportedFile[] = [];
    transport.on('workspace.exportScenario', () => ({ name: 'Guide' }) as unknown as ScenarioFile);
    const app = new AppState(createApiClient(transport), (file) => saved.push(file));
    await app.start();
    transport.emit({ type: 'menu', command: 'scenario.export' });
    await settle();
    expect(transport.callsOf('workspace.exportScenario')).toEqual([['scn_1']]);
    expect(saved.map((file) => file.filename)).toEqual(['Guide.meterlab.json']);

    transport.on('workspace.current', () => null);
    await app.refresh();
    transport.emit({ type: 'menu', command: 'scenario.export' });
    expect(app.notices.at(-1)).toMatchObject({
      kind: 'error',
      text: expect.stringContaining('Open a scenario'),
    });
    expect(saved).toHaveLength(1);
  });

  it('keeps a failed save on screen with a retry that saves, not changes, again', async () => {
    const { app, transport } = setup();
    const saves: unknown[] = [];
    transport.on('workspace.save', () => (saves.push(1), { saved: true }));
    await app.start();
    const warning = { type: 'api_error', code: 'save_failed', param: null, message: 'Not saved.' };
    app.handleEvent({ type: 'save.failed', error: warning });
    const notice = app.notices.at(-1)!;
    expect(notice).toMatchObject({
      kind: 'error',
      text: 'Not saved.',
      action: { label: 'Retry save' },
    });
    notice.action!.run();
    await settle();
    expect(saves).toHaveLength(1);
  });
});

describe('the shared lookups', () => {
  it('fetches customers and subscriptions once per revision for every reader, again after a change', async () => {
    const transport = new FakeTransport()
      .on('customers.list', () => ({ object: 'list', data: [], hasMore: false }))
      .on('subscriptions.list', () => ({ object: 'list', data: [], hasMore: false }));
    const app = new AppState(createApiClient(transport));
    const [clockBar, view] = await Promise.all([app.lookups(), app.lookups()]);
    expect(clockBar).toBe(view);
    expect(transport.callsOf('customers.list')).toEqual([[{ limit: 1000 }]]);
    expect(transport.callsOf('subscriptions.list')).toHaveLength(1);
    app.revision += 1;
    await app.lookups();
    expect(transport.callsOf('customers.list')).toHaveLength(2);
  });
});
