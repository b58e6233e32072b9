// Import fuzzing: mutated scenario files are each refused with a path and a reason, or imported
// (and then survive their own round trip). Nothing may throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../../core/scenario/format';
import { importScenario } from '../../../core/scenario/replay';
import { templateFilesById } from '../../../core/scenario/templates';
import {
  DAY,
  HOUR,
  MARCH_1,
  billingState,
  exportAsJson,
  guideScenario,
  roundTrip,
} from './helpers';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** A small scenario with a swap, a cancel and two kinds of usage, besides the templates. */
function busyScenario(): Json {
  const { sim, item, subscription } = guideScenario(9);
  sim.testClock.advance({ frozenTime: MARCH_1 + DAY });
  sim.usageRecords.createBatch({
    subscriptionItem: item,
    records: [1, 2, 3].map((n) => ({ quantity: n * 10, timestamp: MARCH_1 + n * HOUR })),
  });
  sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
  sim.subscriptions.cancel(subscription.id);
  return exportAsJson(sim) as unknown as Json;
}

const bases: Json[] = [
  busyScenario(),
  ...['teach-strategies', 'seats-last-during-period', 'peak-connections-max'].map(
    (id) => templateFilesById[id] as Json,
  ),
];

/** Paths worth mutating: every container and leaf, but only a few entries of long arrays. */
function pathsOf(value: Json, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) {
    const picks = value.length > 4 ? [0, 1, value.length - 1] : value.map((_, i) => i);
    for (const index of picks) pathsOf(value[index]!, [...path, index], out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) pathsOf(child, [...path, key], out);
  }
  return out;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Calls `change` with the parent of `path` and its last key; the root cannot be dropped. */
function atPath(
  root: Json,
  path: Path,
  change: (parent: Json[] | Record<string, Json>, key: string | number) => void,
) {
  let parent = root as Json[] | Record<string, Json>;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string, Json>)[key] as never;
  change(parent, path.at(-1)!);
}

const strange: Json[] = [
  null,
  true,
  'text',
  '',
  -1,
  0.5,
  1e20,
  -1e308,
  2 ** 53,
  4294967296,
  [],
  {},
  [1, 'x'],
  { nested: { deeper: [] } },
];
const strangeNumbers = [Number.NaN, Number.POSITIVE_INFINITY, -0];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...strange), fc.constantFrom(...strangeNumbers)),
  }),
  fc.record({
    kind: fc.constant('number' as const),
    at: fc.nat(),
    value: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, 1, 0xffffffff, 2 ** 53 - 1)),
  }),
  fc.record({
    kind: fc.constant('version' as const),
    value: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom('1', null, 1.5)),
  }),
  fc.record({ kind: fc.constant('shuffle' as const), seed: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateCall' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('usageValue' as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 1_000_000 }),
  }),
  fc.record({
    kind: fc.constant('shiftTime' as const),
    at: fc.nat(),
    by: fc.integer({ min: -40 * DAY, max: 40 * DAY }),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(base: Json, mutations: Mutation[]): Json {
  const file = copy(base);
  for (const m of mutations) {
    const root = file as Record<string, Json>;
    const paths = pathsOf(file).filter((path) => path.length > 0);
    const path = paths[('at' in m ? m.at : 0) % paths.length]!;
    const calls = Array.isArray(root.calls) ? root.calls : [];
    switch (m.kind) {
      case 'drop':
        atPath(file, path, (parent, key) => {
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
        });
        break;
      case 'replace':
      case 'number':
        atPath(file, path, (parent, key) => {
          (parent as Record<string, Json>)[key] = m.value as Json;
        });
        break;
      case 'version':
        root.schemaVersion = m.value as Json;
        break;
      case 'shuffle': {
        let state = m.seed;
        for (let i = calls.length - 1; i > 0; i--) {
          state = (state * 1103515245 + 12345) % 2147483648;
          const j = state % (i + 1);
          [calls[i], calls[j]] = [calls[j]!, calls[i]!];
        }
        break;
      }
      case 'duplicateCall':
        if (calls.length) calls.splice(m.at % calls.length, 0, copy(calls[m.at % calls.length]!));
        break;
      case 'usageValue': {
        const columns = Object.values(
          root.usage !== null && typeof root.usage === 'object' ? root.usage : {},
        ) as { values?: Json }[];
        const values = columns[m.at % Math.max(1, columns.length)]?.values;
        if (Array.isArray(values) && values.length) values[m.at % values.length] = m.value;
        break;
      }
      case 'shiftTime': {
        const call = calls[m.at % Math.max(1, calls.length)] as Record<string, Json> | undefined;
        if (call && typeof call.at === 'number') call.at += m.by;
        break;
      }
    }
  }
  return file;
}

const topLevel =
  /^(format|schemaVersion|name|description|seed|startTime|settings|calls|usage|clock|records)\b/;

describe('importing mutated scenario files', () => {
  it('refuses each with a path and a reason, or imports it correctly; nothing throws', () => {
    let refused = 0;
    let imported = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: bases.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (baseIndex, mutations) => {
          const file = mutate(bases[baseIndex]!, mutations);
          const { simulator, problems } = importScenario(file);
          if (simulator) {
            imported++;
            expect(problems).toEqual([]);
            expect(billingState(roundTrip(simulator))).toEqual(billingState(simulator));
            return;
          }
          refused++;
          expect(problems.length).toBeGreaterThan(0);
          for (const problem of problems) {
            expect(problem.path === '' || topLevel.test(problem.path)).toBe(true);
            expect(problem.code).toMatch(/^[a-z]+(_[a-z]+)*$/);
            expect(problem.message.length).toBeGreaterThan(15);
            expect(formatProblem(problem)).not.toMatch(/undefined|\[object Object\]/);
          }
        },
      ),
      { numRuns: 1000 },
    );
    // Both outcomes happen, so the test checks both.
    expect(refused).toBeGreaterThan(0);
    expect(imported).toBeGreaterThan(0);
  });
});
