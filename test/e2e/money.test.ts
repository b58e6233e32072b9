// Money on the invoice, through the UI only, in Chromium: a coupon and a tax rate made in the
// Catalog, a customer subscribed with a 14-day trial, the coupon, the tax rate and a minimum, a
// credit balance and a credit grant, then the invoice's "how this total was reached" block with
// amounts computed by hand, on screen and on the print page. axe-core on the three views the money
// features live in, light and dark; screenshots in test/e2e/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  openApp,
  screenshotDir,
  type AppSession,
  type MeterlabUi,
  type AxeViolation,
  type ViewName,
} from './driver';

let page: Page;
let ui: MeterlabUi;

/**
 * The period after the trial: 10,000 calls × EUR 0.002 = EUR 20.00; 20% off = −4.00; the EUR 3.00
 * grant pays the metered line: −3.00; spend after discounts 16.00 is 4.00 short of the EUR 20.00
 * minimum: a true-up of +4.00; VAT 19% on (20.00 − 4.00 − 3.00) = 13.00 → 2.47, and on the
 * true-up 4.00 → 0.76: 3.23; total 20.00 + 4.00 − 4.00 − 3.00 + 3.23 = 20.23; the EUR 5.00
 * credit balance leaves 15.23 due, charged to the card.
 */
const expectedSteps: [string, string][] = [
  ['lines', 'EUR 20.00'],
  ['discounts', '-EUR 4.00'],
  ['credit_grants', '-EUR 3.00'],
  ['minimum_commitment', 'EUR 4.00'],
  ['tax', 'EUR 3.23'],
  ['total', 'EUR 20.23'],
  ['customer_balance', '-EUR 5.00'],
  ['amount_due', 'EUR 15.23'],
  ['payment', 'EUR 15.23'],
];

let session: AppSession | undefined;

beforeAll(async () => {
  session = await openApp('meterlab-money-');
  ({ page, ui } = session);
});

afterAll(() => session?.close());

async function advanceBillingPeriod(): Promise<void> {
  const before = await page.textContent('[data-testid="clock-time"]');
  await ui.clickAdvanceBillingPeriod();
  await page.waitForFunction(
    (previous) => document.querySelector('[data-testid="clock-time"]')?.textContent !== previous,
    before,
  );
}

describe('money on the invoice in the UI', () => {
  it('bills a trial, a coupon, credit, a minimum and tax, and shows how the total was reached', async () => {
    await ui.createScenario('Money: trial, coupon, tax');
    await ui.createProduct('API access');
    await ui.createMeteredPrice({ nickname: 'API calls', amountDecimal: '0.2' });

    // The engine refuses 101% off: its word shows at the field, in the form's words.
    const coupons = page.locator('[data-testid="coupon-form"]');
    await coupons.locator('input[name="coupon-percent"]').fill('101');
    await coupons.locator('input[name="coupon-name"]').fill('Launch 20%');
    await coupons.locator('button:has-text("Create coupon")').click();
    const percentIssue = page.locator('#coupon-issue-percentOff');
    await percentIssue.filter({ hasText: '“Percent off” 101' }).waitFor();
    expect(await coupons.locator('input[name="coupon-percent"]').getAttribute('aria-invalid')).toBe(
      'true',
    );
    await ui.screenshot('money-coupon-refused');
    await coupons.locator('input[name="coupon-percent"]').fill('20');
    expect(await percentIssue.textContent()).toBe('');
    await coupons.locator('select[name="coupon-duration"]').selectOption('repeating');
    await coupons.locator('input[name="coupon-months"]').fill('3');
    await coupons.locator('button:has-text("Create coupon")').click();
    await page.waitForSelector('[data-testid="coupons-table"] td:has-text("20% off, 3 months")');

    const taxes = page.locator('[data-testid="tax-rate-form"]');
    await taxes.locator('input[name="tax-name"]').fill('VAT');
    await taxes.locator('input[name="tax-percentage"]').fill('19');
    await taxes.locator('button:has-text("Create tax rate")').click();
    await page.waitForSelector('[data-testid="tax-rates-table"] td:has-text("19%")');
    await ui.screenshot('money-catalog');

    await ui.createCustomer('Acme');
    await page.check('.price-choice label:has-text("API calls") input[type="checkbox"]');
    await page.click('[data-testid="subscribe-options"] summary');
    await page.check('input[type="radio"][value="days"]');
    await page.fill('input[name="trial-days"]', '14');
    await page.check('label:has-text("Launch 20%") input[name="subscribe-coupon"]');
    await page.check('label:has-text("VAT 19% exclusive") input[name="subscribe-tax-rate"]');
    await page.fill('input[name="minimum-commitment"]', '20.00');
    await page.click('button:has-text("Subscribe"):not(:has-text("…"))');
    const terms = page.locator('[data-testid="subscription-terms"]');
    await terms.waitFor();
    expect((await terms.textContent())?.trim()).toMatch(
      /^Trial until \d{4}-\d{2}-\d{2} 00:00 UTC · Coupon Launch 20% \(20% off, 3 months\) until .* · Tax VAT 19% exclusive · Minimum EUR 20\.00 per period$/,
    );

    const balance = page.locator('[data-testid="balance-form"]');
    await balance.locator('input[name="balance-amount"]').fill('5.00');
    await balance.locator('input[name="balance-description"]').fill('Goodwill');
    await balance.locator('button:has-text("Add to balance")').click();
    await page
      .locator('[data-testid="customer-balance"]')
      .filter({ hasText: 'Credit of EUR 5.00' })
      .waitFor();

    const grants = page.locator('[data-testid="grant-form"]');
    await grants.locator('input[name="grant-amount"]').fill('3.00');
    await grants.locator('input[name="grant-name"]').fill('Welcome credit');
    await grants.locator('button:has-text("Grant credit")').click();
    await page
      .locator(
        '[data-testid="credit-grants"] tr:has-text("Welcome credit") [data-testid="grant-remaining"]',
      )
      .filter({ hasText: 'EUR 3.00' })
      .waitFor();
    await page
      .locator('[data-testid="credit-summary"]')
      .filter({ hasText: 'Available EUR 3.00' })
      .waitFor();
    await ui.screenshot('money-customers');

    // The trial ends: its invoice bills the trial's usage at 0 and leaves the credit alone.
    await ui.go('invoices');
    await advanceBillingPeriod();
    await ui.go('usage');
    await ui.sendBatch(['10000']);
    await page.waitForSelector('[data-testid="batch-ok"]');
    await ui.go('invoices');
    await advanceBillingPeriod();
    const row = '[data-testid="invoice-list"] tr[data-status="paid"]:has-text("EUR 20.23")';
    await page.waitForSelector(row);
    await page.click(`${row} button`);
    const pipeline = page.locator('[aria-label="Invoice detail"] [data-testid="invoice-pipeline"]');
    await pipeline.waitFor();
    const shown = await pipeline
      .locator('li')
      .evaluateAll((items) =>
        items.map((item) => [
          item.getAttribute('data-step'),
          item.querySelector('[data-testid="step-amount"]')?.textContent?.trim(),
        ]),
      );
    expect(shown).toEqual(expectedSteps);
    expect(await pipeline.locator('li[data-step="discounts"]').textContent()).toContain(
      'Launch 20% (20% off, rounded per line)',
    );
    await ui.screenshot('money-invoice');

    // The print page (the PDF's source) shows the same block, in the same order.
    const [printPage] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click('[aria-label="Invoice detail"] button:has-text("Print / save as PDF")'),
    ]);
    await printPage.waitForLoadState();
    const printed = await printPage
      .locator('.pipeline tr')
      .evaluateAll((rows) => rows.map((r) => r.querySelector('td.num')?.textContent?.trim()));
    expect(printed).toEqual(expectedSteps.map(([, amount]) => amount));
    expect(await printPage.textContent('.pipeline h3')).toBe('How this total was reached');
    mkdirSync(screenshotDir, { recursive: true });
    await printPage.screenshot({ path: join(screenshotDir, 'money-print.png'), fullPage: true });
    await printPage.close();

    // The credit was used: the balance is back to 0 and the grant has nothing left.
    await ui.go('customers');
    await page
      .locator('[data-testid="customer-balance"]')
      .filter({ hasText: 'No balance' })
      .waitFor();
    const grant = page.locator('[data-testid="credit-grants"] tr:has-text("Welcome credit")');
    await grant
      .locator('[data-testid="grant-remaining"]')
      .filter({ hasText: 'EUR 0.00' })
      .waitFor();
    // The credit of 5.00, then its use by the invoice (+5.00): two transactions.
    await expect
      .poll(() => page.locator('[data-testid="balance-transactions"] tbody tr').count())
      .toBe(2);
    expect(ui.consoleErrors).toEqual([]);
  });

  it('has no serious or critical axe violations on the money views, light or dark', async () => {
    const views: ViewName[] = ['catalog', 'customers', 'invoices'];
    const found: Record<string, AxeViolation[]> = {};
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const view of views) {
        await ui.go(view);
        if (view === 'invoices') {
          await page.waitForSelector(
            '[aria-label="Invoice detail"] [data-testid="invoice-pipeline"]',
          );
        }
        const violations = await axeViolations(page);
        if (violations.length) found[`${view} (${scheme})`] = violations;
        if (scheme === 'dark') await ui.screenshot(`money-${view}-dark`);
      }
    }
    expect(found).toEqual({});
  });
});
