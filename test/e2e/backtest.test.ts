// The Backtest view (issue 11) in Chromium through the UI: a newcomer's one click on "Try the
// sample", the figures checked against the CLI's JSON for the same input (main(argv, io) in
// process), the customer table sorted, a cell's invoice line opened, CSV exported, the print
// page opened; a from/until range and an edited hypothesis against the CLI's JSON; a ClickHouse
// table (a real clickhouse-server on loopback) previewed and run; then bad input: a range that is
// empty, a server that is down, a file that is not what its name says, and a missing column.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestJson } from '../../core/backtest';
import { formatMoney } from '../../core/public/format';
import { SAMPLE_DIR } from '../../electron/backtest/window';
import { main } from '../../electron/cli';
import { axeViolations, openApp, screenshotDir, type AppSession, type MeterlabUi } from './driver';
import { startClickHouse, type ClickHouseServer } from '../electron/backtest/clickhouse-server';

let session: AppSession;
let page: Page;
let ui: MeterlabUi;

const samplePrices = join(SAMPLE_DIR, 'prices-sample.json');

/** `meterlab backtest` of the sample (or `--source ...` and other options) in process. */
async function cli(format: 'json' | 'csv', ...options: string[]): Promise<string> {
  let stdout = '';
  const source = options.includes('--source')
    ? []
    : ['--usage', join(SAMPLE_DIR, 'usage-sample.csv.gz')];
  const prices = options.includes('--prices') ? [] : ['--prices', samplePrices];
  const code = await main(['backtest', ...source, ...prices, ...options, '--format', format], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
  });
  expect(code).toBe(0);
  return stdout;
}

/** The hypotheses' totals on the result cards, and the periods' starts (open ones marked). */
async function shownTotals(keys: readonly string[]): Promise<string[]> {
  return Promise.all(
    keys.map((key) => cellText(`[data-hypothesis="${key}"] [data-testid="hypothesis-total"]`)),
  );
}

const periodsOf = (json: BacktestJson) =>
  json.hypotheses[0]!.byPeriod.map((p) => `${p.start.slice(0, 10)}${p.open ? ' open' : ''}`).join(
    ',',
  );

/** Waits until the results show `json`'s periods and totals (a run or a re-pricing landed). */
async function waitForResults(json: BacktestJson): Promise<void> {
  await page.waitForSelector(`[data-testid="backtest-periods"][data-periods="${periodsOf(json)}"]`);
  const totals = json.hypotheses.map((h) => formatMoney(h.total, json.currency));
  await expect
    .poll(() => shownTotals(json.hypotheses.map((h) => h.key)), { timeout: 30_000 })
    .toEqual(totals);
}

const cellText = async (selector: string) => ((await page.textContent(selector)) ?? '').trim();

let clickhouse: ClickHouseServer;
let dir: string;

beforeAll(async () => {
  session = await openApp('meterlab-backtest-e2e-');
  ({ page, ui } = session);
  dir = mkdtempSync(join(tmpdir(), 'meterlab-backtest-e2e-files-'));
  clickhouse = await startClickHouse();
});

afterAll(async () => {
  await session?.close();
  await clickhouse?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the Backtest view', () => {
  let expected: BacktestJson;

  it('runs the sample in one click, with the figures the CLI prints', async () => {
    expected = JSON.parse(await cli('json')) as BacktestJson;
    await ui.go('backtest');
    const started = performance.now();
    await page.click('button:has-text("Try the sample")');
    await page.waitForSelector('[data-testid="backtest-cards"]');
    const clickToResults = performance.now() - started;
    const hostMs = await cellText('[data-testid="backtest-elapsed"]');
    console.log(
      `Try the sample: click to results ${clickToResults.toFixed(0)} ms (host ${hostMs})`,
    );
    for (const hypothesis of expected.hypotheses) {
      expect(
        await cellText(`[data-hypothesis="${hypothesis.key}"] [data-testid="hypothesis-total"]`),
      ).toBe(formatMoney(hypothesis.total, 'EUR'));
    }
    // Revenue per period, oldest first, one per month of 2025, as the CLI's byPeriod.
    const periods = (
      (await page.getAttribute('[data-testid="backtest-periods"]', 'data-periods')) ?? ''
    ).split(',');
    expect(periods).toEqual(
      expected.hypotheses[0]!.byPeriod.map(
        (p) => `${p.start.slice(0, 10)}${p.open ? ' open' : ''}`,
      ),
    );
    const march = page.locator('[data-testid="backtest-period-table"] tbody tr').nth(2);
    expect(((await march.locator('td').nth(2).textContent()) ?? '').trim()).toBe(
      formatMoney(expected.hypotheses[1]!.byPeriod[2]!.amount, 'EUR'),
    );
    // At risk under the shown hypothesis (the allowance): bill up more than 20%, as the engine counts.
    const allowance = expected.hypotheses[1]!.byCustomer;
    const atRisk = allowance.filter(
      (row) => row.change > 0 && (row.changePct === null || row.changePct > 20),
    );
    expect(await cellText('[data-testid="at-risk-shown"]')).toBe(String(atRisk.length));
    await ui.screenshot('backtest-sample');
  });

  it('sorts the customer table by change, both ways', async () => {
    const allowance = expected.hypotheses[1]!.byCustomer;
    const firstCustomer = () =>
      page
        .locator('[data-testid="backtest-customers"] tbody tr')
        .first()
        .getAttribute('data-customer');
    const byChange = [...allowance].sort(
      (a, b) =>
        a.change - b.change || a.customer.localeCompare(b.customer, 'en', { numeric: true }),
    );
    // Opened sorted by change, largest rise first.
    expect(await firstCustomer()).toBe(
      [...allowance].sort(
        (a, b) =>
          b.change - a.change || a.customer.localeCompare(b.customer, 'en', { numeric: true }),
      )[0]!.customer,
    );
    await page.click('button[data-sort="change"]');
    expect(await firstCustomer()).toBe(byChange[0]!.customer);
    expect(await page.getAttribute('th:has(button[data-sort="change"])', 'aria-sort')).toBe(
      'ascending',
    );
    await page.click('button[data-sort="customer"]');
    expect(await firstCustomer()).toBe('cust_001');
  });

  it("opens a cell's invoice line with its explanation", async () => {
    await page.click('tr[data-customer="cust_001"] button:has-text("Explain")');
    const line = page.locator('[data-testid="backtest-line"]');
    await line.waitFor();
    await page.selectOption('select[name="line-period"]', '0');
    await page.selectOption('select[name="line-hypothesis"]', 'allowance');
    // cust_001 made 4,694 calls in January 2025: inside the allowance's first tier, EUR 49.00 flat.
    await line.locator('text=4694 units of api_calls').waitFor();
    expect(await cellText('[data-testid="line-amount"]')).toBe(formatMoney(4900, 'EUR'));
    expect(await line.locator('text=sum: the values of 31 records in the period').count()).toBe(1);
    await ui.screenshot('backtest-line');
  });

  it('exports the CSV the CLI writes, and opens the print page', async () => {
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Export CSV")'),
    ]);
    expect(csv.suggestedFilename()).toBe('backtest-usage-sample.csv');
    expect(readFileSync((await csv.path())!, 'utf8')).toBe(await cli('csv'));
    const [printPage] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click('button:has-text("Print report")'),
    ]);
    await printPage.waitForLoadState();
    expect(await printPage.textContent('h1')).toBe('Backtest: usage-sample.csv.gz');
    expect(printPage.url()).not.toContain('token=');
    await printPage.screenshot({ path: join(screenshotDir, 'backtest-print.png'), fullPage: true });
    await printPage.close();
  });

  it('has no serious or critical axe violations, light or dark', async () => {
    const found: Record<string, unknown> = {};
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await axeViolations(page);
      if (violations.length > 0) found[scheme] = violations;
    }
    await page.emulateMedia({ colorScheme: 'light' });
    expect(found).toEqual({});
  });

  it('runs only the usage from/until, with the figures the CLI prints for --from/--until', async () => {
    const ranged = JSON.parse(
      await cli('json', '--from', '2025-03-01', '--until', '2025-06-15'),
    ) as BacktestJson;
    await page.fill('input[name="backtest-from"]', '2025-03-01');
    await page.fill('input[name="backtest-until"]', '2025-06-15');
    await page.click('button:has-text("Run backtest")');
    await waitForResults(ranged);
    expect(periodsOf(ranged)).toBe('2025-03-01,2025-04-01,2025-05-01,2025-06-01 open');
    expect(ranged.hypotheses[0]!.total).toBeLessThan(expected.hypotheses[0]!.total);
    await ui.screenshot('backtest-range');
  });

  it('refuses a range that ends before it starts, naming the Until field', async () => {
    await page.fill('input[name="backtest-until"]', '2025-02-01');
    await page.click('button:has-text("Run backtest")');
    const error = page.locator('[data-testid="backtest-error"] [role="alert"]');
    await error.filter({ hasText: 'Field: Until' }).waitFor();
    expect(await error.textContent()).toContain('must be after from');
    await page.fill('input[name="backtest-from"]', '');
    await page.fill('input[name="backtest-until"]', '');
  });

  it('re-prices at once when a hypothesis is edited, as the CLI prices the edited prices.json', async () => {
    await page.click('button:has-text("Run backtest")');
    await waitForResults(expected);
    const edited = (
      JSON.parse(readFileSync(samplePrices, 'utf8')) as Record<string, unknown>[]
    ).map((entry) =>
      entry.key === 'allowance'
        ? { ...entry, coupon: { percentOff: 50, duration: 'repeating', durationInMonths: 3 } }
        : entry,
    );
    const editedPrices = join(dir, 'prices-edited.json');
    writeFileSync(editedPrices, JSON.stringify(edited));
    const repriced = JSON.parse(await cli('json', '--prices', editedPrices)) as BacktestJson;
    const row = page.locator('[data-testid="backtest-hypotheses"] tr[data-hypothesis="allowance"]');
    // Typed a key at a time: each edit re-prices, and only the last one's answer is shown.
    await row.locator('input[aria-label^="Coupon percent off"]').pressSequentially('50');
    await row.locator('input[aria-label^="Coupon months"]').pressSequentially('3');
    await waitForResults(repriced);
    expect(await cellText('[data-testid="backtest-error"]')).toBe('');
    await row.locator('input[aria-label^="Coupon percent off"]').fill('');
    await row.locator('input[aria-label^="Coupon months"]').fill('');
    await waitForResults(expected);
  });

  it('previews and runs a ClickHouse table, with the figures of --source clickhouse', async () => {
    // The sample's usage in a table on a real clickhouse-server (loopback, a temp data dir).
    const lines = gunzipSync(readFileSync(join(SAMPLE_DIR, 'usage-sample.csv.gz')))
      .toString('utf8')
      .trim()
      .split('\n')
      .slice(1);
    const insert = async (query: string) => {
      const response = await fetch(clickhouse.url, { method: 'POST', body: query });
      expect(response.status, await response.clone().text()).toBe(200);
    };
    await insert('CREATE DATABASE billing');
    await insert(
      'CREATE TABLE billing.usage (account String, meter String, ts DateTime, quantity UInt64, action String, seq UInt64) ENGINE = MergeTree ORDER BY (account, ts)',
    );
    await insert(
      `INSERT INTO billing.usage VALUES ${lines
        .map((line, index) => {
          const [customer, meter, day, quantity, action] = line.split(',');
          return `('${customer}', '${meter}', '${day} 00:00:00', ${quantity}, '${action ?? ''}', ${index + 2})`;
        })
        .join(', ')}`,
    );
    const fromTable = JSON.parse(
      await cli(
        'json',
        '--source',
        'clickhouse',
        '--clickhouse-url',
        clickhouse.url,
        '--table',
        'billing.usage',
        '--map',
        'customer=account,timestamp=ts,sequence=seq',
      ),
    ) as BacktestJson;
    await page.check('input[name="backtest-source"][value="clickhouse"]');
    const error = page.locator('[data-testid="backtest-error"] [role="alert"]');
    // A server that is down first: the URL is named.
    const down = clickhouse.url.replace(/:\d+$/, ':9');
    await page.fill('input[name="clickhouse-url"]', down);
    await page.fill('input[name="clickhouse-table"]', 'billing.usage');
    await page.click('button:has-text("Preview table")');
    await error.filter({ hasText: 'Field: ClickHouse URL' }).waitFor();
    expect(await error.textContent()).toContain(`No ClickHouse server answers at ${down}`);
    await ui.screenshot('backtest-clickhouse-down');
    await page.fill('input[name="clickhouse-url"]', clickhouse.url);
    await page.fill('input[name="clickhouse-table"]', 'billing.nothing');
    await page.click('button:has-text("Preview table")');
    await error.filter({ hasText: 'has no table billing.nothing' }).waitFor();
    await page.fill('input[name="clickhouse-table"]', 'billing.usage');
    await page.click('button:has-text("Preview table")');
    await page.waitForSelector('[data-testid="backtest-preview"] td:has-text("cust_001")');
    // Guessed: the customer is not a known name (account_id is; account is too), ts, seq.
    expect(await page.inputValue('select[name="map-customer"]')).toBe('account');
    expect(await page.inputValue('select[name="map-timestamp"]')).toBe('ts');
    expect(await page.inputValue('select[name="map-sequence"]')).toBe('seq');
    await page.click('button:has-text("Run backtest")');
    await waitForResults(fromTable);
    expect(await cellText('[data-testid="backtest-meta"]')).toMatch(
      /^ClickHouse table billing\.usage: 67,551 rows, 200 customers/,
    );
    expect(fromTable.hypotheses.map((h) => h.total)).toEqual(
      expected.hypotheses.map((h) => h.total),
    );
    await ui.screenshot('backtest-clickhouse');
    expect(await axeViolations(page)).toEqual([]);
    await page.check('input[name="backtest-source"][value="file"]');
  });

  it('names the file when it is not what its name says, and the column a mapping misses', async () => {
    const choose = async (name: string, text: string) => {
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser'),
        page.click('button:has-text("Choose usage file")'),
      ]);
      await chooser.setFiles({
        name,
        mimeType: 'application/octet-stream',
        buffer: Buffer.from(text),
      });
    };
    await choose('events.parquet', 'customer,meter\nc1,m\n');
    const error = page.locator('[data-testid="backtest-error"] [role="alert"]');
    await error.filter({ hasText: 'events.parquet cannot be read as PARQUET' }).waitFor();
    await choose('usage.csv', 'account,meter,timestamp,quantity\nc1,api_calls,2025-01-02,5\n');
    await page.waitForSelector('[data-testid="backtest-preview"] td:has-text("c1")');
    expect(await page.inputValue('select[name="map-customer"]')).toBe('account');
    await page.selectOption('select[name="map-quantity"]', { index: 0 });
    await page.click('button:has-text("Run backtest")');
    await error
      .filter({ hasText: 'Choose the column of usage.csv that holds the quantity' })
      .waitFor();
    await ui.screenshot('backtest-missing-column');
    expect(ui.consoleErrors).toEqual([]);
  });
});
