// The workspace file's JSON: its schemaVersion, the ordered migrations that bring an older file
// up to date, and the check a loaded file must pass before Meterlab trusts it.
import { z } from 'zod';
import { paramPath } from '../core/values/validation';

export const WORKSPACE_FILE_VERSION = 1;

/** Where a scenario's usage columns are: a sidecar named by the SHA-256 of its content. */
export interface UsageRef {
  sha256: string;
  bytes: number;
}

export interface ScenarioEntry {
  id: string;
  name: string;
  createdAt: number;
  lastOpenedAt: number;
  /** The snapshot's JSON part; usage columns listed as null live in the sidecar. */
  snapshot: Record<string, unknown>;
  usage: UsageRef | null;
}

export interface WorkspaceFile {
  schemaVersion: number;
  revision: number;
  currentScenario: string | null;
  scenarios: ScenarioEntry[];
}

export const emptyWorkspaceFile = (): WorkspaceFile => ({
  schemaVersion: WORKSPACE_FILE_VERSION,
  revision: 0,
  currentScenario: null,
  scenarios: [],
});

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * migrations[n] turns a version-n file into version n + 1. Version 0 is the shape before the file
 * had a schemaVersion: `{ active, scenarios: [{ id, name, created (unix seconds), snapshot }] }`,
 * usage inline in each snapshot.
 */
const migrations: ((file: Json) => Json)[] = [
  (v0) => ({
    schemaVersion: 1,
    revision: 0,
    currentScenario: v0.active ?? null,
    scenarios: (Array.isArray(v0.scenarios) ? v0.scenarios : []).map((scenario: unknown) => {
      const { created, ...rest } = isRecord(scenario) ? scenario : {};
      const createdAt = typeof created === 'number' ? created * 1000 : created;
      return { ...rest, createdAt, lastOpenedAt: createdAt, usage: null };
    }),
  }),
];

/** The schemaVersion of a parsed file (0 for the version before there was one), or null. */
export function fileVersion(file: unknown): number | null {
  if (!isRecord(file)) return null;
  if (!('schemaVersion' in file)) return 0;
  const version = file.schemaVersion;
  return typeof version === 'number' && Number.isInteger(version) && version >= 0 ? version : null;
}

const finiteTime = z.number().finite().nonnegative();
const fileSchema = z
  .strictObject({
    schemaVersion: z.literal(WORKSPACE_FILE_VERSION),
    revision: z.number().int().nonnegative(),
    currentScenario: z.string().min(1).nullable(),
    scenarios: z.array(
      z.strictObject({
        id: z.string().min(1).max(255),
        name: z.string().min(1).max(200),
        createdAt: finiteTime,
        lastOpenedAt: finiteTime,
        snapshot: z.record(z.string(), z.unknown()),
        usage: z
          .strictObject({
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
            bytes: z.number().int().nonnegative(),
          })
          .nullable(),
      }),
    ),
  })
  .superRefine((file, context) => {
    const ids = new Set<string>();
    file.scenarios.forEach((scenario, index) => {
      if (ids.has(scenario.id)) {
        context.addIssue({
          code: 'custom',
          path: ['scenarios', index, 'id'],
          message: `the id ${scenario.id} is used twice`,
        });
      }
      ids.add(scenario.id);
    });
    if (file.currentScenario !== null && !ids.has(file.currentScenario)) {
      context.addIssue({
        code: 'custom',
        path: ['currentScenario'],
        message: `no scenario has the id ${file.currentScenario}`,
      });
    }
  });

/** Thrown when a file's content is not a workspace this Meterlab can use; says where and why. */
export class InvalidWorkspaceFile extends Error {
  override name = 'InvalidWorkspaceFile';
}

/** Migrates a parsed file of version `version` (<= current) and checks it, or throws. */
export function upgradeWorkspaceFile(file: Json, version: number): WorkspaceFile {
  let current = file;
  for (let v = version; v < WORKSPACE_FILE_VERSION; v++) current = migrations[v]!(current);
  const result = fileSchema.safeParse(current);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidWorkspaceFile(`${paramPath(issue.path) ?? 'the top level'}: ${issue.message}`);
}
