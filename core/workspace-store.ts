// Where a workspace lives between runs. Two methods, like a lowdb adapter, but for a whole
// workspace: `load` it once, `save` it whole. The lowdb file store is in electron/store.ts; the
// memory store here serves tests and hosts that keep nothing.
import type { ErrorEnvelope, HostEvent } from './contract';
import type { Snapshot } from './resources/snapshot';

export interface StoredScenario {
  id: string;
  name: string;
  /** Wall-clock milliseconds. */
  createdAt: number;
  lastOpenedAt: number;
  snapshot: Snapshot;
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
   * with a notice) or were made by the engine; the workspace opens them without a second check.
   */
  load(): Promise<WorkspaceLoad>;
  /** Resolves once `data` is durable; a later save replaces it whole. Snapshots are not mutated. */
  save(data: WorkspaceData): Promise<void>;
}

/** Keeps the last saved workspace in memory. Snapshots are shared, never copied (they are read-only). */
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

  save(data: WorkspaceData): Promise<void> {
    this.#data = copyWorkspace(data);
    this.saves += 1;
    return Promise.resolve();
  }
}

function copyWorkspace(data: WorkspaceData): WorkspaceData {
  return {
    revision: data.revision,
    currentScenario: data.currentScenario,
    scenarios: data.scenarios.map((scenario) => ({ ...scenario })),
  };
}
