import { describe, expect, it } from 'vitest';
import {
  SCENARIO_SCHEMA_VERSION,
  formatProblem,
  parseScenarioFile,
} from '../../../core/scenario/format';
import type { ScenarioFile, ScenarioProblem } from '../../../core/scenario/format';
import { importScenario, validateScenario } from '../../../core/scenario/replay';
import { DAY, HOUR, MARCH_1, billingState, exportAsJson, guideScenario } from './helpers';

function guideFile(): ScenarioFile {
  const { sim, item } = guideScenario();
  sim.testClock.advance({ frozenTime: MARCH_1 + 2 * DAY });
  sim.usageRecords.createBatch({
    subscriptionItem: item,
    records: [
      { quantity: 18_000, timestamp: MARCH_1 + HOUR },
      { quantity: 420, timestamp: MARCH_1 + DAY },
    ],
  });
  return exportAsJson(sim, 'Guide');
}

function problemsOf(input: unknown): ScenarioProblem[] {
  const parsed = parseScenarioFile(input);
  return 'problems' in parsed ? parsed.problems : [];
}

describe('parseScenarioFile', () => {
  it('reads a current file as it is', () => {
    const file = guideFile();
    expect(parseScenarioFile(file)).toEqual({ file, migratedFrom: null });
  });

  it('refuses something that is not a scenario file', () => {
    expect(problemsOf([1, 2])).toEqual([
      expect.objectContaining({ path: '', code: 'scenario_invalid' }),
    ]);
    expect(problemsOf({ format: 'other-app', schemaVersion: 1 })[0]).toMatchObject({
      path: 'format',
      code: 'scenario_format_unknown',
    });
    expect(problemsOf({ schemaVersion: 1, name: 'x' })[0]).toMatchObject({
      path: 'format',
      code: 'parameter_missing',
    });
  });

  it('refuses a newer version, naming the version and the fix', () => {
    const [problem] = problemsOf({ ...guideFile(), schemaVersion: SCENARIO_SCHEMA_VERSION + 1 });
    expect(problem).toMatchObject({ path: 'schemaVersion', code: 'scenario_too_new' });
    expect(problem!.message).toContain(`schemaVersion ${SCENARIO_SCHEMA_VERSION + 1}`);
    expect(problem!.message).toContain(`up to ${SCENARIO_SCHEMA_VERSION}`);
    expect(problem!.message).toContain('update Meterlab');
  });

  it('refuses a version that is not a whole number', () => {
    for (const schemaVersion of ['1', 1.5, -1, null]) {
      expect(problemsOf({ ...guideFile(), schemaVersion })[0]).toMatchObject({
        path: 'schemaVersion',
      });
    }
  });

  it('lists every problem at once, each with its path', () => {
    const file = guideFile() as unknown as Record<string, unknown>;
    const calls = file.calls as Record<string, unknown>[];
    calls[1]!.at = 'noon';
    calls[2]!.method = 'products.delete';
    calls[3]!.args = [];
    const item = Object.keys(file.usage as object)[0]!;
    const problems = problemsOf({
      ...file,
      name: '',
      seed: -1,
      settings: { finalizationDelaySeconds: 'soon' },
      extra: true,
      usage: { [item]: { timestamps: [MARCH_1 + 5, MARCH_1 + 5], values: [1] } },
    });
    expect(problems.map((problem) => problem.path)).toEqual([
      'extra',
      'name',
      'seed',
      'settings.finalizationDelaySeconds',
      'calls[1].at',
      'calls[2].method',
      'calls[3].args',
      `usage.${item}.timestamps[1]`,
      `usage.${item}`,
    ]);
    for (const problem of problems) expect(formatProblem(problem)).toContain(problem.path);
    expect(problems[4]!.message).toBe('Invalid calls[1].at: pass a number (got "noon").');
  });

  it('wants calls in time order and nothing after the clock', () => {
    const file = guideFile();
    file.calls[2]!.at = MARCH_1 + HOUR;
    expect(problemsOf(file)).toEqual([
      expect.objectContaining({ path: 'calls[3].at', code: 'calls_out_of_order' }),
    ]);
    const late = guideFile();
    late.calls[3]!.at = late.clock.frozenTime + 1;
    const item = Object.keys(late.usage)[0]!;
    late.usage[item]!.timestamps[1] = late.clock.frozenTime + 1;
    expect(problemsOf(late).map((problem) => problem.code)).toEqual([
      'timestamp_in_future',
      'timestamp_in_future',
    ]);
  });

  it('refuses values that are not JSON numbers and arguments nested too deep', () => {
    const file = guideFile();
    const item = Object.keys(file.usage)[0]!;
    file.usage[item]!.values[0] = Number.NaN;
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    file.calls[0]!.args = [{ name: deep }];
    expect(problemsOf(file).map((problem) => problem.path)).toEqual([
      expect.stringMatching(/^calls\[0\]\.args\[0\]\.name(\[0\])+$/),
      `usage.${item}.values[0]`,
    ]);
  });

  it('names at most five bad entries per column', () => {
    const file = guideFile();
    const item = Object.keys(file.usage)[0]!;
    file.usage[item] = { timestamps: Array(50).fill('x'), values: Array(50).fill(1) };
    expect(problemsOf(file)).toHaveLength(5);
  });
});

describe('version 0 files', () => {
  /** The preview format: no `format`, usage as the records in the order they were reported. */
  function v0File() {
    const { calls, seed, startTime, name, clock, usage } = guideFile();
    const item = Object.keys(usage)[0]!;
    return {
      name,
      seed,
      startTime,
      calls,
      records: [
        { subscriptionItem: item, timestamp: MARCH_1 + HOUR, quantity: 17_000 },
        { subscriptionItem: item, timestamp: MARCH_1 + HOUR, quantity: 1000, action: 'increment' },
        { subscriptionItem: item, timestamp: MARCH_1 + DAY, quantity: 999, action: 'set' },
        { subscriptionItem: item, timestamp: MARCH_1 + DAY, quantity: 420, action: 'set' },
      ],
      frozenTime: clock.frozenTime,
    };
  }

  it('migrates records to per-timestamp values and replays to the same invoices', () => {
    const parsed = parseScenarioFile(v0File());
    expect('file' in parsed && parsed.migratedFrom).toBe(0);
    const current = guideFile();
    expect('file' in parsed && parsed.file).toEqual({ ...current, settings: {} });

    const migrated = importScenario(v0File());
    expect(migrated.migratedFrom).toBe(0);
    const replayed = importScenario(current).simulator!;
    expect(billingState(migrated.simulator!)).toEqual(billingState(replayed));
  });

  it('also takes schemaVersion 0 written out', () => {
    expect(validateScenario({ ...v0File(), schemaVersion: 0 })).toEqual([]);
  });

  it('names bad records by their v0 path', () => {
    const file = v0File();
    file.records[2] = { ...file.records[2]!, quantity: -5 };
    expect(problemsOf(file)).toEqual([
      expect.objectContaining({ path: 'records[2].quantity', code: 'parameter_invalid' }),
    ]);
    const { records: _records, ...withoutRecords } = v0File();
    expect(problemsOf(withoutRecords)[0]).toMatchObject({ path: 'records' });
  });
});
