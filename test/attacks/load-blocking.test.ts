// "Loading a workspace parses and checks its JSON in one go (12 s at 100,000 invoices)": the
// whole file was one JSON.parse and each snapshot one schema check, and opening a scenario copied
// it. Now a scenario's growing lists are in part files parsed a line at a time, checked a slice at
// a time against the same schema, and adopted without a copy, so the loop answers while it loads.
import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Workspace } from '../../core/workspace';
import { watched } from '../../bench/event-loop-probe';
import { manyInvoicesSnapshot } from '../../bench/many-invoices';
import { closeStore, openStore, tempWorkspace } from './files';

const INVOICES = 100_000;

describe('a load does not hold the event loop', () => {
  it(
    `a workspace of ${INVOICES.toLocaleString('en')} invoices loads while the loop answers`,
    { timeout: 600_000 },
    async () => {
      const file = await tempWorkspace();
      const setup = await openStore(file);
      await setup.save({
        revision: 1,
        currentScenario: 'scn_big',
        scenarios: [
          {
            id: 'scn_big',
            name: 'Big',
            createdAt: 0,
            lastOpenedAt: 0,
            snapshot: manyInvoicesSnapshot(INVOICES),
          },
        ],
      });
      await closeStore(setup);
      // The invoices are in a part file beside the workspace, not in its JSON.
      const names = await readdir(dirname(file));
      expect(names.filter((name) => /\.part-[0-9a-f]{16}\.jsonl$/.test(name))).toHaveLength(1);

      const load = await watched(async () => {
        const store = await openStore(file);
        return { store, workspace: await Workspace.load({ store, now: Date.now }) };
      });
      const { store, workspace } = load.value;
      expect(workspace.notices).toEqual([]);
      expect(workspace.simulator!.view().invoices).toHaveLength(INVOICES);
      console.log(
        `load of ${INVOICES} invoices: ${Math.round(load.ms)} ms, longest event-loop block ${Math.round(load.blockMs)} ms (its own work ${Math.round(load.workMs)} ms)`,
      );
      // The load took seconds; no block of its own work came near that. The goal is 100 ms on a
      // quiet machine (bench/persistence.ts reports it there); on this shared 2-core machine a
      // gap is also time the process got no core, so the bound is on the loop's own work.
      expect(load.ms).toBeGreaterThan(4 * load.workMs);
      expect(load.workMs).toBeLessThan(250);
      await closeStore(store);
    },
  );
});
