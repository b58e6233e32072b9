// The engine's whole state as plain JSON, with ordered migrations on load.
// (Being written by the lead: the engine fills this in.)
export const SNAPSHOT_SCHEMA_VERSION = 1;

export interface Snapshot {
  schemaVersion: number;
  [key: string]: unknown;
}

/** Columns of usage numbers, kept out of the JSON by hosts that store them in a binary sidecar. */
export interface BulkColumns {
  timestamps: Uint32Array;
  values: Float64Array;
}
