import { describe, expect, it } from 'vitest';
import type { ExportedFile, ScenarioSummary } from '../../../core/contract';
import type { ScenarioFile } from '../../../core/scenario/format';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { ScenariosState } from '../../../renderer/state/scenarios.svelte';
import { EngineRefusal, FakeTransport, settle } from '../fake-transport';

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
    scenarios.name = '  API calls ';
    scenarios.template = 'api-calls';
    await scenarios.create();
    expect(transport.callsOf('workspace.create')).toEqual([
      [{ name: 'API calls', template: 'api-calls' }],
    ]);
    expect(app.view).toBe('catalog');
    expect(scenarios.name).toBe('');
  });

  it('opens a teaching template in the aggregation lab, where it teaches', async () => {
    const { transport, app, scenarios } = setup();
    scenarios.name = '  Teach strategies ';
    scenarios.template = 'teach-strategies';
    await scenarios.create();
    expect(transport.callsOf('workspace.create')).toEqual([
      [{ name: 'Teach strategies', template: 'teach-strategies' }],
    ]);
    expect(app.view).toBe('lab');
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

describe('ScenariosState files', () => {
  const scenarioFile = { format: 'meterlab-scenario', schemaVersion: 1, name: 'Guide' };

  function withFiles() {
    const saved: ExportedFile[] = [];
    const transport = new FakeTransport()
      .on('workspace.current', () => null)
      .on('workspace.exportScenario', () => scenarioFile as unknown as ScenarioFile)
      .on('workspace.importScenario', (args) => {
        const file = args.file as { seed?: unknown };
        if (file.seed === 'x') {
          throw new EngineRefusal(
            'invalid_type',
            'seed',
            'The scenario file was refused: seed: expected a number (and 2 more problems)',
          );
        }
        return summary('scn_9', args.name ?? 'Guide');
      });
    const app = new AppState(createApiClient(transport), (file) => saved.push(file));
    return { transport, app, saved, scenarios: new ScenariosState(app) };
  }

  const chosen = (name: string, text: string) => ({ name, text: () => Promise.resolve(text) });

  it('exports a scenario as <name>.meterlab.json holding the engine file', async () => {
    const { transport, saved, scenarios } = withFiles();
    await scenarios.exportFile(summary('scn_1', 'Q3: API/pricing'));
    expect(transport.callsOf('workspace.exportScenario')).toEqual([['scn_1']]);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.filename).toBe('Q3- API-pricing.meterlab.json');
    expect(saved[0]!.mimeType).toBe('application/json');
    expect(JSON.parse(saved[0]!.content)).toEqual(scenarioFile);
  });

  it('imports a chosen file and opens the imported scenario', async () => {
    const { transport, app, scenarios } = withFiles();
    await scenarios.importFile(chosen('guide.meterlab.json', JSON.stringify(scenarioFile)));
    expect(transport.callsOf('workspace.importScenario')).toEqual([[{ file: scenarioFile }]]);
    expect(scenarios.importTask.error).toBeNull();
    expect(app.view).toBe('catalog');
    expect(app.notices.at(-1)!.text).toBe('Imported “Guide”.');
  });

  it('says a file is not JSON without calling the engine', async () => {
    const { transport, app, scenarios } = withFiles();
    await scenarios.importFile(chosen('notes.txt', 'hello'));
    expect(transport.callsOf('workspace.importScenario')).toEqual([]);
    expect(scenarios.importTask.error?.code).toBe('invalid_json');
    expect(scenarios.importTask.error?.message).toMatch(/^notes\.txt is not JSON \(.+\): choose/);
    expect(app.view).toBe('scenarios');
  });

  it("keeps the engine's refusal with its path for the view to show", async () => {
    const { app, scenarios } = withFiles();
    await scenarios.importFile(chosen('bad.json', JSON.stringify({ ...scenarioFile, seed: 'x' })));
    expect(scenarios.importTask.error?.param).toBe('seed');
    expect(scenarios.importTask.error?.message).toContain('seed: expected a number');
    expect(app.view).toBe('scenarios');
  });
});
