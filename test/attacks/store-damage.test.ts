// "One damaged usage sidecar hides every scenario": each scenario's usage is its own unit. A
// damaged or missing sidecar costs its scenario only; the others open, the damaged one is named,
// no good sidecar is ever deleted, and the backup keeps the original bytes and opens with --data.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../core/simulator';
import { Workspace } from '../../core/workspace';
import { workspaceData } from '../core/workspace-store.contract';
import {
  closeStore,
  folder,
  openHost,
  openStore,
  sidecarNames,
  tempWorkspace,
  loadWhole,
} from './files';

const expected = { ...workspaceData(9, 3), currentScenario: null };

/** Three scenarios with distinct usage, saved and closed: the file and its sidecars' bytes. */
async function threeScenarios() {
  const file = await tempWorkspace();
  const store = await openStore(file);
  // None open: the fake snapshots of workspaceData hold usage no simulator would accept.
  await store.save(expected);
  await closeStore(store);
  const names = await sidecarNames(file);
  const bytes = await Promise.all(names.map((name) => readFile(join(file, '..', name))));
  return { file, names, bytes, json: await readFile(file) };
}

const scenario = (i: number) => expected.scenarios[i]!;

describe('a damaged usage sidecar stays local', () => {
  it('opens the other scenarios with their usage and names the damaged one', async () => {
    const { file, names, bytes, json } = await threeScenarios();
    const damaged = Buffer.from(bytes[1]!);
    damaged[damaged.length - 3]! ^= 0x40;
    await writeFile(join(file, '..', names[1]!), damaged);

    const store = await openStore(file);
    const { data, notices } = await loadWhole(store);
    expect(data!.scenarios).toEqual([scenario(0), scenario(2)]);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.code).toBe('workspace_damaged');
    expect(notices[0]!.message).toContain("scenario 'Scenario 1' (scenarios[1]) was left out");
    expect(notices[0]!.message).toContain('checksum');
    expect(notices[0]!.message).not.toContain("'Scenario 0'");
    // Loading changed nothing on disk.
    expect(await readFile(file)).toEqual(json);
    expect(await readFile(join(file, '..', names[1]!))).toEqual(damaged);
  });

  it('the next change keeps every good sidecar, and the next start opens them again', async () => {
    const { file, names, bytes } = await threeScenarios();
    await rm(join(file, '..', names[1]!));
    const store = await openStore(file);
    const { data } = await loadWhole(store);
    await store.save({ ...data!, revision: data!.revision + 1 });
    await closeStore(store);

    for (const i of [0, 2]) expect(await readFile(join(file, '..', names[i]!))).toEqual(bytes[i]);
    const again = await openStore(file);
    expect(await loadWhole(again)).toEqual({
      data: { revision: 10, currentScenario: null, scenarios: [scenario(0), scenario(2)] },
      notices: [],
    });
    for (const i of [0, 2]) expect(await readFile(join(file, '..', names[i]!))).toEqual(bytes[i]);
  });

  it('the backup holds the original file and sidecars byte for byte, and opens with --data', async () => {
    const { file, names, bytes, json } = await threeScenarios();
    const damaged = Buffer.from(bytes[1]!.subarray(0, bytes[1]!.length - 8));
    await writeFile(join(file, '..', names[1]!), damaged);
    const store = await openStore(file);
    const { notices } = await loadWhole(store);
    const backup = notices[0]!.backup!;
    expect(notices[0]!.message).toContain(`start Meterlab with --data ${backup}`);
    expect(await readFile(backup)).toEqual(json);
    const kept = (i: number) => `${backup}${names[i]!.slice('workspace.json'.length)}`;
    expect(await readFile(kept(0))).toEqual(bytes[0]);
    expect(await readFile(kept(1))).toEqual(damaged);
    expect(await readFile(kept(2))).toEqual(bytes[2]);

    // The next changes and starts of the workspace do not touch the backup.
    await store.save(workspaceData(10, 0));
    await closeStore(store);
    const next = await openStore(file);
    await loadWhole(next);
    await closeStore(next);
    expect(await readFile(kept(0))).toEqual(bytes[0]);

    // `npm start -- --data <backup>` opens it: the good scenarios, the damaged one named again.
    const { host, port } = await openHost(backup);
    expect(host.notices.map((n) => n.code)).toEqual(['workspace_damaged']);
    expect(host.notices[0]!.message).toContain("'Scenario 1'");
    const listed = await fetch(`http://127.0.0.1:${port}/api/workspace.list`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-meterlab-token': host.token },
      body: '{"args":[]}',
    });
    const { data } = (await listed.json()) as { data: { id: string }[] };
    expect(data.map((s) => s.id)).toEqual(['scn_0', 'scn_2']);
  });

  it('a missing sidecar found again, put where the notice says, brings its scenario back', async () => {
    const { file, names, bytes } = await threeScenarios();
    await rm(join(file, '..', names[2]!));
    const store = await openStore(file);
    const { notices } = await loadWhole(store);
    const backup = notices[0]!.backup!;
    const where = `${basename(backup)}${names[2]!.slice('workspace.json'.length)}`;
    expect(notices[0]!.message).toContain(
      `its usage file ${join(file, '..', names[2]!)} is missing`,
    );
    expect(notices[0]!.message).toContain(`put it beside the copy as ${where}`);
    await closeStore(store);

    await writeFile(join(file, '..', where), bytes[2]!);
    const restored = await openStore(backup);
    expect(await loadWhole(restored)).toEqual({ data: expected, notices: [] });
  });

  it('a workspace with a damaged scenario opens in the app with the others listed', async () => {
    const { file, names } = await threeScenarios();
    await writeFile(join(file, '..', names[0]!), 'not a sidecar');
    const workspace = await Workspace.load({
      store: await openStore(file),
      now: () => 0,
      createSimulator,
    });
    expect(workspace.list().map((s) => s.name)).toEqual(['Scenario 1', 'Scenario 2']);
    expect(workspace.notices.map((n) => n.code)).toEqual(['workspace_damaged']);
  });

  it('sidecars shared by a good and a damaged scenario stay', async () => {
    const file = await tempWorkspace();
    const store = await openStore(file);
    const data = workspaceData(3, 1);
    data.scenarios.push({ ...data.scenarios[0]!, id: 'scn_copy', name: 'Copy' });
    await store.save(data);
    await closeStore(store);
    const json = JSON.parse(await readFile(file, 'utf8')) as { scenarios: { name: unknown }[] };
    json.scenarios[1]!.name = '';
    await writeFile(file, JSON.stringify(json));
    const before = await folder(file);

    const reopened = await openStore(file);
    const loaded = await loadWhole(reopened);
    expect(loaded.data!.scenarios.map((s) => s.id)).toEqual(['scn_0']);
    await reopened.save({ ...loaded.data!, revision: 4 });
    await closeStore(reopened);
    const after = await openStore(file);
    expect((await loadWhole(after)).data!.scenarios).toEqual([data.scenarios[0]]);
    const [sidecar] = await sidecarNames(file);
    expect(before).toContain(sidecar);
  });

  it("the backup's sidecars outlive the workspace's own", async () => {
    const { file, names, bytes } = await threeScenarios();
    await writeFile(join(file, '..', names[1]!), 'broken');
    const store = await openStore(file);
    const backup = (await loadWhole(store)).notices[0]!.backup!;
    for (const name of names) await rm(join(file, '..', name), { force: true });
    expect(await readFile(`${backup}${names[0]!.slice('workspace.json'.length)}`)).toEqual(
      bytes[0],
    );
  });
});
