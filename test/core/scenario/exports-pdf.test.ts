// The print page as a PDF, made by real Chromium (as the browser host does with page.pdf and
// Electron with printToPDF), read back with pdf.js.
import { existsSync } from 'node:fs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SELLER_NAME, invoicesHtml } from '../../../core/scenario/exports';
import { replayScenario } from '../../../core/scenario/replay';
import { templateFilesById } from '../../../core/scenario/templates';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `No Chromium at ${chromiumPath}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
  browser = await chromium.launch({
    executablePath: chromiumPath,
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
});

afterAll(async () => {
  await browser?.close();
});

/** The text of each page of a PDF. */
async function pdfPages(pdf: Uint8Array): Promise<string[]> {
  const document = await getDocument({ data: pdf, useSystemFonts: true }).promise;
  const pages: string[] = [];
  for (let number = 1; number <= document.numPages; number++) {
    const content = await (await document.getPage(number)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await document.destroy();
  return pages;
}

async function printToPdf(html: string): Promise<Uint8Array> {
  const page = await browser.newPage();
  try {
    await page.setContent(html);
    return new Uint8Array(await page.pdf({ format: 'A4', printBackground: true }));
  } finally {
    await page.close();
  }
}

describe('the invoice PDF', () => {
  it("prints the guide's invoice with seller, customer, period, lines, totals and status", async () => {
    const sim = replayScenario(templateFilesById['api-calls']);
    const subscription = sim.subscriptions.list().data[0]!;
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const invoice = sim.invoices.list({ subscription: subscription.id }).data[0]!;
    const html = invoicesHtml([invoice], {
      customers: sim.customers.list().data,
      prices: sim.prices.list().data,
    });
    const pages = await pdfPages(await printToPdf(html));
    expect(pages).toHaveLength(1);
    const text = pages[0]!.replace(/\s+/g, ' ');
    for (const expected of [
      SELLER_NAME,
      'INVOICE',
      invoice.id,
      'Acme Analytics',
      'cust_8aZ2',
      '2025-03-01 00:00 UTC – 2025-04-01 00:00 UTC',
      'API access (18,420 units, sum)',
      'EUR 36.84',
      'Total',
      'PAID',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('prints all invoices of a scenario, one per page', async () => {
    const sim = replayScenario(templateFilesById['graduated-free-allowance']);
    sim.testClock.advance({ frozenTime: Date.UTC(2025, 3, 1, 1) / 1000 });
    const invoices = sim.invoices.list().data.reverse();
    const html = invoicesHtml(invoices, {
      customers: sim.customers.list().data,
      prices: sim.prices.list().data,
      scenarioName: 'Graduated',
    });
    const pages = await pdfPages(await printToPdf(html));
    // 3 creation invoices and 3 March invoices: EUR 0.00, 27.00 and 90.00
    expect(pages).toHaveLength(6);
    expect(pages.filter((page) => page.includes(SELLER_NAME))).toHaveLength(6);
    expect(pages[5]).toContain('Large Publisher');
    expect(pages[5]).toContain('EUR 90.00');
    expect(pages[5]).toContain('Tier 2');
  });
});
