// "Damaged values inside a saved scenario load silently": a saved scenario is checked value by
// value against the one snapshot schema when it is loaded. A damaged value (clock -5, "abc",
// 1e300, lines null, a wrong type deep inside) is refused at load with its path and reason, the
// workspace opens the other scenarios with a notice naming the damaged one, and nothing fails
// later as an internal_error.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checkSnapshot } from '../../core/resources/snapshot';
import type { Snapshot } from '../../core/resources/snapshot';
import { templateCatalog } from '../../core/scenario/templates';
import { createSimulator } from '../../core/simulator';
import { drain } from '../../core/resources/entry';
import { MeterlabError } from '../../core/values/errors';
import { Workspace } from '../../core/workspace';
import { closeStore, openStore, tempWorkspace } from './files';

type Json = Record<string, unknown>;

/** A billed scenario with a generator: the guide template, a month on. */
function billedSnapshot(): Snapshot {
  const sim = createSimulator({ snapshot: templateCatalog.build('api-calls', 1) });
  const subscription = sim.subscriptions.list().data[0]!;
  sim.generators.create({
    subscriptionItem: subscription.items.data[0]!.id,
    spec: { pattern: { kind: 'poisson', meanPerHour: 3 }, action: 'increment' },
  });
  sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
  return sim.snapshot();
}

const snapshot = billedSnapshot();
/** An invoice with lines (the creation invoice of a usage-only subscription has none). */
const lined = snapshot.invoices.findIndex((invoice) => invoice.lines.data.length > 0);

/** Each damage of issue 10 point 6, and more deep inside: where, what, and the reason named. */
const damages: { path: (string | number)[]; value: unknown; reason: RegExp }[] = [
  { path: ['clock', 'frozenTime'], value: -5, reason: /at least 0 \(got -5\)/ },
  { path: ['clock', 'frozenTime'], value: 'abc', reason: /a number \(got "abc"\)/ },
  { path: ['clock', 'frozenTime'], value: 1e300, reason: /at most|whole number/ },
  { path: ['invoices', 0, 'lines'], value: null, reason: /an object \(got null\)/ },
  { path: ['invoices', 0, 'total'], value: 'abc', reason: /a number \(got "abc"\)/ },
  { path: ['invoices', 0, 'total'], value: 1e300, reason: /at most|whole number/ },
  { path: ['settings'], value: 'garbage', reason: /an object \(got "garbage"\)/ },
  { path: ['settings', 'retryScheduleDays'], value: [5, 1], reason: /increasing order/ },
  { path: ['invoices', lined, 'lines', 'data', 0, 'amountExact'], value: 12, reason: /a string/ },
  { path: ['prices', 0, 'recurring', 'interval'], value: 'fortnight', reason: /one of "day"/ },
  { path: ['customers', 0, 'balance'], value: 0.5, reason: /whole number/ },
  { path: ['subscriptions', 0, 'items', 'data'], value: {}, reason: /an array/ },
  { path: ['prices', 0, 'unitAmountDecimal'], value: '1e3', reason: /plain decimal/ },
  { path: ['usage'], value: { si_x: { timestamps: [-1], values: [1] } }, reason: /unix seconds/ },
  { path: ['generators', 0, 'cursor', 'slot'], value: -1, reason: /at least 0/ },
];

function damaged(snapshot: Snapshot, path: (string | number)[], value: unknown): Json {
  const copy = structuredClone(snapshot) as unknown as Json;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

const where = (path: (string | number)[]) =>
  path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${key}`),
    'snapshot',
  );

describe('saved scenarios are checked value by value when they load', () => {
  it('takes every snapshot the engine makes', () => {
    expect(() => checkSnapshot(snapshot)).not.toThrow();
    for (const template of templateCatalog.list()) {
      expect(() => checkSnapshot(templateCatalog.build(template.id, 7))).not.toThrow();
    }
  });

  it.each(damages.map((damage) => [where(damage.path), damage] as const))(
    'refuses %s with its path and reason',
    (path, damage) => {
      let refusal: unknown;
      try {
        createSimulator({ snapshot: damaged(snapshot, damage.path, damage.value) });
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(MeterlabError);
      const error = refusal as MeterlabError;
      expect(error.code).toBe('snapshot_invalid');
      expect(error.param?.startsWith(path)).toBe(true);
      expect(error.message).toMatch(damage.reason);
    },
  );

  it('lists every problem of a snapshot damaged in several places', () => {
    let bad = damaged(snapshot, ['clock', 'frozenTime'], -5);
    bad = damaged(bad as unknown as Snapshot, ['invoices', 0, 'total'], 'abc');
    bad = damaged(bad as unknown as Snapshot, ['customers', 0, 'name'], 42);
    expect(() => createSimulator({ snapshot: bad })).toThrowError(
      expect.objectContaining({
        message: expect.stringMatching(
          /3 problems: .*snapshot\.clock\.frozenTime.*snapshot\.customers\[0\]\.name.*snapshot\.invoices\[0\]\.total/,
        ),
      }),
    );
  });

  it('opens the workspace with the other scenarios and names the damaged one with the reason', async () => {
    const file = await tempWorkspace();
    const store = await openStore(file);
    const workspace = await Workspace.load({
      store,
      now: () => 0,
      templates: templateCatalog,
    });
    for (const name of ['First', 'Second', 'Third']) {
      workspace.create({ name, template: 'api-calls' });
    }
    await workspace.save();
    await closeStore(store);

    const json = JSON.parse(await readFile(file, 'utf8')) as {
      scenarios: { name: string; snapshot: Json }[];
    };
    const second = json.scenarios.find((scenario) => scenario.name === 'Second')!;
    (second.snapshot.clock as Json).frozenTime = -5;
    await writeFile(file, JSON.stringify(json));

    const reopened = await Workspace.load({
      store: await openStore(file),
      now: () => 0,
      templates: templateCatalog,
    });
    expect(reopened.list().map((scenario) => scenario.name)).toEqual(['First', 'Third']);
    expect(reopened.notices).toHaveLength(1);
    const [notice] = reopened.notices;
    expect(notice!.code).toBe('workspace_damaged');
    expect(notice!.message).toContain("'Second'");
    expect(notice!.message).toContain('snapshot.clock.frozenTime');
    expect(notice!.message).toContain('at least 0 (got -5)');
    // The others work: open one and move its clock.
    const first = reopened.list().find((scenario) => scenario.name === 'First')!;
    reopened.open(first.id);
  });

  it('a scenario file with damaged values is refused at import, each problem with its path', async () => {
    const workspace = await Workspace.load({
      store: {
        load: () => Promise.resolve({ data: null, notices: [] }),
        save: () => Promise.resolve(),
      },
      now: () => 0,
      templates: templateCatalog,
    });
    const created = workspace.create({ name: 'Source', template: 'api-calls' });
    const file = workspace.exportScenario(created.id) as unknown as Json;
    (file.clock as Json).frozenTime = -5;
    file.seed = 'abc';
    // importScenario is long work, step by step: run it to its end.
    expect(() => drain(workspace.importScenario({ file }))).toThrowError(
      expect.objectContaining({
        message: expect.stringMatching(/clock\.frozenTime.*-5|seed.*"abc"/),
      }),
    );
    expect(workspace.list()).toHaveLength(1);
  });
});
