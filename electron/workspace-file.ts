// The workspace file's JSON: its schemaVersion, the ordered migrations that bring an older file
// up to date, and the checks a loaded file must pass before Meterlab trusts it. The file is
// checked in two layers, so that damage stays local: its outline (the top level), then each
// scenario entry on its own; a bad entry costs that scenario, never the others.
import { z } from 'zod';
import { paramPath } from '../core/values/validation';

export const WORKSPACE_FILE_VERSION = 2;

/** Where a scenario's usage columns are: a sidecar named by the SHA-256 of its content. */
export interface UsageRef {
  sha256: string;
  bytes: number;
  /**
   * A small usage segment's bytes, base64, kept in the workspace file instead of a sidecar: a
   * one-record save then writes one file, not two.
   */
  inline?: string;
}

/** Bytes of a usage segment kept inline (base64 in the workspace file), at most. */
export const INLINE_SEGMENT_BYTES = 4096;
/** Bytes of a scenario's inline usage segments together, at most. */
export const INLINE_SEGMENTS_BYTES = 64 * 1024;

export interface ScenarioEntry {
  id: string;
  name: string;
  createdAt: number;
  lastOpenedAt: number;
  /**
   * The snapshot's JSON part; usage columns listed as null live in the sidecar. With `part`
   * (version 2), its growing lists (SETTLING_LISTS) are left out: they are in the part files
   * and `tail` (electron/scenario-parts.ts).
   */
  snapshot: Record<string, unknown>;
  /** The base part file of the growing lists (null: they are all in `tail`); absent: none kept apart. */
  part?: UsageRef | null;
  /** Part segments written after `part`, applied in order; absent when there are none. */
  partSegments?: UsageRef[];
  /** The last layer of the growing lists, rewritten at each save; absent when empty. */
  tail?: unknown[];
  usage: UsageRef | null;
  /**
   * Segments written after `usage` (each with what changed since the one before), applied over it
   * in order; absent when there are none.
   */
  segments?: UsageRef[];
}

export interface WorkspaceFile {
  schemaVersion: number;
  revision: number;
  currentScenario: string | null;
  scenarios: ScenarioEntry[];
}

/** A file's top level, brought to the current version; its entries are not checked yet. */
export interface WorkspaceOutline {
  revision: number;
  currentScenario: string | null;
  scenarios: unknown[];
  /** What had to be reset or dropped at the top level, one phrase each (empty when nothing). */
  problems: string[];
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Thrown when a file's content is not a workspace this Meterlab can use; says where and why. */
export class InvalidWorkspaceFile extends Error {
  override name = 'InvalidWorkspaceFile';
}

/** The file's text as JSON; a UTF-8 byte order mark (Notepad writes one) is skipped. */
export function parseWorkspaceJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/**
 * migrations[n] turns a version-n file into version n + 1. Version 0 is the shape before the file
 * had a schemaVersion: `{ active, scenarios: [{ id, name, created (unix seconds), snapshot }] }`,
 * usage inline in each snapshot. A value of the wrong type is passed on as it is, for the checks
 * to name.
 */
const migrations: ((file: Json) => Json)[] = [
  ({ active, scenarios }) => ({
    schemaVersion: 1,
    revision: 0,
    currentScenario: active ?? null,
    scenarios: Array.isArray(scenarios)
      ? scenarios.map((scenario: unknown) => {
          if (!isRecord(scenario)) return scenario;
          const { created, ...fields } = scenario;
          const createdAt = typeof created === 'number' ? created * 1000 : created;
          return { ...fields, createdAt, lastOpenedAt: createdAt, usage: null };
        })
      : scenarios,
  }),
  // 1 -> 2: growing lists may be kept apart (entries with `part`); a version 1 entry has none,
  // its snapshot is whole.
  (file) => ({ ...file, schemaVersion: 2 }),
];

/** The schemaVersion of a parsed file (0 for the version before there was one), or null. */
export function fileVersion(file: unknown): number | null {
  if (!isRecord(file)) return null;
  if (!('schemaVersion' in file)) return 0;
  const version = file.schemaVersion;
  return typeof version === 'number' && Number.isInteger(version) && version >= 0 ? version : null;
}

const OUTLINE_KEYS = new Set(['schemaVersion', 'revision', 'currentScenario', 'scenarios']);
const revisionSchema = z.number().int().nonnegative();
const currentSchema = z.string().min(1).max(255).nullable();

/**
 * Migrates a parsed file of version `version` (<= current) and checks its top level. Throws
 * InvalidWorkspaceFile when there is no list of scenarios (then nothing in it can be used); a bad
 * revision, open scenario or unknown field is reset or dropped and listed in `problems`.
 */
export function upgradeWorkspaceFile(file: Json, version: number): WorkspaceOutline {
  let current = file;
  for (let v = version; v < WORKSPACE_FILE_VERSION; v++) current = migrations[v]!(current);
  if (!Array.isArray(current.scenarios)) {
    const found = current.scenarios === undefined ? 'none' : describe(current.scenarios);
    throw new InvalidWorkspaceFile(`scenarios: expected a list of scenarios, found ${found}`);
  }
  const problems: string[] = [];
  let revision = 0;
  if (revisionSchema.safeParse(current.revision).success) revision = current.revision as number;
  else problems.push(`its revision (${describe(current.revision)}) was reset to 0`);
  let currentScenario: string | null = null;
  if (currentSchema.safeParse(current.currentScenario).success) {
    currentScenario = current.currentScenario as string | null;
  } else {
    problems.push(`its open scenario (${describe(current.currentScenario)}) was reset to none`);
  }
  for (const key of Object.keys(current)) {
    if (!OUTLINE_KEYS.has(key))
      problems.push(`the unknown field ${JSON.stringify(key)} was dropped`);
  }
  return { revision, currentScenario, scenarios: current.scenarios as unknown[], problems };
}

const finiteTime = z.number().finite().nonnegative();
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** Segments a scenario may list; the store writes a new base long before. */
export const MAX_SEGMENTS = 256;
const fileRefSchema = z.strictObject({
  sha256: z.string().regex(SHA256_PATTERN),
  bytes: z.number().int().nonnegative(),
});
const usageRefSchema = fileRefSchema.extend({
  inline: z
    .string()
    .max(Math.ceil(INLINE_SEGMENT_BYTES / 3) * 4)
    .optional(),
});
const entrySchema = z.strictObject({
  id: z.string().min(1).max(255),
  name: z.string().min(1).max(200),
  createdAt: finiteTime,
  lastOpenedAt: finiteTime,
  snapshot: z.record(z.string(), z.unknown()),
  usage: fileRefSchema.nullable(),
  segments: z.array(usageRefSchema).max(MAX_SEGMENTS).optional(),
  part: fileRefSchema.nullable().optional(),
  partSegments: z.array(fileRefSchema).max(MAX_SEGMENTS).optional(),
  tail: z.array(z.unknown()).optional(),
});

/** Checks one scenario entry (at `scenarios[index]`), or throws InvalidWorkspaceFile saying why. */
export function checkScenarioEntry(entry: unknown, index: number): ScenarioEntry {
  const result = entrySchema.safeParse(entry);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidWorkspaceFile(
    `${paramPath(issue.path, `scenarios[${index}]`)}: ${issue.message}`,
  );
}

/**
 * The content ids of the usage files an entry names (base, then segments), the well-formed ones;
 * inline segments are no files.
 */
export function usageIdsOf(entry: unknown): string[] {
  if (!isRecord(entry)) return [];
  return idsOf([entry.usage, ...(Array.isArray(entry.segments) ? entry.segments : [])]);
}

/** The content ids an entry names for its part files (base, then segments), the well-formed ones. */
export function partIdsOf(entry: unknown): string[] {
  if (!isRecord(entry)) return [];
  return idsOf([entry.part, ...(Array.isArray(entry.partSegments) ? entry.partSegments : [])]);
}

function idsOf(refs: unknown[]): string[] {
  return refs.flatMap((ref) => {
    if (isRecord(ref) && ref.inline !== undefined) return [];
    const sha256 = isRecord(ref) ? ref.sha256 : undefined;
    return typeof sha256 === 'string' && SHA256_PATTERN.test(sha256) ? [sha256] : [];
  });
}

/** A short, printable account of a value found in a file (never its whole content). */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return quoteText(value);
  return String(value);
}

/** Text from a file, quoted for a message: control characters escaped, at most 80 characters. */
export function quoteText(text: string): string {
  const short = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  // eslint-disable-next-line no-control-regex
  const safe = short.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `'${safe}'`;
}
