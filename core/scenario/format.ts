// The `meterlab-scenario` file format (documented in FORMAT.md): a scenario as the engine calls
// that built it plus its usage columns, so importing a file replays it through the same engine.
// This module reads a file of any known version: it migrates older versions in order, refuses
// newer ones, and reports every problem it finds with the path of the field and the reason.
import { z } from 'zod';
import { plainJson } from '../values/json';
import { registry } from '../simulator/registry';
import type { EngineMethod } from '../simulator/registry';
import { MeterlabError, invalidRequest } from '../values/errors';
import type { ErrorCode } from '../values/errors';
import { isoInstant } from '../values/time';
import { settingsUpdateArgs } from '../resources/schemas';
import type { UsageAction } from '../public/types';
import { UsageColumns } from '../rules/usage/columns';
import { objectId, paramPath, parseArgs, safeQuantity, unixSeconds } from '../values/validation';

export const SCENARIO_FORMAT = 'meterlab-scenario';
export const SCENARIO_SCHEMA_VERSION = 2;

/** The calls a file may replay: the registry's journaled methods, with their argument counts. */
export const REPLAYABLE_METHODS: ReadonlyMap<EngineMethod, number> = new Map(
  [...registry]
    .filter(([, entry]) => entry.journal !== undefined)
    .map(([method, entry]) => [method, entry.params.length]),
);

export type ReplayableMethod = EngineMethod;

export interface ScenarioCall {
  /** Unix seconds: the test clock's time when the call was made. */
  at: number;
  method: ReplayableMethod;
  /** The call's argument tuple, as passed to the engine. */
  args: unknown[];
  /** The id the call created (create calls), checked on replay. */
  result?: string;
}

/** Per-timestamp usage values of one subscription item, timestamps strictly ascending. */
export interface ScenarioUsage {
  timestamps: number[];
  values: number[];
}

export interface ScenarioFile {
  format: typeof SCENARIO_FORMAT;
  schemaVersion: typeof SCENARIO_SCHEMA_VERSION;
  name: string;
  description?: string;
  /** Seed of ids and randomness: the ids in calls and usage were made with it. */
  seed: number;
  /** Unix seconds the test clock starts at. */
  startTime: number;
  /** Settings the scenario starts with (later changes are settings.update calls). */
  settings: z.output<typeof settingsUpdateArgs>;
  /** Every mutating call, oldest first; generators travel here as generators.create calls. */
  calls: ScenarioCall[];
  /** Manually reported usage, keyed by subscription item id (generated usage is regenerated). */
  usage: Record<string, ScenarioUsage>;
  clock: { frozenTime: number };
}

export interface ScenarioProblem {
  /** Where in the file: `calls[3].args[0].recurring.interval`; '' for the file as a whole. */
  path: string;
  code: ErrorCode;
  message: string;
}

/** `calls[3].at: message`; the message alone when it names the path already. */
export function formatProblem(problem: ScenarioProblem): string {
  return problem.path && !problem.message.includes(problem.path)
    ? `${problem.path}: ${problem.message}`
    : problem.message;
}

/** Unix seconds with their date, for messages: 1740787200 (2025-03-01T00:00:00Z). */
function when(seconds: number): string {
  return `${seconds} (${isoInstant(seconds)})`;
}

/** The error a refused file is thrown with: the first problem, and how many more there are. */
/** Problems a refusal's message lists; the rest are counted. */
const LISTED_PROBLEMS = 10;

export function scenarioRefused(problems: readonly ScenarioProblem[]): MeterlabError {
  const first = problems[0]!;
  const listed = problems.slice(0, LISTED_PROBLEMS).map(formatProblem);
  const unlisted = problems.length - listed.length;
  const more = unlisted > 0 ? `; and ${unlisted} more problem${unlisted === 1 ? '' : 's'}` : '';
  return invalidRequest(
    first.code,
    first.path || null,
    problems.length === 1
      ? `The scenario file was refused: ${listed[0]}`
      : `The scenario file was refused, ${problems.length} problems: ${listed.join('; ')}${more}`,
  );
}

/** A ScenarioProblem from a MeterlabError whose param is a path in the file. */
export function problemOf(error: MeterlabError): ScenarioProblem {
  return { path: error.param ?? '', code: error.code, message: error.message };
}

/** Enough to stop a broken million-record file from printing a million lines. */
const MAX_PROBLEMS_PER_COLUMN = 5;
const MAX_CALLS = 1_000_000;

const header = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).optional(),
  seed: z.number().int().min(0).max(0xffffffff),
  startTime: unixSeconds,
  clock: z.strictObject({ frozenTime: unixSeconds }),
};

const callSchema = z.strictObject({
  at: unixSeconds,
  method: z.enum([...REPLAYABLE_METHODS.keys()] as [ReplayableMethod, ...ReplayableMethod[]]),
  args: z.array(z.unknown()),
  result: objectId.optional(),
});

const usageSchema = z.strictObject({
  timestamps: z.array(z.unknown()),
  values: z.array(z.unknown()),
});

const knownKeys = new Set([
  'format',
  'schemaVersion',
  'name',
  'description',
  'seed',
  'startTime',
  'settings',
  'calls',
  'usage',
  'clock',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs one check; a MeterlabError becomes a problem, anything else is a bug and propagates. */
function attempt<T>(problems: ScenarioProblem[], check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof MeterlabError)) throw error;
    problems.push(problemOf(error));
    return undefined;
  }
}

function problem(path: string, code: ErrorCode, message: string): ScenarioProblem {
  return { path, code, message };
}

// ---- versions ----------------------------------------------------------------------------------

/**
 * Version 0, the preview format: no `format` field, `schemaVersion` 0 or absent, usage as the
 * records in the order they were reported, the clock as a top-level `frozenTime`.
 */
const v0Record = z.strictObject({
  subscriptionItem: objectId,
  timestamp: unixSeconds,
  quantity: safeQuantity,
  action: z.enum(['increment', 'set']).optional(),
});

type Migration = (
  file: Record<string, unknown>,
  problems: ScenarioProblem[],
) => Record<string, unknown>;

/** migrations[n] turns version n into n + 1. */
const migrations: Migration[] = [
  function v0ToV1(file, problems) {
    const { records, frozenTime, schemaVersion: _version, ...rest } = file;
    const usage: Record<string, ScenarioUsage> = {};
    if (!Array.isArray(records)) {
      problems.push(
        problem(
          'records',
          records === undefined ? 'parameter_missing' : 'parameter_invalid',
          'A version 0 scenario keeps its usage in `records`, a list of { subscriptionItem, timestamp, quantity, action }: add it (an empty list if there is no usage).',
        ),
      );
    } else {
      // NOTE: v0 listed records as reported; applying them in order gives the per-timestamp
      // values (increment adds, set replaces), exactly as the engine ingested them.
      const columns = new Map<string, UsageColumns>();
      records.forEach((raw, index) => {
        const record = attempt(problems, () => parseArgs(v0Record, raw, `records[${index}]`));
        if (!record) return;
        let itemColumns = columns.get(record.subscriptionItem);
        if (!itemColumns) columns.set(record.subscriptionItem, (itemColumns = new UsageColumns()));
        const action: UsageAction = record.action ?? 'increment';
        if (itemColumns.wouldOverflow(record.timestamp, record.quantity, action)) {
          problems.push(
            problem(
              `records[${index}].quantity`,
              'quantity_too_large',
              `The usage at ${record.timestamp} would exceed ${Number.MAX_SAFE_INTEGER}: report smaller quantities.`,
            ),
          );
          return;
        }
        itemColumns.apply(record.timestamp, record.quantity, action);
      });
      for (const [item, itemColumns] of columns) usage[item] = itemColumns.toJSON();
    }
    return {
      ...rest,
      format: SCENARIO_FORMAT,
      schemaVersion: 1,
      settings: rest.settings ?? {},
      usage,
      clock: { frozenTime },
    };
  },
  // Version 2 adds billing meters: their calls (billing.meters.create, billing.meterEvents.*,
  // billing.meterEventAdjustments.create, billing.alerts.create) travel in `calls`, so a version 1
  // file, which has none, reads as it is.
  function v1ToV2(file) {
    return { ...file, schemaVersion: 2 };
  },
];

/** The file's version, or a problem: not a scenario, not a version, or newer than we read. */
function versionOf(file: Record<string, unknown>, problems: ScenarioProblem[]): number | null {
  const { format, schemaVersion } = file;
  if (format === undefined) {
    // Version 0 files had no `format`; anything else without it is not a scenario file.
    if (schemaVersion === undefined || schemaVersion === 0) return 0;
    problems.push(
      problem(
        'format',
        'parameter_missing',
        `Missing format: a scenario file starts with "format": "${SCENARIO_FORMAT}". Export the scenario from Meterlab to get one.`,
      ),
    );
    return null;
  }
  if (format !== SCENARIO_FORMAT) {
    problems.push(
      problem(
        'format',
        'scenario_format_unknown',
        `This is not a Meterlab scenario file (format is ${JSON.stringify(format)}, expected "${SCENARIO_FORMAT}"). Open a file exported from Meterlab.`,
      ),
    );
    return null;
  }
  if (
    typeof schemaVersion !== 'number' ||
    !Number.isSafeInteger(schemaVersion) ||
    schemaVersion < 0
  ) {
    problems.push(
      problem(
        'schemaVersion',
        schemaVersion === undefined ? 'parameter_missing' : 'parameter_invalid',
        `${schemaVersion === undefined ? 'Missing schemaVersion' : `Invalid schemaVersion ${JSON.stringify(schemaVersion)}`}: a scenario file names its version as a whole number (this Meterlab writes ${SCENARIO_SCHEMA_VERSION}).`,
      ),
    );
    return null;
  }
  if (schemaVersion > SCENARIO_SCHEMA_VERSION) {
    problems.push(
      problem(
        'schemaVersion',
        'scenario_too_new',
        `This scenario file is schemaVersion ${schemaVersion}, newer than this Meterlab reads (up to ${SCENARIO_SCHEMA_VERSION}): update Meterlab to open it, or export it again from the newer Meterlab as an older version.`,
      ),
    );
    return null;
  }
  return schemaVersion;
}

// ---- the current version ------------------------------------------------------------------------

/** Checks each column of one item's usage, naming at most a few bad entries per column. */
function checkUsage(
  path: string,
  usage: z.output<typeof usageSchema>,
  bounds: { startTime: number | undefined; frozenTime: number | undefined },
  problems: ScenarioProblem[],
): ScenarioUsage | undefined {
  const { timestamps, values } = usage;
  const found: ScenarioProblem[] = [];
  const timestampProblem = (i: number): [ErrorCode, string] | null => {
    const t = timestamps[i];
    const previous = timestamps[i - 1];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 0xffffffff) {
      return [
        'parameter_invalid',
        `Invalid timestamp ${JSON.stringify(t) ?? String(t)}: use whole unix seconds from 0 to 4294967295.`,
      ];
    }
    if (typeof previous === 'number' && t <= previous) {
      return [
        'usage_not_ascending',
        `Timestamps must be strictly ascending (one value per timestamp): ${t} follows ${previous}.`,
      ];
    }
    if (bounds.startTime !== undefined && t < bounds.startTime) {
      return [
        'usage_before_start',
        `The record at ${when(t)} is before the scenario's startTime ${when(bounds.startTime)}.`,
      ];
    }
    if (bounds.frozenTime !== undefined && t > bounds.frozenTime) {
      return [
        'timestamp_in_future',
        `The record at ${when(t)} is after the scenario's clock (clock.frozenTime ${when(bounds.frozenTime)}): usage cannot be in the future.`,
      ];
    }
    return null;
  };
  const valueProblem = (i: number): [ErrorCode, string] | null => {
    const value = values[i];
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      ? null
      : [
          'parameter_invalid',
          `Invalid value ${JSON.stringify(value) ?? String(value)}: usage values are whole numbers from 0 to ${Number.MAX_SAFE_INTEGER}.`,
        ];
  };
  for (const [column, length, check] of [
    ['timestamps', timestamps.length, timestampProblem],
    ['values', values.length, valueProblem],
  ] as const) {
    let bad = 0;
    for (let i = 0; i < length && bad < MAX_PROBLEMS_PER_COLUMN; i++) {
      const reason = check(i);
      if (!reason) continue;
      found.push(problem(`${path}.${column}[${i}]`, ...reason));
      bad++;
    }
  }
  if (timestamps.length !== values.length) {
    found.push(
      problem(
        path,
        'usage_columns_mismatch',
        `${timestamps.length} timestamps but ${values.length} values: the two columns pair up, one value per timestamp.`,
      ),
    );
  }
  problems.push(...found);
  return found.length === 0 ? (usage as ScenarioUsage) : undefined;
}

function checkCurrent(
  file: Record<string, unknown>,
  problems: ScenarioProblem[],
): ScenarioFile | null {
  const start = problems.length;
  for (const key of Object.keys(file)) {
    if (!knownKeys.has(key)) {
      problems.push(
        problem(
          paramPath([key])!,
          'parameter_unknown',
          `Unknown field ${JSON.stringify(key)}: remove it (a scenario file has ${[...knownKeys].join(', ')}).`,
        ),
      );
    }
  }
  const field = <S extends z.ZodType>(key: string, schema: S) =>
    attempt(problems, () => parseArgs(schema, file[key], key));
  const name = field('name', header.name);
  const description = field('description', header.description);
  const seed = field('seed', header.seed);
  const startTime = field('startTime', header.startTime);
  const clock = field('clock', header.clock);
  const settings = field('settings', settingsUpdateArgs);
  if (startTime !== undefined && clock && clock.frozenTime < startTime) {
    problems.push(
      problem(
        'clock.frozenTime',
        'clock_before_start',
        `The clock ${when(clock.frozenTime)} is before startTime ${when(startTime)}: the test clock only moves forward.`,
      ),
    );
  }

  const calls: ScenarioCall[] = [];
  const rawCalls = field('calls', z.array(z.unknown()).max(MAX_CALLS));
  let previousAt = startTime ?? 0;
  rawCalls?.forEach((raw, index) => {
    const path = `calls[${index}]`;
    const call = attempt(problems, () => parseArgs(callSchema, raw, path));
    if (!call) return;
    const arity = REPLAYABLE_METHODS.get(call.method)!;
    if (call.args.length < 1 || call.args.length > arity) {
      problems.push(
        problem(
          `${path}.args`,
          'parameter_invalid',
          `${call.method} takes ${arity === 1 ? '1 argument' : '1 or 2 arguments'}; got ${call.args.length}.`,
        ),
      );
      return;
    }
    const args = attempt(problems, () => plainJson(call.args, `${path}.args`) as unknown[]);
    if (!args) return;
    if (call.at < previousAt) {
      const after =
        index === 0 ? `startTime (${previousAt})` : `calls[${index - 1}].at (${previousAt})`;
      problems.push(
        problem(
          `${path}.at`,
          'calls_out_of_order',
          `Calls must be in time order: ${when(call.at)} is before ${after}. Sort the calls by \`at\`; the engine's clock only moves forward.`,
        ),
      );
      return;
    }
    if (clock && call.at > clock.frozenTime) {
      problems.push(
        problem(
          `${path}.at`,
          'timestamp_in_future',
          `The call at ${when(call.at)} is after the scenario's clock (clock.frozenTime ${when(clock.frozenTime)}).`,
        ),
      );
      return;
    }
    previousAt = call.at;
    calls.push({ ...call, args });
  });

  const usage: Record<string, ScenarioUsage> = {};
  // The shape is checked, but the entries are read from the file itself: a parsed record drops
  // a key named __proto__, which must be refused, not lost.
  const rawUsage = field('usage', z.record(z.string(), z.unknown())) && (file.usage as object);
  for (const [item, raw] of Object.entries(rawUsage ?? {})) {
    const path = paramPath(['usage', item])!;
    const columns = attempt(problems, () => {
      parseArgs(objectId, item, path);
      return parseArgs(usageSchema, raw, path);
    });
    if (!columns) continue;
    const checked = checkUsage(
      path,
      columns,
      { startTime, frozenTime: clock?.frozenTime },
      problems,
    );
    // Defined as data, so an item named __proto__ stays a key.
    if (checked)
      Object.defineProperty(usage, item, {
        value: checked,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }

  if (problems.length > start) return null;
  return {
    format: SCENARIO_FORMAT,
    schemaVersion: SCENARIO_SCHEMA_VERSION,
    name: name!,
    ...(description === undefined ? {} : { description }),
    seed: seed!,
    startTime: startTime!,
    settings: settings!,
    calls,
    usage,
    clock: clock!,
  };
}

/**
 * Reads a scenario file of any known version (parsed JSON) into the current version, or lists
 * every problem found. Nothing is replayed here (see replay.ts).
 */
export function parseScenarioFile(
  input: unknown,
): { file: ScenarioFile; migratedFrom: number | null } | { problems: ScenarioProblem[] } {
  const problems: ScenarioProblem[] = [];
  if (!isRecord(input)) {
    return {
      problems: [
        problem(
          '',
          'scenario_invalid',
          `A scenario file is a JSON object with "format": "${SCENARIO_FORMAT}"; this is ${Array.isArray(input) ? 'a list' : input === null ? 'null' : `a ${typeof input}`}.`,
        ),
      ],
    };
  }
  const version = versionOf(input, problems);
  if (version === null) return { problems };
  let current = input;
  for (let v = version; v < SCENARIO_SCHEMA_VERSION; v++) {
    current = migrations[v]!(current, problems);
    if (problems.length > 0) return { problems };
  }
  const file = checkCurrent(current, problems);
  if (!file) return { problems };
  return { file, migratedFrom: version === SCENARIO_SCHEMA_VERSION ? null : version };
}
