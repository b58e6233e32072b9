import { describe, expect, it } from 'vitest';
import type { ScenarioSummary } from '../../../core/contract';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { ScenariosState } from '../../../renderer/state/scenarios.svelte';
import { FakeTransport, settle } from '../fake-transport';

const summary = (id: string, name: string): ScenarioSummary => ({
  id,
  name,
  createdAt: 1,
  lastOpenedAt: 2,
  frozenTime: 1748390400,
  customers: 0,
  invoicedTotals: {},
});

function setup() {
  const transport = new FakeTransport()
    .on('workspace.current', () => null)
    .on('workspace.create', (args) => summary('scn_2', args.name))
    .on('workspace.delete', (id) => ({ deleted: id }))
    .on('workspace.undoDelete', () => summary('scn_1', 'Pricing'));
  const app = new AppState(createApiClient(transport));
  return { transport, app, scenarios: new ScenariosState(app) };
}

describe('ScenariosState', () => {
  it('creates from a template and opens the catalog', async () => {
    const { transport, app, scenarios } = setup();
    scenarios.name = '  Teach strategies ';
    scenarios.template = 'teach-strategies';
    await scenarios.create();
    expect(transport.callsOf('workspace.create')).toEqual([
      [{ name: 'Teach strategies', template: 'teach-strategies' }],
    ]);
    expect(app.view).toBe('catalog');
    expect(scenarios.name).toBe('');
  });

  it('refuses an empty name without calling the engine', async () => {
    const { transport, scenarios } = setup();
    scenarios.name = '   ';
    await scenarios.create();
    expect(scenarios.nameError).toContain('name');
    expect(transport.callsOf('workspace.create')).toEqual([]);
  });

  it('offers undo after a delete, which brings the scenario back', async () => {
    const { transport, app, scenarios } = setup();
    await scenarios.remove(summary('scn_1', 'Pricing'));
    const notice = app.notices.at(-1)!;
    expect(notice.text).toBe('Deleted “Pricing”.');
    expect(notice.action?.label).toBe('Undo');
    notice.action!.run();
    await settle();
    expect(transport.callsOf('workspace.undoDelete')).toHaveLength(1);
    expect(app.notices.at(-1)!.text).toBe('Restored “Pricing”.');
  });
});
