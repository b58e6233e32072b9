// Usage files read by DuckDB (electron/backtest/duckdb.ts): formats, column mapping, timestamps,
// the order of set and increment at one timestamp, and every kind of bad input.
import { mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateFile, fileKindOf } from '../../../electron/backtest/duckdb';
import { SourceError, type AggregateRequest } from '../../../electron/backtest/source';

const utc = (text: string) => Date.parse(text) / 1000;
const request: AggregateRequest = { grain: 'month', meters: ['api'], maxMeters: ['api'] };

/** The reference usage: values per timestamp 8 (Jan 1), 2 (Jan 2, two sets), 4 (Jan 3), 8 (Feb 4). */
const CSV = `customer,meter,timestamp,quantity,action
a,api,2025-01-01T00:00:00Z,5,increment
a,api,1735689600,3,
a,api,2025-01-02T00:00:00Z,12,set
a,api,1735776000000,2,set
a,api,2025-01-03,4,set
b,api,2025-01-03T01:00:00+01:00,7,increment
a,api,2025-02-04 00:00:00,8,increment
`;

const expected = [
  {
    customer: 'a',
    meter: 'api',
    period: 202501,
    sum: 14,
    max: 8,
    maxTimestamp: utc('2025-01-01'),
    last: 4,
    lastTimestamp: utc('2025-01-03'),
    records: 5,
  },
  {
    customer: 'a',
    meter: 'api',
    period: 202502,
    sum: 8,
    max: 8,
    maxTimestamp: utc('2025-02-04'),
    last: 8,
    lastTimestamp: utc('2025-02-04'),
    records: 1,
  },
  {
    customer: 'b',
    meter: 'api',
    period: 202501,
    sum: 7,
    max: 7,
    maxTimestamp: utc('2025-01-03'),
    last: 7,
    lastTimestamp: utc('2025-01-03'),
    records: 1,
  },
];

let dir: string;
const file = async (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
};

async function failure(
  path: string,
  options: Partial<AggregateRequest> = {},
): Promise<SourceError> {
  try {
    await aggregateFile(path, { ...request, ...options });
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error('not refused');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-backtest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('usage files read by DuckDB', () => {
  it('aggregates a CSV: records at one timestamp in row order, every timestamp form', async () => {
    const result = await aggregateFile(await file('usage.csv', CSV), request);
    expect(result).toEqual({
      aggregates: expected,
      rows: 7,
      skippedRows: 0,
      skippedByReason: {},
      examples: [],
    });
  });

  it('reads gzip, JSON Lines with native numbers, and Parquet with a native timestamp', async () => {
    const gz = await aggregateFile(await file('usage.csv.gz', gzipSync(CSV)), request);
    expect(gz.aggregates).toEqual(expected);
    const lines = CSV.trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [customer, meter, timestamp, quantity, action] = line.split(',');
        const numeric = /^\d+$/.test(timestamp!) ? Number(timestamp) : timestamp;
        return JSON.stringify({
          customer,
          meter,
          timestamp: numeric,
          quantity: Number(quantity),
          action: action || null,
        });
      });
    const jsonl = await aggregateFile(
      await file('usage.jsonl.gz', gzipSync(lines.join('\n'))),
      request,
    );
    expect(jsonl.aggregates).toEqual(expected);
    // Parquet written by DuckDB itself, with a TIMESTAMP column and renamed columns.
    const parquet = join(dir, 'usage.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT customer AS account, meter AS sku, CAST(epoch_ms(1735689600000) AS TIMESTAMP) + INTERVAL (i) DAY AS at, 10 * (i + 1) AS units
        FROM (SELECT 'c' AS customer, 'api' AS meter, range AS i FROM range(40))) TO '${parquet}' (FORMAT parquet)`,
    );
    connection.closeSync();
    instance.closeSync();
    const mapped = await aggregateFile(parquet, {
      ...request,
      map: { customer: 'account', meter: 'sku', timestamp: 'at', quantity: 'units' },
    });
    // Jan 1..31: 10 + … + 310 = 4960; Feb 1..9: 320 + … + 400 = 3240.
    expect(mapped.aggregates.map((a) => [a.period, a.sum, a.max, a.records])).toEqual([
      [202501, 4960, 310, 31],
      [202502, 3240, 400, 9],
    ]);
  });

  it('merges customers that differ only in spaces and quotes, at one timestamp too', async () => {
    const path = await file(
      'spaced.csv',
      `customer,meter,timestamp,quantity,action
a,api,2025-01-01T00:00:00Z,5,increment
" a",api,2025-01-01T00:00:00Z,2,increment
"a ",api ,2025-01-02T00:00:00Z,7,set
a,api,2025-01-02T00:00:00Z,1,increment
`,
    );
    // Jan 1: 5 + 2 = 7; Jan 2: set 7, then + 1 = 8.
    expect((await aggregateFile(path, request)).aggregates).toEqual([
      {
        customer: 'a',
        meter: 'api',
        period: 202501,
        sum: 15,
        max: 8,
        maxTimestamp: utc('2025-01-02'),
        last: 8,
        lastTimestamp: utc('2025-01-02'),
        records: 4,
      },
    ]);
  });

  it('groups by calendar weeks, days and years as well', async () => {
    const path = await file('grains.csv', CSV);
    const weeks = await aggregateFile(path, { ...request, grain: 'week' });
    // Jan 1–3 2025 fall in the week of Monday 2024-12-30; Feb 4 in the week of Monday Feb 3.
    expect(weeks.aggregates.filter((a) => a.customer === 'a').map((a) => a.sum)).toEqual([14, 8]);
    const days = await aggregateFile(path, { ...request, grain: 'day' });
    expect(
      days.aggregates.filter((a) => a.customer === 'a').map((a) => [a.period * 86_400, a.sum]),
    ).toEqual([
      [utc('2025-01-01'), 8],
      [utc('2025-01-02'), 2],
      [utc('2025-01-03'), 4],
      [utc('2025-02-04'), 8],
    ]);
    const years = await aggregateFile(path, { ...request, grain: 'year' });
    expect(years.aggregates.map((a) => [a.customer, a.period, a.sum])).toEqual([
      ['a', 2025, 22],
      ['b', 2025, 7],
    ]);
  });

  it('counts only usage in [from, until)', async () => {
    const result = await aggregateFile(await file('range.csv', CSV), {
      ...request,
      from: utc('2025-01-02'),
      until: utc('2025-02-04'),
    });
    expect(result.aggregates.map((a) => [a.customer, a.period, a.sum])).toEqual([
      ['a', 202501, 6],
      ['b', 202501, 7],
    ]);
  });

  it('refuses a file with bad rows, listing each with its line and reason; nothing imported', async () => {
    const path = await file(
      'bad.csv',
      `${CSV}a,api,yesterday,1,\n,api,2025-01-01,1,\na,api,2025-01-01,-3,\na,api,2025-01-01,2.5,\na,api,2025-01-01,ten,\na,web,2025-01-01,1,\na,api,2025-01-01,1,reset\na,api,9999999999999999,1,\n`,
    );
    const error = await failure(path);
    expect(error.message).toContain(`${path}: 8 bad rows, nothing imported`);
    expect(error.badRows).toEqual([
      {
        where: 'line 9',
        reason:
          'timestamp "yesterday" is not ISO 8601, a timestamp, or unix seconds or milliseconds',
      },
      { where: 'line 10', reason: 'customer is empty' },
      { where: 'line 11', reason: 'quantity "-3" is negative' },
      { where: 'line 12', reason: 'quantity "2.5" is not a whole number' },
      { where: 'line 13', reason: 'quantity "ten" is not a number' },
      { where: 'line 14', reason: 'meter "web" is not priced by any hypothesis' },
      { where: 'line 15', reason: 'action "reset" is not increment or set' },
      {
        where: 'line 16',
        reason: 'timestamp "9999999999999999" is outside 1970-01-01 to 2106-02-07',
      },
    ]);
    expect(error.message).toContain('--skip-bad-rows');
    const skipped = await aggregateFile(path, { ...request, skipBadRows: true });
    expect(skipped.aggregates).toEqual(expected);
    expect(skipped.skippedRows).toBe(8);
    expect(skipped.skippedByReason).toMatchObject({
      'quantity negative': 1,
      'meter not priced': 1,
    });
  });

  it('checks whole-number quantity columns too: negative, missing, too large', async () => {
    const path = await file(
      'typed.jsonl',
      [
        { customer: 'a', meter: 'api', timestamp: 1735689600, quantity: 4 },
        { customer: 'a', meter: 'api', timestamp: 1735689601, quantity: -3 },
        { customer: 'a', meter: 'api', timestamp: 1735689602, quantity: null },
        { customer: 'a', meter: 'api', timestamp: 1735689603, quantity: 2 ** 53 },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    expect((await failure(path)).badRows).toEqual([
      { where: 'line 2', reason: 'quantity "-3" is negative' },
      { where: 'line 3', reason: 'quantity null is not a number' },
      { where: 'line 4', reason: 'quantity "9007199254740992" is 2^53 or more' },
    ]);
    const skipped = await aggregateFile(path, { ...request, skipBadRows: true });
    expect(skipped.aggregates.map((a) => [a.sum, a.records])).toEqual([[4, 1]]);
  });

  it('names the file and the columns when a column is missing, and how to map it', async () => {
    const path = await file('cols.csv', 'account,meter,timestamp,quantity\na,api,2025-01-01,1\n');
    const error = await failure(path);
    expect(error.message).toBe(
      `${path} has no column 'customer' for the customer; its columns are account, meter, timestamp, quantity. Map one with --map customer=<column>.`,
    );
    expect(
      (await aggregateFile(path, { ...request, map: { customer: 'ACCOUNT' } })).aggregates,
    ).toHaveLength(1);
    expect(
      (await failure(path, { map: { customer: 'account', action: 'kind' } })).message,
    ).toContain("no column 'kind' for the action (from --map)");
  });

  it('refuses empty, missing, misnamed and disguised files with the file named', async () => {
    expect(
      (await failure(await file('empty.csv', 'customer,meter,timestamp,quantity\n'))).message,
    ).toMatch(/empty\.csv holds no usage rows/);
    expect((await failure(join(dir, 'nope.csv'))).message).toMatch(
      /cannot read .*nope\.csv: no such file/,
    );
    expect(() => fileKindOf('usage.xlsx')).toThrow(/use \.csv, \.jsonl or \.parquet/);
    expect((await failure(await file('fake.parquet', CSV))).message).toMatch(
      /cannot read .*fake\.parquet as PARQUET/,
    );
  });

  it('refuses empty files of every kind, and files that are not what their name says', async () => {
    for (const name of ['zero.csv', 'zero.jsonl', 'zero.parquet']) {
      const path = await file(name, '');
      expect((await failure(path)).message).toBe(
        `${path} is empty (0 bytes): it holds no usage rows.`,
      );
    }
    const gzipOfNothing = await file('nothing.csv.gz', gzipSync(''));
    expect((await failure(gzipOfNothing)).message).toBe(`${gzipOfNothing} holds no usage rows.`);
    const notGzip = await file('plain.csv.gz', CSV);
    expect((await failure(notGzip)).message).toMatch(
      /^cannot read .*plain\.csv\.gz as CSV: .*not a GZIP stream/,
    );
    const brokenJson = await file('broken.jsonl', '{"customer": "a", "meter": "api"\n');
    expect((await failure(brokenJson)).message).toMatch(
      /^cannot read .*broken\.jsonl as JSON Lines: .*Malformed JSON/,
    );
    // A Parquet file cut short: its footer (read first) is missing.
    const parquet = join(dir, 'whole.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT 'a' AS customer, 'api' AS meter, 1735689600 + range AS timestamp, 1 AS quantity FROM range(1000)) TO '${parquet}' (FORMAT parquet)`,
    );
    connection.closeSync();
    instance.closeSync();
    const cut = join(dir, 'cut.parquet');
    await writeFile(cut, (await readFile(parquet)).subarray(0, 200));
    expect((await failure(cut)).message).toMatch(/^cannot read .*cut\.parquet as PARQUET: /);
    // Binary Parquet named .csv: refused with the reason DuckDB's CSV reader gives.
    const disguised = await file('binary.csv', await readFile(parquet));
    expect((await failure(disguised)).message).toMatch(/^cannot read .*binary\.csv as CSV: /);
  });

  it('never reads a huge file into memory: a 10 GB Parquet file is refused from its footer', async () => {
    // A sparse file: 10 GB long, no disk used, no Parquet footer at its end.
    const path = join(dir, 'huge.parquet');
    await writeFile(path, 'PAR1');
    await truncate(path, 10 * 1024 ** 3);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    expect((await failure(path)).message).toMatch(/^cannot read .*huge\.parquet as PARQUET: /);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200e6);
  });

  it('streams a huge CSV (10 GB once unzipped) in bounded memory, the event loop free, until cancelled', async () => {
    // gzip members concatenated: one row repeated 8 MB at a time, 1,280 times over (10 GB of
    // text, 15 MB on disk).
    const member = gzipSync(Buffer.from('a,api,1735689600,1\n'.repeat((8 * 1024 ** 2) / 20)), {
      level: 9,
    });
    const path = join(dir, 'huge.csv.gz');
    const handle = await open(path, 'w');
    await handle.write(gzipSync('customer,meter,timestamp,quantity\n'));
    for (let index = 0; index < 1280; index++) await handle.write(member);
    await handle.close();
    const controller = new AbortController();
    const before = process.memoryUsage().rss;
    let peak = before;
    let ticks = 0;
    const sampler = setInterval(() => {
      ticks += 1;
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    setTimeout(() => controller.abort(), 2000);
    try {
      const error = await failure(path, { signal: controller.signal });
      expect(error.message).toBe(`${path}: the import was cancelled; nothing was imported.`);
    } finally {
      clearInterval(sampler);
    }
    // 2 s of reading: the loop ran its 20 ms timer throughout, and DuckDB kept to its memory.
    expect(ticks).toBeGreaterThan(20);
    expect(peak - before).toBeLessThan(500e6);
  }, 60_000);

  it('reports progress up to 1 and stops when cancelled, importing nothing', async () => {
    const path = await file('progress.csv', CSV);
    const seen: number[] = [];
    const result = await aggregateFile(path, { ...request, onProgress: (f) => seen.push(f) });
    expect(result.aggregates).toEqual(expected);
    expect(seen.at(-1)).toBe(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    const controller = new AbortController();
    const stopped = await failure(path, {
      signal: controller.signal,
      // Cancel once the file is read: the check and the aggregation never run.
      onProgress: (fraction) => fraction >= 1 / 3 && controller.abort(),
    });
    expect(stopped.message).toBe(`${path}: the import was cancelled; nothing was imported.`);
    const aborted = new AbortController();
    aborted.abort();
    expect((await failure(path, { signal: aborted.signal })).message).toMatch(/cancelled/);
  });

  it('treats hostile names as names: quotes in the path, the columns and the values', async () => {
    const path = await file(
      `it's "odd"; DROP TABLE raw; --.csv`,
      `"who""se",meter,timestamp,quantity\n"a'); DROP TABLE raw; --",api,2025-01-01,3\n`,
    );
    const result = await aggregateFile(path, { ...request, map: { customer: 'who"se' } });
    expect(result.aggregates.map((a) => [a.customer, a.sum])).toEqual([
      ["a'); DROP TABLE raw; --", 3],
    ]);
    const meter = await failure(path, { map: { customer: 'who"se' }, meters: ["x' OR '1'='1"] });
    expect(meter.badRows).toEqual([
      { where: 'line 2', reason: 'meter "api" is not priced by any hypothesis' },
    ]);
  });
});
