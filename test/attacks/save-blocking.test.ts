// "The save's synchronous snapshot copy (94 s at 100,000 invoices)": a save copied the whole open
// scenario in one go. Now it writes the live state a slice at a time while mutating calls wait,
// so the host's event loop stays free during the save of a scenario with 100,000 invoices: the
// first, whole one (its part file of every invoice) and a change's (a few elements since).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../core/dispatch';
import { Workspace } from '../../core/workspace';
import { manyInvoicesSnapshot } from '../../bench/many-invoices';
import { closeStore, openStore, tempWorkspace } from './files';

const INVOICES = 100_000;

/** Watches the event loop while `work` runs: its wall time and the longest block. */
async function watched<T>(
  work: () => Promise<T>,
): Promise<{ value: T; took: number; longest: number }> {
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
  try {
    const value = await work();
    return {
      value,
      took: performance.now() - started,
      longest: Math.max(delay.max / 1e6, longestGap),
    };
  } finally {
    delay.disable();
    clearInterval(ticks);
  }
}

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
        `whole save of ${INVOICES} invoices: ${Math.round(whole.took)} ms, longest event-loop block ${Math.round(whole.longest)} ms`,
      );
      // The whole save took seconds; no block came near that (the goal is 100 ms on an idle
      // machine, this machine is shared, as in the other event-loop tests).
      expect(whole.took).toBeGreaterThan(4 * whole.longest);
      expect(whole.longest).toBeLessThan(250);
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
        `save of a change at ${INVOICES} invoices: ${Math.round(change.took)} ms, longest event-loop block ${Math.round(change.longest)} ms`,
      );
      // It writes what changed (the new customer's event and journal entry), not the invoices.
      expect(change.longest).toBeLessThan(250);

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
