// Backtests beside the window (electron/backtest/window.ts): the backtest.* methods the browser
// host and the desktop app answer, checked against the CLI for the same input, and their
// refusals of bad input (each naming the file or column, nothing kept half-done).
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchResult, HostEvent } from '../../../core/contract';
import type { BacktestOutcome, UsageFileHandle, UsagePreview } from '../../../core/public/backtest';
import type { BacktestLine } from '../../../core/rules/backtest';
import { MAX_USAGE_UPLOAD_BYTES } from '../../../core/public/backtest';
import {
  createBacktestWindow,
  createChooseUsageFileHandler,
  SAMPLE_DIR,
  uploadFolder,
  type BacktestWindow,
} from '../../../electron/backtest/window';
import { windowCalls } from './window-calls';
import { main } from '../../../electron/cli';
import { toErrorEnvelope } from '../../../core/values/errors';

const sampleUsage = join(SAMPLE_DIR, 'usage-sample.csv.gz');
const samplePrices = join(SAMPLE_DIR, 'prices-sample.json');

let dir: string;
let window: BacktestWindow;
const events: HostEvent[] = [];

const { call, ok } = windowCalls(() => window, events);

async function cli(...args: string[]): Promise<string> {
  let stdout = '';
  const code = await main(['backtest', ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
  });
  expect(code).toBe(0);
  return stdout;
}

/** An upload as the browser host streams it: the file's bytes in chunks. */
const upload = (name: string, ...chunks: (string | Buffer)[]) =>
  window
    .upload(
      name,
      chunks.map((chunk) => Buffer.from(chunk)),
    )
    .then(
      (data): DispatchResult<UsageFileHandle> => ({ ok: true, data }),
      (error: unknown): DispatchResult<UsageFileHandle> => ({
        ok: false,
        error: toErrorEnvelope(error),
      }),
    );

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meterlab-backtest-window-'));
  window = createBacktestWindow(async () => ({ ok: true, data: 'engine' }), {
    dataFile: join(dir, 'workspace.json'),
  });
});

afterAll(async () => {
  await window.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('backtests beside the window', () => {
  let sample: { file: UsageFileHandle; hypotheses: unknown[] };
  let outcome: BacktestOutcome;

  it('passes every other method on to the engine', async () => {
    expect(await call('workspace.list')).toEqual({ ok: true, data: 'engine' });
  });

  it('runs the sample as the CLI does: same totals, periods and CSV', async () => {
    sample = await ok('backtest.sample');
    expect(sample.file.name).toBe('usage-sample.csv.gz');
    const preview = await ok<UsagePreview>('backtest.preview', { file: sample.file.id });
    expect(preview.mapping).toEqual({
      customer: 'customer',
      meter: 'meter',
      timestamp: 'timestamp',
      quantity: 'quantity',
      action: 'action',
    });
    expect(preview.rows[0]).toEqual({
      customer: 'cust_001',
      meter: 'api_calls',
      timestamp: '2025-01-01',
      quantity: '238',
      action: null,
    });
    events.length = 0;
    outcome = await ok<BacktestOutcome>('backtest.run', {
      file: sample.file.id,
      mapping: preview.mapping,
      hypotheses: sample.hypotheses,
    });
    const progress = events.filter((event) => event.type === 'progress');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({
      type: 'progress',
      task: 'backtest',
      done: 1000,
      total: 1000,
    });

    const json = JSON.parse(
      await cli('--usage', sampleUsage, '--prices', samplePrices, '--format', 'json'),
    );
    expect(outcome.hypotheses.map((h) => [h.key, h.total])).toEqual(
      json.hypotheses.map((h: { key: string; total: number }) => [h.key, h.total]),
    );
    expect(outcome.customers).toBe(200);
    expect(outcome.periods).toHaveLength(12);
    expect(outcome.hypotheses[1]!.byCustomer).toEqual(json.hypotheses[1].byCustomer);
    const csv = await ok<{ content: string; filename: string }>('backtest.export', {
      format: 'csv',
    });
    expect(csv.filename).toBe('backtest-usage-sample.csv');
    expect(csv.content).toBe(
      await cli('--usage', sampleUsage, '--prices', samplePrices, '--format', 'csv'),
    );
    const exported = await ok<{ content: string }>('backtest.export', { format: 'json' });
    expect(JSON.parse(exported.content)).toEqual(json);
  });

  it("explains a cell: cust_001's January under the allowance (20,000 calls for EUR 49)", async () => {
    const line = await ok<BacktestLine>('backtest.explain', {
      hypothesis: 'allowance',
      customer: 'cust_001',
      period: 0,
    });
    // 4,694 calls in January: inside the first tier, so its flat EUR 49.00 alone.
    expect(line).toMatchObject({ quantity: 4694, amount: 4900, currency: 'EUR' });
    expect(line.explanation.aggregation?.summary).toContain('4694');
    expect(
      await ok('backtest.explain', { hypothesis: 'allowance', customer: 'nobody', period: 0 }),
    ).toBeNull();
  });

  it('prices again against another current hypothesis without reading the file', async () => {
    const again = await ok<BacktestOutcome>('backtest.reprice', { current: 'allowance' });
    expect(again.current).toBe('allowance');
    const allowance = again.hypotheses.find((h) => h.key === 'allowance')!;
    expect(allowance.byCustomer.every((row) => row.change === 0)).toBe(true);
    expect(again.hypotheses.map((h) => h.total)).toEqual(outcome.hypotheses.map((h) => h.total));
  });

  it('prints a summary report naming the file, with the open period marked', async () => {
    const report = await ok<{ content: string; mimeType: string }>('backtest.export', {
      format: 'html',
    });
    expect(report.mimeType).toBe('text/html');
    expect(report.content).toContain('Backtest: usage-sample.csv.gz');
    expect(report.content).not.toContain('<script');
  });

  const sampleMapping = {
    customer: 'customer',
    meter: 'meter',
    timestamp: 'timestamp',
    quantity: 'quantity',
    action: 'action',
  };

  it('takes a from/until range as the CLI does: same periods, open one marked, same JSON', async () => {
    const ranged = await ok<BacktestOutcome>('backtest.run', {
      file: sample.file.id,
      mapping: sampleMapping,
      hypotheses: sample.hypotheses,
      from: '2025-03-01',
      until: '2025-06-15',
    });
    // March to June; June ends after until, so it is open.
    expect(ranged.periods.map((period) => [period.start, period.open])).toEqual([
      [Date.UTC(2025, 2, 1) / 1000, false],
      [Date.UTC(2025, 3, 1) / 1000, false],
      [Date.UTC(2025, 4, 1) / 1000, false],
      [Date.UTC(2025, 5, 1) / 1000, true],
    ]);
    const exported = await ok<{ content: string }>('backtest.export', { format: 'json' });
    const json = JSON.parse(
      await cli(
        '--usage',
        sampleUsage,
        '--prices',
        samplePrices,
        '--from',
        '2025-03-01',
        '--until',
        '2025-06-15',
        '--format',
        'json',
      ),
    );
    expect(JSON.parse(exported.content)).toEqual(json);
    expect(ranged.hypotheses.map((h) => h.total)).toEqual(
      json.hypotheses.map((h: { total: number }) => h.total),
    );
    expect(ranged.hypotheses[0]!.total).toBeLessThan(outcome.hypotheses[0]!.total);
  });

  it('refuses a from or until that is no date, or a range that is empty, naming the field', async () => {
    const attempt = (range: Record<string, unknown>) =>
      call('backtest.run', {
        file: sample.file.id,
        mapping: sampleMapping,
        hypotheses: sample.hypotheses,
        ...range,
      });
    const notADate = await attempt({ from: '2025-13-01' });
    expect(notADate).toMatchObject({
      ok: false,
      error: { code: 'parameter_invalid', param: 'from' },
    });
    expect(!notADate.ok && notADate.error.message).toContain("From '2025-13-01'");
    expect(await attempt({ from: '2025-06-01T25:00:00Z' })).toMatchObject({
      ok: false,
      error: { param: 'from', message: expect.stringContaining('not a time of the day') },
    });
    // The command line refuses the same dates as a usage mistake (exit 2), not a crash.
    let stderr = '';
    const code = await main(
      ['backtest', '--usage', sampleUsage, '--prices', samplePrices, '--from', '2025-13-01'],
      { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) } },
    );
    expect([code, stderr]).toEqual([2, expect.stringContaining('is not a day of the calendar')]);
    expect(await attempt({ until: 'June' })).toMatchObject({
      ok: false,
      error: { param: 'until', message: expect.stringContaining('is not an ISO date') },
    });
    expect(await attempt({ until: 20250601 })).toMatchObject({
      ok: false,
      error: { param: 'until' },
    });
    const backwards = await attempt({ from: '2025-06-01', until: '2025-03-01' });
    expect(backwards).toMatchObject({ ok: false, error: { param: 'until' } });
    expect(!backwards.ok && backwards.error.message).toMatch(
      /^Until \(2025-03-01\) must be after from/,
    );
  });

  it('re-prices edited hypotheses from the last aggregates, as a run with them gives', async () => {
    await ok('backtest.run', {
      file: sample.file.id,
      mapping: sampleMapping,
      hypotheses: sample.hypotheses,
    });
    const edited = (sample.hypotheses as Record<string, unknown>[]).map((entry) =>
      entry.key === 'allowance'
        ? { ...entry, coupon: { percentOff: 50, duration: 'repeating', durationInMonths: 3 } }
        : entry,
    );
    const repriced = await ok<BacktestOutcome>('backtest.reprice', {
      hypotheses: edited,
      current: 'today',
    });
    const rerun = await ok<BacktestOutcome>('backtest.run', {
      file: sample.file.id,
      mapping: sampleMapping,
      hypotheses: edited,
    });
    expect({ ...repriced, elapsedMs: 0 }).toEqual({ ...rerun, elapsedMs: 0 });
    const allowance = (o: BacktestOutcome) => o.hypotheses.find((h) => h.key === 'allowance')!;
    expect(allowance(repriced).total).toBeLessThan(allowance(outcome).total);
    // A meter the last run did not read needs a new run; nothing changes.
    const unread = await call('backtest.reprice', {
      hypotheses: [...edited, { key: 'gb', meter: 'storage_gb', currency: 'EUR', unitAmount: 5 }],
    });
    expect(unread).toMatchObject({
      ok: false,
      error: { code: 'backtest_rerun_needed', param: 'hypotheses[4].meter' },
    });
    // Peaks are read only for meters the run priced by max: pricing one by max needs a new run.
    const peak = { key: 'peak', meter: 'api_calls', currency: 'EUR', unitAmount: 1 };
    const unreadPeaks = await call('backtest.reprice', {
      hypotheses: [...edited, { ...peak, recurring: { interval: 'month', aggregateUsage: 'max' } }],
    });
    expect(unreadPeaks).toMatchObject({
      ok: false,
      error: {
        code: 'backtest_rerun_needed',
        param: 'hypotheses[4].recurring.aggregateUsage',
        message: expect.stringContaining("'api_calls' without its peaks"),
      },
    });
    expect(await call('backtest.reprice', { hypotheses: [{ key: 'x' }] })).toMatchObject({
      ok: false,
      error: { param: 'hypotheses[0].meter' },
    });
    const csv = await ok<{ content: string }>('backtest.export', { format: 'csv' });
    expect(csv.content).toContain('allowance');
  });

  it('drops a re-pricing when a newer edit arrives: only the newest answers', async () => {
    const older = call('backtest.reprice', { current: 'allowance' });
    const newer = call('backtest.reprice', { current: 'volume' });
    expect(await older).toMatchObject({ ok: false, error: { code: 'backtest_superseded' } });
    expect(await newer).toMatchObject({ ok: true, data: { current: 'volume' } });
    const explained = await ok<{ hypothesis: string }>('backtest.explain', {
      hypothesis: 'volume',
      customer: 'cust_001',
      period: 0,
    });
    expect(explained.hypothesis).toBe('volume');
  });

  it('refuses a mapping to a column the file lacks, naming the file and column', async () => {
    const result = await call('backtest.run', {
      file: sample.file.id,
      mapping: {
        customer: 'account',
        meter: 'meter',
        timestamp: 'timestamp',
        quantity: 'quantity',
      },
      hypotheses: sample.hypotheses,
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'usage_column_missing', param: 'mapping.customer' },
    });
    expect(!result.ok && result.error.message).toContain(
      "usage-sample.csv.gz has no column 'account'",
    );
  });

  it('refuses rows of a meter no hypothesis prices, listing their lines, unless told to skip them', async () => {
    const onlyCalls = sample.hypotheses.slice(0, 1);
    const mapping = {
      customer: 'customer',
      meter: 'meter',
      timestamp: 'timestamp',
      quantity: 'quantity',
      action: 'action',
    };
    const refused = await call('backtest.run', {
      file: sample.file.id,
      mapping,
      hypotheses: onlyCalls,
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'usage_rows_invalid', param: 'file' },
    });
    expect(!refused.ok && refused.error.message).toMatch(/line 3: meter "seats" is not priced/);
    expect(!refused.ok && refused.error.message).toContain('"Skip bad rows"');
    const skipped = await ok<BacktestOutcome>('backtest.run', {
      file: sample.file.id,
      mapping,
      hypotheses: onlyCalls,
      skipBadRows: true,
    });
    expect(skipped.skippedRows).toBe(1500);
    expect(skipped.skippedByReason).toEqual({ 'meter not priced': 1500 });
  });

  it('names the hypothesis entry a bad prices.json has', async () => {
    const result = await call('backtest.run', {
      file: sample.file.id,
      mapping: {
        customer: 'customer',
        meter: 'meter',
        timestamp: 'timestamp',
        quantity: 'quantity',
      },
      hypotheses: [{ key: 'a', meter: 'api_calls', currency: 'EUR', unitAmountDecimal: '-1' }],
    });
    expect(result).toMatchObject({
      ok: false,
      error: { param: expect.stringMatching(/^hypotheses\[0\]/) },
    });
  });

  it('cancels a running backtest: it fails with backtest_cancelled', async () => {
    const running = call('backtest.run', {
      file: sample.file.id,
      mapping: {
        customer: 'customer',
        meter: 'meter',
        timestamp: 'timestamp',
        quantity: 'quantity',
        action: 'action',
      },
      hypotheses: sample.hypotheses,
    });
    expect(await ok('backtest.cancel')).toEqual({ cancelled: true });
    expect(await running).toMatchObject({ ok: false, error: { code: 'backtest_cancelled' } });
    expect(await ok('backtest.cancel')).toEqual({ cancelled: false });
  });

  it('keeps an upload in a temp folder beside the workspace, one at a time', async () => {
    const first = await upload(
      'usage.csv',
      'customer,meter,timestamp,quantity\nc1,api_calls,2025-01-02,5\n',
    );
    expect(first.ok).toBe(true);
    const second = await upload(
      'usage2.csv',
      'customer,meter,timestamp,quantity\nc1,api_calls,2025-01-02,5\n',
    );
    expect(readdirSync(uploadFolder(join(dir, 'workspace.json')))).toHaveLength(1);
    expect(await call('backtest.preview', { file: first.ok && first.data.id })).toMatchObject({
      ok: false,
      error: { code: 'usage_file_missing' },
    });
    expect(await call('backtest.preview', { file: second.ok && second.data.id })).toMatchObject({
      ok: true,
    });
  });

  it('refuses bad files with the file named: wrong kind, empty, too big, not what its name says', async () => {
    expect(await upload('usage.xlsx', 'x')).toMatchObject({
      ok: false,
      error: { code: 'usage_file_unreadable', message: expect.stringContaining('usage.xlsx') },
    });
    expect(await upload('usage.csv', '')).toMatchObject({
      ok: false,
      error: { code: 'usage_file_empty' },
    });
    // 51 chunks of 1 MiB: refused at the chunk that passes 50 MiB, and nothing is kept.
    const mib = Buffer.alloc(1024 * 1024, 'c1,api_calls,2025-01-02,5\n');
    const huge = await upload('huge.csv', ...Array.from({ length: 51 }, () => mib));
    expect(MAX_USAGE_UPLOAD_BYTES).toBe(50 * mib.length);
    expect(huge).toMatchObject({
      ok: false,
      error: { code: 'usage_file_too_large', message: expect.stringContaining('huge.csv') },
    });
    expect(readdirSync(uploadFolder(join(dir, 'workspace.json')))).toEqual([]);
    const fake = await upload('events.parquet', 'customer,meter\nc1,m\n');
    const preview = await call('backtest.preview', { file: fake.ok && fake.data.id });
    expect(preview).toMatchObject({ ok: false, error: { code: 'usage_file_unreadable' } });
    expect(!preview.ok && preview.error.message).toMatch(
      /^events\.parquet cannot be read as PARQUET/,
    );
    expect(!preview.ok && preview.error.message).not.toContain(dir);
    const headerOnly = await upload('usage.csv', 'customer,meter,timestamp,quantity\n');
    expect(
      await call('backtest.preview', { file: headerOnly.ok && headerOnly.data.id }),
    ).toMatchObject({
      ok: false,
      error: { code: 'usage_file_empty', message: 'usage.csv holds no usage rows.' },
    });
  });

  it("registers the desktop app's chosen file, for the app's own frame only", async () => {
    const path = join(dir, 'chosen.csv');
    writeFileSync(path, 'customer,meter,timestamp,quantity\nc1,api_calls,2025-01-02,5\n');
    const handler = createChooseUsageFileHandler(window, async () => path);
    const chosen = await handler({ senderFrame: { url: 'app://meterlab/' } });
    expect(chosen).toMatchObject({ ok: true, data: { name: 'chosen.csv', size: 60 } });
    expect(JSON.stringify(chosen)).not.toContain(dir);
    expect(await handler({ senderFrame: { url: 'https://evil.example/' } })).toMatchObject({
      ok: false,
      error: { code: 'sender_not_allowed' },
    });
    const cancelled = createChooseUsageFileHandler(window, async () => null);
    expect(await cancelled({ senderFrame: { url: 'app://meterlab/' } })).toEqual({
      ok: true,
      data: null,
    });
  });

  it('deletes the uploads when the host closes', async () => {
    await window.close();
    expect(existsSync(uploadFolder(join(dir, 'workspace.json')))).toBe(false);
  });
});
