// The UI end to end: the real browser host (in process, port 0, a temp data file) and Debian's
// Chromium. Every flow is done through the UI only; the one exception, marked, asks the host
// directly to compare the UI's error message with the engine's. Screenshots of every view go to
// test/e2e/screenshots/; timings are printed, not asserted (speed is proven in `npm run bench`).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost } from '../../electron/host';
import { appUrl, launchBrowser, MeterlabUi, screenshotDir } from './driver';

type Host = Awaited<ReturnType<typeof startHost>>;

const workDir = mkdtempSync(join(tmpdir(), 'meterlab-e2e-'));
const dataFile = join(workDir, 'workspace.json');
const timings: Record<string, number> = {};

let host: Host;
let browser: Browser;
let page: Page;
let ui: MeterlabUi;

async function openApp(): Promise<void> {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  ui = new MeterlabUi(page);
  await page.goto(appUrl(host));
  await page.waitForSelector('nav button[data-view="scenarios"]');
}

/** The UI's time, read from the clock bar ('2025-05-28 00:00 UTC'), as unix seconds. */
async function clockTime(): Promise<number> {
  const text = (await page.textContent('[data-testid="clock-time"]')) ?? '';
  return Date.parse(`${text.replace(' UTC', '').replace(' ', 'T')}Z`) / 1000;
}

/** The text of all pages of a PDF, read back with pdf.js. */
async function pdfText(pdf: Uint8Array): Promise<string> {
  const document = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: true }).promise;
  const pages: string[] = [];
  for (let number = 1; number <= document.numPages; number++) {
    const content = await (await document.getPage(number)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await document.destroy();
  return pages.join('\n').replace(/\s+/g, ' ');
}

function inputTime(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 19);
}

beforeAll(async () => {
  browser = await launchBrowser();
  host = await startHost({ port: 0, dataFile, staticDir: 'dist/renderer' });
  await openApp();
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  rmSync(workDir, { recursive: true, force: true });
  console.log('UI timings (ms):', timings);
});

describe('the Meterlab UI in Chromium', () => {
  it("runs the guide's flow: EUR 0.002 per call, 18420 calls, EUR 36.84 paid", async () => {
    await ui.createScenario('Guide: API calls');
    await ui.createProduct('API access');
    await ui.createMeteredPrice({ nickname: 'API calls', amountDecimal: '0.2' });
    await ui.createMeteredPrice({ nickname: 'API calls, cheaper', amountDecimal: '0.15' });
    await ui.screenshot('catalog');

    await ui.createCustomer('Acme');
    await ui.subscribe('Acme', 'API calls ·');
    await ui.screenshot('customers');

    await ui.go('usage');
    await ui.chooseUsageItem('API calls');
    await ui.advanceBy('+1 day');
    await ui.sendBatch(['1200', '980', '16240']); // 1200 + 980 + 16240 = 18420
    await page.waitForSelector('[data-testid="batch-ok"]:has-text("Accepted 3 records")');
    await page.waitForSelector('[data-testid="summaries"] td:text-is("18,420")');
    await ui.screenshot('usage');

    await ui.go('invoices');
    const clicked = performance.now();
    await ui.clickAdvanceBillingPeriod();
    // 18420 × EUR 0.002 = EUR 36.84
    const paidRow = '[data-testid="invoice-list"] tr[data-status="paid"]:has-text("EUR 36.84")';
    await page.waitForSelector(paidRow);
    timings.advanceBillingPeriodToInvoiceVisible = performance.now() - clicked;
    await page.click(`${paidRow} button`);
    await page.waitForSelector('[data-testid="invoice-view"][data-status="paid"]');
    await page.click('[data-testid="invoice-view"] button[aria-expanded="false"]');
    await page.waitForSelector('[data-testid="invoice-view"] .explain-row');
    await ui.screenshot('invoices');

    await ui.go('events');
    await page.waitForSelector('[data-testid="event-log"] tr[data-event-type="invoice.paid"]');
    await page.click('button:has-text("Add endpoint")');
    await page.click('[data-testid="event-log"] tr[data-event-type="invoice.paid"] button');
    await page.waitForSelector('[data-testid="signature-header"]');
    expect(await page.inputValue('[data-testid="signature-header"]')).toMatch(
      /^t=\d+,v1=[0-9a-f]{64}$/,
    );
    await page.click('button:has-text("Verify signature")');
    await page.waitForSelector('[data-testid="verify-outcome"] .verified:has-text("invoice.paid")');
    await ui.screenshot('events');
    await page.click('button:has-text("Tamper with the body")');
    await page.click('button:has-text("Verify signature")');
    await page.waitForSelector('[data-testid="verify-outcome"] [role="alert"]');
    expect(await page.textContent('[data-testid="verify-outcome"]')).toContain(
      'signature_verification_error',
    );
    await ui.screenshot('events-tampered');

    await ui.go('compare');
    await page.waitForSelector('canvas[aria-label="Revenue per calendar month for each price"]');
    await ui.screenshot('compare');
    expect(ui.consoleErrors).toEqual([]);
  });

  it("refuses a backdated record and shows the engine's message", async () => {
    await ui.go('usage');
    await ui.chooseUsageItem('API calls');
    // The previous period's invoice is paid, so its period is closed to new usage.
    const backdated = (await clockTime()) - 10 * 86_400;
    await page.uncheck('input[name="use-clock-time"]');
    await page.fill('input[name="timestamp"]', inputTime(backdated));
    await page.fill('input[name="quantity"]', '5');
    await page.click('button:has-text("Report usage")');
    const alert = page.locator('[data-testid="record-error"] [role="alert"]');
    await alert.waitFor();
    await ui.screenshot('usage-backdated');

    // Outside the UI, on purpose: the same call straight to the host gives the same message.
    const item = await page.inputValue('select[name="usage-item"]');
    const response = await fetch(new URL('/api/usageRecords.create', host.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-meterlab-token': host.token },
      body: JSON.stringify({
        args: [{ subscriptionItem: item, quantity: 5, timestamp: backdated }],
      }),
    });
    const result = (await response.json()) as { ok: boolean; error: { message: string } };
    expect(result.ok).toBe(false);
    // The UI leads with the message in the form's words (a UTC date, not unix seconds) and keeps
    // the engine's own message, word for word, under "As the API says it".
    expect(await alert.locator('[data-testid="api-message"]').textContent()).toBe(
      result.error.message,
    );
    expect(await alert.locator('strong').textContent()).toMatch(/\d{4}-\d{2}-\d{2} [\d:]+ UTC/);
  });

  it('shows three different quantities for one seat-count stream in the lab', async () => {
    await ui.createScenario('Teach: seats');
    await ui.createProduct('Seats');
    await ui.createMeteredPrice({
      nickname: 'Seats at period end',
      amountDecimal: '800',
      aggregateUsage: 'last_during_period',
    });
    await ui.createCustomer('Classroom');
    await ui.subscribe('Classroom', 'Seats at period end');
    await ui.go('usage');
    await page.selectOption('select[name="action"]', 'set');
    for (const [index, seats] of ['5', '12', '8'].entries()) {
      if (index > 0) await ui.advanceBy('+1 hour');
      await page.fill('input[name="quantity"]', seats);
      await page.click('button:has-text("Report usage")');
      await page.waitForSelector(
        `[data-testid="record-ok"]:has-text("Recorded"):has-text(": ${seats} at")`,
      );
    }
    await ui.go('lab');
    const openRow = page.locator('[data-testid="strategy-table"] tbody tr').first();
    // set 5, 12, 8: sum 5 + 12 + 8 = 25, max 12, last_during_period 8
    await openRow.locator('[data-testid="quantity-sum"]').filter({ hasText: '25' }).waitFor();
    const quantities = await Promise.all(
      ['sum', 'max', 'last_during_period'].map(async (strategy) =>
        (await openRow.locator(`[data-testid="quantity-${strategy}"]`).textContent())?.trim(),
      ),
    );
    expect(quantities).toEqual(['25', '12', '8']);
    await page.check('input[name="lab-strategy"][value="max"]');
    timings.labChartDraw = Number(
      await page.getAttribute('canvas[data-testid="lab-chart"]', 'data-draw-ms'),
    );
    await ui.screenshot('lab');
  });

  it('lets a declined card fail the invoice and schedules retries', async () => {
    await ui.createScenario('Declined card');
    await ui.createProduct('API access');
    await ui.createMeteredPrice({ nickname: 'API calls', amountDecimal: '0.2' });
    await ui.createCustomer('Declined Ltd', 'pm_card_chargeDeclined');
    await ui.subscribe('Declined Ltd', 'API calls');
    await ui.go('usage');
    await ui.sendBatch(['5000']);
    await page.waitForSelector('[data-testid="batch-ok"]');
    await ui.go('invoices');
    await ui.clickAdvanceBillingPeriod();
    // 5000 × EUR 0.002 = EUR 10.00, open and unpaid after the failed charge
    await page.waitForSelector(
      '[data-testid="invoice-list"] tr[data-status="open"]:has-text("EUR 10.00")',
    );
    await page.waitForSelector('[data-testid="next-attempt"]');
    await ui.advanceBy('+1 week');
    const attempts = page.locator('[data-testid="invoice-view"] .attempts tbody tr');
    await expect.poll(() => attempts.count()).toBeGreaterThan(1);
    await ui.screenshot('invoices-declined');
    await ui.go('events');
    await page.waitForSelector(
      '[data-testid="event-log"] tr[data-event-type="invoice.payment_failed"]',
    );
  });

  it('keeps the scenarios when the host restarts on the same data file', async () => {
    await page.close();
    await host.close();
    host = await startHost({ port: 0, dataFile, staticDir: 'dist/renderer' });
    await openApp();
    await ui.go('scenarios');
    const guide = page.locator('tr[data-scenario="Guide: API calls"]');
    await guide.waitFor();
    expect(await guide.textContent()).toContain('EUR 36.84');
    await ui.screenshot('scenarios');
    await guide.locator('button:has-text("Open")').click();
    await ui.go('invoices');
    await page.waitForSelector(
      '[data-testid="invoice-list"] tr[data-status="paid"]:has-text("EUR 36.84")',
    );
  });

  it('exports the guide scenario, imports it back and refuses a broken file', async () => {
    await ui.go('scenarios');
    const guide = page.locator('tr[data-scenario="Guide: API calls"]');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      guide.locator('button:has-text("Export")').click(),
    ]);
    // ':' is not allowed in file names on Windows: it becomes '-'.
    expect(download.suggestedFilename()).toBe('Guide- API calls.meterlab.json');
    const exported = join(workDir, download.suggestedFilename());
    await download.saveAs(exported);
    const file = JSON.parse(readFileSync(exported, 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({ format: 'meterlab-scenario', name: 'Guide: API calls' });

    await page.setInputFiles('input[name="scenario-file"]', exported);
    await page.waitForSelector('.content[data-view="catalog"]');
    await ui.go('scenarios');
    // The copy is the one open, beside the original.
    const copies = page.locator('tr[data-scenario="Guide: API calls"]');
    await expect.poll(() => copies.count()).toBe(2);
    await expect.poll(() => copies.first().getAttribute('class')).toContain('selected');
    await ui.go('invoices');
    // 18420 × EUR 0.002 = EUR 36.84, replayed from the file
    await page.waitForSelector(
      '[data-testid="invoice-list"] tr[data-status="paid"]:has-text("EUR 36.84")',
    );

    await ui.go('scenarios');
    const broken = join(workDir, 'broken.meterlab.json');
    writeFileSync(broken, JSON.stringify({ ...file, seed: 'x' }));
    await page.setInputFiles('input[name="scenario-file"]', broken);
    const refusal = page.locator('[data-testid="import-error"] [role="alert"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/The scenario file was refused: .*seed/);
    await ui.screenshot('scenarios-import-refused');
    const notJson = join(workDir, 'notes.txt');
    writeFileSync(notJson, 'not a scenario');
    await page.setInputFiles('input[name="scenario-file"]', notJson);
    await refusal.filter({ hasText: 'notes.txt is not JSON' }).waitFor();
    expect(await copies.count()).toBe(2);
  });

  it('exports the invoices as CSV and prints the invoice to a PDF', async () => {
    await ui.go('invoices');
    const paidRow = '[data-testid="invoice-list"] tr[data-status="paid"]:has-text("EUR 36.84")';
    await page.click(`${paidRow} button`);
    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Export CSV")'),
    ]);
    expect(csvDownload.suggestedFilename()).toMatch(/\.csv$/);
    const csv = Papa.parse<Record<string, string>>(
      readFileSync((await csvDownload.path())!, 'utf8'),
      { header: true, skipEmptyLines: true },
    );
    expect(csv.data).toContainEqual(
      expect.objectContaining({
        customer_name: 'Acme',
        quantity: '18420',
        amount_minor: '3684',
        amount: 'EUR 36.84',
        strategy: 'sum',
        status: 'paid',
      }),
    );

    // Listened to on the context: the print page may log before the test holds it.
    const cspErrors: string[] = [];
    page.context().on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspErrors.push(message.text());
    });
    const [printPage] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click('[aria-label="Invoice detail"] button:has-text("Print / save as PDF")'),
    ]);
    await printPage.waitForLoadState();
    expect(await printPage.textContent('body')).toContain('EUR 36.84');
    // The print page's own styles apply under its CSP (A4 layout, not the browser's default).
    expect(await printPage.evaluate(() => getComputedStyle(document.body).fontFamily)).toContain(
      'system-ui',
    );
    mkdirSync(screenshotDir, { recursive: true });
    await printPage.screenshot({ path: join(screenshotDir, 'print-invoice.png'), fullPage: true });
    const printed = await pdfText(await printPage.pdf({ format: 'A4', printBackground: true }));
    expect(printed).toContain('EUR 36.84');
    expect(printed).toContain('PAID');
    expect(cspErrors).toEqual([]);
    await printPage.close();

    // Print all leaves out the EUR 0.00 invoice of the subscription's creation, and says so.
    await page.waitForSelector('[data-testid="zero-invoices"]:has-text("1 made at subscription")');
    const [withoutZero] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click('button:has-text("Print all / save as PDF")'),
    ]);
    await withoutZero.waitForLoadState();
    expect(await withoutZero.locator('.invoice').count()).toBe(1);
    expect(await withoutZero.textContent('body')).toContain('Left out: 1 zero invoice');
    await withoutZero.close();
    await page.waitForSelector(
      '.notices :text("1 zero invoice made at subscription creation is left out")',
    );
    await page.check('input[name="print-include-zero"]');
    const [allPage] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click('button:has-text("Print all / save as PDF")'),
    ]);
    await allPage.waitForLoadState();
    expect(await allPage.locator('.invoice').count()).toBeGreaterThan(1);
    await allPage.close();
    await ui.screenshot('invoices-exports');
    expect(ui.consoleErrors).toEqual([]);
  });

  it('stays quick with a million usage records', async () => {
    await ui.createScenario('Scale: 1M records');
    await ui.createProduct('API access');
    await ui.createMeteredPrice({ nickname: 'API calls', amountDecimal: '0.2' });
    await ui.createCustomer('Big Co');
    await ui.subscribe('Big Co', 'API calls');
    await ui.go('usage');
    const item = await page.inputValue('select[name="usage-item"]');
    const periodStart = await clockTime();
    await ui.advanceBy('+1 week');
    await ui.advanceBy('+1 week');
    // Setup outside the UI, on purpose: a million records arrive as 100 batches of 10,000,
    // one per second of simulated time from the period start.
    const total = 1_000_000;
    const batch = 10_000;
    for (let first = 0; first < total; first += batch) {
      const records = Array.from({ length: batch }, (_, i) => ({
        quantity: 1,
        timestamp: periodStart + 1 + first + i,
      }));
      const response = await fetch(new URL('/api/usageRecords.createBatch', host.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-meterlab-token': host.token },
        body: JSON.stringify({ args: [{ subscriptionItem: item, records }] }),
      });
      const answer = (await response.json()) as { ok: boolean; error?: { message: string } };
      expect(answer.error?.message ?? 'ok').toBe('ok');
    }
    await ui.go('lab');
    await page.waitForSelector('canvas[data-testid="lab-chart"]');
    await page
      .locator('[data-testid="quantity-sum"]')
      .filter({ hasText: '1,000,000' })
      .first()
      .waitFor();
    timings.labChartDraw1M = Number(
      await page.getAttribute('canvas[data-testid="lab-chart"]', 'data-draw-ms'),
    );
    await ui.screenshot('lab-1m');
    await ui.go('invoices');
    const clicked = performance.now();
    await ui.clickAdvanceBillingPeriod();
    // 1,000,000 × EUR 0.002 = EUR 2,000.00
    await page.waitForSelector(
      '[data-testid="invoice-list"] tr[data-status="paid"]:has-text("EUR 2,000.00")',
    );
    timings.advanceBillingPeriodToInvoiceVisible1M = performance.now() - clicked;
    // The clock bar's own figure: the advance call alone, before the views reload.
    timings.advanceBillingPeriodCall1M = Number(
      /Done in (\d+) ms/.exec((await page.textContent('.clock-bar .status')) ?? '')?.[1],
    );
  });

  it('follows a dark OS theme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await ui.go('lab');
    await page.waitForSelector('canvas[data-testid="lab-chart"]');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(18, 21, 26)');
    await ui.screenshot('lab-dark');
    await ui.go('catalog');
    await ui.screenshot('catalog-dark');
  });
});
