import { describe, expect, it } from 'vitest';
import { MemoryWorkspaceStore } from '../../core/workspace-store';
import { describeWorkspaceStoreContract, workspaceData } from './workspace-store.contract';
import { createFakeSimulator } from './workspace-fake';

describeWorkspaceStoreContract(
  'MemoryWorkspaceStore',
  async () => {
    const store = new MemoryWorkspaceStore();
    return { store, reopen: async () => store };
  },
  createFakeSimulator,
);

describe('MemoryWorkspaceStore', () => {
  it('hands out copies, so a caller cannot change what was saved', async () => {
    const store = new MemoryWorkspaceStore();
    const data = workspaceData(1);
    await store.save(data);
    data.scenarios[0]!.name = 'changed after save';
    const loaded = (await store.load()).data!;
    loaded.scenarios[1]!.name = 'changed after load';
    expect((await store.load()).data).toEqual(workspaceData(1));
  });
});
