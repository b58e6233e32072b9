// Re-pricing beside the window at the scale (10,000 customers × 12 months, 5 hypotheses):
// the host prices a customer at a time and lets the event loop in between, so an edit never
// holds the window; and a newer edit stops the re-pricing under way.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../../core/contract';
import type { BacktestOutcome } from '../../../core/public/backtest';
import { HYPOTHESES } from '../../../bench/backtest-hypotheses';
import { createBacktestWindow, type BacktestWindow } from '../../../electron/backtest/window';

const CUSTOMERS = 10_000;

let dir: string;
let window: BacktestWindow;

async function call<T>(method: string, args: unknown): Promise<DispatchResult<T>> {
  return (await window.dispatch(method, [args])) as DispatchResult<T>;
}

/**
 * The longest the event loop was held while `work` ran: the delay monitor's max and the longest
 * gap between 5 ms ticks (wall time), and the longest gap counted in this process's CPU time. On
 * a machine shared with other work, a gap is also the time the process waited for a core; its
 * CPU time is what the process itself held the loop for.
 */
async function longestBlock<T>(work: () => Promise<T>) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let longestGap = 0;
  let longestCpuGap = 0;
  const ticks = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const gap = now - last - 5;
    longestGap = Math.max(longestGap, gap);
    longestCpuGap = Math.max(longestCpuGap, Math.min(gap, (cpu.user + cpu.system) / 1000 - 5));
    last = now;
    lastCpu = process.cpuUsage();
  }, 5);
  delay.enable();
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const result = await work();
  const took = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  delay.disable();
  clearInterval(ticks);
  return {
    result,
    took,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: Math.max(delay.max / 1e6, longestGap),
    cpuBlockMs: longestCpuGap,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meterlab-backtest-reprice-'));
  // 10,000 customers × 12 months × 2 meters, a row each, written by DuckDB.
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(
    `COPY (SELECT 'cust_' || c AS customer, m.meter,
        make_timestamp(2025, month, 2, 12, 0, 0) AS timestamp,
        CASE WHEN m.meter = 'api' THEN 1000 + (c * 7919 + month * 104729) % 900000
          ELSE 1 + (c + month) % 40 END AS quantity
      FROM range(${CUSTOMERS}) t(c), range(1, 13) months(month),
        (VALUES ('api'), ('seats')) m(meter))
    TO '${join(dir, 'usage.parquet')}' (FORMAT parquet)`,
  );
  connection.closeSync();
  instance.closeSync();
  window = createBacktestWindow(async () => ({ ok: true, data: null }), {
    dataFile: join(dir, 'workspace.json'),
  });
}, 60_000);

afterAll(async () => {
  await window?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('re-pricing 5 hypotheses × 10,000 customers × 12 months in the window', () => {
  it('never holds the event loop long, and gives what a run gives', async () => {
    const file = await window.addLocalFile(join(dir, 'usage.parquet'));
    const mapping = {
      customer: 'customer',
      meter: 'meter',
      timestamp: 'timestamp',
      quantity: 'quantity',
    };
    const run = await longestBlock(() =>
      call<BacktestOutcome>('backtest.run', { file: file.id, mapping, hypotheses: HYPOTHESES }),
    );
    const ran = run.result;
    // The run reads the aggregates a chunk at a time and prepares and prices them in paced steps
    // (before, it held the loop 0.6-2.4 s); bounded as the re-pricing below is.
    console.log(
      `run of 240,000 rows in the window: ${Math.round(run.took)} ms, longest event-loop block ${Math.round(run.wallMs)} ms wall, ${Math.round(run.cpuBlockMs)} ms of CPU`,
    );
    expect(ran).toMatchObject({ ok: true, data: { customers: CUSTOMERS } });
    expect(run.cpuBlockMs).toBeLessThanOrEqual(150);
    expect(ran.ok && ran.data.periods).toHaveLength(12);

    // An edit: a 20% coupon for 3 months on the allowance.
    const edited = HYPOTHESES.map((entry) =>
      entry.key === 'allowance'
        ? { ...entry, coupon: { percentOff: 20, duration: 'repeating', durationInMonths: 3 } }
        : entry,
    );
    const { result, took, cpuMs, wallMs, cpuBlockMs } = await longestBlock(() =>
      call<BacktestOutcome>('backtest.reprice', { hypotheses: edited }),
    );
    expect(result.ok).toBe(true);
    const sent = performance.now();
    JSON.stringify(result);
    const stringifyMs = performance.now() - sent;
    console.log(
      `re-pricing 5 × ${CUSTOMERS} × 12 in the window: ${Math.round(took)} ms (CPU ${Math.round(cpuMs)} ms), longest event-loop block ${Math.round(wallMs)} ms wall, ${Math.round(cpuBlockMs)} ms of CPU; the answer's JSON.stringify ${Math.round(stringifyMs)} ms; load average ${loadavg()[0]!.toFixed(1)}`,
    );
    // The goal is 100 ms on a quiet machine. This one is shared (2 cores, often 8 or more
    // processes running): a block counts the CPU the process used in it, not its waits for a core.
    expect(cpuBlockMs).toBeLessThanOrEqual(150);
    // Sliced: the work took many times its longest block.
    expect(cpuMs).toBeGreaterThan(3 * cpuBlockMs);

    // The same figures as a run with the edited hypotheses (which reads the file again).
    const rerun = await call<BacktestOutcome>('backtest.run', {
      file: file.id,
      mapping,
      hypotheses: edited,
    });
    const totals = (answer: DispatchResult<BacktestOutcome>) =>
      answer.ok ? answer.data.hypotheses.map((h) => [h.key, h.total, h.summary]) : answer.error;
    expect(totals(result)).toEqual(totals(rerun));
  }, 120_000);

  it('stops a re-pricing under way when a newer edit arrives: only the newest answers', async () => {
    const older = call<BacktestOutcome>('backtest.reprice', { current: 'volume' });
    // The older one is part-way (it takes well over 20 ms here) when the newer one comes.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const newer = call<BacktestOutcome>('backtest.reprice', { current: 'seats' });
    expect(await older).toMatchObject({ ok: false, error: { code: 'backtest_superseded' } });
    expect(await newer).toMatchObject({ ok: true, data: { current: 'seats' } });
  }, 60_000);

  it('stops a run while it prices (the last tenth of its progress) when cancelled', async () => {
    const file = await window.addLocalFile(join(dir, 'usage.parquet'));
    let cancelledAt: number | null = null;
    const ran = await window.dispatch(
      'backtest.run',
      [
        {
          file: file.id,
          mapping: {
            customer: 'customer',
            meter: 'meter',
            timestamp: 'timestamp',
            quantity: 'quantity',
          },
          hypotheses: HYPOTHESES,
        },
      ],
      {
        onEvent: (event) => {
          if (event.type !== 'progress' || cancelledAt !== null) return;
          if (event.done > 900 && event.done < 1000) {
            cancelledAt = event.done;
            void window.dispatch('backtest.cancel', [{}]);
          }
        },
      },
    );
    expect(cancelledAt).not.toBeNull();
    expect(ran).toMatchObject({ ok: false, error: { code: 'backtest_cancelled' } });
    expect(ran.ok || ran.error.message).toContain('usage.parquet');
    // The last finished run's results stay.
    expect(await call('backtest.reprice', { current: 'seats' })).toMatchObject({ ok: true });
  }, 60_000);
});
