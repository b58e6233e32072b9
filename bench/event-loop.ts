// `npx tsx bench/event-loop.ts` (`--small` for a quick run): how long each long operation that is
// allowed holds the browser host's event loop. The host runs in this process; while each
// operation runs through its HTTP API, a probe measures the longest gap between timer ticks
// (probeEventLoop) and a client fetches a static file and a read-only call every 20 ms, timing
// the slowest answers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportScenario } from '../core/scenario/replay';
import type { ScenarioFile } from '../core/scenario/format';
import { createSimulator } from '../core/simulator';
import { TOKEN_HEADER, startHost } from '../electron/host';
import { DAY, START, dailyInvoicesFile } from './daily-invoices';
import { probeEventLoop } from './event-loop-probe';

const GENERATORS_PER_ITEM = 25;

export interface BlockFigure {
  operation: string;
  /** The call's wall time, answer included. */
  ms: number;
  /**
   * The longest the event loop was held: the larger of monitorEventLoopDelay's max (less its
   * resolution) and the longest gap between ticks of a 5 ms timer (the histogram can miss a
   * block that starts right after it is enabled).
   */
  maxBlockMs: number;
  /** The loop's own work (CPU time) in its longest gap: the block less time with no core. */
  maxWorkMs: number;
  /** The slowest answer to a static file and to workspace.list while the operation ran. */
  slowestStaticMs: number;
  slowestReadMs: number;
  result: string;
}

/** Subscriptions with 25 one-minute generators each: `subscriptions` × 1.08M records a month. */
export function usageFile(subscriptions: number): ScenarioFile {
  const sim = createSimulator({ startTime: START, seed: 5 });
  const product = sim.products.create({ name: 'API' }).id;
  const price = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmountDecimal: '0.2',
    recurring: { interval: 'month', usageType: 'metered' },
  }).id;
  for (let i = 0; i < subscriptions; i++) {
    const customer = sim.customers.create({ name: `C${i}`, paymentMethod: 'pm_card_visa' }).id;
    const item = sim.subscriptions.create({ customer, items: [{ price }] }).items.data[0]!.id;
    for (let g = 0; g < GENERATORS_PER_ITEM; g++) {
      sim.generators.create({
        subscriptionItem: item,
        spec: {
          pattern: { kind: 'poisson', meanPerHour: 600 },
          action: 'increment',
          resolutionSeconds: 60,
        },
      });
    }
  }
  return exportScenario(sim.snapshot(), { name: 'usage' });
}

/** Monthly metered subscriptions with coarse generators (the pipeline-heavy fast-forward). */
export function monthlyFile(subscriptions: number): ScenarioFile {
  const sim = createSimulator({ startTime: START, seed: 7 });
  const product = sim.products.create({ name: 'API' }).id;
  const price = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmountDecimal: '0.2',
    recurring: { interval: 'month', usageType: 'metered' },
  }).id;
  for (let i = 0; i < subscriptions; i++) {
    const customer = sim.customers.create({ name: `C${i}`, paymentMethod: 'pm_card_visa' }).id;
    const item = sim.subscriptions.create({ customer, items: [{ price }] }).items.data[0]!.id;
    sim.generators.create({
      subscriptionItem: item,
      spec: {
        pattern: { kind: 'poisson', meanPerHour: 40 },
        action: 'increment',
        resolutionSeconds: 2880,
      },
    });
  }
  return exportScenario(sim.snapshot(), { name: 'monthly' });
}

type Call = (
  method: string,
  args: unknown[],
) => Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }>;

/** Calls `method` and reads its answer a chunk at a time: its size, once it says ok. */
async function download(port: number, token: string, method: string, args: unknown[]) {
  const response = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
    body: JSON.stringify({ args }),
  });
  let bytes = 0;
  let head = '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    if (head.length < 12) head += Buffer.from(chunk.subarray(0, 12)).toString();
    bytes += chunk.length;
  }
  if (!head.startsWith('{"ok":true')) throw new Error(`${method} failed: ${head}`);
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

/** Runs `operation` while probing the event loop and fetching a file and a read every 20 ms. */
async function measure(
  name: string,
  port: number,
  call: Call,
  operation: () => Promise<string>,
): Promise<BlockFigure> {
  let running = true;
  let slowestStatic = 0;
  let slowestRead = 0;
  const poll = async (fetchOne: () => Promise<unknown>, record: (ms: number) => void) => {
    while (running) {
      const started = performance.now();
      // A keep-alive connection the server timed out while the loop was held: try again.
      await fetchOne().catch(() => fetchOne());
      record(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const probe = probeEventLoop();
  const pollers = [
    poll(
      () => fetch(`http://127.0.0.1:${port}/index.html`).then((r) => r.text()),
      (ms) => (slowestStatic = Math.max(slowestStatic, ms)),
    ),
    poll(
      () => call('workspace.list', []),
      (ms) => (slowestRead = Math.max(slowestRead, ms)),
    ),
  ];
  const started = performance.now();
  const result = await operation();
  const ms = performance.now() - started;
  const { maxBlockMs, maxWorkMs } = probe();
  running = false;
  await Promise.all(pollers);
  return {
    operation: name,
    ms,
    maxBlockMs,
    maxWorkMs,
    slowestStaticMs: slowestStatic,
    slowestReadMs: slowestRead,
    result,
  };
}

export async function eventLoopFigures(
  scale: {
    usageSubscriptions: number;
    invoiceSubscriptions: number;
    days: number;
    monthly: number;
  } = {
    usageSubscriptions: 20,
    invoiceSubscriptions: 100,
    days: 999,
    monthly: 1000,
  },
  log: (figure: BlockFigure) => void = () => {},
): Promise<BlockFigure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'meterlab-event-loop-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>probe</title>');
  const host = await startHost({ port: 0, dataFile: join(dir, 'workspace.json'), staticDir: dir });
  const port = Number(new URL(host.url).port);
  const call: Call = (method, args) =>
    fetch(`http://127.0.0.1:${port}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-meterlab-token': host.token },
      body: JSON.stringify({ args }),
    }).then((response) => response.json() as never);
  const ok = async (method: string, args: unknown[], summary: (data: never) => string) => {
    const answer = await call(method, args);
    if (!answer.ok) throw new Error(`${method}: ${answer.error!.code} ${answer.error!.message}`);
    return summary(answer.data as never);
  };
  const figures: BlockFigure[] = [];
  const run = async (name: string, operation: () => Promise<string>) => {
    const figure = await measure(name, port, call, operation);
    figures.push(figure);
    log(figure);
  };
  try {
    const usage = usageFile(scale.usageSubscriptions);
    await ok('workspace.importScenario', [{ file: usage }], () => '');
    const records = scale.usageSubscriptions * GENERATORS_PER_ITEM * 30 * 24 * 60;
    await run(`clock advance 30 days, ~${(records / 1e6).toFixed(0)}M generated records`, () =>
      ok(
        'testClock.advance',
        [{ frozenTime: START + 30 * DAY }],
        (clock: { frozenTime: number }) =>
          `clock at ${new Date(clock.frozenTime * 1000).toISOString().slice(0, 10)}`,
      ),
    );

    const monthly = monthlyFile(scale.monthly);
    await ok('workspace.importScenario', [{ file: monthly }], () => '');
    await run(
      `fast-forward ${scale.monthly.toLocaleString('en-US')} subscriptions × 12 months`,
      () => ok('testClock.advance', [{ frozenTime: START + 366 * DAY }], () => 'done'),
    );

    const invoices = dailyInvoicesFile(scale.invoiceSubscriptions, scale.days);
    const count = scale.invoiceSubscriptions * (scale.days + 1);
    let id = '';
    await run(`import (replay) ${count.toLocaleString('en-US')} invoices`, () =>
      ok('workspace.importScenario', [{ file: invoices }], (summary: { id: string }) => {
        id = summary.id;
        return summary.id;
      }),
    );
    // Exports are read as a browser saves them, a chunk at a time: parsing 400 MB of JSON here
    // would hold this process's loop, which is the host's.
    for (const format of ['csv', 'json', 'html'] as const) {
      await run(`export ${count.toLocaleString('en-US')} invoices as ${format}`, () =>
        download(port, host.token, 'workspace.exportInvoices', [{ format }]),
      );
    }
    await run(`export the scenario of ${count.toLocaleString('en-US')} invoices`, () =>
      download(port, host.token, 'workspace.exportScenario', [id]),
    );
    const middle = START + Math.floor(scale.days / 2) * DAY;
    await run('branch at the middle (replay)', () =>
      ok('workspace.branch', [{ id, at: middle }], (summary: { id: string }) => summary.id),
    );
    await run('rewind to the middle (replay)', () =>
      ok('workspace.rewind', [{ id, at: middle }], () => 'done'),
    );
  } finally {
    await host.close();
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}

export function describeFigure(figure: BlockFigure): string {
  const f = (ms: number) => `${ms.toFixed(0)} ms`.padStart(9);
  return `${figure.operation.padEnd(52)} total ${f(figure.ms)}  max block ${f(figure.maxBlockMs)} (work ${f(figure.maxWorkMs).trim()})  slowest file ${f(figure.slowestStaticMs)}  slowest read ${f(figure.slowestReadMs)}  (${figure.result})`;
}

if (process.argv[1]?.endsWith('event-loop.ts')) {
  const scale = process.argv.includes('--small')
    ? { usageSubscriptions: 2, invoiceSubscriptions: 20, days: 200, monthly: 100 }
    : undefined;
  await eventLoopFigures(scale, (figure) => console.log(describeFigure(figure)));
}
