// The workspace in a lowdb JSON file, its usage columns in binary sidecars beside it, and each
// scenario's growing lists (invoices, events, ...) in JSON Lines part files beside it.
//
// Saving writes each new sidecar and part file atomically first (named by the SHA-256 of its
// content), then the JSON that refers to them (written a chunk at a time to a temp file, flushed,
// renamed), then deletes files nothing refers to any more. A crash at any point leaves a JSON
// file whose sidecars and part files all exist.
//
// Loading migrates older files, and damage stays local: each scenario (its entry, snapshot and
// sidecar) is its own unit, so a damaged one is left out and named while the others open. Only a
// file with no usable list of scenarios (not JSON, not a workspace, from a newer Meterlab) opens
// empty. Whatever could not be used, the file is never written over on load: it is first kept,
// byte for byte with the sidecars it refers to, as `<file>.<tag>-<time>.bak`, a workspace file
// that opens with --data like any other.
import { constants } from 'node:fs';
import { copyFile, link, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { UsageColumns, valuesFrom } from '../core/rules/usage/columns';
import type { UsageValues } from '../core/rules/usage/columns';
import { Low } from 'lowdb';
import type { Adapter } from 'lowdb';
import { MeterlabError } from '../core/values/errors';
import {
  SETTLING_LISTS,
  checkSnapshotSteps,
  joinSnapshot,
  migrateSnapshot,
  splitSnapshot,
} from '../core/resources/snapshot';
import type { BulkColumns, SaveView, Snapshot } from '../core/resources/snapshot';
import { scenarioStats } from '../core/workspace';
import type {
  StoreNotice,
  StoredScenario,
  WorkspaceData,
  WorkspaceLoad,
  WorkspaceStore,
} from '../core/workspace-store';
import { writeFileAtomic, writeJsonAtomic } from './atomic-file';
import { WorkspaceLockedError, lockWorkspaceFile } from './lock';
import type { FileLock } from './lock';
import { SidecarError, decodeUsageSteps, encodeUsageSteps, joinUsage } from './usage-sidecar';
import type { DecodedPart, UsagePart } from './usage-sidecar';
import {
  PartError,
  addedCount,
  afterWrite,
  applyLayer,
  diffList,
  encodePartSteps,
  readPart,
  settledAddedCount,
  unchanged,
} from './scenario-parts';
import type { ListOp, StoredLists } from './scenario-parts';
import {
  InvalidWorkspaceFile,
  WORKSPACE_FILE_VERSION,
  checkScenarioEntry,
  INLINE_SEGMENTS_BYTES,
  INLINE_SEGMENT_BYTES,
  fileVersion,
  parseWorkspaceJson,
  partIdsOf,
  quoteText,
  upgradeWorkspaceFile,
  usageIdsOf,
} from './workspace-file';
import type { ScenarioEntry, UsageRef, WorkspaceFile } from './workspace-file';

export interface LowdbStoreOptions {
  /** The workspace JSON file; its folder is created when missing. */
  file: string;
  /** Wall clock for backup names (default Date.now). */
  now?: () => number;
}

/** A snapshot as it is written: its JSON part and where its usage columns are. */
interface Prepared {
  json: Snapshot;
  usage: UsageRef | null;
  segments?: UsageRef[];
}

/** A snapshot's JSON part as it is written: the rest, and where its growing lists are. */
interface PreparedParts {
  head: Record<string, unknown>;
  part: UsageRef | null;
  partSegments: UsageRef[];
  tail: ListOp[];
}

/** A scenario's growing lists as this store last wrote them to part files (or read them). */
interface PartChain {
  base: UsageRef | null;
  segments: UsageRef[];
  /** Elements the base and the segments add: a new base is written once segments add more. */
  baseElements: number;
  segmentElements: number;
  lists: StoredLists;
}

/**
 * Settled elements a save keeps in the workspace JSON's tail (rewritten at each save) before it
 * moves them to a part file (written once).
 */
const TAIL_SETTLED = 256;

/**
 * A scenario's usage as this store last wrote it (or read it): its files, and for each item the
 * very columns object and its length then, so a save of the same columns writes only changes.
 */
interface UsageChain {
  base: UsageRef;
  segments: UsageRef[];
  segmentBytes: number;
  items: Map<string, { columns: UsageColumns; length: number }>;
}

/** Segments written before a new base (a load reads each; the schema allows MAX_SEGMENTS). */
const SEGMENTS_BEFORE_BASE = 64;

/** Milliseconds of stepwise work between two yields to the event loop. */
const SLICE_MS = 20;

/** Runs stepwise work, yielding to the event loop after each SLICE_MS of it. */
async function paced<T>(steps: Generator<void, T>): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await setImmediate();
      sliceStart = performance.now();
    }
  }
}

/** A file read as far as it could be. */
interface ReadWorkspace {
  data: WorkspaceData;
  /** What was left out or reset, one phrase each; empty when the file was whole. */
  problems: string[];
  /** Sidecars (file names) the file refers to but that are not there. */
  missing: Set<string>;
  /** Sidecars (file names) the file refers to, usable or not. */
  referenced: Set<string>;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The workspace file cannot be read or written for a reason of the disk, not of its content (a
 * full disk, no permission, a read-only disk). Its message says what happened and what to do.
 */
export class WorkspaceStorageError extends Error {
  override name = 'WorkspaceStorageError';
  constructor(
    message: string,
    /** The system error code (ENOSPC, EACCES, ...). */
    readonly code: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A system error met while opening (`open`) or saving (`save`) the workspace `file`, explained:
 * what is wrong and what the user can do. Other errors are returned as they are.
 */
export function explainStorageError(error: unknown, file: string, when: 'open' | 'save'): unknown {
  if (!(error instanceof Error) || error instanceof WorkspaceStorageError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const path = (error as NodeJS.ErrnoException).path ?? file;
  const folder = dirname(file);
  let cause: string;
  let remedy: string;
  switch (code) {
    case 'ENOSPC':
      cause = `the disk that holds ${folder} is full`;
      remedy = 'Free some space on that disk (empty the trash, delete large files you do not need)';
      break;
    case 'EDQUOT':
      cause = `your disk quota for ${folder} is used up`;
      remedy = 'Free some space in your quota';
      break;
    case 'EROFS':
      cause = `${folder} is on a read-only disk`;
      remedy = 'Use a folder you can write to';
      break;
    case 'EACCES':
    case 'EPERM':
      cause = `Meterlab is not allowed to use ${path}`;
      remedy = `Check the permissions of ${folder}`;
      break;
    case 'EISDIR':
      cause = `${path} is a folder`;
      remedy = 'Name a file, not a folder';
      break;
    default:
      return error;
  }
  const message =
    when === 'open'
      ? `Meterlab cannot open the workspace ${file}: ${cause} (${code} at ${path}). ${remedy}, ` +
        `then start Meterlab again; or start it with --data <a file on another disk or folder>.`
      : `${cause[0]!.toUpperCase()}${cause.slice(1)} (${code} at ${path}). ${remedy}.`;
  return new WorkspaceStorageError(message, code, { cause: error });
}

/**
 * lowdb's file adapter for the workspace JSON, written a chunk at a time (writeJsonAtomic: temp
 * file, flushed, renamed) so a large workspace never holds the event loop for one long stringify,
 * as lowdb's own JSONFile would.
 */
class ChunkedJsonFile implements Adapter<unknown> {
  /** Called once the next write has serialized all of its data (before it flushes the file). */
  onSerialized: (() => void) | undefined;

  constructor(private readonly file: string) {}

  /** The parsed JSON, unchecked: the store checks what it opens (and repairs what it can). */
  async read(): Promise<unknown> {
    return parseWorkspaceJson(await readFile(this.file));
  }

  write(data: unknown): Promise<void> {
    const onSerialized = this.onSerialized;
    this.onSerialized = undefined;
    return writeJsonAtomic(this.file, data, onSerialized);
  }
}

export class LowdbWorkspaceStore implements WorkspaceStore {
  readonly file: string;
  readonly #low: Low<unknown>;
  readonly #json: ChunkedJsonFile;
  readonly #lock: FileLock;
  readonly #now: () => number;
  readonly #sidecarName: RegExp;
  /** Temp files a crash may leave: of sidecars and part files (writeFileAtomic), of the JSON. */
  readonly #tempName: RegExp;
  /** Sidecars and part files known to be complete on disk (by file name). */
  readonly #sidecars = new Set<string>();
  /** Scenario id -> its usage as last written or read (see UsageChain). */
  readonly #chains = new Map<string, UsageChain>();
  /** Scenario id -> its growing lists as last written or read (see PartChain). */
  readonly #parts = new Map<string, PartChain>();
  /** Snapshots are never mutated, so each is split and hashed once. */
  #prepared = new WeakMap<Snapshot, Prepared>();
  #chain: Promise<void> = Promise.resolve();
  /** Set when the file must not be written over (it is from a newer Meterlab). */
  #readOnly: StoreNotice | null = null;
  #closed = false;

  private constructor(file: string, lock: FileLock, now: () => number) {
    this.file = file;
    this.#lock = lock;
    this.#now = now;
    this.#json = new ChunkedJsonFile(file);
    this.#low = new Low<unknown>(this.#json, null);
    const name = escapeRegExp(basename(file));
    const files = '(usage-[0-9a-f]{16}\\.bin|part-[0-9a-f]{16}\\.jsonl)';
    this.#sidecarName = new RegExp(`^${name}\\.${files}$`);
    this.#tempName = new RegExp(`^\\.${name}(\\.${files})?\\.tmp$`);
  }

  /** Opens the store, taking the file's lock (WorkspaceLockedError when another process has it). */
  static async open(options: LowdbStoreOptions): Promise<LowdbWorkspaceStore> {
    let lock: FileLock;
    try {
      await mkdir(dirname(options.file), { recursive: true });
      lock = lockWorkspaceFile(options.file);
    } catch (error) {
      if (error instanceof WorkspaceLockedError) throw error;
      throw explainStorageError(error, options.file, 'open');
    }
    return new LowdbWorkspaceStore(options.file, lock, options.now ?? Date.now);
  }

  /** The sidecar holding usage with this content id. */
  sidecarPath(sha256: string): string {
    return `${this.file}.usage-${sha256.slice(0, 16)}.bin`;
  }

  /** The part file holding growing lists with this content id. */
  partPath(sha256: string): string {
    return `${this.file}.part-${sha256.slice(0, 16)}.jsonl`;
  }

  /** The names of the files (sidecars and part files) a scenario entry refers to. */
  #filesOf(entry: unknown): string[] {
    return [
      ...usageIdsOf(entry).map((id) => basename(this.sidecarPath(id))),
      ...partIdsOf(entry).map((id) => basename(this.partPath(id))),
    ];
  }

  async load(): Promise<WorkspaceLoad> {
    try {
      return await this.#load();
    } catch (error) {
      throw explainStorageError(error, this.file, 'open');
    }
  }

  save(data: WorkspaceData, read?: () => void): Promise<void> {
    const write = this.#chain.then(() => this.#write(data, read));
    this.#chain = write.catch(() => undefined);
    return write;
  }

  /** Waits for the saves in flight, then gives the file up to other processes. */
  async close(): Promise<void> {
    await this.#chain;
    this.#closed = true;
    this.#lock.release();
  }

  // --- loading ---

  async #load(): Promise<WorkspaceLoad> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { data: null, notices: [] };
      if (code !== 'ERR_FS_FILE_TOO_LARGE') throw error;
      const tooLarge = new InvalidWorkspaceFile('the top level: the file is over 2 GiB');
      return { data: null, notices: [await this.#refuse(tooLarge)] };
    }
    let read: ReadWorkspace;
    try {
      read = await this.#read(bytes);
    } catch (error) {
      const notice = await this.#refuse(error);
      await this.#collectGarbage(null, true);
      return { data: null, notices: [notice] };
    }
    const notices = read.problems.length > 0 ? [await this.#reportDamage(read)] : [];
    await this.#collectGarbage(read.referenced, true);
    return { data: read.data, notices };
  }

  async #read(bytes: Buffer): Promise<ReadWorkspace> {
    let raw: unknown;
    try {
      raw = parseWorkspaceJson(bytes);
    } catch (error) {
      if (error instanceof SyntaxError) throw error;
      // Too large to be a string at all: no workspace Meterlab wrote.
      throw new InvalidWorkspaceFile(`the top level: it cannot be read as text (${String(error)})`);
    }
    const version = fileVersion(raw);
    if (version === null) throw new InvalidWorkspaceFile('the top level: not a workspace object');
    if (version > WORKSPACE_FILE_VERSION) throw new NewerWorkspaceFile(version);
    const outline = upgradeWorkspaceFile(raw as Record<string, unknown>, version);
    const problems = outline.problems.map((problem) => `the file's top level: ${problem}`);
    const referenced = new Set<string>();
    for (const entry of outline.scenarios) {
      for (const name of this.#filesOf(entry)) referenced.add(name);
    }
    const missing = new Set<string>();
    const scenarios: StoredScenario[] = [];
    const ids = new Set<string>();
    const leftOut = new Set<string>();
    for (const [index, value] of outline.scenarios.entries()) {
      try {
        const entry = checkScenarioEntry(value, index);
        if (ids.has(entry.id)) {
          throw new InvalidWorkspaceFile(`its id ${entry.id} is used by an earlier scenario`);
        }
        const { snapshot, columns } = await this.#readSnapshot(entry, missing);
        ids.add(entry.id);
        scenarios.push({
          id: entry.id,
          name: entry.name,
          createdAt: entry.createdAt,
          lastOpenedAt: entry.lastOpenedAt,
          snapshot,
          ...(columns && { columns }),
        });
      } catch (error) {
        problems.push(`${scenarioLabel(value, index)} was left out: ${reasonOf(error)}`);
        const id = (value as { id?: unknown } | null)?.id;
        if (typeof id === 'string') leftOut.add(id);
      }
    }
    let currentScenario = outline.currentScenario;
    if (currentScenario !== null && !ids.has(currentScenario)) {
      const why = leftOut.has(currentScenario) ? 'was left out' : 'is not in the file';
      problems.push(
        `no scenario is open, as the one that was (${quoteText(currentScenario)}) ${why}`,
      );
      currentScenario = null;
    }
    return {
      data: { revision: outline.revision, currentScenario, scenarios },
      problems,
      missing,
      referenced,
    };
  }

  /**
   * A scenario's snapshot and, when it has usage files, its usage columns apart (adopted by the
   * simulator that opens it, and remembered as on disk, so the next save writes only changes).
   */
  async #readSnapshot(
    entry: ScenarioEntry,
    missing: Set<string>,
  ): Promise<{ snapshot: Snapshot; columns?: Map<string, UsageColumns> }> {
    const { json: whole, chain } = await this.#readParts(entry, missing);
    // Checked against the one snapshot schema a slice at a time, so a big one never holds the loop.
    const json = migrateSnapshot(whole, { checked: true });
    await paced(checkSnapshotSteps(json));
    if (!entry.usage) {
      const snapshot = joinSnapshot(json, {});
      this.#checkListable(snapshot);
      if (chain) this.#parts.set(entry.id, chain);
      return { snapshot };
    }
    const files: DecodedPart[][] = [];
    const refs = [entry.usage, ...(entry.segments ?? [])];
    for (const [index, ref] of refs.entries()) {
      const path = ref.inline === undefined ? this.sidecarPath(ref.sha256) : 'kept inline';
      const bytes =
        ref.inline === undefined
          ? await this.#readBeside(path, 'usage file', missing)
          : Buffer.from(ref.inline, 'base64');
      try {
        if (bytes.length !== ref.bytes) throw new SidecarError('it has the wrong size');
        files.push(await paced(decodeUsageSteps(bytes, ref.sha256, index > 0)));
      } catch (error) {
        const reason = error instanceof SidecarError ? error.message : String(error);
        throw new SidecarError(`its usage file ${path} is unusable: ${reason}`);
      }
    }
    let joined: Map<string, BulkColumns>;
    try {
      joined = await paced(joinUsage(files));
    } catch (error) {
      const reason = error instanceof SidecarError ? error.message : String(error);
      throw new SidecarError(`its usage files are unusable: ${reason}`);
    }
    const columns = new Map<string, UsageColumns>();
    const usage: Snapshot['usage'] = {};
    for (const [item, inline] of Object.entries(json.usage)) {
      const stored = inline ?? joined.get(item);
      if (!stored) {
        throw new SidecarError(
          `the usage of ${item} is missing from its usage files (${this.sidecarPath(entry.usage.sha256)})`,
        );
      }
      usage[item] = null;
      // Checked when a simulator adopts them (inline ones by the snapshot's schema already).
      columns.set(
        item,
        inline
          ? UsageColumns.adopt(Uint32Array.from(inline.timestamps), valuesFrom(inline.values))
          : UsageColumns.adopt(stored.timestamps as Uint32Array, stored.values as UsageValues),
      );
      await setImmediate();
    }
    for (const ref of refs) {
      if (ref.inline === undefined) this.#sidecars.add(basename(this.sidecarPath(ref.sha256)));
    }
    const snapshot = { ...json, usage };
    this.#checkListable(snapshot);
    // As on disk: the next save of these very columns writes only what changed.
    const segmentBytes = (entry.segments ?? []).reduce((sum, ref) => sum + ref.bytes, 0);
    this.#chains.set(entry.id, {
      base: entry.usage,
      segments: [...(entry.segments ?? [])],
      segmentBytes,
      items: new Map([...columns].map(([item, c]) => [item, { columns: c, length: c.length }])),
    });
    for (const c of columns.values()) c.takeChanges();
    if (chain) this.#parts.set(entry.id, chain);
    return { snapshot, columns };
  }

  /**
   * The entry's snapshot JSON with its growing lists joined from its part files and tail (a
   * version 1 entry's snapshot is whole), and those lists as the files hold them.
   */
  async #readParts(
    entry: ScenarioEntry,
    missing: Set<string>,
  ): Promise<{ json: unknown; chain: PartChain | null }> {
    if (entry.part === undefined) return { json: entry.snapshot, chain: null };
    for (const key of SETTLING_LISTS) {
      if (key in entry.snapshot) {
        throw new InvalidWorkspaceFile(
          `snapshot.${key}: the scenario keeps it in its part files and tail, not in its snapshot`,
        );
      }
    }
    if (entry.part === null && entry.partSegments?.length) {
      throw new PartError('its part segments have no base part file');
    }
    const refs = entry.part ? [entry.part, ...(entry.partSegments ?? [])] : [];
    let lists: StoredLists = new Map();
    let baseElements = 0;
    let segmentElements = 0;
    for (const [index, ref] of refs.entries()) {
      const path = this.partPath(ref.sha256);
      try {
        const ops = await readPart(path, ref, index === 0);
        lists = await paced(applyLayer(lists, ops, 'a line', index === 0));
        const added = ops.reduce<number>((sum, op) => {
          const add = (op as { add?: unknown }).add;
          return sum + (Array.isArray(add) ? add.length : 0);
        }, 0);
        if (index === 0) baseElements = added;
        else segmentElements += added;
      } catch (error) {
        if (!(error instanceof PartError)) throw besideError(error, path, 'part file', missing);
        throw new PartError(`its part file ${path} is unusable: ${error.message}`);
      }
    }
    let full: StoredLists;
    try {
      full = await paced(applyLayer(lists, entry.tail ?? [], 'an entry', false));
    } catch (error) {
      const reason = error instanceof PartError ? error.message : String(error);
      throw new PartError(`its tail (scenario.tail in the workspace file) is unusable: ${reason}`);
    }
    const json: Record<string, unknown> = { ...entry.snapshot };
    // Copies of the lists (of the same elements): the simulator that opens it appends to them.
    for (const key of SETTLING_LISTS) json[key] = [...(full.get(key)?.elements ?? [])];
    for (const ref of refs) this.#sidecars.add(basename(this.partPath(ref.sha256)));
    return {
      json,
      chain: {
        base: entry.part,
        segments: [...(entry.partSegments ?? [])],
        baseElements,
        segmentElements,
        lists,
      },
    };
  }

  /** The workspace lists every scenario with these figures as it opens: check they can be read. */
  #checkListable(snapshot: Snapshot): void {
    try {
      scenarioStats(snapshot);
    } catch (error) {
      throw new InvalidWorkspaceFile(`snapshot: it cannot be listed (${String(error)})`);
    }
  }

  /** A usage file's bytes; a missing or unreadable one is damage of its scenario. */
  async #readBeside(path: string, what: string, missing: Set<string>): Promise<Buffer> {
    try {
      return await readFile(path);
    } catch (error) {
      throw besideError(error, path, what, missing);
    }
  }

  /** Backs up a file whose parts could not all be used and says what was left out. */
  async #reportDamage(read: ReadWorkspace): Promise<StoreNotice> {
    const backup = await this.#backup('damaged', read.referenced);
    const what = read.problems.map((problem) => problem.replace(/\.+$/, '')).join('; ');
    const opened = read.data.scenarios.length;
    const found = [...read.missing].map(
      (name) => basename(backup) + name.slice(basename(this.file).length),
    );
    const hint =
      found.length === 0
        ? ''
        : ` If you find the missing usage file${found.length > 1 ? 's' : ''}, put ` +
          `${found.length > 1 ? 'them' : 'it'} beside the copy as ${found.join(', ')} first.`;
    return {
      type: 'api_error',
      code: 'workspace_damaged',
      param: null,
      message:
        `Meterlab opened the workspace ${this.file} (${opened} scenario${opened === 1 ? '' : 's'}) ` +
        `but not all of it: ${what}. The file as it was, with its usage files, is kept in ` +
        `${backup}: to look at it, start Meterlab with --data ${backup}.${hint} Your next change ` +
        `saves ${basename(this.file)} without what was left out (the copy stays).`,
      file: this.file,
      backup,
    };
  }

  /** Backs up a file that cannot be used at all and says so; the original stays as it is. */
  async #refuse(error: unknown): Promise<StoreNotice> {
    const kind = describeProblem(error);
    const backup = await this.#backup(kind.tag, null);
    const kept = `It was left as it is and copied to ${backup}`;
    if (kind.tag === 'newer') {
      const notice: StoreNotice = {
        type: 'api_error',
        code: 'workspace_too_new',
        param: null,
        message:
          `The workspace ${this.file} was saved by a newer Meterlab (${kind.detail}). ${kept}. ` +
          'Meterlab opened an empty workspace and will not save over that file: update Meterlab, ' +
          'or start it with --data <another file> to keep your changes.',
        file: this.file,
        backup,
      };
      this.#readOnly = notice;
      return notice;
    }
    return {
      type: 'api_error',
      code: kind.tag === 'corrupt' ? 'workspace_corrupt' : 'workspace_invalid',
      param: null,
      message:
        `Meterlab could not open the workspace ${this.file}: ${kind.detail}. ${kept}. ` +
        `Meterlab opened an empty workspace; your next change replaces ${basename(this.file)} ` +
        `(the copy stays, with its usage files). To get the old data back, correct the copy (it ` +
        `is JSON; what is wrong is said above) and start Meterlab with --data ${backup}.`,
      file: this.file,
      backup,
    };
  }

  /**
   * Keeps the file as `<file>.<tag>-<time>.bak` (a byte copy) with its sidecars beside it as
   * `<backup>.usage-*.bin`, so the backup opens with --data like any workspace file. Sidecars are
   * never rewritten in place, so each is hard-linked (no space, no time) or else copied; with
   * `referenced` null (the file could not be read) every sidecar of the file is kept.
   */
  async #backup(tag: string, referenced: Set<string> | null): Promise<string> {
    const stamp = new Date(this.#now()).toISOString().replace(/[:.]/g, '-');
    let backup = `${this.file}.${tag}-${stamp}.bak`;
    for (let n = 2; await exists(backup); n++) backup = `${this.file}.${tag}-${stamp}-${n}.bak`;
    await copyFile(this.file, backup, constants.COPYFILE_EXCL);
    const names = referenced
      ? (await this.#sidecarFiles()).filter((name) => referenced.has(name))
      : await this.#sidecarFiles();
    for (const name of names) {
      const from = join(dirname(this.file), name);
      const to = `${backup}${name.slice(basename(this.file).length)}`;
      try {
        await link(from, to);
      } catch {
        await copyFile(from, to, constants.COPYFILE_EXCL);
      }
    }
    return backup;
  }

  // --- saving ---

  async #write(data: WorkspaceData, read?: () => void): Promise<void> {
    if (this.#closed) throw new Error(`The workspace store for ${this.file} is closed.`);
    if (this.#readOnly) {
      throw new MeterlabError('api_error', 'workspace_read_only', null, this.#readOnly.message);
    }
    try {
      const scenarios: ScenarioEntry[] = [];
      for (const scenario of data.scenarios) {
        const prepared = scenario.columns
          ? await this.#prepareColumns(scenario.id, scenario.snapshot, scenario.columns)
          : await this.#prepare(scenario.snapshot);
        const parts = await this.#prepareParts(scenario.id, prepared.json);
        scenarios.push({
          id: scenario.id,
          name: scenario.name,
          createdAt: scenario.createdAt,
          lastOpenedAt: scenario.lastOpenedAt,
          snapshot: parts.head,
          usage: prepared.usage,
          ...(prepared.segments?.length && { segments: prepared.segments }),
          part: parts.part,
          ...(parts.partSegments.length > 0 && { partSegments: parts.partSegments }),
          ...(parts.tail.length > 0 && { tail: parts.tail }),
        });
      }
      const file: WorkspaceFile = {
        schemaVersion: WORKSPACE_FILE_VERSION,
        revision: data.revision,
        currentScenario: data.currentScenario,
        scenarios,
      };
      this.#low.data = file;
      this.#json.onSerialized = read;
      await this.#low.write();
      const referenced = new Set(scenarios.flatMap((s) => this.#filesOf(s)));
      for (const chains of [this.#chains, this.#parts]) {
        for (const id of chains.keys()) {
          if (!data.scenarios.some((scenario) => scenario.id === id)) chains.delete(id);
        }
      }
      await this.#collectGarbage(referenced, false);
    } catch (error) {
      // What the columns changed was taken: the next save writes each scenario's usage whole
      // (and its lists: what the part files hold is not known for sure either).
      this.#chains.clear();
      this.#parts.clear();
      throw explainStorageError(error, this.file, 'save');
    }
  }

  /**
   * A view's usage columns, written incrementally: a segment with what changed since the last
   * save of these very columns (from each item's first changed index), or a new base with all of
   * it when the columns are new to this store, or when segments piled up.
   */
  async #prepareColumns(
    id: string,
    json: Snapshot,
    columns: SaveView['columns'],
  ): Promise<Prepared> {
    const chain = this.#chains.get(id);
    const changes: Record<string, UsagePart> = {};
    let changedBytes = 0;
    const items = new Map<string, { columns: UsageColumns; length: number }>();
    for (const [item, live] of columns) {
      const changedFrom = live.takeChanges();
      const known = chain?.items.get(item);
      const from = known?.columns === live ? Math.min(changedFrom, known.length, live.length) : 0;
      if (from < live.length || known?.length !== live.length) {
        changes[item] = {
          from,
          timestamps: live.timestamps.subarray(from),
          values: live.values.subarray(from),
        };
        changedBytes += (live.length - from) * (4 + live.values.BYTES_PER_ELEMENT);
      }
      items.set(item, { columns: live, length: live.length });
    }
    const whole =
      !chain ||
      chain.segments.length >= SEGMENTS_BEFORE_BASE ||
      chain.segmentBytes + changedBytes > chain.base.bytes / 2;
    let next: UsageChain;
    if (whole) {
      const bulk: Record<string, BulkColumns> = {};
      for (const [item, live] of columns) bulk[item] = live;
      const base = await this.#writeSidecar(bulk, false);
      if (!base) return { json, usage: null };
      next = { base, segments: [], segmentBytes: 0, items };
    } else if (Object.keys(changes).length === 0) {
      next = { ...chain, items };
    } else {
      const inlineBytes = chain.segments.reduce((sum, ref) => sum + (ref.inline?.length ?? 0), 0);
      const segment = (await this.#writeSidecar(changes, true, inlineBytes))!;
      next = {
        base: chain.base,
        segments: [...chain.segments, segment],
        segmentBytes: chain.segmentBytes + segment.bytes,
        items,
      };
    }
    this.#chains.set(id, next);
    return { json, usage: next.base, segments: next.segments };
  }

  /**
   * A snapshot's JSON part as written: the rest (`head`), and its growing lists as part files and
   * a tail. Each list is compared with what the part files hold (by identity, see diffList): its
   * changes go to the tail, rewritten at each save, until they hold more than TAIL_SETTLED settled
   * elements; then to a new part segment, or a new base once segments would add more than it.
   */
  async #prepareParts(id: string, json: Snapshot): Promise<PreparedParts> {
    const head: Record<string, unknown> = { ...json };
    const live = new Map<(typeof SETTLING_LISTS)[number], unknown[]>();
    for (const key of SETTLING_LISTS) {
      live.set(key, (json[key] as unknown[] | undefined) ?? []);
      delete head[key];
    }
    const chain = this.#parts.get(id);
    const changes: ListOp[] = [];
    for (const [key, list] of live) {
      const stored = chain?.lists.get(key);
      const ops = diffList(key, list, stored);
      if (unchanged(ops, stored)) continue;
      // An emptied list is named all the same, or it would stay as the files hold it.
      changes.push(...(ops.length > 0 ? ops : [{ k: key, add: [] }]));
    }
    if (chain && settledAddedCount(changes) <= TAIL_SETTLED) {
      return { head, part: chain.base, partSegments: chain.segments, tail: changes };
    }
    if (!chain && settledAddedCount(changes) <= TAIL_SETTLED) {
      // Small lists: the tail holds them all until they grow.
      this.#parts.set(id, {
        base: null,
        segments: [],
        baseElements: 0,
        segmentElements: 0,
        lists: new Map(),
      });
      return { head, part: null, partSegments: [], tail: changes };
    }
    const added = addedCount(changes);
    let next: PartChain;
    if (
      !chain?.base ||
      chain.segments.length >= SEGMENTS_BEFORE_BASE ||
      chain.segmentElements + added > chain.baseElements
    ) {
      const all: ListOp[] = [...live].map(([key, list]) => ({ k: key, add: [...list] }));
      const base = await this.#writePart(all, true);
      next = {
        base: base.ref,
        segments: [],
        baseElements: base.elements,
        segmentElements: 0,
        lists: afterWrite(new Map(), all, true),
      };
    } else {
      const segment = await this.#writePart(changes, false);
      next = {
        base: chain.base,
        segments: [...chain.segments, segment.ref],
        baseElements: chain.baseElements,
        segmentElements: chain.segmentElements + segment.elements,
        lists: afterWrite(chain.lists, changes, false),
      };
    }
    this.#parts.set(id, next);
    return { head, part: next.base, partSegments: next.segments, tail: [] };
  }

  /** Writes a part file unless that content is on disk already. */
  async #writePart(ops: ListOp[], base: boolean): Promise<{ ref: UsageRef; elements: number }> {
    const encoded = await paced(encodePartSteps(ops, base));
    const path = this.partPath(encoded.sha256);
    if (!this.#sidecars.has(basename(path))) {
      await writeFileAtomic(path, encoded.chunks);
      this.#sidecars.add(basename(path));
    }
    return { ref: { sha256: encoded.sha256, bytes: encoded.bytes }, elements: encoded.elements };
  }

  /** Splits a snapshot, writing its sidecar first when that content is not on disk yet. */
  async #prepare(snapshot: Snapshot): Promise<Prepared> {
    const known = this.#prepared.get(snapshot);
    if (
      known &&
      (!known.usage || this.#sidecars.has(basename(this.sidecarPath(known.usage.sha256))))
    ) {
      return known;
    }
    const { json, bulk } = splitSnapshot(snapshot);
    const prepared = { json, usage: await this.#writeSidecar(bulk, false) };
    this.#prepared.set(snapshot, prepared);
    return prepared;
  }

  /**
   * Writes usage (a base, or a segment) unless that content is on disk already. A small segment
   * is kept inline instead (while the scenario's inline ones, `inlineBytes` so far, stay small):
   * the workspace file written next holds it, so the save writes and flushes one file.
   */
  async #writeSidecar(
    bulk: Record<string, UsagePart>,
    segment: boolean,
    inlineBytes = Infinity,
  ): Promise<UsageRef | null> {
    if (Object.keys(bulk).length === 0) return null;
    const encoded = await paced(encodeUsageSteps(bulk, segment));
    const size = encoded.bytes.length;
    if (size <= INLINE_SEGMENT_BYTES && inlineBytes + size * 1.34 <= INLINE_SEGMENTS_BYTES) {
      return { sha256: encoded.sha256, bytes: size, inline: encoded.bytes.toString('base64') };
    }
    const path = this.sidecarPath(encoded.sha256);
    if (!this.#sidecars.has(basename(path))) {
      await writeFileAtomic(path, encoded.bytes);
      this.#sidecars.add(basename(path));
    }
    return { sha256: encoded.sha256, bytes: encoded.bytes.length };
  }

  async #sidecarFiles(): Promise<string[]> {
    const names = await readdir(dirname(this.file));
    return names.filter((name) => this.#sidecarName.test(name));
  }

  /**
   * Deletes sidecars the file on disk no longer refers to (`referenced`: the ones it does; null
   * when that is not known, then none). After a load it also sweeps what a crash may have left:
   * sidecars written for a JSON that never landed, and temp files. The lock guarantees that no
   * other process is writing them.
   */
  async #collectGarbage(referenced: Set<string> | null, sweep: boolean): Promise<void> {
    const folder = dirname(this.file);
    const names = sweep ? await readdir(folder) : [...this.#sidecars];
    for (const name of names) {
      const stray = this.#sidecarName.test(name)
        ? referenced !== null && !referenced.has(name)
        : this.#tempName.test(name);
      if (!stray) continue;
      await rm(join(folder, name), { force: true });
      this.#sidecars.delete(name);
    }
  }
}

/**
 * An error met reading a file beside the workspace (`what` at `path`), as damage of its scenario
 * when it is (missing: named in `missing`; unreadable where it lies: a bad sector, a folder in its
 * place); other errors (permissions) as they are.
 */
function besideError(error: unknown, path: string, what: string, missing: Set<string>): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    missing.add(basename(path));
    return new SidecarError(`its ${what} ${path} is missing`);
  }
  if (code === 'EIO' || code === 'EISDIR' || code === 'ERR_FS_FILE_TOO_LARGE') {
    return new SidecarError(`its ${what} ${path} cannot be read (${code})`);
  }
  return error;
}

/** A file written by a newer Meterlab: readable by it, so never written over by this one. */
class NewerWorkspaceFile extends Error {
  override name = 'NewerWorkspaceFile';
  constructor(readonly version: number) {
    super(`file version ${version}; this Meterlab reads up to ${WORKSPACE_FILE_VERSION}`);
  }
}

/** How a scenario entry is named in a notice: its name, else its id, else its place. */
function scenarioLabel(entry: unknown, index: number): string {
  const { name, id } = (typeof entry === 'object' && entry !== null ? entry : {}) as {
    name?: unknown;
    id?: unknown;
  };
  const label =
    typeof name === 'string' && name.trim()
      ? `scenario ${quoteText(name)}`
      : typeof id === 'string' && id
        ? `scenario ${quoteText(id)}`
        : 'a scenario';
  return `${label} (scenarios[${index}])`;
}

/** Why a scenario could not be used; errors that are not about its content are thrown on. */
function reasonOf(error: unknown): string {
  if (error instanceof MeterlabError) return `${error.param ?? 'snapshot'}: ${error.message}`;
  if (
    error instanceof InvalidWorkspaceFile ||
    error instanceof SidecarError ||
    error instanceof PartError
  ) {
    return error.message;
  }
  throw error;
}

function describeProblem(error: unknown): { tag: 'corrupt' | 'invalid' | 'newer'; detail: string } {
  if (error instanceof NewerWorkspaceFile) return { tag: 'newer', detail: error.message };
  if (error instanceof SyntaxError) {
    return {
      tag: 'corrupt',
      detail: `it is not valid JSON (${error.message}); it may have been cut short or edited by hand`,
    };
  }
  if (error instanceof InvalidWorkspaceFile) {
    return { tag: 'invalid', detail: `it does not hold a valid workspace (${error.message})` };
  }
  // Not a problem of the file's content (permissions, I/O): let the caller see it as it is.
  throw error;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
