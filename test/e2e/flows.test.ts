// The three users' flows of issue 15 in Chromium, through the UI only: a teacher on the Teach
// template (the lab explains itself, Compare says why it shows more), an exporter (every invoice
// counted, paged and in the CSV), and what every user meets (errors in the form's words, a big
// clock jump asked first, a skip link, titles, focus), with axe-core on every view, light and dark.
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  openApp,
  type AppSession,
  type AxeViolation,
  type MeterlabUi,
  type ViewName,
} from './driver';

let page: Page;
let ui: MeterlabUi;

const allViews: ViewName[] = [
  'scenarios',
  'catalog',
  'customers',
  'usage',
  'lab',
  'compare',
  'invoices',
  'events',
  'backtest',
];

async function createFromTemplate(name: string, template: string): Promise<void> {
  await ui.go('scenarios');
  await page.fill('input[name="scenario-name"]', name);
  await page.selectOption('select[name="scenario-template"]', template);
  await page.click('form button[type="submit"]:has-text("Create")');
  await page.waitForSelector(`.sidebar .scenario .name:text-is("${name}")`);
}

let session: AppSession | undefined;

beforeAll(async () => {
  session = await openApp('meterlab-flows-');
  ({ page, ui } = session);
});

afterAll(() => session?.close());

describe("the three users' flows", () => {
  it('starts a keyboard user with a skip link and names each view in the title', async () => {
    expect(await page.title()).toBe('Scenarios — Meterlab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  });

  it('opens the Teach template in the lab, which explains sum, max and last_ever', async () => {
    await createFromTemplate('Teach: strategies', 'teach-strategies');
    await page.waitForSelector('.content[data-view="lab"]');
    expect(await page.title()).toBe('Aggregation lab · Teach: strategies — Meterlab');
    // The view's heading takes the focus: the new view is read from its start.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Aggregation lab');
    await page.check('input[name="lab-strategy"][value="sum"]');
    await page.waitForSelector('text=The rising line is the running total');
    expect(await page.getAttribute('canvas[data-testid="lab-chart"]', 'role')).toBe('img');
    await ui.screenshot('flows-lab-sum');
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button[aria-label="Save PNG of the usage stream chart"]'),
    ]);
    expect(png.suggestedFilename()).toBe('usage-sum.png');
    // The PNG signature: \x89 P N G.
    expect([...readFileSync((await png.path())!).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);

    const carry = page.locator('[data-testid="carry-over"]');
    await carry.locator('text=equals').waitFor();
    const rows = page.locator('[data-testid="strategy-table"] tbody tr');
    const before = await rows.count();
    await carry.locator('button').click();
    await carry.locator('text=carries the last value over').waitFor();
    expect(await rows.count()).toBe(before + 1);
    // The new open period has no records: last_during_period 0, last_ever the last value.
    const open = rows.first();
    expect(
      (await open.locator('[data-testid="quantity-last_during_period"]').textContent())?.trim(),
    ).toBe('0');
    expect(
      Number((await open.locator('[data-testid="quantity-last_ever"]').textContent())?.trim()),
    ).toBeGreaterThan(0);
    await ui.screenshot('flows-lab-carry-over');
  });

  it('compares by calendar month in time order and says why it bills three items', async () => {
    await ui.go('compare');
    const chart = page.locator('canvas[data-testid="compare-months"]');
    await chart.waitFor();
    const months = ((await chart.getAttribute('data-months')) ?? '').split(',');
    const keys = months.map((month) => month.split(' ')[0]!);
    expect(keys).toEqual([...keys].sort());
    // The clock is inside the last period: its month is marked open.
    expect(months.at(-1)).toMatch(/ open$/);
    expect(months.slice(0, -1).every((month) => !month.endsWith('open'))).toBe(true);
    await page.waitForSelector('[data-testid="compare-items-note"]:has-text("3 metered items")');
    const radioNames = await page
      .locator('input[name="baseline"]')
      .evaluateAll((radios) => radios.map((radio) => radio.getAttribute('aria-label')));
    expect(new Set(radioNames).size).toBe(radioNames.length);
    await ui.screenshot('flows-compare');
  });

  it('counts and pages the invoices, shows why each exists, and exports every one', async () => {
    await ui.go('invoices');
    await ui.clickAdvanceBillingPeriod();
    // The next step is pointed to: the new invoice, one click away.
    const show = page.locator('.notices button:has-text("Show invoice")');
    await show.waitFor();
    const count = page.locator('[data-testid="invoice-count"]');
    await count.filter({ hasText: /^Invoices 1–\d+ of \d+$/ }).waitFor();
    const total = Number(/of (\d+)/.exec((await count.textContent()) ?? '')?.[1]);
    expect(await page.locator('[data-testid="invoice-list"] tbody tr').count()).toBe(total);
    const reasons = await page.locator('[data-testid="billing-reason"]').allTextContents();
    expect(reasons.map((reason) => reason.trim())).toContain('subscription started');
    expect(reasons.map((reason) => reason.trim())).toContain('period ended');
    await ui.screenshot('flows-invoices');

    const [json] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Export JSON")'),
    ]);
    const invoices = JSON.parse(readFileSync((await json.path())!, 'utf8')) as { id: string }[];
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Export CSV")'),
    ]);
    const rows = Papa.parse<Record<string, string>>(readFileSync((await csv.path())!, 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    // Every invoice is in the CSV, the EUR 0.00 creation invoice (no lines) included.
    expect(invoices).toHaveLength(total);
    expect(new Set(rows.map((row) => row.invoice))).toEqual(new Set(invoices.map((i) => i.id)));

    await ui.go('events');
    const events = page.locator('[data-testid="event-count"]');
    await events.filter({ hasText: /^Events 1–\d+ of \d+$/ }).waitFor();
    const shown = await page.locator('[data-testid="event-log"] tbody tr').count();
    expect(await events.textContent()).toBe(`Events 1–${shown} of ${shown}`);
  });

  it('speaks the form’s words in errors and clears them on edit', async () => {
    await ui.go('usage');
    await ui.sendBatch(['5', 'x']);
    const error = page.locator('[data-testid="batch-error"] [role="alert"] strong');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    expect(text).toContain('Line 2');
    expect(text).not.toMatch(/records\[\d+\]/);
    await ui.screenshot('flows-batch-error');
    await page.fill('textarea[name="batch"]', '5');
    expect(await page.locator('[data-testid="batch-error"]').count()).toBe(0);
  });

  it('asks before a jump to 2099, with the periods it would close', async () => {
    const before = await page.textContent('[data-testid="clock-time"]');
    expect(before).toMatch(/UTC$/);
    await page.fill('#clock-target', '2099-01-01T00:00:00');
    await page.click('.clock-bar button:has-text("To date")');
    const dialog = page.locator('dialog.confirm');
    await dialog.waitFor();
    expect(await dialog.locator('[data-testid="jump-estimate"]').textContent()).toMatch(
      /Advance 74 years to 2099-01-01 00:00 UTC\? About \d+ billing periods close/,
    );
    await ui.screenshot('flows-big-jump');
    await dialog.locator('button:has-text("Cancel")').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.textContent('[data-testid="clock-time"]')).toBe(before);
  });

  it('asks before a rewind, naming the time, and Cancel changes nothing', async () => {
    const before = await page.textContent('[data-testid="clock-time"]');
    await page.fill('#clock-travel', '2025-03-02T00:00:00');
    await page.click('.clock-bar button:has-text("Rewind…")');
    const dialog = page.locator('dialog.confirm-travel');
    await dialog.waitFor();
    expect(await dialog.locator('[data-testid="travel-text"]').textContent()).toMatch(
      /Rewind this scenario to 2025-03-02 00:00 UTC\?/,
    );
    await dialog.locator('button:has-text("Cancel")').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.textContent('[data-testid="clock-time"]')).toBe(before);
  });

  it('keeps the focus after Add product, on the name field', async () => {
    await ui.createProduct('Storage');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(
      'product-name',
    );
  });

  it('builds a generator from a form, with JSON only as the advanced way', async () => {
    await ui.go('usage');
    await page.selectOption('select[name="pattern.kind"]', 'growth');
    await page.fill('input[name="pattern.base.Mean units per hour"]', '40');
    await page.fill('input[name="pattern.Growth per day (0.01 = 1%)"]', '0.02');
    await page.click('summary:has-text("Advanced: the pattern as JSON")');
    const json = JSON.parse(await page.inputValue('textarea[name="generator-pattern-json"]'));
    expect(json).toEqual({
      kind: 'growth',
      base: { kind: 'poisson', meanPerHour: 40 },
      mode: 'exponential',
      ratePerDay: 0.02,
    });
    await page.waitForSelector('canvas[aria-label="Preview of the generator\'s first 30 days"]');
    await ui.screenshot('flows-generator-form');
  });

  it('lets a product team add a cohort, compare three prices and export', async () => {
    await ui.createScenario('Product team');
    await ui.createProduct('API access');
    for (const [nickname, amount] of [
      ['Now', '0.2'],
      ['Cheaper', '0.15'],
      ['Dearer', '0.3'],
    ] as const) {
      await ui.createMeteredPrice({ nickname, amountDecimal: amount });
    }
    await ui.go('customers');
    await page.fill('input[name="cohort-count"]', '20');
    await page.fill('input[name="cohort-prefix"]', 'Team');
    const preview = page.locator('[data-testid="cohort-preview"]');
    await preview.locator('text=20 customers: median').waitFor();
    await ui.screenshot('flows-cohort-preview');
    await page.click('button:has-text("Add 20 customers")');
    await page.waitForSelector('.notices :text("Added 20 customers")');
    await page.waitForSelector('.customer-list button:has-text("Team 20")');
    expect(await page.textContent('[data-testid="customer-count"]')).toBe('1–20 of 20');
    await page.fill('input[name="customer-search"]', 'Team 1');
    // Team 1 and Team 10 to Team 19.
    await page
      .locator('[data-testid="customer-count"]')
      .filter({ hasText: '1–11 of 11' })
      .waitFor();
    await page.fill('input[name="customer-search"]', '');
    await ui.advanceBy('+1 week');
    await ui.go('compare');
    await page.waitForSelector('[data-testid="compare-months"]');
    // 20 customers, one open period each.
    await expect.poll(() => page.locator('tbody tr[data-open="true"]').count()).toBe(20);
    await ui.screenshot('flows-compare-cohort');
  });

  it('adds a cohort of 500 customers in one step (printed: click to list)', async () => {
    await ui.createScenario('Big cohort');
    await ui.createProduct('API access');
    await ui.createMeteredPrice({ nickname: 'Now', amountDecimal: '0.2' });
    await ui.go('customers');
    await page.fill('input[name="cohort-count"]', '500');
    await page.fill('input[name="cohort-prefix"]', 'Big');
    await page.locator('[data-testid="cohort-preview"]').locator('text=500 customers').waitFor();
    const clicked = performance.now();
    await page.click('button:has-text("Add 500 customers")');
    await page.waitForSelector('.customer-list button:has-text("Big 500")');
    const listed = performance.now() - clicked;
    console.log(`Cohort of 500 customers, click to list: ${Math.round(listed)} ms`);
    expect(await page.textContent('[data-testid="customer-count"]')).toMatch(/ of 500$/);
    await page.waitForSelector('.notices :text("Added 500 customers")');
    await ui.screenshot('flows-cohort-500');
  });

  it('takes a learner through a lesson on sum, max and last, ending with the advance', async () => {
    await createFromTemplate('Teach: lesson', 'teach-strategies');
    await page.waitForSelector('.content[data-view="lab"]');
    await page.click('button:has-text("Start lesson")');
    const table = page.locator('[data-testid="strategy-table"] tbody tr').first();
    const verdict = page.locator('[data-testid="lesson-verdict"]');
    // The template's newest period: sum 78, max 25, last 12; the next period carries 12 over.
    for (const [strategy, answer] of [
      ['sum', '78'],
      ['max', '25'],
      ['last_during_period', '12'],
      ['last_ever', '12'],
    ] as const) {
      expect(
        (await table.locator(`[data-testid="quantity-${strategy}"]`).textContent())?.trim(),
      ).toBe('?');
      await page.fill('input[name="lesson-answer"]', answer);
      await page.click('button:has-text("Show answer")');
      await verdict.filter({ hasText: 'Right.' }).waitFor();
      if (strategy === 'last_ever') {
        await verdict
          .filter({ hasText: 'carries the last value ever reported over: 12' })
          .waitFor();
        await ui.screenshot('flows-lesson-last-ever');
      }
      await page.click(`[data-testid="lesson"] button[type="submit"]`);
    }
    await page.waitForSelector('button:has-text("Start lesson")');
    expect(
      (await table.locator('[data-testid="quantity-last_during_period"]').textContent())?.trim(),
    ).toBe('0');
  });

  it('has no serious or critical axe violations on any view, light or dark', async () => {
    const found: Record<string, AxeViolation[]> = {};
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const view of allViews) {
        await ui.go(view);
        await page.waitForTimeout(400); // the view's loads settle (an event stream keeps the network busy)
        const violations = await axeViolations(page);
        if (violations.length > 0) found[`${scheme} ${view}`] = violations;
      }
    }
    await ui.go('lab');
    await ui.screenshot('flows-lab-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(found).toEqual({});
    expect(ui.consoleErrors).toEqual([]);
  });
});
