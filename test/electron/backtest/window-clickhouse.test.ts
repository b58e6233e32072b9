// A ClickHouse table as the Backtest view's source (electron/backtest/window.ts) against a real
// clickhouse-server on loopback: the preview, a run that gives what the same usage as a file
// gives and what `meterlab backtest --source clickhouse` prints, progress and cancel, and the
// refusals of a server that is down, a table that does not exist and a column it lacks.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostEvent } from '../../../core/contract';
import type { BacktestOutcome, UsagePreview } from '../../../core/public/backtest';
import {
  createBacktestWindow,
  SAMPLE_DIR,
  type BacktestWindow,
} from '../../../electron/backtest/window';
import { windowCalls } from './window-calls';
import { main } from '../../../electron/cli';
import { startClickHouse, type ClickHouseServer } from './clickhouse-server';

const sampleUsage = join(SAMPLE_DIR, 'usage-sample.csv.gz');
const samplePrices = join(SAMPLE_DIR, 'prices-sample.json');
const hypotheses = JSON.parse(readFileSync(samplePrices, 'utf8')) as unknown[];

let server: ClickHouseServer;
let client: ClickHouseClient;
let dir: string;
let window: BacktestWindow;
const events: HostEvent[] = [];

const { call, ok } = windowCalls(() => window, events);

/** A port nothing listens on: one the server had, now closed (a server that is down). */
const downUrl = () => server.url.replace(/:\d+$/, ':9');

beforeAll(async () => {
  server = await startClickHouse();
  client = createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF } });
  dir = mkdtempSync(join(tmpdir(), 'meterlab-backtest-window-ch-'));
  window = createBacktestWindow(async () => ({ ok: true, data: null }), {
    dataFile: join(dir, 'workspace.json'),
  });
  // The shipped sample in a table: a DateTime column named ts, the CSV's line as seq.
  const lines = gunzipSync(readFileSync(sampleUsage)).toString('utf8').trim().split('\n');
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS billing' });
  await client.command({
    query:
      'CREATE TABLE billing.usage (customer String, meter String, ts DateTime, quantity UInt64, action String, seq UInt64) ENGINE = MergeTree ORDER BY (customer, ts)',
  });
  const values = lines
    .slice(1)
    .map((line, index) => {
      const [customer, meter, day, quantity, action] = line.split(',');
      return `('${customer}', '${meter}', '${day} 00:00:00', ${quantity}, '${action ?? ''}', ${index + 2})`;
    })
    .join(', ');
  await client.command({ query: `INSERT INTO billing.usage VALUES ${values}` });
}, 90_000);

afterAll(async () => {
  await window?.close();
  await client?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('a ClickHouse table in the Backtest view', () => {
  const table = () => ({ url: server.url, table: 'billing.usage' });
  let preview: UsagePreview;

  it("previews the table's columns and first rows, and guesses the mapping", async () => {
    preview = await ok<UsagePreview>('backtest.preview', { clickhouse: table() });
    expect(preview.file).toBeNull();
    expect(preview.source).toBe('ClickHouse table billing.usage');
    expect(preview.columns.map((column) => `${column.name} ${column.type}`)).toEqual([
      'customer String',
      'meter String',
      'ts DateTime',
      'quantity UInt64',
      'action String',
      'seq UInt64',
    ]);
    expect(preview.rows).toHaveLength(10);
    expect(preview.rows[0]).toMatchObject({ customer: 'cust_001', ts: '2025-01-01 00:00:00' });
    expect(preview.mapping).toEqual({
      customer: 'customer',
      meter: 'meter',
      timestamp: 'ts',
      quantity: 'quantity',
      action: 'action',
      sequence: 'seq',
    });
  });

  it('runs with progress: what the same usage as a file gives, and what the CLI prints', async () => {
    events.length = 0;
    const fromTable = await ok<BacktestOutcome>('backtest.run', {
      clickhouse: table(),
      mapping: preview.mapping,
      hypotheses,
      from: '2025-02-01',
      until: '2025-11-15',
    });
    const progress = events.filter((event) => event.type === 'progress');
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatchObject({ done: 1000, total: 1000 });
    expect(fromTable.source).toBe('ClickHouse table billing.usage');
    expect(fromTable.rows).toBe(67_551);
    expect(fromTable.periods).toHaveLength(10);
    expect(fromTable.periods.at(-1)!.open).toBe(true);
    const exported = JSON.parse(
      (await ok<{ content: string; filename: string }>('backtest.export', { format: 'json' }))
        .content,
    );
    let stdout = '';
    const code = await main(
      [
        'backtest',
        '--source',
        'clickhouse',
        '--clickhouse-url',
        server.url,
        '--table',
        'billing.usage',
        '--map',
        'timestamp=ts,sequence=seq',
        '--prices',
        samplePrices,
        '--from',
        '2025-02-01',
        '--until',
        '2025-11-15',
        '--format',
        'json',
      ],
      { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } },
    );
    expect(code).toBe(0);
    expect(exported).toEqual(JSON.parse(stdout));

    const sample = await ok<{ file: { id: string } }>('backtest.sample');
    const fromFile = await ok<BacktestOutcome>('backtest.run', {
      file: sample.file.id,
      mapping: {
        customer: 'customer',
        meter: 'meter',
        timestamp: 'timestamp',
        quantity: 'quantity',
        action: 'action',
      },
      hypotheses,
      from: '2025-02-01',
      until: '2025-11-15',
    });
    const same = (outcome: BacktestOutcome) => ({
      ...outcome,
      file: null,
      source: '',
      elapsedMs: 0,
    });
    expect(same(fromTable)).toEqual(same(fromFile));
  });

  it('cancels a run: it fails with backtest_cancelled', async () => {
    const running = call('backtest.run', {
      clickhouse: table(),
      mapping: preview.mapping,
      hypotheses,
    });
    expect(await ok('backtest.cancel')).toEqual({ cancelled: true });
    expect(await running).toMatchObject({ ok: false, error: { code: 'backtest_cancelled' } });
  });

  it('names the URL of a server that is down, and the table that does not exist', async () => {
    const down = await call('backtest.preview', {
      clickhouse: { url: downUrl(), table: 'billing.usage' },
    });
    expect(down).toMatchObject({
      ok: false,
      error: { code: 'clickhouse_unreachable', param: 'clickhouse.url' },
    });
    expect(!down.ok && down.error.message).toContain(
      `No ClickHouse server answers at ${downUrl()}`,
    );
    const run = await call('backtest.run', {
      clickhouse: { url: downUrl(), table: 'billing.usage' },
      mapping: preview.mapping,
      hypotheses,
    });
    expect(run).toMatchObject({ ok: false, error: { param: 'clickhouse.url' } });
    for (const missing of ['billing.nothing', 'nowhere.usage']) {
      const result = await call('backtest.preview', {
        clickhouse: { url: server.url, table: missing },
      });
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: 'clickhouse_table_missing',
          param: 'clickhouse.table',
          message: `ClickHouse at ${server.url} has no table ${missing}: check its name (database.table).`,
        },
      });
    }
    for (const [url, param] of [
      ['ftp://127.0.0.1/', 'clickhouse.url'],
      ['not a url', 'clickhouse.url'],
    ] as const) {
      expect(
        await call('backtest.preview', { clickhouse: { url, table: 'billing.usage' } }),
      ).toMatchObject({ ok: false, error: { code: 'parameter_invalid', param } });
    }
    expect(
      await call('backtest.preview', { clickhouse: { url: server.url, table: 'a b' } }),
    ).toMatchObject({ ok: false, error: { param: 'clickhouse.table' } });
    // A password in the URL is never shown.
    const login = await call('backtest.preview', {
      clickhouse: { url: downUrl().replace('//', '//me:secret@'), table: 'billing.usage' },
    });
    expect(!login.ok && login.error.message).not.toContain('secret');
  });

  it('names the mapping field whose column the table lacks, and a table with no rows', async () => {
    const result = await call('backtest.run', {
      clickhouse: table(),
      mapping: { ...preview.mapping, customer: 'account' },
      hypotheses,
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'usage_column_missing', param: 'mapping.customer' },
    });
    expect(!result.ok && result.error.message).toContain(
      "ClickHouse table billing.usage has no column 'account' for the customer",
    );
    await client.command({ query: 'CREATE TABLE billing.empty AS billing.usage' });
    expect(
      await call('backtest.preview', { clickhouse: { url: server.url, table: 'billing.empty' } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'usage_file_empty', param: 'clickhouse.table' },
    });
  });
});
