// Hostile input at large: a saved workspace file with any one value in it replaced by any JSON
// value (or the file replaced by any JSON at all, with or without a BOM) always opens: the store
// never throws, the workspace loads, and whatever it reports is kept byte for byte in a backup.
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../core/simulator';
import { Workspace } from '../../core/workspace';
import type { WorkspaceData } from '../../core/workspace-store';
import { workspaceData } from '../core/workspace-store.contract';
import { closeStore, openStore, tempWorkspace, loadWhole } from './files';

type Json = unknown;

/** Every path to a value inside `value` (objects and lists), the root included. */
function pathsOf(value: Json, path: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(path);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...path, i], out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], out);
  }
  return out;
}

function replaced(value: Json, path: (string | number)[], by: Json): Json {
  if (path.length === 0) return by;
  const copy = structuredClone(value) as Record<string | number, Json>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path.at(-1)!] = by;
  return copy;
}

/** Loads `file` through the store and the workspace; checks the guarantees; cleans up. */
async function opensSafely(file: string, bytes: Buffer): Promise<WorkspaceData | null> {
  await writeFile(file, bytes);
  const store = await openStore(file);
  const { data, notices } = await loadWhole(store);
  expect(data !== null || notices.length === 1).toBe(true);
  for (const notice of notices) {
    expect(notice.message).toContain(notice.backup!);
    expect(await readFile(notice.backup!)).toEqual(bytes);
  }
  if (data) {
    const workspace = await Workspace.load({
      store: { load: () => Promise.resolve({ data, notices }), save: () => Promise.resolve() },
      now: () => 0,
      createSimulator,
    });
    expect(workspace.list()).toHaveLength(data.scenarios.length);
  }
  await closeStore(store);
  const dir = join(file, '..');
  for (const name of await readdir(dir)) {
    if (name.includes('.bak')) await rm(join(dir, name));
  }
  return data;
}

describe('any damage to a workspace file', () => {
  it('one value anywhere replaced by any JSON: it opens, and the other scenario whole', async () => {
    const file = await tempWorkspace();
    const saved = { ...workspaceData(3, 2), currentScenario: null };
    const store = await openStore(file);
    await store.save(saved);
    await closeStore(store);
    const dir = join(file, '..');
    const sidecars = await Promise.all(
      (await readdir(dir))
        .filter((name) => name.endsWith('.bin'))
        .map(async (name) => ({ name, bytes: await readFile(join(dir, name)) })),
    );
    const original = JSON.parse(await readFile(file, 'utf8')) as Json;
    const paths = pathsOf(original);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: paths.length - 1 }),
        fc.jsonValue({ maxDepth: 3 }),
        async (at, by) => {
          // Each run starts from the saved sidecars (a run's load may sweep the ones it lost).
          for (const { name, bytes } of sidecars) await writeFile(join(dir, name), bytes);
          const path = paths[at]!;
          const data = await opensSafely(
            file,
            Buffer.from(JSON.stringify(replaced(original, path, by))),
          );
          // Damage inside one scenario's entry stays there: the other one opens as saved.
          if (path[0] === 'scenarios' && path.length >= 2 && by !== 'scn_0' && by !== 'scn_1') {
            const other = saved.scenarios[1 - Number(path[1])]!;
            expect(data?.scenarios).toContainEqual(other);
          }
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('any JSON at all, with or without a byte order mark: the file still opens', async () => {
    const file = await tempWorkspace();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), async (value, bom) => {
        const text = Buffer.from(JSON.stringify(value) ?? 'null');
        await opensSafely(
          file,
          bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]) : text,
        );
      }),
      { numRuns: 100 },
    );
  });
});
