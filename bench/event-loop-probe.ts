// How long work holds the event loop, for the bench and the attack tests that bound it.
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Starts probing the event loop; the returned function stops and says the longest it was held:
 * the larger of monitorEventLoopDelay's max (less its resolution) and the longest gap between
 * ticks of a 5 ms timer (the histogram can miss a block that starts right after it is enabled),
 * and the loop's own work in the longest gap (process CPU time: on a loaded machine a gap can
 * also be time the process was given no core; meaningful in a process of its own).
 */
export function probeEventLoop(): () => { maxBlockMs: number; maxWorkMs: number } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let lastTick = performance.now();
  let lastCpu = process.cpuUsage();
  let longestGap = 0;
  let longestWork = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const gap = now - lastTick - 5;
    longestGap = Math.max(longestGap, gap);
    longestWork = Math.max(longestWork, Math.min(gap, (cpu.user + cpu.system) / 1000));
    lastTick = now;
    lastCpu = process.cpuUsage();
  }, 5);
  return () => {
    clearInterval(ticker);
    delay.disable();
    return { maxBlockMs: Math.max(longestGap, delay.max / 1e6 - 10), maxWorkMs: longestWork };
  };
}

/** Runs `work` under probeEventLoop: its value, its wall time and the probe's figures. */
export async function watched<T>(
  work: () => Promise<T>,
): Promise<{ value: T; ms: number; blockMs: number; workMs: number }> {
  const stop = probeEventLoop();
  const started = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - started;
    const { maxBlockMs, maxWorkMs } = stop();
    return { value, ms, blockMs: maxBlockMs, workMs: maxWorkMs };
  } catch (error) {
    stop();
    throw error;
  }
}
