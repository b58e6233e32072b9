// The shipped backtest sample is what its script makes, under 1 MB, and backtests cleanly.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { runBacktest } from '../../../electron/backtest/run';
import { sampleUsageCsv } from '../../../electron/scripts/make-sample-usage';

const sample = (name: string) =>
  fileURLToPath(new URL(`../../../electron/backtest/sample/${name}`, import.meta.url));

it('is the output of npm run sample-usage, gzipped under 1 MB', async () => {
  const file = await readFile(sample('usage-sample.csv.gz'));
  expect(file.length).toBeLessThan(1_000_000);
  expect(gunzipSync(file).toString()).toBe(sampleUsageCsv());
});

it('backtests 200 customers over the 12 months of 2025 with the sample prices', async () => {
  const prices = JSON.parse(await readFile(sample('prices-sample.json'), 'utf8')) as unknown;
  const { result, source } = await runBacktest({
    source: { kind: 'file', path: sample('usage-sample.csv.gz') },
    hypotheses: prices,
    until: Date.UTC(2026, 0, 1) / 1000,
  });
  expect(source.skippedRows).toBe(0);
  expect(result.customers).toHaveLength(200);
  expect(result.periods).toHaveLength(12);
  expect(result.periods.some((period) => period.open)).toBe(false);
  expect(result.hypotheses.map((h) => h.key)).toEqual(['today', 'allowance', 'volume', 'seats']);
});
