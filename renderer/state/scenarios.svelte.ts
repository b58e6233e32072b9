// Scenarios: list, create (empty or from a template), open, rename, duplicate, delete with undo,
// export to a scenario file and import one.
import type { ScenarioSummary } from '../../core/contract';
import { ApiError } from '../api/client';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';

export interface Template {
  id: string;
  name: string;
  description: string;
}

export class ScenariosState {
  readonly list: Resource<ScenarioSummary[]>;
  readonly templates: Resource<Template[]>;
  readonly task = new Task();
  /** Importing a file: its own task, so a refusal shows beside the file input. */
  readonly importTask = new Task();
  name = $state('');
  template = $state('');
  /** Whether the name's problem is shown: after a submit, until a scenario is created. */
  showNameError = $state(false);
  renaming = $state<string | null>(null);
  renameText = $state('');
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.list = new Resource(() => app.api.call('workspace.list'));
    this.templates = new Resource(() => app.api.call('workspace.templates'));
  }

  /** Most recently opened first. */
  get sorted(): ScenarioSummary[] {
    return [...(this.list.value ?? [])].sort((a, b) => b.lastOpenedAt - a.lastOpenedAt);
  }

  get nameError(): string | null {
    return this.name.trim() ? null : 'name: give the scenario a name.';
  }

  async create(): Promise<void> {
    this.showNameError = true;
    if (this.nameError) return;
    const name = this.name.trim();
    const template = this.template || undefined;
    const created = await this.task.run(() =>
      this.#app.change('workspace.create', template ? { name, template } : { name }),
    );
    if (!created) return;
    this.showNameError = false;
    this.name = '';
    this.#app.notify('info', `Created “${created.name}”.`);
    // A teaching template starts where it teaches: the aggregation lab.
    this.#app.go(template?.startsWith('teach') ? 'lab' : 'catalog');
  }

  async open(id: string): Promise<void> {
    if (await this.task.run(() => this.#app.change('workspace.open', id))) this.#app.go('catalog');
  }

  startRename(scenario: ScenarioSummary): void {
    this.renaming = scenario.id;
    this.renameText = scenario.name;
  }

  cancelRename(): void {
    this.renaming = null;
  }

  async commitRename(): Promise<void> {
    const id = this.renaming;
    const name = this.renameText.trim();
    if (!id || !name) return;
    if (await this.task.run(() => this.#app.change('workspace.rename', id, name))) {
      this.renaming = null;
    }
  }

  async duplicate(id: string): Promise<void> {
    await this.task.run(() => this.#app.change('workspace.duplicate', id));
  }

  async remove(scenario: ScenarioSummary): Promise<void> {
    const deleted = await this.task.run(() => this.#app.change('workspace.delete', scenario.id));
    if (!deleted) return;
    this.#app.notify('info', `Deleted “${scenario.name}”.`, {
      label: 'Undo',
      run: () => void this.undoDelete(),
    });
  }

  async undoDelete(): Promise<void> {
    const restored = await this.task.run(() => this.#app.change('workspace.undoDelete'));
    if (restored) this.#app.notify('info', `Restored “${restored.name}”.`);
  }

  /** Downloads the scenario as `<name>.meterlab.json`. */
  async exportFile(scenario: ScenarioSummary): Promise<void> {
    await this.task.run(() => this.#app.exportScenario(scenario));
  }

  /** Reads a scenario file and imports it; the engine refuses a bad one and names the problem. */
  async importFile(file: { name: string; text(): Promise<string> }): Promise<void> {
    const imported = await this.importTask.run(async () =>
      this.#app.change('workspace.importScenario', {
        file: parseScenarioFile(file.name, await file.text()),
      }),
    );
    if (!imported) return;
    this.#app.notify('info', `Imported “${imported.name}”.`);
    this.#app.go('catalog');
  }
}

/** The file's JSON, or an error that says it is not JSON at all (the engine checks the rest). */
function parseScenarioFile(filename: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError({
      type: 'invalid_request_error',
      code: 'invalid_json',
      param: null,
      message: `${filename} is not JSON (${(error as Error).message}): choose a .meterlab.json file exported from Meterlab.`,
    });
  }
}
