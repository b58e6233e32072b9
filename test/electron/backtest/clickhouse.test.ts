// The ClickHouse source against a real clickhouse-server: the same usage in a file (DuckDB) and in
// a table (ClickHouse) gives identical aggregates and identical backtest results; a server that is
// down, a missing table and bad rows are refused with clear messages.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateClickHouse } from '../../../electron/backtest/clickhouse';
import { aggregateFile } from '../../../electron/backtest/duckdb';
import { SourceError, type AggregateRequest } from '../../../electron/backtest/source';
import { main } from '../../../electron/cli';
import { startClickHouse, type ClickHouseServer } from './clickhouse-server';

interface Row {
  customer: string;
  meter: string;
  timestamp: number;
  quantity: number;
  action: 'increment' | 'set';
}

const JAN_2025 = Date.UTC(2025, 0, 1) / 1000;
const DAY = 86_400;

/**
 * Usage with many records per timestamp (sets and increments, or increments only) across months
 * and grains: `slots` timestamps over ~5 months, so records share them (and the last one of a
 * period) when there are few, and at least `minLength` records.
 */
const usageArbitrary = (
  actions: ('increment' | 'set')[] = ['increment', 'set'],
  slots = 60,
  minLength = 1,
): fc.Arbitrary<Row[]> =>
  fc.array(
    fc.record({
      customer: fc.constantFrom('acme', 'globex', 'initech'),
      meter: fc.constantFrom('api', 'seats'),
      timestamp: fc
        .integer({ min: 0, max: slots })
        .map((slot) => JAN_2025 + Math.floor((slot * 150 * DAY) / slots)),
      quantity: fc.integer({ min: 0, max: 1000 }),
      action: fc.constantFrom(...actions),
    }),
    { minLength, maxLength: 150 },
  );
const rowsArbitrary = usageArbitrary();

const csvOf = (rows: Row[]) =>
  `customer,meter,timestamp,quantity,action\n${rows.map((r) => `${r.customer},${r.meter},${r.timestamp},${r.quantity},${r.action}`).join('\n')}\n`;

let server: ClickHouseServer;
let client: ClickHouseClient;
let dir: string;

/** Puts `rows` in a new table; `seq` is the row's line in the CSV, so both orders agree. */
async function table(name: string, rows: Row[], timestampType = 'DateTime'): Promise<void> {
  await client.command({ query: `DROP TABLE IF EXISTS ${name}` });
  await client.command({
    query: `CREATE TABLE ${name} (customer String, meter String, ts ${timestampType}, quantity UInt64, action String, seq UInt64) ENGINE = MergeTree ORDER BY (customer, ts)`,
  });
  const values = rows
    .map(
      (r, index) =>
        `('${r.customer}', '${r.meter}', ${timestampType === 'DateTime' ? `toDateTime(${r.timestamp})` : `'${new Date(r.timestamp * 1000).toISOString()}'`}, ${r.quantity}, '${r.action}', ${index + 2})`,
    )
    .join(', ');
  await client.command({ query: `INSERT INTO ${name} VALUES ${values}` });
}

const chMap = { timestamp: 'ts', sequence: 'seq' };

beforeAll(async () => {
  server = await startClickHouse();
  client = createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF } });
  dir = await mkdtemp(join(tmpdir(), 'meterlab-backtest-ch-'));
}, 60_000);

afterAll(async () => {
  await client?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 30_000);

describe('ClickHouse 18.16 and DuckDB', () => {
  /** Usage from `usage` in a file (DuckDB) and in a table (ClickHouse): the same aggregates. */
  async function aggregateBothWays(
    usage: fc.Arbitrary<Row[]>,
    maxMeters: fc.Arbitrary<string[]>,
    numRuns: number,
  ) {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        usage,
        fc.constantFrom('day', 'week', 'month', 'year' as const),
        maxMeters,
        async (rows, grain, peaks) => {
          run += 1;
          const path = join(dir, `usage-${run}.csv`);
          await writeFile(path, csvOf(rows));
          await table('usage', rows, run % 2 === 0 ? 'DateTime' : 'String');
          const request: AggregateRequest = { grain, meters: ['api', 'seats'], maxMeters: peaks };
          const fromFile = await aggregateFile(path, request);
          const fromTable = await aggregateClickHouse(server.url, 'default.usage', {
            ...request,
            map: chMap,
          });
          expect(fromTable.aggregates).toEqual(fromFile.aggregates);
          expect(fromTable.rows).toBe(rows.length);
        },
      ),
      { numRuns, seed: 11 },
    );
  }

  it('give identical aggregates for the same usage, at every grain', async () => {
    await aggregateBothWays(rowsArbitrary, fc.constantFrom([], ['api'], ['api', 'seats']), 15);
  }, 120_000);

  it('the same for increments only, without max: one pass, ties at the latest timestamp exact', async () => {
    await aggregateBothWays(
      fc.oneof(usageArbitrary(['increment'], 100_000), usageArbitrary(['increment'], 20, 60)),
      fc.constant([]),
      15,
    );
  }, 120_000);

  it('give identical backtest results through the command line', async () => {
    const rows = fc.sample(rowsArbitrary, { numRuns: 1, seed: 5 })[0]!;
    const path = join(dir, 'cli.csv');
    await writeFile(path, csvOf(rows));
    await table('cli_usage', rows);
    const prices = join(dir, 'prices.json');
    await writeFile(
      prices,
      JSON.stringify([
        { key: 'calls', meter: 'api', currency: 'USD', unitAmountDecimal: '0.5' },
        {
          key: 'peak',
          meter: 'api',
          currency: 'USD',
          unitAmount: 1,
          recurring: { interval: 'month', aggregateUsage: 'max' },
        },
        {
          key: 'seats',
          meter: 'seats',
          currency: 'USD',
          unitAmount: 3,
          recurring: { interval: 'month', aggregateUsage: 'last_ever' },
        },
      ]),
    );
    const run = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main(['backtest', '--prices', prices, '--format', 'json', ...args], {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
      });
      return { code, stdout, stderr };
    };
    const file = await run('--usage', path);
    const warehouse = await run(
      '--source',
      'clickhouse',
      '--clickhouse-url',
      server.url,
      '--table',
      'cli_usage',
      '--map',
      'timestamp=ts,sequence=seq',
    );
    expect(warehouse.stderr).toBe('');
    expect(warehouse.code).toBe(0);
    expect(JSON.parse(warehouse.stdout)).toEqual(JSON.parse(file.stdout));
    expect(JSON.parse(file.stdout).hypotheses[0].total).toBeGreaterThan(0);
  });
});

describe('ClickHouse refusals', () => {
  const request: AggregateRequest = {
    grain: 'month',
    meters: ['api'],
    maxMeters: ['api'],
    map: chMap,
  };
  const refusal = async (url: string, name: string, options: Partial<AggregateRequest> = {}) => {
    try {
      await aggregateClickHouse(url, name, { ...request, ...options });
    } catch (error) {
      if (error instanceof SourceError) return error;
      throw error;
    }
    throw new Error('not refused');
  };

  it('names a server that is down and a table that does not exist', async () => {
    expect((await refusal('http://127.0.0.1:9', 'usage')).message).toMatch(
      /^cannot reach ClickHouse at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/,
    );
    expect((await refusal(server.url, 'default.nothing_here')).message).toBe(
      `ClickHouse at ${server.url} has no table default.nothing_here: check --table (name it database.table).`,
    );
  });

  it('names a missing column with the columns the table has, and a URL that is no URL', async () => {
    await table('no_quantity_col', [
      { customer: 'a', meter: 'api', timestamp: JAN_2025, quantity: 1, action: 'increment' },
    ]);
    expect(
      (await refusal(server.url, 'no_quantity_col', { map: { ...chMap, quantity: 'units' } }))
        .message,
    ).toBe(
      "ClickHouse table no_quantity_col has no column 'units' for the quantity; its columns are customer, meter, ts, quantity, action, seq. Map one with --map quantity=<column>.",
    );
    expect((await refusal('not a url', 'usage')).message).toMatch(
      /^--clickhouse-url not a url is not a usable URL/,
    );
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(
      (await refusal(server.url, 'default.usage', { signal: controller.signal })).message,
    ).toBe('ClickHouse table default.usage: the import was cancelled; nothing was imported.');
  });

  it('lists bad rows, skips them on request, and needs an order for sets at one timestamp', async () => {
    await table('bad', [
      { customer: 'a', meter: 'api', timestamp: JAN_2025, quantity: 5, action: 'increment' },
      { customer: 'a', meter: 'web', timestamp: JAN_2025, quantity: 5, action: 'increment' },
      { customer: 'a', meter: 'api', timestamp: JAN_2025 + DAY, quantity: 2, action: 'set' },
      { customer: 'a', meter: 'api', timestamp: JAN_2025 + DAY, quantity: 1, action: 'increment' },
    ]);
    const error = await refusal(server.url, 'bad');
    expect(error.message).toContain('ClickHouse table bad: 1 bad row, nothing imported:');
    expect(error.badRows).toEqual([
      {
        where: 'row customer="a" meter="web" timestamp="2025-01-01 00:00:00"',
        reason: 'meter "web" is not priced by any hypothesis',
      },
    ]);
    const skipped = await aggregateClickHouse(server.url, 'bad', { ...request, skipBadRows: true });
    expect(skipped.skippedRows).toBe(1);
    expect(skipped.aggregates[0]).toMatchObject({ sum: 8, max: 5, last: 3 });
    const unordered = await refusal(server.url, 'bad', {
      skipBadRows: true,
      map: { timestamp: 'ts' },
    });
    expect(unordered.message).toMatch(
      /1 timestamps hold a set together with other records.*--map sequence=<column>/,
    );
  });
});
