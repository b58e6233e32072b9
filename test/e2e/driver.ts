// Drives the Meterlab UI in Debian's Chromium through playwright-core: launching the browser and
// the few user-level steps the flows are made of, each done only through the UI.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHost } from '../../electron/host';

export const screenshotDir = join(import.meta.dirname, 'screenshots');

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `No Chromium at ${path}: the UI tests drive Debian's chromium. Install it ` +
        `(apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.`,
    );
  }
  return path;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The browser host's URL with its token, as `npm start` prints it. */
export function appUrl(started: { url: string; token: string }): string {
  const url = new URL(started.url);
  if (!url.searchParams.has('token')) url.searchParams.set('token', started.token);
  return url.toString();
}

/** Chromium on the app, served by a browser host over a workspace in a temp folder. */
export interface AppSession {
  page: Page;
  ui: MeterlabUi;
  /** How long the host took to start (loading the workspace) and the page to show the app. */
  opened: { hostMs: number; pageMs: number };
  /** Closes the browser and the host, and deletes the workspace. */
  close(): Promise<void>;
}

export interface OpenAppOptions {
  /** Writes a workspace at this path before the host opens it (a large one, made outside the UI). */
  prepare?: (dataFile: string) => Promise<void>;
}

export async function openApp(
  tempPrefix: string,
  options: OpenAppOptions = {},
): Promise<AppSession> {
  const workDir = mkdtempSync(join(tmpdir(), tempPrefix));
  const dataFile = join(workDir, 'workspace.json');
  await options.prepare?.(dataFile);
  const browser = await launchBrowser();
  let started = performance.now();
  const host = await startHost({ port: 0, dataFile, staticDir: 'dist/renderer' });
  const hostMs = performance.now() - started;
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  started = performance.now();
  await page.goto(appUrl(host));
  await page.waitForSelector('nav button[data-view="scenarios"]');
  const pageMs = performance.now() - started;
  return {
    page,
    ui: new MeterlabUi(page),
    opened: { hostMs, pageMs },
    close: async () => {
      await browser.close();
      await host.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the app's CSP (script-src 'self') stays as it is.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } })
      .axe;
    const results = (await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    })) as { violations: AxeViolation[] };
    return results.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      ...v,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
}

export type ViewName =
  | 'scenarios'
  | 'catalog'
  | 'customers'
  | 'usage'
  | 'lab'
  | 'compare'
  | 'invoices'
  | 'events'
  | 'backtest';

export interface PriceForm {
  nickname: string;
  amountDecimal: string;
  aggregateUsage?: 'sum' | 'max' | 'last_during_period' | 'last_ever';
  currency?: string;
}

/** The UI as a user sees it: every step clicks, types and waits like a person would. */
export class MeterlabUi {
  readonly page: Page;
  readonly consoleErrors: string[] = [];

  constructor(page: Page) {
    this.page = page;
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => this.consoleErrors.push(String(error)));
  }

  async go(view: ViewName): Promise<void> {
    await this.page.click(`nav button[data-view="${view}"]`);
    await this.page.waitForSelector(`.content[data-view="${view}"]`);
  }

  /** Saves the page without passing notices, which would cover what the view shows. */
  async screenshot(name: string): Promise<void> {
    mkdirSync(screenshotDir, { recursive: true });
    const dismiss = this.page.locator('.notices button[aria-label="Dismiss"]');
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    // The view scrolls inside the app shell: grow the window to show all of it, then restore.
    const viewport = this.page.viewportSize() ?? { width: 1440, height: 900 };
    const contentHeight = await this.page.evaluate(() => {
      const content = document.querySelector('.content');
      return content ? content.scrollHeight - content.clientHeight : 0;
    });
    await this.page.setViewportSize({ ...viewport, height: viewport.height + contentHeight });
    await this.page.screenshot({ path: join(screenshotDir, `${name}.png`) });
    await this.page.setViewportSize(viewport);
  }

  async createScenario(name: string): Promise<void> {
    await this.go('scenarios');
    await this.page.fill('input[name="scenario-name"]', name);
    await this.page.click('form button[type="submit"]:has-text("Create")');
    await this.page.waitForSelector('.content[data-view="catalog"]');
    await this.page.waitForSelector(`.sidebar .scenario .name:text-is("${name}")`);
  }

  async createProduct(name: string): Promise<void> {
    await this.go('catalog');
    await this.page.fill('input[name="product-name"]', name);
    await this.page.click('button:has-text("Add product")');
    await this.page.waitForSelector(`td:has-text("${name}")`);
  }

  /** A per-unit metered monthly price with a sub-cent unitAmountDecimal. */
  async createMeteredPrice(form: PriceForm): Promise<void> {
    await this.go('catalog');
    const page = this.page;
    await page.fill('input[name="currency"]', form.currency ?? 'EUR');
    await page.fill('input[name="nickname"]', form.nickname);
    await page.check('input[type="radio"][value="metered"]');
    await page.selectOption('select[name="aggregateUsage"]', form.aggregateUsage ?? 'sum');
    await page.selectOption('select[name="interval"]', 'month');
    await page.check('input[type="radio"][value="per_unit"]');
    await page.selectOption('select[name="amountParam"]', 'unitAmountDecimal');
    await page.fill('input[name="unitAmount"]', form.amountDecimal);
    await page.click('button:has-text("Create price")');
    await page.waitForSelector(`[data-testid="prices-table"] td:has-text("${form.nickname}")`);
  }

  async createCustomer(name: string, card = 'pm_card_visa'): Promise<void> {
    await this.go('customers');
    await this.page.fill('input[name="customer-name"]', name);
    await this.page.selectOption('select[name="customer-card"]', card);
    await this.page.click('button:has-text("Add customer")');
    await this.page.waitForSelector(`.customer-list button.current:has-text("${name}")`);
  }

  /** Subscribes the selected customer to the price with this nickname. */
  async subscribe(customer: string, priceNickname: string): Promise<void> {
    await this.go('customers');
    await this.page.click(`.customer-list button:has-text("${customer}")`);
    await this.page.check(
      `.price-choice label:has-text("${priceNickname}") input[type="checkbox"]`,
    );
    await this.page.click('button:has-text("Subscribe"):not(:has-text("…"))');
    await this.page.waitForSelector('.subscription[data-subscription]');
  }

  async chooseUsageItem(labelPart: string): Promise<void> {
    const select = this.page.locator('select[name="usage-item"]');
    const value = await select
      .locator('option', { hasText: labelPart })
      .first()
      .getAttribute('value');
    if (value) await select.selectOption(value);
  }

  async sendBatch(lines: string[]): Promise<void> {
    await this.page.fill('textarea[name="batch"]', lines.join('\n'));
    await this.page.click('button:has-text("Send")');
  }

  async advanceBy(step: '+1 hour' | '+1 day' | '+1 week'): Promise<void> {
    const before = await this.page.textContent('[data-testid="clock-time"]');
    await this.page.click(`.clock-bar button:has-text("${step}")`);
    await this.page.waitForFunction(
      (previous) => document.querySelector('[data-testid="clock-time"]')?.textContent !== previous,
      before,
    );
  }

  async clickAdvanceBillingPeriod(): Promise<void> {
    await this.page.click('.clock-bar button:has-text("Advance billing period")');
  }
}
