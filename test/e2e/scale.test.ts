// The app at scale in Chromium, measured and printed: advance → invoice on screen with 10M stored
// usage records, the host's start and the first paint over that workspace; the main thread's long
// tasks during a year's fast-forward of 1,000 subscriptions in the UI; and, with 10,000
// customers, the first paint and the time each list and chart takes to open. The times are taken
// in the page (click to the frame that shows the result), with the engine's share beside them
// (the host's Server-Timing for the call). Two goals are asserted with room for this shared
// machine's load: no long task over 100 ms, and a first contentful paint of at most 500 ms in
// the best of three loads; the rest is printed (speed is judged by `npm run bench`). The large workspaces are written beforehand through the real store
// and the API (bench/metered-workspace.ts), outside the UI: sending 10M records through it would
// measure the setup, not the app. E2E_RECORDS sets the record count (default 10M).
import { afterAll, describe, expect, it } from 'vitest';
import {
  ingest,
  meteredWorkspace,
  openWorkspace,
  saveNow,
  USAGE_SECONDS,
} from '../../bench/metered-workspace';
import { createDispatcher } from '../../core/dispatch';
import { openApp, type AppSession } from './driver';

const RECORDS = Number(process.env.E2E_RECORDS ?? 10_000_000);
const figures: Record<string, number | string> = {};
let session: AppSession | null = null;

afterAll(async () => {
  await session?.close();
  console.log('Scale figures:', figures);
});

/**
 * Clicks a view in the sidebar and returns the milliseconds until each of `ready` is in it (the
 * first also holding `text`, when given), measured in the page: the frame in which it is first
 * there is the one that paints it. The page's resource timings start afresh with the click (see
 * engineMs).
 */
async function timeToShow(
  app: AppSession,
  view: string,
  ready: string[],
  text?: string,
): Promise<number[]> {
  return app.page.evaluate(
    async ({ view, ready, text }) => {
      const found = (selector: string, withText?: string) => {
        const element = document.querySelector(`.content[data-view="${view}"] ${selector}`);
        return (
          element !== null && (withText === undefined || element.textContent!.includes(withText))
        );
      };
      performance.clearResourceTimings();
      const started = performance.now();
      const shown: number[] = [];
      document.querySelector<HTMLButtonElement>(`nav button[data-view="${view}"]`)!.click();
      while (shown.length < ready.length) {
        if (performance.now() - started > 60_000)
          throw new Error(`${view}: not all of ${ready} in 60 s`);
        await new Promise((resolve) => requestAnimationFrame(resolve));
        while (
          shown.length < ready.length &&
          found(ready[shown.length]!, shown.length === 0 ? text : undefined)
        ) {
          shown.push(Math.round(performance.now() - started));
        }
      }
      return shown;
    },
    { view, ready, text },
  );
}

/**
 * The engine's share of the calls to `method` since the page's resource timings were last cleared:
 * the host's dispatch time, from its Server-Timing header (ms, summed over the calls).
 */
async function engineMs(app: AppSession, method: string): Promise<number> {
  const durations = await app.page.evaluate(
    (method) =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => entry.name.endsWith(`/api/${method}`))
        .flatMap((entry) =>
          (entry as PerformanceResourceTiming).serverTiming
            .filter((timing) => timing.name === 'dispatch')
            .map((timing) => timing.duration),
        ),
    method,
  );
  return Math.round(durations.reduce((sum, ms) => sum + ms, 0));
}

/** First paint and first contentful paint of the page, from navigation start (ms). */
async function paints(app: AppSession): Promise<Record<string, number>> {
  const entries = await app.page.evaluate(() =>
    performance.getEntriesByType('paint').map((entry) => [entry.name, entry.startTime] as const),
  );
  return Object.fromEntries(entries.map(([name, time]) => [name, Math.round(time)]));
}

describe('Meterlab at scale in Chromium', () => {
  it(`advances to the invoice on screen with ${RECORDS.toLocaleString('en-US')} stored records`, async () => {
    let prepareMs = 0;
    session = await openApp('meterlab-e2e-scale-', {
      prepare: async (dataFile) => {
        const started = performance.now();
        const metered = await meteredWorkspace(dataFile, 1);
        ingest(metered, RECORDS);
        await saveNow(metered.workspace);
        await metered.store.close();
        prepareMs = performance.now() - started;
      },
    });
    const { page, ui } = session;
    figures.recordsStored = RECORDS;
    figures.prepareWorkspaceMs = Math.round(prepareMs);
    figures.hostStartWithWorkspaceMs = Math.round(session.opened.hostMs);
    figures.pageToAppShownMs = Math.round(session.opened.pageMs);
    const paint = await paints(session);
    figures.firstPaintMs = paint['first-paint'] ?? 'none';
    figures.firstContentfulPaintMs = paint['first-contentful-paint'] ?? 'none';

    await ui.go('invoices');
    // RECORDS records of quantity 1 × EUR 0.002 (10M: EUR 20,000.00).
    const total = (RECORDS * 0.002).toLocaleString('en-US', { minimumFractionDigits: 2 });
    // Measured in the page, as the views' opens below: from the click to the first frame that
    // has the paid invoice in the list. The test's own view of it (Playwright's click, which
    // checks the button first, and its wait, answered through this process, which also runs
    // the host and its save) is printed beside it.
    await page.evaluate((total) => {
      const paid = () =>
        [...document.querySelectorAll('[data-testid="invoice-list"] tr[data-status="paid"]')].some(
          (row) => row.textContent!.includes(`EUR ${total}`),
        );
      const button = [...document.querySelectorAll('.clock-bar button')].find((b) =>
        b.textContent!.includes('Advance billing period'),
      )!;
      (window as unknown as { advanceShown: Promise<number> }).advanceShown = new Promise(
        (resolve) => {
          button.addEventListener(
            'click',
            () => {
              performance.clearResourceTimings();
              const clicked = performance.now();
              const poll = () => {
                if (paid()) resolve(Math.round(performance.now() - clicked));
                else requestAnimationFrame(poll);
              };
              requestAnimationFrame(poll);
            },
            { once: true },
          );
        },
      );
    }, total);
    const clicked = performance.now();
    await ui.clickAdvanceBillingPeriod();
    await page.waitForSelector(
      `[data-testid="invoice-list"] tr[data-status="paid"]:has-text("EUR ${total}")`,
      { timeout: 240_000 },
    );
    figures.advanceToInvoiceSeenByTestMs = Math.round(performance.now() - clicked);
    // The row is on screen: the page's own watch has seen it too, or it watched the wrong button.
    figures.advanceToInvoiceOnScreenMs = await page.evaluate(() =>
      Promise.race([
        (window as unknown as { advanceShown: Promise<number> }).advanceShown,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('The click on the advance was not seen')), 10_000),
        ),
      ]),
    );
    figures.advanceEngineMs = await engineMs(session, 'testClock.advanceBillingPeriod');
    expect(figures.advanceEngineMs).toBeGreaterThan(0);
    figures.advanceCallMs = Number(
      /Done in (\d+) ms/.exec((await page.textContent('.clock-bar .status')) ?? '')?.[1],
    );
    await ui.screenshot('invoices-scale');
    expect(ui.consoleErrors).toEqual([]);
    await session.close();
    session = null;
  }, 600_000);

  it('keeps the main thread free of long tasks during a year of fast-forward', async () => {
    // 1,000 customers, each generating about 0.2 records an hour: a year is 12,000 invoices and
    // about 1.75M generated records, small enough for CI's 2 cores, while the lists, the clock
    // bar's subscriptions and the invoices' names are at the size of a product team's cohort.
    let start = 0;
    session = await openApp('meterlab-e2e-longtasks-', {
      prepare: async (dataFile) => {
        const metered = await meteredWorkspace(dataFile, 1000, 0.2);
        start = metered.start;
        await saveNow(metered.workspace);
        await metered.store.close();
      },
    });
    const { page, ui } = session;
    const paint = await paints(session);
    figures.firstContentfulPaintSmallMs = paint['first-contentful-paint'] ?? 'none';
    await ui.go('invoices');
    // The Long Tasks API: every main-thread task over 50 ms, from now on; and, to say what
    // blocked, the Long Animation Frames API's scripts of each frame over 50 ms.
    await page.evaluate(() => {
      const tasks: { start: number; duration: number; blockedBy: string }[] = [];
      const frames: { start: number; end: number; scripts: string }[] = [];
      (window as unknown as { longTasks: typeof tasks }).longTasks = tasks;
      (window as unknown as { longFrames: typeof frames }).longFrames = frames;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries())
          tasks.push({
            start: Math.round(entry.startTime),
            duration: Math.round(entry.duration),
            blockedBy: '',
          });
      }).observe({ type: 'longtask' });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          const scripts = (
            entry as PerformanceEntry & {
              scripts?: { invoker: string; sourceFunctionName: string; duration: number }[];
            }
          ).scripts;
          frames.push({
            start: entry.startTime,
            end: entry.startTime + entry.duration,
            scripts: (scripts ?? [])
              .map((x) => `${x.invoker} ${x.sourceFunctionName} ${Math.round(x.duration)} ms`)
              .join('; '),
          });
        }
      }).observe({ type: 'long-animation-frame' });
    });
    const target = start + 365 * 86_400 + 86_400;
    await page.fill('#clock-target', new Date(target * 1000).toISOString().slice(0, 19));
    const clicked = performance.now();
    await page.click('.clock-bar button:has-text("To date")');
    await page.click('dialog.confirm button:has-text("Advance")');
    await page.waitForFunction(
      (text) => document.querySelector('[data-testid="clock-time"]')?.textContent === text,
      `${new Date(target * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      { timeout: 240_000 },
    );
    // The call is over when the clock bar's buttons are enabled again (they are while it runs).
    await page.waitForSelector('.clock-bar button:has-text("To date"):enabled', {
      timeout: 60_000,
    });
    figures.fastForwardYearMs = Math.round(performance.now() - clicked);
    // The clock bar still says how long the jump took (it vanished after a big jump).
    await page.waitForSelector('.clock-bar .status:has-text("Done in")', { timeout: 5000 });
    // One more frame, so a task that ends the run is reported too.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    const tasks = await page.evaluate(() => {
      const window_ = window as unknown as {
        longTasks: { start: number; duration: number; blockedBy: string }[];
        longFrames: { start: number; end: number; scripts: string }[];
      };
      for (const task of window_.longTasks) {
        const frame = window_.longFrames.find((f) => f.start <= task.start && task.start < f.end);
        task.blockedBy = !frame
          ? 'no long animation frame matched'
          : frame.scripts || 'style, layout and paint of the frame, no script';
      }
      return window_.longTasks;
    });
    const longest = Math.max(0, ...tasks.map((task) => task.duration));
    figures.longTasksDuringFastForward = tasks.length;
    figures.longestTaskMs = longest;
    figures.longTasks = tasks
      .map((task) => `${task.duration} ms at ${task.start} (${task.blockedBy})`)
      .join(', ');
    // The observer does see a blocked main thread: 150 ms of busy work is reported.
    await page.evaluate(
      () =>
        new Promise((resolve) => {
          setTimeout(() => {
            const until = performance.now() + 150;
            while (performance.now() < until);
            setTimeout(resolve, 100);
          });
        }),
    );
    const after = await page.evaluate(
      () => (window as unknown as { longTasks: { duration: number }[] }).longTasks,
    );
    expect(after.slice(tasks.length).some((task) => task.duration >= 140)).toBe(true);
    await ui.screenshot('fast-forward-year');
    expect(
      await page.locator('[data-testid="invoice-list"] tr[data-status="paid"]').count(),
    ).toBeGreaterThan(0);
    // The engine runs in the host, not the page: the page only draws what the pushes bring. The
    // goal is no task over 100 ms. With 1,000 subscriptions, at a load of 13 to 16 on this
    // 2-core machine, the longest task was 58-63 ms (opening the big-jump dialog restyles the
    // page); a select of 1,000 subscriptions in the clock bar made it 91-119 ms before.
    expect(longest).toBeLessThanOrEqual(100);
    expect(ui.consoleErrors).toEqual([]);
  }, 600_000);
});

describe('Meterlab with 10,000 customers in Chromium', () => {
  const CUSTOMERS = 10_000;

  it('paints first and opens the lists and charts quickly', async () => {
    session = await openApp('meterlab-e2e-customers-', {
      prepare: async (dataFile) => {
        const started = performance.now();
        // Made through the API, outside the UI: 10,000 customers in batches of 1,000
        // (customers.createBatch), each subscribed to one metered price with 10 usage records; a
        // second price for Compare; the clock past the first period's end, so each has a paid
        // invoice.
        const { workspace, store } = await openWorkspace(dataFile);
        const dispatch = createDispatcher(workspace);
        const call = async (method: string, ...args: unknown[]) => {
          const result = await dispatch(method, args);
          if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
          return result.data as { id: string };
        };
        await call('workspace.create', { name: '10,000 customers' });
        const product = (await call('products.create', { name: 'API access' })).id;
        const prices: { id: string }[] = [];
        for (const [nickname, amount] of [
          ['API calls', '0.2'],
          ['API calls, cheaper', '0.15'],
        ]) {
          const recurring = { interval: 'month', usageType: 'metered' };
          prices.push(
            await call('prices.create', {
              ...{ product, nickname, currency: 'EUR', unitAmountDecimal: amount, recurring },
            }),
          );
        }
        for (let first = 0; first < CUSTOMERS; first += 1000) {
          await call('customers.createBatch', {
            customers: Array.from({ length: 1000 }, (_, index) => ({
              name: `Customer ${first + index + 1}`,
              paymentMethod: 'pm_card_visa',
              subscription: { items: [{ price: prices[0]!.id }] },
            })),
          });
        }
        const simulator = workspace.simulator!;
        const start = simulator.testClock.retrieve().frozenTime;
        await call('testClock.advance', { frozenTime: start + USAGE_SECONDS });
        const items = simulator.subscriptions
          .list({ limit: CUSTOMERS })
          .data.map((subscription) => subscription.items.data[0]!.id);
        ingest({ workspace, store, simulator, start, items }, CUSTOMERS * 10);
        await call('testClock.advance', { frozenTime: start + 32 * 86_400 });
        await saveNow(workspace);
        await store.close();
        figures.prepare10kMs = Math.round(performance.now() - started);
      },
    });
    const { page, ui } = session;
    // First paint: the best of three loads of the page (each fetches the page and its scripts
    // again); the machine's load only ever adds to it.
    const firstPaints: number[] = [];
    for (let load = 0; load < 3; load++) {
      if (load > 0) await page.reload();
      await page.waitForSelector('nav button[data-view="scenarios"]');
      firstPaints.push((await paints(session))['first-contentful-paint'] ?? Infinity);
    }
    figures.firstContentfulPaints10kMs = firstPaints.join(', ');
    // Every view's code is fetched while the page is idle after the first screen (as a person
    // reading it would give it time to): what is timed next is the data and the drawing.
    await page.waitForFunction(() =>
      performance.getEntriesByType('resource').some((entry) => entry.name.includes('/CompareView')),
    );
    const total = CUSTOMERS.toLocaleString('en');
    const opened: Record<string, number | undefined> = {};
    [opened.customers] = await timeToShow(
      session,
      'customers',
      ['[data-testid="customer-count"]'],
      total,
    );
    // The zero invoices of the subscriptions' creation and the paid ones of the first period.
    [opened.invoices] = await timeToShow(
      session,
      'invoices',
      ['[data-testid="invoice-count"]'],
      `of ${(2 * CUSTOMERS).toLocaleString('en')}`,
    );
    [opened.usageChart] = await timeToShow(session, 'usage', ['canvas[data-draw-ms]']);
    // Compare opens on its charts; its table (below them, out of sight) is built after their
    // first frame, and timed too.
    [opened.compareCharts, opened.compareTable] = await timeToShow(session, 'compare', [
      'canvas[data-testid="compare-months"][data-draw-ms]',
      '[data-testid="compare-rows"]',
    ]);
    opened.compareEngine = await engineMs(session, 'analysis.comparePrices');
    // The host says how long the engine took (Server-Timing), or the share printed means nothing.
    expect(opened.compareEngine).toBeGreaterThan(0);
    await ui.screenshot('compare-10k');
    // The engine sums Compare's charts and sends one page of its 20,000 rows (2 periods each),
    // with names: the table's customers are named, none shown as an id.
    expect(await page.textContent('[data-testid="compare-rows"]')).toContain(
      `Rows 1–100 of ${(2 * CUSTOMERS).toLocaleString('en')}`,
    );
    const note = (await page.textContent('[data-testid="compare-customers-note"]')) ?? '';
    expect(note.replace(/\s+/g, ' ')).toContain(
      `other ${(CUSTOMERS - 19).toLocaleString('en')} as one bar`,
    );
    const named = await page
      .locator('[aria-labelledby="compare-table-title"] tbody td:nth-child(2)')
      .allTextContents();
    expect(named.slice(0, 3)).toEqual(['Customer 1', 'Customer 2', 'Customer 3']);
    expect(named.every((name) => /^Customer \d+$/.test(name.trim()))).toBe(true);
    [opened.events] = await timeToShow(session, 'events', ['[data-testid="event-log"] tbody tr']);
    figures.open10kMs = Object.entries(opened)
      .map(([view, ms]) => `${view} ${ms}`)
      .join(', ');
    await ui.go('customers');
    await ui.screenshot('customers-10k');
    await ui.go('invoices');
    await ui.screenshot('invoices-10k');
    expect(Math.min(...firstPaints)).toBeLessThanOrEqual(500);
    expect(ui.consoleErrors).toEqual([]);
  }, 600_000);
});
