// The app's shared state: which view is shown, the open scenario, its test clock, and a revision
// that every view reloads on (bumped after each change and on the host's state.changed events).
import type {
  ExportedFile,
  HostEvent,
  MenuCommand,
  Method,
  MethodArgs,
  MethodResult,
  ScenarioSummary,
} from '../../core/contract';
import type { Customer, List, Subscription, TestClock } from '../../core/public/types';
import { untrack } from 'svelte';
import { asApiError, type ApiClient } from '../api/client';
import { downloadFile, scenarioFilename } from '../lib/download';
import { lookupLimit } from './resource.svelte';

export const views = [
  { id: 'scenarios', label: 'Scenarios', needsScenario: false },
  { id: 'catalog', label: 'Catalog', needsScenario: true },
  { id: 'customers', label: 'Customers', needsScenario: true },
  { id: 'usage', label: 'Usage', needsScenario: true },
  { id: 'lab', label: 'Aggregation lab', needsScenario: true },
  { id: 'compare', label: 'Compare', needsScenario: true },
  { id: 'invoices', label: 'Invoices', needsScenario: true },
  { id: 'events', label: 'Events', needsScenario: true },
  { id: 'backtest', label: 'Backtest', needsScenario: false },
] as const;

/** How long after a change of its own the app ignores the host's state.changed echo. */
const echoWindowMs = 300;

export type ViewId = (typeof views)[number]['id'];

export interface Progress {
  task: string;
  done: number;
  total: number;
}

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
  action?: { label: string; run: () => void };
}

/** The customers and subscriptions that name things and estimate clock jumps (see lookupLimit). */
export interface Lookups {
  customers: List<Customer>;
  subscriptions: List<Subscription>;
}

export class AppState {
  view = $state<ViewId>('scenarios');
  /** Whether start() has read the workspace (the view to open depends on it). */
  ready = $state(false);
  scenario = $state.raw<ScenarioSummary | null>(null);
  clock = $state.raw<TestClock | null>(null);
  /** Bumped whenever the engine's state may have changed; views reload when it does. */
  revision = $state(0);
  progress = $state.raw<Progress | null>(null);
  notices = $state.raw<Notice[]>([]);
  /** Item picked in one view and kept when switching to another (usage, lab). */
  focusItem = $state<string | null>(null);
  /** The invoice to show when the Invoices view opens (a "Show invoice" pointer sets it). */
  focusInvoice = $state<string | null>(null);
  /** Set by the menu's Import command: the Scenarios view focuses its file input and clears it. */
  importRequested = $state(false);
  readonly api: ApiClient;
  /** Hands a file to the user (a download; tests record it instead). */
  readonly saveFile: (file: ExportedFile) => void;
  #noticeId = 0;
  #changesInFlight = 0;
  #lastChangeAt = -Infinity;
  #stopEvents: (() => void) | null = null;
  #lookups: { revision: number; promise: Promise<Lookups> } | null = null;

  constructor(api: ApiClient, saveFile: (file: ExportedFile) => void = downloadFile) {
    this.api = api;
    this.saveFile = saveFile;
  }

  async start(): Promise<void> {
    this.#stopEvents = this.api.onEvent((event) => this.handleEvent(event));
    try {
      await this.refresh();
      if (this.scenario) this.view = 'catalog';
    } finally {
      this.ready = true;
    }
  }

  stop(): void {
    this.#stopEvents?.();
  }

  handleEvent(event: HostEvent): void {
    if (event.type === 'state.changed') {
      // The echo of this window's own change is covered by the reload change() starts.
      if (this.#changesInFlight === 0 && performance.now() - this.#lastChangeAt > echoWindowMs) {
        this.invalidate();
      }
    } else if (event.type === 'progress') {
      this.progress = event.done < event.total ? { ...event } : null;
    } else if (event.type === 'menu') this.runMenuCommand(event.command);
    else if (event.type === 'save.failed') {
      // Stays until dismissed; retrying saves again without making the change twice.
      this.notify('error', event.error.message, {
        label: 'Retry save',
        run: () => void this.change('workspace.save').catch(() => {}),
      });
    } else this.notify('error', event.error.message);
  }

  /** The desktop menu's commands (the shell sends them; the UI carries them out). */
  runMenuCommand(command: MenuCommand): void {
    if (command === 'scenario.new' || command === 'scenario.open') this.go('scenarios');
    else if (command === 'scenario.duplicate') {
      const current = this.scenario;
      if (current) {
        this.change('workspace.duplicate', current.id).then(
          (copy) => this.notify('info', `Duplicated as “${copy.name}”.`),
          (error: unknown) => this.notify('error', String(error)),
        );
      }
    } else if (command === 'scenario.import') {
      // A file chooser needs a click in the page: the menu brings the user to the file input.
      this.importRequested = true;
      this.go('scenarios');
      this.notify('info', 'Choose the scenario file to import (Space opens the file chooser).');
    } else if (command === 'scenario.export') {
      const current = this.scenario;
      if (!current) this.notify('error', 'Open a scenario first: it is the one exported.');
      else {
        this.exportScenario(current).catch((error: unknown) =>
          this.notify('error', asApiError(error).message),
        );
      }
    } else if (command === 'help.shortcuts') {
      this.notify(
        'info',
        'Tab moves between controls; Enter submits a form; Escape cancels a rename.',
      );
    }
  }

  /** Saves a scenario as `<name>.meterlab.json` (the meterlab-scenario format). */
  async exportScenario(scenario: Pick<ScenarioSummary, 'id' | 'name'>): Promise<void> {
    const file = await this.api.call('workspace.exportScenario', scenario.id);
    this.saveFile({
      filename: scenarioFilename(scenario.name),
      mimeType: 'application/json',
      content: `${JSON.stringify(file, null, 2)}\n`,
    });
  }

  /**
   * The first `lookupLimit` customers and subscriptions, fetched once per revision and shared by
   * the clock bar and the open view: with a thousand of each, every copy is about 0.9 MB of JSON
   * parsed on the main thread after each change.
   */
  lookups(): Promise<Lookups> {
    const revision = this.revision;
    if (this.#lookups?.revision !== revision) {
      const promise = (async () => {
        const [customers, subscriptions] = await Promise.all([
          this.api.call('customers.list', { limit: lookupLimit }),
          this.api.call('subscriptions.list', { limit: lookupLimit }),
        ]);
        return { customers, subscriptions };
      })();
      // A failed fetch is not kept: the next reader asks again.
      promise.catch(() => {
        if (this.#lookups?.promise === promise) this.#lookups = null;
      });
      this.#lookups = { revision, promise };
    }
    return this.#lookups.promise;
  }

  /** Re-reads the scenario and clock and tells every view to reload. */
  invalidate(): void {
    this.revision += 1;
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const scenario = await this.api.call('workspace.current');
    this.scenario = scenario;
    this.clock = scenario ? await this.api.call('testClock.retrieve') : null;
  }

  /** Calls a method that changes state, then invalidates. Errors reach the caller unchanged. */
  async change<M extends Method>(method: M, ...args: MethodArgs<M>): Promise<MethodResult<M>> {
    this.#changesInFlight += 1;
    try {
      const result = await this.api.call(method, ...args);
      this.invalidate();
      return result;
    } finally {
      this.#changesInFlight -= 1;
      this.#lastChangeAt = performance.now();
    }
  }

  /** Runs many calls that change state as one change: views reload once, when all are done. */
  async changeMany<T>(work: () => Promise<T>): Promise<T> {
    this.#changesInFlight += 1;
    try {
      return await work();
    } finally {
      this.#changesInFlight -= 1;
      this.#lastChangeAt = performance.now();
      this.invalidate();
    }
  }

  go(view: ViewId): void {
    this.view = view;
  }

  showInvoice(id: string): void {
    this.focusInvoice = id;
    this.go('invoices');
  }

  notify(kind: Notice['kind'], text: string, action?: Notice['action']): void {
    const notice: Notice = { id: ++this.#noticeId, kind, text, ...(action ? { action } : {}) };
    this.notices = [...this.notices.slice(-2), notice];
    // Information fades on its own (an undo stays a little longer); errors wait to be dismissed.
    if (kind === 'info' && typeof setTimeout !== 'undefined') {
      setTimeout(() => this.dismiss(notice.id), action ? 10_000 : 5_000);
    }
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((notice) => notice.id !== id);
  }
}

/** In a component: runs `load` now and again whenever the engine's state may have changed. */
export function reloadOnChange(app: () => AppState, load: () => void): void {
  $effect(() => {
    void app().revision;
    untrack(load);
  });
}
