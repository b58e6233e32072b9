// The Backtest view (issue 11) in Chromium through the UI: a newcomer's one click on "Try the
// sample", the figures checked against the CLI's JSON for the same input (main(argv, io) in
// process), the customer table sorted, a cell's invoice line opened, CSV exported, the print
// page opened; then bad input: a file that is not what its name says, and a missing column.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestJson } from '../../core/backtest';
import { formatMoney } from '../../core/public/format';
import { SAMPLE_DIR } from '../../electron/backtest/window';
import { main } from '../../electron/cli';
import { axeViolations, openApp, screenshotDir, type AppSession, type MeterlabUi } from './driver';

let session: AppSession;
let page: Page;
let ui: MeterlabUi;

async function cli(format: 'json' | 'csv'): Promise<string> {
  let stdout = '';
  const code = await main(
    [
      'backtest',
      '--usage',
      join(SAMPLE_DIR, 'usage-sample.csv.gz'),
      '--prices',
      join(SAMPLE_DIR, 'prices-sample.json'),
      '--format',
      format,
    ],
    { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } },
  );
  expect(code).toBe(0);
  return stdout;
}

const cellText = async (selector: string) => ((await page.textContent(selector)) ?? '').trim();

beforeAll(async () => {
  session = await openApp('meterlab-backtest-e2e-');
  ({ page, ui } = session);
});

afterAll(async () => {
  await session?.close();
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
    expect(await line.locator('text=sum: the values at 31 timestamps').count()).toBe(1);
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
