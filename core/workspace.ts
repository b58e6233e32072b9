// A workspace: the user's scenarios, one of them open in a live simulator. It runs the workspace.*
// methods of the contract and saves itself through a WorkspaceStore with group commit: a save
// requested while a write is in flight joins the next write, so a burst of changes is one write,
// and every caller's promise resolves only once a write that includes its change is durable.
import { z } from 'zod';
import type { ExportedFile, ScenarioSummary } from './contract';
import { invalidRequest, toErrorEnvelope } from './values/errors';
import type { MeterlabError } from './values/errors';
import {
  exportComparisonArgs,
  exportComparisonFile,
  exportInvoicesArgs,
  exportInvoicesSteps,
} from './scenario/exports';
import { scenarioRefused } from './scenario/format';
import type { ScenarioFile } from './scenario/format';
import { cutScenario } from './scenario/cut';
import { exportScenario, importScenarioSteps, replayScenarioSteps } from './scenario/replay';
import type { StepProgress } from './resources/entry';
import { createSimulator } from './simulator';
import type { Simulator, SimulatorOptions } from './simulator';
import { joinColumns } from './resources/snapshot';
import type { SaveView, Snapshot } from './resources/snapshot';
import { utcSeconds } from './values/time';
import { copy } from './values/json';
import { objectId, parseArgs } from './values/validation';
import type { StoreNotice, StoredScenario, WorkspaceData, WorkspaceStore } from './workspace-store';

export type CreateSimulator = (options: SimulatorOptions) => Simulator;

export interface TemplateInfo {
  id: string;
  name: string;
  description: string;
}

/** Ready-made scenarios. `build` is only called with an id that `list` returned. */
export interface TemplateCatalog {
  list(): TemplateInfo[];
  build(id: string, seed: number): Snapshot;
}

export const emptyTemplateCatalog: TemplateCatalog = {
  list: () => [],
  build: (id) => {
    throw templateNotFound(id, []);
  },
};

export interface WorkspaceOptions {
  store: WorkspaceStore;
  /** The engine; tests may pass a stand-in. */
  createSimulator?: CreateSimulator;
  /** Wall-clock milliseconds: core never reads the clock itself. */
  now(): number;
  templates?: TemplateCatalog;
}

/** What the workspace lists about a scenario without opening it. */
export interface ScenarioStats {
  frozenTime: number;
  customers: number;
  /** Invoiced totals per currency, integer minor units, from finalized invoices. */
  invoicedTotals: Record<string, number>;
}

/** A scenario's details; `stats` are refreshed whenever the open scenario is saved or left. */
type ScenarioMeta = Omit<StoredScenario, 'snapshot' | 'columns'> & { stats: ScenarioStats };

/**
 * A scenario that is not open: its snapshot and, when its usage lists null, the usage columns
 * apart. Both are owned by this scenario alone (no other Kept shares them), so opening it adopts
 * them as they are, with no copy.
 */
interface Kept {
  snapshot: Snapshot;
  columns?: SaveView['columns'];
}

/** What the store keeps of a view. */
const kept = (view: SaveView): Kept => ({ snapshot: view.snapshot, columns: view.columns });

/** How many deleted scenarios undoDelete can bring back (this session only). */
const undoDepth = 20;

const scenarioName = z.string().trim().min(1).max(200);
const importArgs = z.strictObject({
  file: z.unknown(),
  name: z.string().trim().min(1).max(200).optional(),
});

const branchArgs = z.strictObject({
  id: objectId,
  at: z.number(),
  name: scenarioName.optional(),
});
const rewindArgs = z.strictObject({ id: objectId, at: z.number() });

const createArgs = z.strictObject({
  name: scenarioName,
  template: z.string().min(1).max(200).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
});

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The figures a scenario is listed with, read from its snapshot (or a simulator's view). */
export function scenarioStats(
  snapshot: Readonly<Pick<Snapshot, 'clock' | 'customers' | 'invoices' | 'prices'>>,
): ScenarioStats {
  const invoicedTotals: Record<string, number> = {};
  for (const invoice of snapshot.invoices) {
    // NOTE: an invoice counts once finalized; a voided one was cancelled, so it does not.
    if (invoice.finalizedAt === null || invoice.status === 'void') continue;
    invoicedTotals[invoice.currency] = (invoicedTotals[invoice.currency] ?? 0) + invoice.total;
  }
  return {
    frozenTime: snapshot.clock.frozenTime,
    customers: snapshot.customers.length,
    invoicedTotals,
  };
}

function templateNotFound(id: string, known: TemplateInfo[]): MeterlabError {
  const choices = known.length
    ? `use one of ${known.map((t) => `'${t.id}'`).join(', ')}`
    : 'no templates are installed, so create an empty scenario (leave template out)';
  return invalidRequest('template_not_found', 'template', `No template '${id}': ${choices}.`);
}

export class Workspace {
  readonly #store: WorkspaceStore;
  readonly #createSimulator: CreateSimulator;
  readonly #now: () => number;
  readonly #templates: TemplateCatalog;
  /** What the user must be told about loading the workspace (backups made, ...). */
  readonly notices: StoreNotice[];

  #revision = 0;
  #scenarios: ScenarioMeta[] = [];
  /** The scenarios that are not open; the open one lives in `#open.simulator`. */
  readonly #snapshots = new Map<string, Kept>();
  #open: { id: string; simulator: Simulator } | null = null;
  readonly #deleted: { index: number; meta: ScenarioMeta; kept: Kept }[] = [];
  /** Scenarios as they were before a rewind, most recent last (this session only). */
  readonly #rewound: { id: string; kept: Kept }[] = [];

  #writing: Promise<void> | null = null;
  #queued: Deferred | null = null;
  /** Long calls under way: no write starts while one may rest part-way (see holdSaves). */
  #holds = 0;
  /** Set while a write reads the open scenario's live state: mutating calls wait for it. */
  #reading: Promise<void> | null = null;

  private constructor(options: WorkspaceOptions, notices: StoreNotice[]) {
    this.#store = options.store;
    this.#createSimulator = options.createSimulator ?? createSimulator;
    this.#now = options.now;
    this.#templates = options.templates ?? emptyTemplateCatalog;
    this.notices = notices;
  }

  /** Loads the workspace from its store and reopens the scenario that was open. */
  static async load(options: WorkspaceOptions): Promise<Workspace> {
    const { data, notices } = await options.store.load();
    const workspace = new Workspace(options, [...notices]);
    if (data) workspace.#restore(data);
    return workspace;
  }

  #restore(data: WorkspaceData): void {
    this.#revision = data.revision;
    for (const { snapshot, columns, ...meta } of data.scenarios) {
      this.#scenarios.push({ ...meta, stats: scenarioStats(snapshot) });
      this.#snapshots.set(meta.id, columns ? { snapshot, columns } : { snapshot });
    }
    if (data.currentScenario === null) return;
    try {
      this.#activate(data.currentScenario);
    } catch (error) {
      // The workspace still opens; the user picks another scenario and learns why.
      const envelope = toErrorEnvelope(error);
      const name = this.#find(data.currentScenario).name;
      const message = `Scenario '${name}' could not be opened: ${envelope.message}`;
      this.notices.push({ ...envelope, message, file: null, backup: null });
    }
  }

  get revision(): number {
    return this.#revision;
  }

  /** The id of the open scenario, or null. */
  get currentId(): string | null {
    return this.#open?.id ?? null;
  }

  /** The open scenario's simulator, or null when none is open. */
  get simulator(): Simulator | null {
    return this.#open?.simulator ?? null;
  }

  // --- the workspace.* methods of the contract; arguments are validated as untrusted input ---

  list(): ScenarioSummary[] {
    return this.#scenarios.map((meta) => summarize(meta));
  }

  create(args: { name: string; template?: string; seed?: number }): ScenarioSummary {
    const { name, template, seed: givenSeed } = parseArgs(createArgs, args);
    const now = this.#now();
    const seed = givenSeed ?? Math.floor(now) % 0x100000000;
    let simulator: Simulator;
    if (template === undefined) {
      // New scenarios start at the beginning of today (UTC), the clock a user expects.
      const startTime = Math.floor(now / 86_400_000) * 86_400;
      simulator = this.#createSimulator({ startTime, seed });
    } else {
      const known = this.#templates.list();
      if (!known.some((t) => t.id === template)) throw templateNotFound(template, known);
      simulator = this.#createSimulator({ snapshot: this.#templates.build(template, seed) });
    }
    return this.#addOpen(name, simulator, now);
  }

  open(id: string): ScenarioSummary {
    const meta = this.#find(parseArgs(objectId, id, 'id'));
    if (this.#open?.id !== meta.id) this.#activate(meta.id);
    meta.lastOpenedAt = this.#now();
    return summarize(meta);
  }

  current(): ScenarioSummary | null {
    return this.#open ? summarize(this.#find(this.#open.id)) : null;
  }

  rename(id: string, name: string): ScenarioSummary {
    const meta = this.#find(parseArgs(objectId, id, 'id'));
    meta.name = parseArgs(scenarioName, name, 'name');
    return summarize(meta);
  }

  /** Copies a scenario (the open one as it is now) under a new id; the copy is not opened. */
  /**
   * Replays a scenario file into a new scenario, opened. Long work, step by step: the workspace
   * changes only at the end, so a host that stops part-way has changed nothing.
   */
  *importScenario(args: {
    file: unknown;
    name?: string;
  }): Generator<StepProgress, ScenarioSummary> {
    const { file: input, name } = parseArgs(importArgs, args);
    const { simulator, problems, file } = yield* importScenarioSteps(input);
    if (!simulator || !file) throw scenarioRefused(problems);
    return this.#addOpen(name ?? file.name, simulator, this.#now());
  }

  /** Adds a new scenario to the list and opens it. */
  #addOpen(name: string, simulator: Simulator, now: number): ScenarioSummary {
    const meta: ScenarioMeta = {
      id: this.#newId(now),
      name,
      createdAt: now,
      lastOpenedAt: now,
      stats: scenarioStats(simulator.view()),
    };
    this.#scenarios.push(meta);
    this.#switchTo(meta.id, simulator);
    return summarize(meta);
  }

  exportScenario(id: string): ScenarioFile {
    const meta = this.#find(parseArgs(objectId, id, 'id'));
    return exportScenario(this.#snapshotOf(meta.id), { name: meta.name });
  }

  /**
   * The open scenario's invoices as a file; long work, step by step. With `write`, the text goes
   * there as it is made (exportInvoicesSteps).
   */
  *exportInvoices(
    args: {
      format: 'csv' | 'json' | 'html';
      invoice?: string;
      part?: number;
      includeZero?: boolean;
      by?: 'invoice' | 'calendar-month';
    },
    write?: (piece: string) => void,
  ): Generator<StepProgress, ExportedFile> {
    const parsed = parseArgs(exportInvoicesArgs, args);
    const open = this.#open;
    if (!open) {
      throw invalidRequest(
        'no_scenario_open',
        null,
        'Open a scenario first: its invoices are exported.',
      );
    }
    return yield* exportInvoicesSteps(open.simulator, this.#find(open.id).name, parsed, write);
  }

  exportComparison(args: {
    prices: string[];
    subscription?: string;
    format: 'csv' | 'json';
    by?: 'calendar-month' | 'period';
  }): ExportedFile {
    const parsed = parseArgs(exportComparisonArgs, args);
    const open = this.#open;
    if (!open) {
      throw invalidRequest(
        'no_scenario_open',
        null,
        'Open a scenario first: its prices are compared.',
      );
    }
    return exportComparisonFile(open.simulator, this.#find(open.id).name, parsed);
  }

  duplicate(id: string): ScenarioSummary {
    const source = this.#find(parseArgs(objectId, id, 'id'));
    const now = this.#now();
    // A copy of its own: each scenario owns its snapshot and usage columns.
    const stored = this.#snapshots.get(source.id);
    const duplicated: Kept =
      this.#open?.id === source.id || !stored
        ? { snapshot: this.#open!.simulator.snapshot() }
        : {
            snapshot: copy(stored.snapshot),
            ...(stored.columns && {
              columns: new Map([...stored.columns].map(([item, c]) => [item, c.clone()])),
            }),
          };
    const meta: ScenarioMeta = {
      id: this.#newId(now),
      name: `${source.name} (copy)`,
      createdAt: now,
      lastOpenedAt: now,
      stats: scenarioStats(duplicated.snapshot),
    };
    this.#scenarios.splice(this.#scenarios.indexOf(source) + 1, 0, meta);
    this.#snapshots.set(meta.id, duplicated);
    return summarize(meta);
  }

  delete(id: string): { deleted: string } {
    const meta = this.#find(parseArgs(objectId, id, 'id'));
    const index = this.#scenarios.indexOf(meta);
    // The open one is dropped: its live state is kept as it is, no copy.
    this.#deleted.push({ index, meta, kept: this.#keptOf(meta.id) });
    if (this.#deleted.length > undoDepth) this.#deleted.shift();
    this.#scenarios.splice(index, 1);
    this.#snapshots.delete(meta.id);
    if (this.#open?.id === meta.id) this.#open = null;
    return { deleted: meta.id };
  }

  undoDelete(): ScenarioSummary {
    const entry = this.#deleted.pop();
    if (!entry) {
      throw invalidRequest(
        'nothing_to_undo',
        null,
        'No deleted scenario to bring back: undoDelete restores scenarios deleted since Meterlab started.',
      );
    }
    const { meta } = entry;
    this.#scenarios.splice(Math.min(entry.index, this.#scenarios.length), 0, meta);
    this.#snapshots.set(meta.id, entry.kept);
    return summarize(meta);
  }

  /**
   * A new scenario from a scenario as it stood at `at` (its file cut there and replayed), opened;
   * the source is left as it is. Step by step; nothing changes before the end.
   */
  *branch(args: {
    id: string;
    at: number;
    name?: string;
  }): Generator<StepProgress, ScenarioSummary> {
    const { id, at, name } = parseArgs(branchArgs, args);
    const source = this.#find(id);
    const simulator = yield* this.#replayedAt(source, at);
    return this.#addOpen(name ?? `${source.name} (from ${utcSeconds(at)})`, simulator, this.#now());
  }

  /**
   * Puts a scenario back to how it stood at `at`, keeping its id and name; undoRewind undoes it.
   * Step by step; nothing changes before the end.
   */
  *rewind(args: { id: string; at: number }): Generator<StepProgress, ScenarioSummary> {
    const { id, at } = parseArgs(rewindArgs, args);
    const meta = this.#find(id);
    const simulator = yield* this.#replayedAt(meta, at);
    // Taken once the replay is done: the state it replaces is dropped, so kept without a copy.
    const before = this.#keptOf(meta.id);
    this.#replace(meta, simulator);
    this.#rewound.push({ id: meta.id, kept: before });
    if (this.#rewound.length > undoDepth) this.#rewound.shift();
    return summarize(meta);
  }

  /** Takes back the most recent rewind of a scenario that still exists. */
  undoRewind(): ScenarioSummary {
    const entry = this.#rewound.pop();
    const meta = entry && this.#scenarios.find((s) => s.id === entry.id);
    if (!entry || !meta) {
      throw invalidRequest(
        'nothing_to_undo',
        null,
        'No rewind to take back: undoRewind restores the last scenario rewound since Meterlab started (and not deleted since).',
      );
    }
    this.#replace(meta, this.#simulatorOf(entry.kept));
    return summarize(meta);
  }

  templates(): TemplateInfo[] {
    return this.#templates.list();
  }

  // --- saving ---

  /** Counts a change (called once per successful mutating call); returns the new revision. */
  markChanged(): number {
    this.#revision += 1;
    return this.#revision;
  }

  /**
   * Resolves once a write that started after this call is durable. Calls made while a write is
   * in flight share the next write. A write reads the open scenario's live state (no copy), so
   * mutating calls wait while it does (see `reading`).
   */
  save(): Promise<void> {
    if (!this.#queued) {
      this.#queued = deferred();
      // Start on a microtask, so the changes of the current tick share this write.
      if (!this.#writing) void Promise.resolve().then(() => this.#startWrite());
    }
    return this.#queued.promise;
  }

  /**
   * Holds back writes while a long call runs, which yields to the host part-way: a write starting
   * then would store a state the call may still undo. The returned function lets them go again.
   */
  holdSaves(): () => void {
    this.#holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds -= 1;
      this.#startWrite();
    };
  }

  /**
   * While a write reads the open scenario's live state (serializing it, no copy): a promise that
   * resolves when it is done; null otherwise. Dispatch runs no mutating call before it resolves.
   */
  get reading(): Promise<void> | null {
    return this.#reading;
  }

  /** Waits until every requested save is written (before the process exits). */
  async flush(): Promise<void> {
    while (this.#writing || this.#queued) await (this.#queued?.promise ?? this.#writing);
  }

  #startWrite(): void {
    const batch = this.#queued;
    if (!batch || this.#writing || this.#holds > 0) return;
    this.#queued = null;
    let data: WorkspaceData;
    try {
      data = this.#toData();
    } catch (error) {
      batch.reject(error);
      return;
    }
    let done!: () => void;
    this.#reading = new Promise<void>((resolve) => (done = resolve));
    const read = () => {
      this.#reading = null;
      done();
    };
    this.#writing = this.#store
      .save(data, read)
      .then(batch.resolve, batch.reject)
      .finally(() => {
        read();
        this.#writing = null;
        this.#startWrite();
      });
  }

  /** The whole workspace as the store keeps it; the open scenario as a live view (no copy). */
  #toData(): WorkspaceData {
    const openId = this.#open?.id ?? null;
    const open = this.#open && kept(this.#open.simulator.saveView());
    if (open) this.#find(openId!).stats = scenarioStats(open.snapshot);
    return {
      revision: this.#revision,
      currentScenario: openId,
      scenarios: this.#scenarios.map(({ stats: _stats, ...meta }) => ({
        ...meta,
        ...(meta.id === openId ? open! : this.#snapshots.get(meta.id)!),
      })),
    };
  }

  // --- internals ---

  #find(id: string): ScenarioMeta {
    const meta = this.#scenarios.find((s) => s.id === id);
    if (meta) return meta;
    throw invalidRequest(
      'scenario_not_found',
      'id',
      `No scenario '${id}': pick one from workspace.list (it may have been deleted).`,
    );
  }

  /**
   * A whole snapshot of the scenario, read in place (no copy, open or not): only for exporting
   * it at once, which keeps the journal and usage and none of the rest. Copying an open
   * scenario of 100,000 invoices would hold the host for seconds.
   */
  #snapshotOf(id: string): Snapshot {
    const stored = this.#keptOf(id);
    return stored.columns
      ? joinColumns({ snapshot: stored.snapshot, columns: stored.columns })
      : stored.snapshot;
  }

  /** The scenario's state without a copy: only for one whose open simulator is dropped next. */
  #keptOf(id: string): Kept {
    return this.#open?.id === id ? kept(this.#open.simulator.saveView()) : this.#snapshots.get(id)!;
  }

  /**
   * A simulator over a kept scenario (checked when the file loaded, or made by the engine) that
   * adopts its lists and columns; its top level is copied, so a failed open leaves it whole.
   */
  #simulatorOf(stored: Kept): Simulator {
    const { snapshot } = stored;
    return this.#createSimulator({
      snapshot: { ...snapshot, billing: { ...snapshot.billing } },
      snapshotChecked: true,
      snapshotOwned: true,
      ...(stored.columns && { columns: stored.columns }),
    });
  }

  /** The scenario replayed from its file cut at `at` (a refused `at` changes nothing). */
  *#replayedAt(meta: ScenarioMeta, at: number): Generator<StepProgress, Simulator> {
    const file = exportScenario(this.#snapshotOf(meta.id), { name: meta.name });
    return yield* replayScenarioSteps(cutScenario(file, at));
  }

  /** Puts `simulator` in place of the scenario's state, open or not. */
  #replace(meta: ScenarioMeta, simulator: Simulator): void {
    meta.stats = scenarioStats(simulator.view());
    if (this.#open?.id === meta.id) this.#open = { id: meta.id, simulator };
    else this.#snapshots.set(meta.id, kept(simulator.saveView()));
  }

  /** Makes `id` the open scenario (a failure changes nothing). */
  #activate(id: string): void {
    // Checked when the file loaded, or made by the engine: no second check on each open.
    this.#switchTo(id, this.#simulatorOf(this.#snapshots.get(id)!));
  }

  /** Opens `id` in `simulator`; the scenario open before goes back to a snapshot. */
  #switchTo(id: string, simulator: Simulator): void {
    const previous = this.#open;
    if (previous) {
      // Its simulator is dropped, so its live state is kept as it is: no copy.
      const left = kept(previous.simulator.saveView());
      this.#snapshots.set(previous.id, left);
      this.#find(previous.id).stats = scenarioStats(left.snapshot);
    }
    // The open scenario's truth is its simulator; holding its old snapshot too would double memory.
    this.#snapshots.delete(id);
    this.#open = { id, simulator };
  }

  #newId(now: number): string {
    const taken = new Set([
      ...this.#scenarios.map((s) => s.id),
      ...this.#deleted.map((d) => d.meta.id),
    ]);
    const base = `scn_${Math.floor(now).toString(36)}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
    return id;
  }
}

function summarize(meta: ScenarioMeta): ScenarioSummary {
  return {
    id: meta.id,
    name: meta.name,
    createdAt: meta.createdAt,
    lastOpenedAt: meta.lastOpenedAt,
    frozenTime: meta.stats.frozenTime,
    customers: meta.stats.customers,
    invoicedTotals: { ...meta.stats.invoicedTotals },
  };
}
