// The workspace in a lowdb JSON file, its usage columns in binary sidecars beside it.
//
// Saving writes each new sidecar atomically first (named by the SHA-256 of its content), then the
// JSON that refers to them (lowdb's steno writer: temp file + rename), flushed to disk, then
// deletes sidecars nothing refers to any more. A crash at any point leaves a JSON file whose
// sidecars all exist. Loading migrates older files; a file that cannot be used is never written
// over on load: it is copied to a timestamped backup (sidecars too) and the user is told.
import { copyFile, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { MeterlabError } from '../core/values/errors';
import { joinSnapshot, migrateSnapshot, splitSnapshot } from '../core/resources/snapshot';
import type { Snapshot } from '../core/resources/snapshot';
import type {
  StoreNotice,
  StoredScenario,
  WorkspaceData,
  WorkspaceLoad,
  WorkspaceStore,
} from '../core/workspace-store';
import { syncFile, tempPathFor, writeFileAtomic } from './atomic-file';
import { lockWorkspaceFile } from './lock';
import type { FileLock } from './lock';
import { SidecarError, decodeUsage, encodeUsage } from './usage-sidecar';
import {
  InvalidWorkspaceFile,
  WORKSPACE_FILE_VERSION,
  emptyWorkspaceFile,
  fileVersion,
  upgradeWorkspaceFile,
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
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class LowdbWorkspaceStore implements WorkspaceStore {
  readonly file: string;
  readonly #low: Low<WorkspaceFile>;
  readonly #lock: FileLock;
  readonly #now: () => number;
  readonly #sidecarName: RegExp;
  /** Sidecars known to be complete on disk (by file name). */
  readonly #sidecars = new Set<string>();
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
    this.#low = new Low(new JSONFile<WorkspaceFile>(file), emptyWorkspaceFile());
    this.#sidecarName = new RegExp(`^${escapeRegExp(basename(file))}\\.usage-[0-9a-f]{16}\\.bin$`);
  }

  /** Opens the store, taking the file's lock (WorkspaceLockedError when another process has it). */
  static async open(options: LowdbStoreOptions): Promise<LowdbWorkspaceStore> {
    await mkdir(dirname(options.file), { recursive: true });
    const lock = lockWorkspaceFile(options.file);
    return new LowdbWorkspaceStore(options.file, lock, options.now ?? Date.now);
  }

  /** The sidecar holding usage with this content id. */
  sidecarPath(sha256: string): string {
    return `${this.file}.usage-${sha256.slice(0, 16)}.bin`;
  }

  async load(): Promise<WorkspaceLoad> {
    if (!(await exists(this.file))) return { data: null, notices: [] };
    let data: WorkspaceData;
    try {
      data = await this.#read();
    } catch (error) {
      return { data: null, notices: [await this.#recover(error)] };
    }
    await this.#collectGarbage(true);
    return { data, notices: [] };
  }

  save(data: WorkspaceData): Promise<void> {
    const write = this.#chain.then(() => this.#write(data));
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

  async #read(): Promise<WorkspaceData> {
    const nothing = emptyWorkspaceFile();
    this.#low.data = nothing;
    await this.#low.read();
    // lowdb keeps the defaults when the file holds a falsy value (null, 0, "").
    const raw: unknown = this.#low.data === nothing ? null : this.#low.data;
    const version = fileVersion(raw);
    if (version === null) throw new InvalidWorkspaceFile('the top level: not a workspace object');
    if (version > WORKSPACE_FILE_VERSION) throw new NewerWorkspaceFile(version);
    const file = upgradeWorkspaceFile(raw as Record<string, unknown>, version);
    const scenarios: StoredScenario[] = [];
    for (const [index, entry] of file.scenarios.entries()) {
      let snapshot: Snapshot;
      try {
        snapshot = await this.#readSnapshot(entry);
      } catch (error) {
        if (!(error instanceof MeterlabError)) throw error;
        const where = `scenarios[${index}] ('${entry.name}') ${error.param ?? 'snapshot'}`;
        throw new InvalidWorkspaceFile(`${where}: ${error.message}`);
      }
      scenarios.push({
        id: entry.id,
        name: entry.name,
        createdAt: entry.createdAt,
        lastOpenedAt: entry.lastOpenedAt,
        snapshot,
      });
    }
    return { revision: file.revision, currentScenario: file.currentScenario, scenarios };
  }

  async #readSnapshot(entry: ScenarioEntry): Promise<Snapshot> {
    const json = migrateSnapshot(entry.snapshot);
    let bulk = {};
    if (entry.usage) {
      const path = this.sidecarPath(entry.usage.sha256);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        if (!missing) throw error;
        throw new SidecarError(`the usage of scenario '${entry.name}' is missing: ${path}`);
      }
      try {
        if (bytes.length !== entry.usage.bytes) throw new SidecarError('it has the wrong size');
        bulk = decodeUsage(bytes, entry.usage.sha256);
      } catch (error) {
        const reason = error instanceof SidecarError ? error.message : String(error);
        throw new SidecarError(
          `the usage of scenario '${entry.name}' (${path}) is unusable: ${reason}`,
        );
      }
      this.#sidecars.add(basename(path));
    }
    const snapshot = joinSnapshot(json, bulk);
    // Saved as it was read, unless usage is still inline (older files): then it moves out.
    if (Object.values(json.usage).every((columns) => columns === null)) {
      this.#prepared.set(snapshot, { json, usage: entry.usage });
    }
    return snapshot;
  }

  /** Backs the unusable file up and says what happened; the original stays as it is. */
  async #recover(error: unknown): Promise<StoreNotice> {
    const kind = describeProblem(error);
    const backup = await this.#backup(kind.tag);
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
        `(the copy stays). To look at the old data, start Meterlab with --data ${backup}.`,
      file: this.file,
      backup,
    };
  }

  /** Copies the file and its sidecars to `<file>.<tag>-<time>.bak` (+ `.usage-*.bin`). */
  async #backup(tag: string): Promise<string> {
    const stamp = new Date(this.#now()).toISOString().replace(/[:.]/g, '-');
    let backup = `${this.file}.${tag}-${stamp}.bak`;
    for (let n = 2; await exists(backup); n++) backup = `${this.file}.${tag}-${stamp}-${n}.bak`;
    await copyFile(this.file, backup);
    const prefix = `${basename(this.file)}.usage-`;
    for (const name of await this.#sidecarFiles()) {
      await copyFile(
        join(dirname(this.file), name),
        `${backup}.usage-${name.slice(prefix.length)}`,
      );
    }
    return backup;
  }

  // --- saving ---

  async #write(data: WorkspaceData): Promise<void> {
    if (this.#closed) throw new Error(`The workspace store for ${this.file} is closed.`);
    if (this.#readOnly) {
      throw new MeterlabError('api_error', 'workspace_read_only', null, this.#readOnly.message);
    }
    const scenarios: ScenarioEntry[] = [];
    for (const scenario of data.scenarios) {
      const prepared = await this.#prepare(scenario.snapshot);
      scenarios.push({
        id: scenario.id,
        name: scenario.name,
        createdAt: scenario.createdAt,
        lastOpenedAt: scenario.lastOpenedAt,
        snapshot: prepared.json as unknown as Record<string, unknown>,
        usage: prepared.usage,
      });
    }
    this.#low.data = {
      schemaVersion: WORKSPACE_FILE_VERSION,
      revision: data.revision,
      currentScenario: data.currentScenario,
      scenarios,
    };
    await this.#low.write();
    // steno renames without flushing; flush so an acknowledged save survives a power cut too.
    await syncFile(this.file);
    await this.#collectGarbage(false);
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
    let usage: UsageRef | null = null;
    if (Object.keys(bulk).length > 0) {
      const encoded = encodeUsage(bulk);
      const path = this.sidecarPath(encoded.sha256);
      if (!this.#sidecars.has(basename(path))) {
        await writeFileAtomic(path, encoded.bytes);
        this.#sidecars.add(basename(path));
      }
      usage = { sha256: encoded.sha256, bytes: encoded.bytes.length };
    }
    const prepared = { json, usage };
    this.#prepared.set(snapshot, prepared);
    return prepared;
  }

  async #sidecarFiles(): Promise<string[]> {
    const names = await readdir(dirname(this.file));
    return names.filter((name) => this.#sidecarName.test(name));
  }

  /**
   * Deletes sidecars the file on disk no longer refers to. After a load it also sweeps what a
   * crash may have left (sidecars written for a JSON that never landed, temp files).
   */
  async #collectGarbage(sweep: boolean): Promise<void> {
    const referenced = new Set(
      this.#low.data.scenarios.flatMap((s) =>
        s.usage ? [basename(this.sidecarPath(s.usage.sha256))] : [],
      ),
    );
    const candidates = sweep ? await this.#sidecarFiles() : [...this.#sidecars];
    for (const name of candidates) {
      if (referenced.has(name)) continue;
      await rm(join(dirname(this.file), name), { force: true });
      this.#sidecars.delete(name);
    }
    if (sweep) {
      for (const name of candidates)
        await rm(tempPathFor(join(dirname(this.file), name)), { force: true });
    }
  }
}

/** A file written by a newer Meterlab: readable by it, so never written over by this one. */
class NewerWorkspaceFile extends Error {
  override name = 'NewerWorkspaceFile';
  constructor(readonly version: number) {
    super(`file version ${version}; this Meterlab reads up to ${WORKSPACE_FILE_VERSION}`);
  }
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
  if (error instanceof SidecarError) return { tag: 'invalid', detail: error.message };
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
