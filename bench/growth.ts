// `npm run bench` (growth part): how time and memory grow with the number of stored usage records,
// at 1k, 10k, ... up to GROWTH_MAX_RECORDS (default 10M; 100M is the issue's last point and needs
// about 3 minutes). 100 customers on a monthly metered price; for each size, in a fresh process:
// ingest (usageRecords.createBatch, 10k a call), advance to the invoices (finalized and paid),
// save through the real workspace store in a temp folder; then, in another fresh process, load it.
// Peak RSS is the process's high-water mark after each phase. Writes bench/growth.json, draws
// bench/growth.png (Chart.js in Debian's Chromium) and reports the largest size's figures.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingest, meteredWorkspace, openWorkspace, saveNow } from './metered-workspace';
import { describeMachine, figure, writeResults } from './report';

const CUSTOMERS = 100;
const SIZES = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const maxRecords = Number(process.env.GROWTH_MAX_RECORDS ?? 10_000_000);
export const growthFile = join(import.meta.dirname, 'growth.json');
export const growthChart = join(import.meta.dirname, 'growth.png');

export type Phase = 'ingest' | 'advance' | 'save' | 'load';
export const PHASES: Phase[] = ['ingest', 'advance', 'save', 'load'];

export interface Measurement {
  phase: Phase;
  ms: number;
  /** The process's peak RSS after the phase, in bytes. */
  peakRss: number;
}

export interface SizeResult {
  records: number;
  measurements: Measurement[];
  /** Bytes on disk after the save: the workspace JSON and its usage sidecars. */
  diskBytes: number;
  /** Why this size did not finish (out of memory, a crash), or null. */
  failure: string | null;
}

const peakRss = () => process.resourceUsage().maxRSS * 1024;

async function timed(phase: Phase, run: () => unknown): Promise<Measurement> {
  const started = performance.now();
  await run();
  return { phase, ms: performance.now() - started, peakRss: peakRss() };
}

/** In the child: build, advance and save `records` records into `dir`. */
async function build(dir: string, records: number): Promise<Measurement[]> {
  const metered = await meteredWorkspace(join(dir, 'workspace.json'), CUSTOMERS);
  const { simulator } = metered;
  const measured = [await timed('ingest', () => ingest(metered, records))];
  const sub = simulator.subscriptions.list({ limit: 1 }).data[0]!;
  const delay = simulator.settings.retrieve().finalizationDelaySeconds;
  measured.push(
    await timed('advance', () =>
      simulator.testClock.advance({ frozenTime: sub.currentPeriodEnd + delay }),
    ),
  );
  const paid = simulator.invoices.list({ limit: 10_000, status: 'paid' }).data.length;
  if (paid < CUSTOMERS) throw new Error(`only ${paid} of ${CUSTOMERS} invoices paid`);
  measured.push(await timed('save', () => saveNow(metered.workspace)));
  await metered.store.close();
  return measured;
}

/** In the child: load the workspace in `dir` and open its scenario. */
async function load(dir: string): Promise<Measurement[]> {
  let closeStore = async () => {};
  const measured = await timed('load', async () => {
    const { workspace, store } = await openWorkspace(join(dir, 'workspace.json'));
    closeStore = () => store.close();
    if (!workspace.simulator)
      throw new Error(
        `the scenario did not open: ${workspace.notices.map((notice) => notice.message).join('; ')}`,
      );
  });
  await closeStore();
  return [measured];
}

/** Runs one step in a fresh process (its RSS is its own); rejects with how it ended otherwise. */
function inChild(step: 'build' | 'load', dir: string, records: number): Promise<Measurement[]> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, ['--child', step, dir, String(records)], {
      // Room for the heap at 100M records; the columns themselves live outside it.
      execArgv: [...process.execArgv, '--max-old-space-size=16384'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    let result: Measurement[] | null = null;
    child.stderr!.on(
      'data',
      (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)),
    );
    child.on('message', (message) => (result = message as Measurement[]));
    child.on('exit', (code, signal) => {
      if (result && code === 0) resolve(result);
      else
        reject(new Error(`${step} ended with ${signal ?? `code ${code}`}: ${whatFailed(stderr)}`));
    });
  });
}

/** The error lines of a child's stderr (its message, not its stack), or its last line. */
function whatFailed(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const errors = lines.filter(
    (line) => /error|heap|memory|killed/i.test(line) && !/^\s+at /.test(line),
  );
  return (errors.length > 0 ? errors.slice(0, 3) : lines.slice(-1)).join(' ').slice(0, 500);
}

function diskBytes(dir: string): number {
  return readdirSync(dir).reduce((total, name) => total + statSync(join(dir, name)).size, 0);
}

async function measureSize(records: number): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'meterlab-bench-growth-'));
  const measurements: Measurement[] = [];
  let disk = 0;
  try {
    measurements.push(...(await inChild('build', dir, records)));
    disk = diskBytes(dir);
    measurements.push(...(await inChild('load', dir, records)));
    return { records, measurements, diskBytes: disk, failure: null };
  } catch (error) {
    return { records, measurements, diskBytes: disk, failure: (error as Error).message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const short = (records: number) =>
  records >= 1e9 ? `${records / 1e9}G` : records >= 1e6 ? `${records / 1e6}M` : `${records / 1e3}k`;
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;

function printTable(results: SizeResult[]): void {
  console.log(
    '\nrecords  ' + PHASES.map((p) => `${p} time / peak RSS`.padEnd(24)).join('') + 'on disk',
  );
  for (const size of results) {
    const cells = PHASES.map((phase) => {
      const m = size.measurements.find((x) => x.phase === phase);
      return (m ? `${(m.ms / 1000).toFixed(2)} s / ${mb(m.peakRss)}` : '—').padEnd(24);
    });
    console.log(
      `${short(size.records).padEnd(9)}${cells.join('')}${mb(size.diskBytes)}${size.failure ? `  FAILED: ${size.failure}` : ''}`,
    );
  }
}

/** Two log-log charts (time, peak RSS) drawn by Chart.js in Chromium, saved as a PNG. */
export async function drawChart(results: SizeResult[], file: string): Promise<void> {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    console.log(`No Chromium at ${chromium}: ${file} not drawn.`);
    return;
  }
  const { chromium: playwright } = await import('playwright-core');
  const browser = await playwright.launch({
    executablePath: chromium,
    args: ['--no-sandbox', '--headless'],
  });
  try {
    const page = await browser.newPage({
      viewport: { width: 1400, height: 560 },
      deviceScaleFactor: 1,
    });
    await page.setContent(
      '<body style="margin:0;background:#fff;font-family:sans-serif"><div style="display:flex">' +
        '<div style="width:700px;height:540px;padding:10px"><canvas id="time"></canvas></div>' +
        '<div style="width:700px;height:540px;padding:10px"><canvas id="rss"></canvas></div></div></body>',
    );
    await page.addScriptTag({
      path: join(import.meta.dirname, '..', 'node_modules/chart.js/dist/chart.umd.js'),
    });
    const machine = `${describeMachine()}; ${new Date().toISOString().slice(0, 10)}, load average ${os.loadavg()[0]!.toFixed(1)} (shared)`;
    // tsx compiles the function below with esbuild's keepNames, which calls a `__name` helper
    // that the page does not have.
    await page.evaluate('window.__name = (f) => f');
    await page.evaluate(
      ({ results, phases, machine }) => {
        const colors: Record<string, string> = {
          ingest: '#1f77b4',
          advance: '#d62728',
          save: '#2ca02c',
          load: '#9467bd',
        };
        const ChartJs = (
          window as unknown as { Chart: new (canvas: unknown, config: unknown) => unknown }
        ).Chart;
        const draw = (
          id: string,
          title: string,
          axis: string,
          value: (m: { ms: number; peakRss: number }) => number,
        ) =>
          new ChartJs(document.getElementById(id), {
            type: 'line',
            data: {
              datasets: phases.map((phase) => ({
                label: phase,
                borderColor: colors[phase],
                backgroundColor: colors[phase],
                data: results.flatMap((size) =>
                  size.measurements
                    .filter((m) => m.phase === phase)
                    .map((m) => ({ x: size.records, y: value(m) })),
                ),
              })),
            },
            options: {
              animation: false,
              responsive: false,
              plugins: { title: { display: true, text: [title, machine] } },
              scales: {
                x: {
                  type: 'logarithmic',
                  title: { display: true, text: 'stored usage records' },
                  // Powers of ten only.
                  ticks: {
                    callback: (value: number) =>
                      Number.isInteger(Math.log10(value)) ? value.toLocaleString('en-US') : '',
                  },
                },
                y: {
                  type: 'logarithmic',
                  title: { display: true, text: axis },
                  // 1, 2 and 5 times a power of ten, as plain numbers (0.05, 2, 500, 2,000).
                  ticks: {
                    callback: (value: number) => {
                      const lead = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
                      return [1, 2, 5].some((n) => Math.abs(lead - n) < 1e-6)
                        ? value.toLocaleString('en-US', { maximumSignificantDigits: 3 })
                        : '';
                    },
                  },
                },
              },
            },
          });
        for (const id of ['time', 'rss']) {
          const canvas = document.getElementById(id) as HTMLCanvasElement;
          canvas.width = 680;
          canvas.height = 520;
        }
        draw('time', 'Time per phase, 100 customers', 'seconds', (m) => m.ms / 1000);
        draw('rss', 'Peak RSS of the process after each phase', 'MiB', (m) => m.peakRss / 2 ** 20);
      },
      { results, phases: PHASES, machine },
    );
    await page.screenshot({ path: file, fullPage: true });
    console.log(`Chart: ${file}`);
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const results: SizeResult[] = [];
  for (const records of SIZES.filter((size) => size <= maxRecords)) {
    const started = performance.now();
    const result = await measureSize(records);
    results.push(result);
    console.log(
      `growth: ${short(records)} records in ${((performance.now() - started) / 1000).toFixed(1)} s${result.failure ? `: ${result.failure}` : ''}`,
    );
    if (result.failure) break;
  }
  printTable(results);
  writeFileSync(growthFile, `${JSON.stringify(results, null, 2)}\n`);
  await drawChart(results, growthChart);

  const largest = results.filter((size) => !size.failure).at(-1)!;
  const smallest = results[0]!;
  const phase = (size: SizeResult, name: Phase) => size.measurements.find((m) => m.phase === name)!;
  const label = `${largest.records.toLocaleString('en-US')} stored records, ${CUSTOMERS} customers`;
  figure({
    id: 'growth-ingest',
    label: `growth: ingest of ${label} (createBatch, 10k a call)`,
    value: largest.records / (phase(largest, 'ingest').ms / 1000),
    unit: 'records/s',
    records: largest.records,
    goal: { atLeast: 3e6 },
  });
  figure({
    id: 'growth-advance',
    label: `growth: advance to ${CUSTOMERS} paid invoices over ${label}`,
    value: phase(largest, 'advance').ms,
    unit: 'ms',
    records: largest.records,
  });
  figure({
    id: 'growth-save',
    label: `growth: save of the whole workspace with ${label}`,
    value: phase(largest, 'save').ms,
    unit: 'ms',
    records: largest.records,
    note: `${mb(largest.diskBytes)} on disk`,
  });
  figure({
    id: 'growth-load',
    label: `growth: load of the workspace with ${label}, scenario open`,
    value: phase(largest, 'load').ms,
    unit: 'ms',
    records: largest.records,
    goal: { atMost: 1000 },
  });
  figure({
    id: 'growth-memory-per-record',
    label: `growth: peak RSS of the load per stored record, above the ${short(smallest.records)} load's`,
    value: (phase(largest, 'load').peakRss - phase(smallest, 'load').peakRss) / largest.records,
    unit: 'B',
    records: largest.records,
    goal: { atMost: 16 },
  });
  writeResults();
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const [step, dir, records] = process.argv.slice(childAt + 1);
  const measured = step === 'build' ? await build(dir!, Number(records)) : await load(dir!);
  process.send!(measured, () => process.exit(0));
} else if (process.argv[1] === import.meta.filename) {
  await main();
}
