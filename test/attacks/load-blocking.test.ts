// "Loading a workspace parses and checks its JSON in one go (12 s at 100,000 invoices)": the
// whole file was one JSON.parse and each snapshot one schema check, and opening a scenario copied
// it. Now a scenario's growing lists are in part files parsed a line at a time, checked a slice at
// a time against the same schema, and adopted without a copy, so the loop answers while it loads.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Workspace } from '../../core/workspace';
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

      const delay = monitorEventLoopDelay({ resolution: 10 });
      let last = performance.now();
      let longestGap = 0;
      const ticks = setInterval(() => {
        const now = performance.now();
        longestGap = Math.max(longestGap, now - last - 5);
        last = now;
      }, 5);
      delay.enable();
      const started = performance.now();
      const store = await openStore(file);
      const workspace = await Workspace.load({ store, now: Date.now });
      const took = performance.now() - started;
      delay.disable();
      clearInterval(ticks);
      expect(workspace.notices).toEqual([]);
      expect(workspace.simulator!.view().invoices).toHaveLength(INVOICES);
      const longest = Math.max(delay.max / 1e6, longestGap);
      console.log(
        `load of ${INVOICES} invoices: ${Math.round(took)} ms, longest event-loop block ${Math.round(longest)} ms`,
      );
      // The load took seconds; no block came near that. The goal is 100 ms on a quiet machine
      // (bench/persistence.ts reports it there); this shared 2-core machine is often loaded, so
      // the test allows 250 ms, as the other event-loop tests do.
      expect(took).toBeGreaterThan(4 * longest);
      expect(longest).toBeLessThan(250);
      await closeStore(store);
    },
  );
});
