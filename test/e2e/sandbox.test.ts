// The developer sandbox from the window (issue 12), in Chromium through the UI: turn it on in the
// Events view, call it from "the developer's code" (this test, over HTTP with the key the panel
// shows), watch the call land in the views live, read the failed delivery's tries, and resend it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost } from '../../electron/host';
import { appUrl, axeViolations, launchBrowser, MeterlabUi } from './driver';

const workDir = mkdtempSync(join(tmpdir(), 'meterlab-sandbox-e2e-'));
let host: Awaited<ReturnType<typeof startHost>>;
let browser: Browser;
let page: Page;
let ui: MeterlabUi;
let receiver: Server;
let answer = 500;
const received: string[] = [];

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push((JSON.parse(body) as { id: string }).id);
      res.writeHead(answer).end(answer === 200 ? 'handled' : 'handler crashed');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  browser = await launchBrowser();
  host = await startHost({
    port: 0,
    dataFile: join(workDir, 'workspace.json'),
    staticDir: 'dist/renderer',
    // One quick try, then the retries wait for the test clock: the resend is what delivers.
    sandbox: { webhooks: { retryDelaysMs: [] } },
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  ui = new MeterlabUi(page);
  await page.goto(appUrl(host));
  await page.waitForSelector('nav button[data-view="scenarios"]');
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(workDir, { recursive: true, force: true });
});

describe('the developer sandbox in the window', () => {
  it('turns on from the UI, shows the calls of the developer’s code live, and resends a delivery', async () => {
    await ui.createScenario('My integration');
    await expect(page.textContent('[data-testid="sandbox-link"]')).resolves.toContain('off');
    await page.click('[data-testid="sandbox-link"]');
    await page.waitForSelector('.content[data-view="events"]');
    const port = await freePort();
    await page.fill('input[name="sandbox-port"]', String(port));
    await page.click('[data-testid="sandbox-toggle"]');
    await page.waitForSelector('[data-testid="sandbox-state"]:text-is("On")');
    const baseUrl = await page.inputValue('[data-testid="sandbox-url"]');
    const key = await page.inputValue('[data-testid="sandbox-key"]');
    expect(baseUrl).toBe(`http://127.0.0.1:${port}`);
    expect(key).toMatch(/^sk_test_/);
    expect(key).toBe(host.sandbox && (await host.sandbox.status()).secretKey);
    await expect(page.textContent('[data-testid="sandbox-link"]')).resolves.toContain(`:${port}`);

    // The developer's code, with the key from the panel.
    const call = async (path: string, body: unknown) => {
      const response = await fetch(baseUrl + path, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { id: string };
    };
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`;
    const endpoint = await call('/v1/webhook_endpoints', {
      url: hookUrl,
      enabledEvents: ['customer.created'],
    });
    await call('/v1/customers', { name: 'From my code' });

    // Live: the Events view shows the event without any click, and its first try failed.
    const row = page.locator('[data-testid="event-log"] tr[data-event-type="customer.created"]');
    await row.first().waitFor();
    await row.first().locator('button').click();
    const delivery = page.locator(
      `[data-testid="webhook-deliveries"] [data-endpoint="${endpoint.id}"]`,
    );
    await delivery.locator('[data-testid="delivery-attempt"]:has-text("HTTP 500")').waitFor();
    await expect(delivery.textContent()).resolves.toMatch(/next try at .* \(test clock\)/);
    expect(received).toHaveLength(1);

    // The handler is fixed: Resend delivers it now, and the try is listed.
    answer = 200;
    await delivery.locator('button:has-text("Resend")').click();
    await delivery
      .locator('[data-testid="delivery-attempt"]:has-text("(resend)"):has-text("HTTP 200")')
      .waitFor();
    await delivery.locator('[data-status="succeeded"]').waitFor();
    expect(received).toEqual([received[0], received[0]]);
    await expect(delivery.locator('[data-testid="delivery-attempt"]').count()).resolves.toBe(2);

    // The Customers view has the developer's customer too.
    await ui.go('customers');
    await page.waitForSelector('.customer-list button:has-text("From my code")');
    await ui.go('events');
    await page
      .locator('[data-testid="event-log"] tr[data-event-type="customer.created"] button')
      .first()
      .click();
    await page.locator('[data-testid="delivery-attempt"]:has-text("(resend)")').waitFor();
    await ui.screenshot('sandbox-resend');
    expect(await axeViolations(page)).toEqual([]);

    await page.click('[data-testid="sandbox-toggle"]');
    await page.waitForSelector('[data-testid="sandbox-state"]:text-is("Off")');
    await expect(fetch(`${baseUrl}/v1/customers`)).rejects.toThrow();
    expect(ui.consoleErrors).toEqual([]);
  }, 120_000);
});
