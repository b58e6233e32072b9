// "The save's synchronous snapshot copy (94 s at 100,000 invoices)": a save copied the whole open
// scenario in one go. Now it writes the live state a slice at a time while mutating calls wait,
// so the host's event loop stays free during the save of a scenario with 100,000 invoices: the
// first, whole one (its part file of every invoice) and a change's (a few elements since).
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../core/dispatch';
import { Workspace } from '../../core/workspace';
import { watched } from '../../bench/event-loop-probe';
import { manyInvoicesSnapshot } from '../../bench/many-invoices';
import { closeStore, openStore, tempWorkspace } from './files';

const INVOICES = 100_000;

describe('a save does not hold the event loop', () => {
  it(
    `a change to a scenario of ${INVOICES.toLocaleString('en')} invoices is saved while the loop answers`,
    { timeout: 600_000 },
    async () => {
      const file = await tempWorkspace();
      const setup = await openStore(file);
      const snapshot = manyInvoicesSnapshot(INVOICES);
      const whole = await watched(() =>
        setup.save({
          revision: 1,
          currentScenario: 'scn_big',
          scenarios: [
            {
              id: 'scn_big',
              name: 'Big',
              createdAt: 0,
              lastOpenedAt: 0,
              snapshot,
            },
          ],
        }),
      );
      console.log(
        `whole save of ${INVOICES} invoices: ${Math.round(whole.ms)} ms, longest event-loop block ${Math.round(whole.blockMs)} ms (its own work ${Math.round(whole.workMs)} ms)`,
      );
      // The whole save took seconds; no block of its own work came near that. The goal is 100 ms
      // on an idle machine; this machine is shared, where a gap is also time the process got no
      // core, so the bound is on the loop's own work (as in load-blocking.test.ts).
      expect(whole.ms).toBeGreaterThan(4 * whole.workMs);
      expect(whole.workMs).toBeLessThan(250);
      await closeStore(setup);

      const store = await openStore(file);
      const workspace = await Workspace.load({ store, now: Date.now });
      expect(workspace.simulator!.view().invoices).toHaveLength(INVOICES);
      const dispatch = createDispatcher(workspace, {
        yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
        now: () => performance.now(),
      });
      const change = await watched(() => dispatch('customers.create', [{ name: 'One more' }]));
      const result = change.value;
      expect(result).toMatchObject({ ok: true });
      expect(result).not.toHaveProperty('saved');
      console.log(
        `save of a change at ${INVOICES} invoices: ${Math.round(change.ms)} ms, longest event-loop block ${Math.round(change.blockMs)} ms (its own work ${Math.round(change.workMs)} ms)`,
      );
      // It writes what changed (the new customer's event and journal entry), not the invoices.
      expect(change.workMs).toBeLessThan(250);

      // And it was saved: a restart sees the new customer.
      await workspace.flush();
      await closeStore(store);
      const again = await openStore(file);
      const { data } = await again.load();
      expect(data!.scenarios[0]!.snapshot.customers.map((c) => c.name)).toContain('One more');
      await closeStore(again);
    },
  );
});
