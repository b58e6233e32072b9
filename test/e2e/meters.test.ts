// Billing meters through the UI in Chromium: create a meter and a price on it, subscribe, send
// events by the form (one duplicate refused) and by a pasted batch, cancel one, read the daily
// summaries chart, and read the invoice line with its meter explanation and its canceled event.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, openApp, type AppSession, type MeterlabUi } from './driver';

let page: Page;
let ui: MeterlabUi;

let session: AppSession | undefined;

beforeAll(async () => {
  session = await openApp('meterlab-meters-');
  ({ page, ui } = session);
});

afterAll(() => session?.close());

describe('billing meters in the UI', () => {
  it('creates a meter and a price on it, bills events sent by form and batch', async () => {
    await ui.createScenario('Meters');
    await ui.createProduct('API access');

    // The meter, with the formula picker's meanings on show.
    const meters = page.locator('[data-testid="meters-panel"]');
    await meters.locator('text=Counts the distinct strings').waitFor();
    expect(await meters.locator('label:has(input[value="max"]) .extension').textContent()).toBe(
      'Meterlab extension',
    );
    await page.fill('input[name="meter-display-name"]', 'API requests');
    await page.fill('input[name="meter-event-name"]', 'api_requests');
    await page.check('input[name="meter-formula"][value="sum"]');
    await page.click('button:has-text("Create meter")');
    await page.waitForSelector('[data-testid="meters-table"] td:has-text("api_requests")');

    // A price billed from the meter: EUR 0.002 a request.
    await page.fill('input[name="currency"]', 'EUR');
    await page.fill('input[name="nickname"]', 'Requests by meter');
    await page.check('input[type="radio"][value="metered"]');
    const meterOption = page.locator('select[name="meter"] option', { hasText: 'API requests' });
    await meterOption.waitFor({ state: 'attached' });
    await page.selectOption('select[name="meter"]', (await meterOption.getAttribute('value'))!);
    expect(await page.isDisabled('select[name="aggregateUsage"]')).toBe(true);
    await page.check('input[type="radio"][value="per_unit"]');
    await page.selectOption('select[name="amountParam"]', 'unitAmountDecimal');
    await page.fill('input[name="unitAmount"]', '0.2');
    await page.click('button:has-text("Create price")');
    await page.waitForSelector('[data-testid="prices-table"] td:has-text("Requests by meter")');
    await ui.screenshot('meters-catalog');

    await ui.createCustomer('Acme');
    await ui.subscribe('Acme', 'Requests by meter');

    // One event by the form, with the SDK call shown; the same identifier again is refused.
    await ui.go('usage');
    const events = page.locator('[data-testid="meter-events"]');
    await events.locator('select[name="event-meter"]').waitFor();
    await page.fill('input[name="event-value"]', '1000');
    await page.fill('input[name="event-identifier"]', 'req-1');
    expect(await page.textContent('[data-testid="meter-event-call"]')).toContain(
      "await vinr.billing.meterEvents.create({\n  eventName: 'api_requests',",
    );
    await page.click('button:has-text("Send event")');
    await page.waitForSelector('[data-testid="meter-event-ok"]:has-text("req-1")');
    await page.fill('input[name="event-identifier"]', 'req-1');
    await page.click('button:has-text("Send event")');
    await page.waitForSelector('[data-testid="meter-event-error"]:has-text("req-1")');

    // A batch, then the cancel of one of its events.
    const customer = await page.inputValue('select[name="event-customer"]');
    await page.fill('textarea[name="event-batch"]', `${customer}, 500\n${customer}, 250, req-2`);
    expect(await page.textContent('[data-testid="meter-batch-call"]')).toContain('createBatch');
    await page.click('button:has-text("Send 2 events")');
    await page.waitForSelector('[data-testid="meter-event-ok"]:has-text("Accepted 2 events")');
    await page.fill('input[name="cancel-identifier"]', 'req-2');
    await page.click('button:has-text("Cancel event")');
    await page.waitForSelector('[data-testid="meter-event-ok"]:has-text("Canceled")');
    // Today's summary: 1000 + 500; the canceled 250 counts nowhere.
    await page.waitForSelector('[data-testid="meter-summary-total"]:has-text(": 1500.")');
    expect(
      await page.getAttribute('[data-testid="meter-summary-chart"] canvas', 'aria-label'),
    ).toBe('Daily event summaries of the chosen meter');
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('meters-usage');

    // The period's invoice: 1500 requests × EUR 0.002 = EUR 3.00, explained by the meter.
    await ui.go('invoices');
    await ui.clickAdvanceBillingPeriod();
    const paidRow = '[data-testid="invoice-list"] tr[data-status="paid"]:has-text("EUR 3.00")';
    await page.waitForSelector(paidRow);
    await page.click(`${paidRow} button`);
    await page.waitForSelector('[data-testid="invoice-view"][data-status="paid"]');
    await page.click('[data-testid="invoice-view"] button[aria-expanded="false"]');
    await page.waitForSelector('[data-testid="invoice-view"] .explain-row');
    const explained = await page.textContent('[data-testid="invoice-view"]');
    expect(explained).toContain('1,500 units, meter sum');
    // The line's events: 2 counted, and the canceled req-2 (250) named with its times; the
    // refused duplicate was never stored.
    const lineEvents = page.locator('[data-testid="meter-line-events"]');
    expect(await lineEvents.locator('[data-testid="meter-line-counts"]').textContent()).toContain(
      '2 counted · 1 canceled · 0 late',
    );
    const canceled = lineEvents.locator('tr[data-kind="canceled"]');
    expect(await canceled.count()).toBe(1);
    expect(await canceled.locator('td').allTextContents()).toEqual([
      expect.stringContaining('counted nowhere'),
      'req-2',
      expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC$/),
      expect.stringMatching(/ UTC$/),
      '250',
    ]);
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('meters-invoice');
    expect(ui.consoleErrors).toEqual([]);
  });

  it('teaches both models in the lab, and proposes the move of a max price to a meter', async () => {
    await ui.go('scenarios');
    await page.fill('input[name="scenario-name"]', 'Peaks');
    await page.selectOption('select[name="scenario-template"]', 'peak-connections-max');
    await page.click('form button[type="submit"]:has-text("Create")');
    await page.waitForSelector('.sidebar .scenario .name:text-is("Peaks")');
    await ui.go('lab');
    const models = page.locator('[data-testid="records-vs-meters"]');
    await models.locator('[data-testid="models-table"] tbody tr').first().waitFor();
    expect(await models.locator('th').allTextContents()).toEqual(
      expect.arrayContaining(['records: max', 'meter: count', 'meter: unique_count*']),
    );
    await models
      .locator('[data-testid="migration-summary"]:has-text("formula: \'max\'")')
      .waitFor();
    // A max price: the extension bills the same; what last and sum would cost is shown beside.
    expect(await models.locator('[data-testid="migration-table"] th').allTextContents()).toEqual([
      'Period',
      'Today (max)',
      'Meter (max)',
      'or last',
      'or sum',
    ]);
    expect(await axeViolations(page)).toEqual([]);
    await ui.screenshot('meters-lab');
    await models.locator('button:has-text("Create this meter and price")').click();
    await ui.go('catalog');
    await page.waitForSelector('[data-testid="meters-table"] td:has-text("max")');
    expect(ui.consoleErrors).toEqual([]);
  });
});
