// The one typed contract between the UI (or any host client) and the engine: method names, their
// argument tuples and results, the error envelope, and the events pushed to the UI. Every host
// (Electron IPC, the browser host over HTTP, the CLI, tests) calls `dispatch` with these names.
import type { ErrorEnvelope } from './values/errors';
import type {
  BacktestOutcome,
  BacktestRepriceArgs,
  BacktestRunArgs,
  UsageFileHandle,
  UsagePreview,
  UsageSourceArgs,
} from './public/backtest';
import type { BacktestLine } from './rules/backtest';
import type { ScenarioFile } from './scenario/format';
import type { ApiFunction } from './simulator/api';
import type { EngineMethod, EntryOf } from './simulator/registry';

export type { ErrorEnvelope } from './values/errors';
export type { EngineMethod } from './simulator/registry';

/** A file made for the user to save (the host or the UI writes it). */
export interface ExportedFile {
  filename: string;
  mimeType: string;
  content: string;
  /** The print page comes in parts: this one, of how many. */
  part?: number;
  parts?: number;
  /** The print page of all invoices: zero creation invoices it left out (includeZero shows them). */
  omitted?: number;
}

/** A scenario as the workspace lists it. */
export interface ScenarioSummary {
  id: string;
  name: string;
  /** Wall-clock milliseconds, set by the host (the engine never reads the wall clock). */
  createdAt: number;
  lastOpenedAt: number;
  /** The scenario's test clock. */
  frozenTime: number;
  customers: number;
  /** Invoiced totals per currency, integer minor units. */
  invoicedTotals: Record<string, number>;
}

export interface WorkspaceMethods {
  'workspace.list': () => ScenarioSummary[];
  /** Creates an empty scenario, or one from a template id; opens it. */
  'workspace.create': (args: { name: string; template?: string; seed?: number }) => ScenarioSummary;
  'workspace.open': (id: string) => ScenarioSummary;
  /** The scenario the engine methods act on, or null when none is open. */
  'workspace.current': () => ScenarioSummary | null;
  'workspace.rename': (id: string, name: string) => ScenarioSummary;
  'workspace.duplicate': (id: string) => ScenarioSummary;
  /** A new scenario (opened) from scenario `id` as it stood at `at` (Unix seconds, from its start
   * to its clock): its calls and usage up to `at` replayed. */
  'workspace.branch': (args: { id: string; at: number; name?: string }) => ScenarioSummary;
  /** Puts scenario `id` back to how it stood at `at` (same id and name); undoRewind undoes it. */
  'workspace.rewind': (args: { id: string; at: number }) => ScenarioSummary;
  'workspace.undoRewind': () => ScenarioSummary;
  /** Deletes a scenario; undoDelete brings the most recently deleted one back. */
  'workspace.delete': (id: string) => { deleted: string };
  'workspace.undoDelete': () => ScenarioSummary;
  /** Retries saving the workspace after a failed save; answers saved: false while it fails. */
  'workspace.save': () => { saved: true };
  'workspace.templates': () => { id: string; name: string; description: string }[];
  /** Replays a meterlab-scenario file into a new scenario and opens it; a refused file changes
   * nothing and the error lists each problem (path and reason). */
  'workspace.importScenario': (args: { file: unknown; name?: string }) => ScenarioSummary;
  /** A scenario as a meterlab-scenario file (core/scenario/FORMAT.md). */
  'workspace.exportScenario': (id: string) => ScenarioFile;
  /** The open scenario's invoices (or one of them) as CSV, JSON, or a printable HTML page. */
  'workspace.exportInvoices': (args: {
    format: 'csv' | 'json' | 'html';
    invoice?: string;
    part?: number;
    /** The print page of all invoices includes zero creation invoices (left out by default). */
    includeZero?: boolean;
    /** CSV and JSON: per invoice (default) or per calendar month (as Compare sums). */
    by?: 'invoice' | 'calendar-month';
  }) => ExportedFile;
  /** Compare's revenue of 2 to 5 prices as CSV or JSON, per calendar month (default) or period. */
  'workspace.exportComparison': (args: {
    prices: string[];
    subscription?: string;
    format: 'csv' | 'json';
    by?: 'calendar-month' | 'period';
  }) => ExportedFile;
}

export type WorkspaceMethod = keyof WorkspaceMethods;

/** The developer sandbox: `meterlab serve`'s API beside the window, over the same dispatch. */
export interface SandboxStatus {
  running: boolean;
  /** The port it listens on, or will when started. */
  port: number;
  /** The base URL while running (http://127.0.0.1:<port>), else null. */
  url: string | null;
  /** The workspace's test secret key, the one `meterlab serve` prints. */
  secretKey: string;
}

/** Answered by the desktop app and the browser host themselves (electron/sandbox.ts), not by
 * dispatch: other hosts answer sandbox_not_available. */
export interface SandboxMethods {
  'sandbox.status': () => SandboxStatus;
  /** Starts it on `port` (default the last one, first 12111); 0 picks a free port. */
  'sandbox.start': (args?: { port?: number }) => SandboxStatus;
  'sandbox.stop': () => SandboxStatus;
}

export type SandboxMethod = keyof SandboxMethods;

/** Backtests in the window: answered by the desktop app and the browser host themselves
 * (electron/backtest/window.ts, DuckDB in the host), not by dispatch: other hosts answer
 * backtest_not_available. One run's results are kept for explain, reprice and export. A usage
 * file reaches them by a handle: the desktop app's open dialog gives one, and so does the browser
 * host's POST /api/backtest/upload?name=<file name> (the file's bytes as the body). */
export interface BacktestMethods {
  /** The shipped sample usage file and its hypotheses (the contents of its prices.json). */
  'backtest.sample': () => { file: UsageFileHandle; hypotheses: unknown[] };
  /** The file's or table's columns, first rows and guessed column mapping. */
  'backtest.preview': (args: UsageSourceArgs) => UsagePreview;
  /** Reads, aggregates and prices the usage (progress events, task 'backtest'). */
  'backtest.run': (args: BacktestRunArgs) => BacktestOutcome;
  /** Stops a running backtest (it fails with backtest_cancelled); false when none runs. */
  'backtest.cancel': () => { cancelled: boolean };
  /**
   * The last run priced again from its aggregates: another current hypothesis, risk threshold,
   * or edited hypotheses. A newer reprice stops an older one (it fails with backtest_superseded).
   */
  'backtest.reprice': (args: BacktestRepriceArgs) => BacktestOutcome;
  /** The invoice line of a customer in a period (index) under a hypothesis, explained. */
  'backtest.explain': (args: {
    hypothesis: string;
    customer: string;
    period: number;
  }) => BacktestLine | null;
  /** The last run's results as CSV, JSON or the printable summary report (HTML). */
  'backtest.export': (args: { format: 'csv' | 'json' | 'html' }) => ExportedFile;
}

export type BacktestMethod = keyof BacktestMethods;
export type Method = EngineMethod | WorkspaceMethod | SandboxMethod | BacktestMethod;

export type MethodFunction<M extends Method> = M extends WorkspaceMethod
  ? WorkspaceMethods[M]
  : M extends SandboxMethod
    ? SandboxMethods[M]
    : M extends BacktestMethod
      ? BacktestMethods[M]
      : M extends EngineMethod
        ? ApiFunction<EntryOf<M>>
        : never;

export type MethodArgs<M extends Method> = Parameters<MethodFunction<M>>;
export type MethodResult<M extends Method> = ReturnType<MethodFunction<M>>;

/**
 * A call's answer. `saved: false` (with a `warning` saying why) means the change was made but
 * could not be saved: it must not be made again; `workspace.save` retries the save.
 */
export type DispatchResult<T = unknown> =
  | { ok: true; data: T; saved?: false; warning?: ErrorEnvelope }
  | { ok: false; error: ErrorEnvelope };

/** Commands of the desktop app's menu and its shortcuts; the UI carries them out. */
export type MenuCommand =
  | 'scenario.new'
  | 'scenario.open'
  | 'scenario.duplicate'
  | 'scenario.import'
  | 'scenario.export'
  | 'help.shortcuts';

/** Events the host pushes to the UI. */
export type HostEvent =
  | { type: 'state.changed'; scenario: string | null; revision: number }
  | { type: 'progress'; task: string; done: number; total: number }
  | { type: 'error'; error: ErrorEnvelope }
  /** A change was made but could not be saved (the UI offers a retry: workspace.save). */
  | { type: 'save.failed'; error: ErrorEnvelope }
  | { type: 'menu'; command: MenuCommand };
