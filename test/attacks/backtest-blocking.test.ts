// "No operation blocks the host's event loop": a Backtest view run of a million usage rows of
// 10,000 customers through the browser host, from the upload to the answer and its exports. The
// host reads DuckDB's aggregates a chunk at a time, prepares and prices them in paced steps and
// sends the answer (5 hypotheses × 10,000 customer rows) and the exports a piece at a time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HYPOTHESES } from '../../bench/backtest-hypotheses';
import { probeEventLoop } from '../../bench/event-loop-probe';
import type { BacktestOutcome, UsageFileHandle } from '../../core/public/backtest';
import { startHost, TOKEN_HEADER, UPLOAD_PATH, type RunningHost } from '../../electron/host';

const CUSTOMERS = 10_000;
const ROWS = 1_000_000;

let dir: string;
let host: RunningHost;

/** A POST to the host: its status and its whole body as text. */
async function post(path: string, body: string | Blob, type = 'application/json') {
  const response = await fetch(`${new URL(host.url).origin}/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': type, [TOKEN_HEADER]: host.token },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/**
 * Calls a method while probing the event loop: the answer's text and the longest block. The
 * answer is kept as the bytes arrive and decoded once the probe stopped: decoding megabytes of
 * text in one go is this client's work (it runs in the host's process), not the host's.
 */
async function probed(method: string, args: unknown) {
  const stop = probeEventLoop();
  const started = performance.now();
  const response = await fetch(`${new URL(host.url).origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: host.token },
    body: JSON.stringify({ args: [args] }),
  });
  const chunks: Uint8Array[] = [];
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  const figures = { tookMs: performance.now() - started, ...stop() };
  return { text: Buffer.concat(chunks).toString('utf8'), ...figures };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meterlab-backtest-blocking-'));
  // A million rows: every customer each month, a fifth of the rows seats, the rest calls.
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(
    `COPY (SELECT 'cust_' || (i % ${CUSTOMERS}) AS customer,
        CASE WHEN i % 5 = 0 THEN 'seats' ELSE 'api' END AS meter,
        TIMESTAMP '2025-01-01' + to_seconds((i // ${CUSTOMERS}) * 315360 + (i % 977)) AS timestamp,
        1 + (i * 7919) % 500 AS quantity
      FROM range(${ROWS}) t(i))
    TO '${join(dir, 'usage.parquet')}' (FORMAT parquet)`,
  );
  connection.closeSync();
  instance.closeSync();
  host = await startHost({ port: 0, dataFile: join(dir, 'workspace.json'), staticDir: dir });
}, 60_000);

afterAll(async () => {
  await host?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a backtest of 10,000 customers in the browser host', () => {
  it('never holds the event loop long: the run, its answer and its exports', async () => {
    const uploaded = await post(
      `${UPLOAD_PATH}?name=usage.parquet`,
      new Blob([readFileSync(join(dir, 'usage.parquet'))]),
      'application/octet-stream',
    );
    const file = (JSON.parse(uploaded.text) as { data: UsageFileHandle }).data;
    const mapping = {
      customer: 'customer',
      meter: 'meter',
      timestamp: 'timestamp',
      quantity: 'quantity',
    };
    const run = await probed('backtest.run', { file: file.id, mapping, hypotheses: HYPOTHESES });
    const csv = await probed('backtest.export', { format: 'csv' });
    const json = await probed('backtest.export', { format: 'json' });
    console.log(
      `backtest of ${ROWS} rows, ${CUSTOMERS} customers in the browser host (load ${loadavg()[0]!.toFixed(1)}): ${[
        ['run', run],
        ['CSV export', csv],
        ['JSON export', json],
      ]
        .map(
          ([name, figure]) =>
            `${name as string} ${Math.round((figure as typeof run).tookMs)} ms, longest block ${Math.round((figure as typeof run).maxBlockMs)} ms wall, ${Math.round((figure as typeof run).maxWorkMs)} ms of work`,
        )
        .join('; ')}`,
    );

    // The answer, sent in pieces, is the compact JSON of the whole outcome.
    const answer = JSON.parse(run.text) as { ok: true; data: BacktestOutcome };
    expect(JSON.stringify(answer)).toBe(run.text);
    expect(answer).toMatchObject({ ok: true, data: { customers: CUSTOMERS, rows: ROWS } });
    expect(answer.data.periods).toHaveLength(12);
    for (const hypothesis of answer.data.hypotheses) {
      expect(hypothesis.byCustomer).toHaveLength(CUSTOMERS);
    }
    // The exports hold every customer under every hypothesis.
    const content = (text: string) => (JSON.parse(text) as { data: { content: string } }).data;
    const rows = Papa.parse<Record<string, string>>(content(csv.text).content, {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(rows.filter((row) => row.row === 'customer')).toHaveLength(5 * CUSTOMERS);
    const exported = JSON.parse(content(json.text).content) as {
      hypotheses: { key: string; total: number; byCustomer: unknown[] }[];
    };
    expect(exported.hypotheses.map((hypothesis) => [hypothesis.key, hypothesis.total])).toEqual(
      answer.data.hypotheses.map((hypothesis) => [hypothesis.key, hypothesis.total]),
    );
    expect(exported.hypotheses[0]!.byCustomer).toHaveLength(CUSTOMERS);

    // The goal is 100 ms on a quiet machine. This one is shared (2 cores, often 8 or more
    // processes running): a block counts the CPU the process used in it, not its waits for a core.
    // Before the slicing, the run held the loop 0.6-2.4 s and the CSV export 0.3-0.4 s.
    for (const figure of [run, csv, json]) expect(figure.maxWorkMs).toBeLessThanOrEqual(150);
  }, 180_000);
});
