// The headless `meterlab` command: run a scenario file to a date and write its invoices, compare
// prices on its usage, or validate it. The scenario is replayed by the engine, then opened in an
// in-memory workspace and driven through the same dispatch as the desktop and browser hosts.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type {
  ErrorEnvelope,
  HostEvent,
  Method,
  MethodArgs,
  MethodResult,
  ScenarioSummary,
} from '../core/contract';
import { createDispatcher } from '../core/dispatch';
import { formatMoney } from '../core/public/format';
import {
  comparisonCsv,
  comparisonJson,
  comparisonTable,
  invoiceLinesCsvSteps,
  invoiceMonthsCsv,
  invoicesJsonSteps,
} from '../core/scenario/exports';
import type { TextSink } from '../core/scenario/exports';
import type { StepProgress } from '../core/resources/entry';
import { invoicesByCalendarMonth } from '../core/public/reporting';
import type { InvoiceMonth } from '../core/public/reporting';
import { formatProblem } from '../core/scenario/format';
import { isoInstant as isoTime } from '../core/values/time';
import type { ScenarioProblem } from '../core/scenario/format';
import { importScenarioSteps } from '../core/scenario/replay';
import type { ReplayOptions, ScenarioImport } from '../core/scenario/replay';
import { runPaced } from '../core/resources/entry';
import type { Snapshot } from '../core/resources/snapshot';
import type { PriceComparison } from '../core/public/types';
import type { Customer, Invoice } from '../core/public/types';
import { Workspace } from '../core/workspace';
import { MemoryWorkspaceStore } from '../core/workspace-store';
import { startFailureMessage } from './host';
import { jsonPieces } from './json-text';
import { startListen } from './listen';
import { DEFAULT_SERVE_PORT, serve } from './serve';
import { appDataFolder } from './shell';
import { backtestCommand, BACKTEST_USAGE } from './backtest/cli';
import {
  parseDate,
  progressBar,
  readJsonFile,
  ScenarioError,
  table,
  UsageError,
  type CliIo,
} from './cli-common';

export type { CliIo };

export const USAGE = `Usage: meterlab <command> <scenario.json> [options]
       meterlab backtest --usage <file> --prices <prices.json> [options]

Commands:
  run <scenario.json>       Replay the scenario, fast-forward it and write its invoices.
      --until <date>        Advance the clock to this ISO date (2025-06-01 or 2025-06-01T12:00:00Z).
      --periods <n>         Or advance n billing periods (default 1; 0 keeps the file's clock).
      --out <file>          Write the invoices to a .csv (one row per line) or .json file.
      --format <format>     What to print: table (a summary, the default), json or csv.
      --max-records <n>     Refuse work that would generate more usage records (default 200000000).
      --by <view>           customer (default: per customer, invoices as they are) or
                            calendar-month (billed per month the periods end in, open months marked;
                            --out and --format csv/json write the months too).
  compare <scenario.json>   Bill the scenario's usage under each price: revenue per period.
      --price <id>          A price of the scenario; repeat for each (1 to 5).
      --until, --periods    Fast-forward first, as for run (default: the file's clock).
      --format <format>     table (default), json or csv.
      --by <view>           period (default) or calendar-month (as the app's Compare view).
  validate <scenario.json>  Check a scenario file and print every problem found.
      --format <format>     text (default) or json.
      --max-records <n>     As for run.
  serve                     The engine API over HTTP on 127.0.0.1, for your own code (meterlab/client).
      --port <n>            Port (default 12111; 0 picks a free one).
      --data <file>         Workspace file (default: the desktop app's).
      --scenario <name>     Serve this scenario (created empty if none has that name).
      --clock <mode>        wall (default: the test clock catches up with the wall clock before
                            each call) or frozen (it moves only when you advance it).
      --allow-remote-webhooks  Deliver webhooks to any http(s) URL, not only to loopback ones.
  listen                    Receive a running serve's webhooks, print them and forward them.
      --forward-to <url>    Where to forward each event, signed with a secret listen prints.
      --base-url <url>      The serve to listen to (default http://127.0.0.1:12111).
                            The secret key comes from $VINR_SECRET_KEY or $METERLAB_SECRET_KEY.

${BACKTEST_USAGE}
Exit codes: 0 done, 1 the scenario was refused or failed, 2 bad command line.
`;

/** How far to fast-forward: to a time, or a number of billing periods. */
type Target = { until: number; text: string } | { periods: number };

/** The time options, checked before any work starts. */
function targetOf(values: CliValues, defaultPeriods: number): Target {
  if (values.until !== undefined && values.periods !== undefined) {
    throw new UsageError('use --until or --periods, not both.');
  }
  if (values.until !== undefined) return { until: parseDate(values.until), text: values.until };
  if (values.periods === undefined) return { periods: defaultPeriods };
  if (!/^\d+$/.test(values.periods) || Number(values.periods) > 1200) {
    throw new UsageError(`--periods '${values.periods}' must be a whole number from 0 to 1200.`);
  }
  return { periods: Number(values.periods) };
}

function formatOf(values: CliValues, formats: string[]): string {
  const format = values.format ?? formats[0]!;
  if (!formats.includes(format)) {
    throw new UsageError(`--format '${format}' is not one of ${formats.join(', ')}.`);
  }
  return format;
}

function byOf<T extends string>(values: CliValues, views: readonly T[]): T {
  const by = (values.by ?? views[0]!) as T;
  if (!views.includes(by)) {
    throw new UsageError(`--by '${values.by}' is not one of ${views.join(', ')}.`);
  }
  return by;
}

function refused(path: string, problems: readonly ScenarioProblem[]): ScenarioError {
  const listed = problems.map((problem) => `  ${formatProblem(problem)}`).join('\n');
  return new ScenarioError(`${path} was refused:\n${listed}`);
}

/** Replays a file in slices, so the progress bar and signals keep being served. */
async function importPaced(input: unknown, options: ReplayOptions): Promise<ScenarioImport> {
  const ran = await runPaced(importScenarioSteps(input, options), {
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
    now: () => performance.now(),
  });
  if (!('value' in ran)) throw new Error('A replay without a signal cannot stop.');
  return ran.value;
}

/** Replays the file (with a progress bar), or explains every problem. */
async function replayFile(io: CliIo, path: string, input: unknown, values: CliValues) {
  const bar = progressBar(io, 'Replaying');
  const { simulator, problems, file } = await importPaced(input, {
    onProgress: bar.update,
    maxGeneratedRecords: maxRecordsOf(values),
  });
  bar.finish();
  if (!simulator || !file) throw refused(path, problems);
  return { snapshot: simulator.snapshot(), file };
}

type Call = <M extends Method>(
  method: M,
  args: MethodArgs<M>,
  onEvent?: (event: HostEvent) => void,
) => Promise<MethodResult<M>>;

/** A refusal of the engine, with its error envelope. */
class EngineRefused extends Error {
  constructor(readonly error: ErrorEnvelope) {
    super(error.message);
  }
}

/** Opens the replayed scenario in an in-memory workspace and returns the host's one dispatch. */
async function openScenario(name: string, snapshot: Snapshot, values: CliValues): Promise<Call> {
  const workspace = await Workspace.load({
    store: new MemoryWorkspaceStore(),
    now: () => Date.now(),
    // The scenario enters the workspace as its one template.
    templates: {
      list: () => [{ id: 'scenario', name, description: '' }],
      build: () => snapshot,
    },
  });
  const dispatch = createDispatcher(workspace, {
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
    now: () => performance.now(),
  });
  const call: Call = async (method, args, onEvent) => {
    const result = await dispatch(method, args, onEvent ? { onEvent } : {});
    if (!result.ok) throw new EngineRefused(result.error);
    return result.data as MethodResult<typeof method>;
  };
  await call('workspace.create', [{ name, template: 'scenario' }]);
  const maxRecords = maxRecordsOf(values);
  if (maxRecords !== undefined) {
    await call('settings.update', [{ maxGeneratedRecordsPerAdvance: maxRecords }]);
  }
  return call;
}

/** The options as parsed (see OPTIONS). */
interface CliValues {
  until?: string;
  periods?: string;
  out?: string;
  format?: string;
  price?: string[];
  'max-records'?: string;
  by?: string;
  help?: boolean;
  port?: string;
  data?: string;
  scenario?: string;
  clock?: string;
  'allow-remote-webhooks'?: boolean;
  'forward-to'?: string;
  'base-url'?: string;
}

/** --max-records: the most usage records a replay or a clock move may generate. */
function maxRecordsOf(values: CliValues): number | undefined {
  const text = values['max-records'];
  if (text === undefined) return undefined;
  const count = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(count)) {
    throw new UsageError(
      `--max-records '${text}' must be a whole number of records, such as 500000000.`,
    );
  }
  return count;
}

/** Moves the clock as asked; returns what was done, for the summary. */
async function fastForward(io: CliIo, call: Call, target: Target): Promise<string> {
  const bar = progressBar(io, 'Advancing');
  if ('until' in target) {
    const clock = await call('testClock.retrieve', []);
    if (target.until < clock.frozenTime) {
      throw new UsageError(
        `--until ${target.text} is before the scenario's clock (${isoTime(clock.frozenTime)}): the clock only moves forward.`,
      );
    }
    await call('testClock.advance', [{ frozenTime: target.until }], (event) => {
      if (event.type === 'progress') bar.update(event.done, event.total);
    });
    bar.finish();
    return `advanced to ${target.text}`;
  }
  let advanced = 0;
  while (advanced < target.periods) {
    const { data } = await call('subscriptions.list', [{ limit: 10_000 }]);
    const next = data
      .filter((subscription) => subscription.endedAt === null)
      .sort((a, b) => a.currentPeriodEnd - b.currentPeriodEnd)[0];
    if (!next) {
      io.stderr.write(`meterlab: no active subscription left after ${advanced} periods.\n`);
      break;
    }
    await call('testClock.advanceBillingPeriod', [{ subscription: next.id }]);
    bar.update(++advanced, target.periods);
  }
  bar.finish();
  return advanced === 0
    ? 'clock as in the file'
    : `${advanced} billing period${advanced === 1 ? '' : 's'} advanced`;
}

/** How long the CLI writes an export before it yields (to signals, the progress bar, I/O). */
const WRITE_SLICE_MS = 20;

/**
 * Writes an export's text as it is made, a slice of invoices at a time, yielding between slices
 * and waiting while the output is behind: a JSON of 100,000 invoices (400 MB) is never one
 * string in memory, nor one long job.
 */
async function writeInPieces(
  output: {
    write(text: string): unknown;
    once?: (event: 'drain', listener: () => void) => unknown;
  },
  steps: (write: TextSink) => Generator<StepProgress, void>,
): Promise<void> {
  let full = false;
  const ran = await runPaced(
    steps((piece) => {
      if (output.write(piece) === false) full = true;
    }),
    {
      now: () => performance.now(),
      sliceMs: WRITE_SLICE_MS,
      yieldToHost: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        if (full && output.once)
          await new Promise<void>((resolve) => output.once!('drain', resolve));
        full = false;
      },
    },
  );
  if (!('value' in ran)) throw new Error('the export was stopped');
}

/** writeInPieces to a new file at `path`. */
async function writeFileInPieces(
  path: string,
  steps: (write: TextSink) => Generator<StepProgress, void>,
): Promise<void> {
  const file = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => file.once('error', reject));
  await Promise.race([writeInPieces(file, steps), failed]);
  file.end();
  await Promise.race([finished(file), failed]);
}

/** A small text as a one-piece export. */
// eslint-disable-next-line require-yield -- one piece: nothing to yield between
function* wholeText(text: string, write: TextSink): Generator<StepProgress, void> {
  write(text);
}

/** A value as JSON.stringify(value, null, 2) and a line break, a few pieces at a time. */
function* wholeJson(value: unknown, write: TextSink): Generator<StepProgress, void> {
  let text = '';
  for (const piece of jsonPieces(value)) {
    text += piece;
    if (text.length < 64 * 1024) continue;
    write(text);
    text = '';
    yield { from: 0, to: 1, at: 0 };
  }
  write(`${text}\n`);
}

/** Every invoice, oldest first, read page by page. */
async function allInvoices(call: Call): Promise<Invoice[]> {
  const all: Invoice[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const { data, hasMore } = await call('invoices.list', [{ limit: 10_000, startingAfter }]);
    all.push(...data);
    if (!hasMore) return all.reverse();
    startingAfter = data.at(-1)!.id;
  }
}

/** Every customer, oldest first, read page by page. */
async function allCustomers(call: Call): Promise<Customer[]> {
  const all: Customer[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const { data, hasMore } = await call('customers.list', [{ limit: 10_000, startingAfter }]);
    all.push(...data);
    if (!hasMore) return all.reverse();
    startingAfter = data.at(-1)!.id;
  }
}

function moneyByCurrency(totals: Record<string, number>): string {
  const entries = Object.entries(totals);
  return entries.length
    ? entries.map(([currency, minor]) => formatMoney(minor, currency)).join(', ')
    : '0';
}

/** What an invoice counts for in "billed": finalized and not voided (as the workspace counts). */
const isBilled = (invoice: Invoice) => invoice.finalizedAt !== null && invoice.status !== 'void';

function summaryOf(invoices: Invoice[], customers: { id: string; name: string }[]) {
  // One pass over the invoices: a filter per customer is 10^9 steps at 10,000 × 100,000.
  const byCustomer = new Map<string, Invoice[]>();
  for (const invoice of invoices) {
    const own = byCustomer.get(invoice.customer);
    if (own) own.push(invoice);
    else byCustomer.set(invoice.customer, [invoice]);
  }
  return customers.map((customer) => {
    const own = byCustomer.get(customer.id) ?? [];
    const billed: Record<string, number> = {};
    for (const invoice of own.filter(isBilled)) {
      billed[invoice.currency] = (billed[invoice.currency] ?? 0) + invoice.total;
    }
    return {
      customer: customer.id,
      name: customer.name,
      invoices: own.length,
      periods: own.filter((invoice) => invoice.billingReason === 'subscription_cycle').length,
      billed,
    };
  });
}

async function runCommand(io: CliIo, path: string, values: CliValues) {
  const format = formatOf(values, ['table', 'json', 'csv']);
  const by = byOf(values, ['customer', 'calendar-month'] as const);
  const target = targetOf(values, 1);
  const out = values.out;
  if (out !== undefined && !['.csv', '.json'].includes(extname(out).toLowerCase())) {
    throw new UsageError(`--out '${out}' must end in .csv or .json (the format is taken from it).`);
  }
  const { snapshot, file } = await replayFile(io, path, await readJsonFile(path), values);
  const call = await openScenario(file.name, snapshot, values);
  const advanced = await fastForward(io, call, target);
  const invoices = await allInvoices(call);
  const customers = await allCustomers(call);
  const current = (await call('workspace.current', [])) as ScenarioSummary;

  const months =
    by === 'calendar-month' ? invoicesByCalendarMonth(invoices, current.frozenTime) : null;
  if (out !== undefined) {
    const csv = extname(out).toLowerCase() === '.csv';
    const monthsText =
      months && (csv ? invoiceMonthsCsv(months) : `${JSON.stringify(months, null, 2)}\n`);
    try {
      await writeFileInPieces(out, (write) =>
        monthsText !== null
          ? wholeText(monthsText, write)
          : csv
            ? invoiceLinesCsvSteps(invoices, { customers }, write)
            : invoicesJsonSteps(invoices, write),
      );
    } catch (error) {
      throw new UsageError(`cannot write '${out}': ${(error as Error).message}`);
    }
  }

  if (months) {
    printMonths(io, months, format, {
      scenario: file.name,
      clock: isoTime(current.frozenTime),
      advanced,
      billed: current.invoicedTotals,
    });
    if (out !== undefined && format === 'table') io.stdout.write(`Months written to ${out}\n`);
    return;
  }
  const summary = summaryOf(invoices, customers);
  if (format === 'json') {
    const result = {
      scenario: file.name,
      clock: isoTime(current.frozenTime),
      customers: summary,
      billed: current.invoicedTotals,
      invoices,
    };
    await writeInPieces(io.stdout, (write) => wholeJson(result, write));
  } else if (format === 'csv') {
    await writeInPieces(io.stdout, (write) => invoiceLinesCsvSteps(invoices, { customers }, write));
  } else {
    io.stdout.write(
      `${file.name}\nClock ${isoTime(current.frozenTime)} (${advanced}), ${invoices.length} invoices\n\n`,
    );
    io.stdout.write(
      table(
        ['customer', 'name', 'invoices', 'periods', 'billed'],
        summary.map((row) => [
          row.customer,
          row.name,
          String(row.invoices),
          String(row.periods),
          moneyByCurrency(row.billed),
        ]),
        new Set([2, 3, 4]),
      ),
    );
    io.stdout.write(`\nTotal billed: ${moneyByCurrency(current.invoicedTotals)}\n`);
    if (out !== undefined) io.stdout.write(`Invoices written to ${out}\n`);
  }
}

/** `meterlab run --by calendar-month`: the invoices billed per calendar month. */
function printMonths(
  io: CliIo,
  months: InvoiceMonth[],
  format: string,
  run: { scenario: string; clock: string; advanced: string; billed: Record<string, number> },
): void {
  if (format === 'json') {
    const result = { scenario: run.scenario, clock: run.clock, billed: run.billed, months };
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  if (format === 'csv') {
    io.stdout.write(invoiceMonthsCsv(months));
    return;
  }
  io.stdout.write(`${run.scenario}\nClock ${run.clock} (${run.advanced}), by calendar month\n\n`);
  io.stdout.write(
    table(
      ['month', 'invoices', 'billed', 'draft'],
      months.map((month) => [
        `${month.month}${month.open ? ' (open)' : ''}`,
        String(month.invoices),
        formatMoney(month.billed, month.currency),
        formatMoney(month.draft, month.currency),
      ]),
      new Set([1, 2, 3]),
    ),
  );
  io.stdout.write(
    `\nA month holds the invoices whose period ends in it; (open): a period it holds is still running.\nTotal billed: ${moneyByCurrency(run.billed)}\n`,
  );
}

async function compareCommand(io: CliIo, path: string, values: CliValues) {
  const format = formatOf(values, ['table', 'json', 'csv']);
  const by = byOf(values, ['period', 'calendar-month'] as const);
  const target = targetOf(values, 0);
  const prices = values.price ?? [];
  if (prices.length === 0) throw new UsageError('compare needs at least one --price <id>.');
  const { snapshot, file } = await replayFile(io, path, await readJsonFile(path), values);
  const call = await openScenario(file.name, snapshot, values);
  await fastForward(io, call, target);
  let comparison: PriceComparison;
  try {
    comparison = await call('analysis.comparePrices', [{ prices }]);
  } catch (error) {
    if (!(error instanceof EngineRefused)) throw error;
    const known = (await call('prices.list', [{ limit: 10_000 }])).data
      .map((price) => `${price.id}${price.nickname ? ` (${price.nickname})` : ''}`)
      .join(', ');
    const which = /^prices\[(\d+)\]$/.exec(error.error.param ?? '');
    const subject = which ? `--price ${prices[Number(which[1])]}` : '--price';
    throw new UsageError(
      `${subject}: ${error.message} Prices in this scenario: ${known || 'none'}.`,
    );
  }
  const now = (await call('testClock.retrieve', [])).frozenTime;
  if (format === 'json') {
    io.stdout.write(comparisonJson(comparison, by, now));
    return;
  }
  if (format === 'csv') {
    io.stdout.write(comparisonCsv(comparison, by, now));
    return;
  }
  const money = (minor: number) => formatMoney(minor, comparison.currency);
  const summed = comparisonTable(comparison, by, now);
  const rows = summed.rows.map((row) => [
    by === 'period'
      ? `${row.label[0]} – ${row.label[1]}`
      : `${row.label[0]}${row.open ? ' (open)' : ''}`,
    ...row.amounts.map(money),
  ]);
  rows.push(['total', ...comparison.prices.map((price) => money(comparison.totals[price]!))]);
  io.stdout.write(
    `${file.name}: revenue per ${by === 'period' ? 'period' : 'calendar month (the month each period ends in)'} under each price\n\n`,
  );
  for (const id of comparison.prices) {
    const price = await call('prices.retrieve', [id]);
    const strategy = price.recurring.aggregateUsage ?? 'sum';
    io.stdout.write(`  ${id}  ${price.nickname ?? price.billingScheme} (${strategy})\n`);
  }
  io.stdout.write('\n');
  io.stdout.write(
    table(
      [by === 'period' ? 'period' : 'month', ...comparison.prices],
      rows,
      new Set(comparison.prices.map((_, i) => i + 1)),
    ),
  );
}

async function validateCommand(io: CliIo, path: string, values: CliValues) {
  const format = formatOf(values, ['text', 'json']);
  const input = await readJsonFile(path);
  const bar = progressBar(io, 'Checking');
  const { simulator, problems, file, migratedFrom } = await importPaced(input, {
    onProgress: bar.update,
    maxGeneratedRecords: maxRecordsOf(values),
  });
  bar.finish();
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({ valid: problems.length === 0, problems }, null, 2)}\n`);
  } else if (simulator && file) {
    const migrated = migratedFrom === null ? '' : ` (schemaVersion ${migratedFrom}, migrated)`;
    io.stdout.write(`${path}: valid scenario '${file.name}'${migrated}\n`);
  } else {
    io.stdout.write(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
    for (const problem of problems) io.stdout.write(`  ${formatProblem(problem)}\n`);
  }
  return problems.length === 0 ? 0 : 1;
}

/** Resolves on Ctrl-C or SIGTERM. */
function signalled(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function serveCommand(io: CliIo, values: CliValues) {
  const port = values.port === undefined ? DEFAULT_SERVE_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port '${values.port}' must be a whole number from 0 to 65535.`);
  }
  const clock = values.clock ?? 'wall';
  if (clock !== 'wall' && clock !== 'frozen') {
    throw new UsageError(`--clock '${clock}' is not one of wall, frozen.`);
  }
  const dataFile = values.data ? resolve(values.data) : join(appDataFolder(), 'workspace.json');
  let running;
  try {
    running = await serve({
      dataFile,
      port,
      followWallClock: clock === 'wall',
      webhooks: { allowRemote: values['allow-remote-webhooks'] ?? false },
      ...(values.scenario === undefined ? {} : { scenario: values.scenario }),
    });
  } catch (error) {
    throw new ScenarioError(startFailureMessage(error, { dataFile, port }));
  }
  for (const notice of running.notices) io.stderr.write(`${notice.message}\n`);
  io.stdout.write(
    `Meterlab serves scenario '${running.scenario.name}' (${running.scenario.id}) of ${dataFile}\n\n` +
      `  base URL    ${running.url}\n` +
      `  secret key  ${running.secretKey}\n\n` +
      `  const vinr = new Meterlab({ secretKey: process.env.VINR_SECRET_KEY, baseUrl: '${running.url}' });\n\n` +
      `Test clock: ${clock === 'wall' ? 'catches up with the wall clock before each call' : 'frozen (advance it through the API)'}. ` +
      `Webhooks: ${values['allow-remote-webhooks'] ? 'any http(s) URL' : 'loopback URLs only'}.\n` +
      'Press Ctrl-C to stop (every change is saved as it is made).\n',
  );
  await (io.untilStopped ?? signalled());
  await running.close();
}

async function listenCommand(io: CliIo, values: CliValues) {
  const forwardTo = values['forward-to'];
  if (forwardTo === undefined) throw new UsageError('listen needs --forward-to <url>.');
  const secretKey = process.env.VINR_SECRET_KEY ?? process.env.METERLAB_SECRET_KEY;
  if (!secretKey) {
    throw new UsageError(
      'set VINR_SECRET_KEY (or METERLAB_SECRET_KEY) to the key `meterlab serve` printed.',
    );
  }
  const baseUrl = values['base-url'] ?? `http://127.0.0.1:${DEFAULT_SERVE_PORT}`;
  let running;
  try {
    running = await startListen({
      baseUrl,
      secretKey,
      forwardTo,
      print: (line) => io.stdout.write(`${line}\n`),
    });
  } catch (error) {
    throw new ScenarioError(`cannot listen to ${baseUrl}: ${(error as Error).message}`);
  }
  io.stdout.write(
    `Forwarding the webhooks of ${baseUrl} to ${forwardTo} (endpoint ${running.endpoint}).\n` +
      `Signing secret: ${running.secret}\nPress Ctrl-C to stop.\n`,
  );
  await (io.untilStopped ?? signalled());
  await running.close();
}

const OPTIONS = {
  'forward-to': { type: 'string' },
  'base-url': { type: 'string' },
  port: { type: 'string' },
  data: { type: 'string' },
  scenario: { type: 'string' },
  clock: { type: 'string' },
  'allow-remote-webhooks': { type: 'boolean' },
  until: { type: 'string' },
  periods: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  price: { type: 'string', multiple: true },
  'max-records': { type: 'string' },
  by: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each command takes. */
const COMMAND_OPTIONS: Record<string, string[]> = {
  run: ['until', 'periods', 'out', 'format', 'max-records', 'by'],
  compare: ['price', 'until', 'periods', 'format', 'max-records', 'by'],
  validate: ['format', 'max-records'],
  serve: ['port', 'data', 'scenario', 'clock', 'allow-remote-webhooks'],
  listen: ['forward-to', 'base-url'],
};

/** Runs the command line; returns the exit code (0 done, 1 refused or failed, 2 bad command line). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    // backtest reads usage, not a scenario: it takes options of its own and no file argument.
    if (argv[0] === 'backtest' && !argv.includes('--help') && !argv.includes('-h')) {
      await backtestCommand(io, argv.slice(1));
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    const [command, path, ...extra] = positionals;
    if (values.help || command === 'help' || command === undefined) {
      io.stdout.write(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    const allowed = COMMAND_OPTIONS[command];
    if (!allowed)
      throw new UsageError(
        `unknown command '${command}': use run, compare, validate, backtest, serve or listen.`,
      );
    for (const option of Object.keys(values)) {
      if (!allowed.includes(option)) {
        throw new UsageError(
          `${command} takes no --${option} (it takes ${allowed.map((o) => `--${o}`).join(', ')}).`,
        );
      }
    }
    if (command === 'serve' || command === 'listen') {
      if (path !== undefined) throw new UsageError(`unexpected argument '${path}'.`);
      await (command === 'serve' ? serveCommand(io, values) : listenCommand(io, values));
      return 0;
    }
    if (path === undefined)
      throw new UsageError(
        `${command} needs a scenario file: meterlab ${command} <scenario.json>.`,
      );
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'.`);
    if (command === 'validate') return await validateCommand(io, path, values);
    if (command === 'compare') await compareCommand(io, path, values);
    else await runCommand(io, path, values);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`meterlab: ${error.message}\nRun 'meterlab --help' for usage.\n`);
      return 2;
    }
    if (error instanceof ScenarioError) {
      io.stderr.write(`meterlab: ${error.message}\n`);
      return 1;
    }
    if (error instanceof EngineRefused) {
      const { code, param, message } = error.error;
      io.stderr.write(
        `meterlab: the engine refused (${code}${param ? `, ${param}` : ''}): ${message}\n`,
      );
      return 1;
    }
    io.stderr.write(
      `meterlab: internal error (a bug in Meterlab): ${(error as Error).stack ?? String(error)}\n`,
    );
    return 1;
  }
}
