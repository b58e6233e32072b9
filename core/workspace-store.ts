// Where a workspace lives between runs. Two methods, like a lowdb adapter, but for a whole
// workspace: `load` it once, `save` it whole. The lowdb file store is in electron/store.ts; the
// memory store here serves tests and hosts that keep nothing.
import type { ErrorEnvelope, HostEvent } from './contract';
import { copy } from './values/json';
import { joinColumns } from './resources/snapshot';
import type { SaveView, Snapshot } from './resources/snapshot';

export interface StoredScenario {
  id: string;
  name: string;
  /** Wall-clock milliseconds. */
  createdAt: number;
  lastOpenedAt: number;
  /** The snapshot; its usage lists null for the items whose columns are in `columns`. */
  snapshot: Snapshot;
  /** The usage columns apart from the snapshot (no copy into JSON arrays), when there are. */
  columns?: SaveView['columns'];
}

export interface WorkspaceData {
  /** Counts changes; grows by one per saved change, so a reload can tell old from new. */
  revision: number;
  currentScenario: string | null;
  scenarios: StoredScenario[];
}

/**
 * Something the user must be told about the workspace file (it was damaged and backed up, it is
 * from a newer Meterlab, ...). Hosts show it; it travels as an `error` HostEvent.
 */
export type StoreNotice = ErrorEnvelope & {
  /** The workspace file concerned, when the notice is about one. */
  file: string | null;
  /** Where the unreadable file was copied, when it was. */
  backup: string | null;
};

/** A notice as the `error` HostEvent the UI shows (its message names the file and the backup). */
export function noticeEvent({ type, code, param, message }: StoreNotice): HostEvent {
  return { type: 'error', error: { type, code, param, message } };
}

export interface WorkspaceLoad {
  /** null when there is no workspace yet (or it could not be read: see notices). */
  data: WorkspaceData | null;
  notices: StoreNotice[];
}

export interface WorkspaceStore {
  /**
   * The saved workspace. Its snapshots are checked (migrateSnapshot: a damaged one is left out
   * with a notice) or were made by the engine; the workspace opens them without a second check,
   * and owns them: nothing else holds them (opening a scenario adopts its snapshot, no copy).
   */
  load(): Promise<WorkspaceLoad>;
  /**
   * Resolves once `data` is durable; a later save replaces it whole. Snapshots and columns are
   * not mutated. The open scenario's are its live state, read in place: the store calls `read`
   * once it has read all of `data` (from then on the state may change), or at the latest when
   * the save settles.
   */
  save(data: WorkspaceData, read?: () => void): Promise<void>;
}

/**
 * Keeps the last saved workspace in memory, as copies: a workspace owns what it loads (opening a
 * scenario adopts its snapshot), and a view with its columns apart may be live state.
 */
export class MemoryWorkspaceStore implements WorkspaceStore {
  #data: WorkspaceData | null;
  /** Counts completed saves, for tests that check coalescing. */
  saves = 0;

  constructor(initial: WorkspaceData | null = null) {
    this.#data = initial && copyWorkspace(initial);
  }

  load(): Promise<WorkspaceLoad> {
    return Promise.resolve({ data: this.#data && copyWorkspace(this.#data), notices: [] });
  }

  save(data: WorkspaceData, read?: () => void): Promise<void> {
    this.#data = copyWorkspace(data);
    read?.();
    this.saves += 1;
    return Promise.resolve();
  }
}

/** A copy that shares nothing: views become plain JSON copies, usage in them. */
function copyWorkspace(data: WorkspaceData): WorkspaceData {
  return {
    revision: data.revision,
    currentScenario: data.currentScenario,
    scenarios: data.scenarios.map(({ snapshot, columns, ...meta }) => ({
      ...meta,
      snapshot: copy(columns ? joinColumns({ snapshot, columns }) : snapshot),
    })),
  };
}
