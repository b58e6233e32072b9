// `meterlab backtest`, in-process through the CLI's main(argv, io): the JSON shape of the issue,
// CSV, the table, exit codes 0 / 1 / 2 and the messages of each refusal.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli';

async function meterlab(...args: string[]) {
  const output = { stdout: '', stderr: '' };
  const code = await main(args, {
    stdout: { write: (text: string) => (output.stdout += text) },
    stderr: { write: (text: string) => (output.stderr += text), isTTY: false },
  });
  return { code, ...output };
}

// a: 1000 units in January, 300 in February (till Feb 10: open); b: 50 in February.
const USAGE = `account,meter,ts,quantity
a,api,2025-01-05T10:00:00Z,600
a,api,2025-01-20T10:00:00Z,400
a,api,2025-02-03T10:00:00Z,300
b,api,2025-02-09T23:59:59Z,50
`;

const PRICES = [
  { key: 'now', name: 'Today', meter: 'api', currency: 'EUR', unitAmount: 2 },
  {
    key: 'tiers',
    name: 'Allowance',
    meter: 'api',
    currency: 'EUR',
    billingScheme: 'tiered',
    tiersMode: 'graduated',
    tiers: [
      { upTo: 100, flatAmount: 500 },
      { upTo: 'inf', unitAmountDecimal: '2.5' },
    ],
  },
];

let dir: string;
let usage: string;
let prices: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-backtest-cli-'));
  usage = join(dir, 'usage.csv');
  prices = join(dir, 'prices.json');
  await writeFile(usage, USAGE);
  await writeFile(prices, JSON.stringify(PRICES));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = () => [
  'backtest',
  '--usage',
  usage,
  '--map',
  'customer=account,timestamp=ts',
  '--prices',
  prices,
];

describe.concurrent('meterlab backtest', () => {
  it('prints the issue JSON: revenue per period, change per customer, in minor units', async () => {
    const { code, stdout, stderr } = await meterlab(...base(), '--format', 'json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // now: a 2000 + 600, b 100. tiers: a 500 + 900 × 2.5 = 2750 and 500 + 200 × 2.5 = 1000; b 500.
    expect(JSON.parse(stdout)).toEqual({
      hypotheses: [
        {
          key: 'now',
          name: 'Today',
          total: 2700,
          byPeriod: [
            {
              start: '2025-01-01T00:00:00Z',
              end: '2025-02-01T00:00:00Z',
              amount: 2000,
              open: false,
            },
            { start: '2025-02-01T00:00:00Z', end: '2025-03-01T00:00:00Z', amount: 700, open: true },
          ],
          byCustomer: [
            { customer: 'a', amount: 2600, change: 0, changePct: 0 },
            { customer: 'b', amount: 100, change: 0, changePct: 0 },
          ],
        },
        {
          key: 'tiers',
          name: 'Allowance',
          total: 4250,
          byPeriod: [
            {
              start: '2025-01-01T00:00:00Z',
              end: '2025-02-01T00:00:00Z',
              amount: 2750,
              open: false,
            },
            {
              start: '2025-02-01T00:00:00Z',
              end: '2025-03-01T00:00:00Z',
              amount: 1500,
              open: true,
            },
          ],
          byCustomer: [
            { customer: 'a', amount: 3750, change: 1150, changePct: 44.23 },
            { customer: 'b', amount: 500, change: 400, changePct: 400 },
          ],
        },
      ],
      currency: 'EUR',
      skippedRows: 0,
    });
  });

  it('prices a hypothesis with a coupon and a minimum commitment from prices.json', async () => {
    const adjusted = join(dir, 'prices-adjusted.json');
    await writeFile(
      adjusted,
      JSON.stringify([
        PRICES[0],
        {
          key: 'promo',
          meter: 'api',
          currency: 'EUR',
          unitAmount: 2,
          coupon: { percentOff: 50, duration: 'once' },
          minimumCommitment: { amount: 1500 },
        },
      ]),
    );
    const args = base().map((arg) => (arg === prices ? adjusted : arg));
    const { code, stdout } = await meterlab(...args, '--format', 'json');
    expect(code).toBe(0);
    // a: January 2000 − 50% = 1000, topped up to 1500; February (open) 600, the coupon used.
    // b: February (open) 100 − 50% = 50, no true-up in the open period.
    const promo = JSON.parse(stdout).hypotheses[1];
    expect(promo.total).toBe(2150);
    expect(promo.byCustomer).toEqual([
      { customer: 'a', amount: 2100, change: -500, changePct: -19.23 },
      { customer: 'b', amount: 50, change: -50, changePct: -50 },
    ]);
  });

  it('compares with --current, clips to --from/--until, writes --out', async () => {
    const out = join(dir, 'results.csv');
    const { code, stdout } = await meterlab(
      ...base(),
      '--current',
      'tiers',
      '--from',
      '2025-01-01',
      '--until',
      '2025-02-01',
      '--out',
      out,
    );
    expect(code).toBe(0);
    expect(stdout).toContain('1 customers, 1 periods, current: tiers');
    expect(stdout).toMatch(/now\s+Today\s+EUR 20\.00\s+-EUR 7\.50\s+1\s+0\s+0/);
    const csv = (await readFile(out, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe(
      'hypothesis,name,row,period_start,period_end,open,customer,amount_minor,change_minor,change_pct,currency',
    );
    expect(csv).toContain('now,Today,customer,,,,a,2000,-750,-27.27,EUR');
    expect(csv).toContain(
      'tiers,Allowance,period,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,false,,2750,,,EUR',
    );
  });

  it('exits 1 on bad input: bad rows, a refused hypothesis, an unknown current, a missing column', async () => {
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, `${USAGE}a,api,soon,1\n`);
    const rows = await meterlab(
      'backtest',
      '--usage',
      bad,
      '--map',
      'customer=account,timestamp=ts',
      '--prices',
      prices,
    );
    expect(rows.code).toBe(1);
    expect(rows.stderr).toContain('1 bad row, nothing imported:\n  line 6: timestamp "soon"');
    const skipped = await meterlab(
      'backtest',
      '--usage',
      bad,
      '--map',
      'customer=account,timestamp=ts',
      '--prices',
      prices,
      '--skip-bad-rows',
      '--format',
      'json',
    );
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout).skippedRows).toBe(1);
    expect(skipped.stderr).toBe('meterlab: 1 bad row skipped (1 timestamp not parseable).\n');

    const wrong = join(dir, 'wrong-prices.json');
    await writeFile(
      wrong,
      JSON.stringify([{ key: 'x', meter: 'api', currency: 'EUR', unitAmount: -1 }]),
    );
    const price = await meterlab(
      'backtest',
      '--usage',
      usage,
      '--map',
      'customer=account,timestamp=ts',
      '--prices',
      wrong,
    );
    expect(price.code).toBe(1);
    expect(price.stderr).toContain(`${wrong} [0].unitAmount:`);

    const current = await meterlab(...base(), '--current', 'later');
    expect(current.code).toBe(1);
    expect(current.stderr).toContain(
      "--current: No hypothesis has the key 'later': pick one of now, tiers.",
    );

    const column = await meterlab('backtest', '--usage', usage, '--prices', prices);
    expect(column.code).toBe(1);
    expect(column.stderr).toContain("has no column 'customer'");
  });

  it('exits 2 on a bad command line', async () => {
    const cases: [string[], RegExp][] = [
      [['backtest', '--prices', prices], /needs --usage/],
      [['backtest', '--usage', usage], /needs --prices/],
      [[...base(), '--format', 'xml'], /--format 'xml'/],
      [[...base(), '--map', 'client=account'], /--map 'client=account'/],
      [[...base(), '--from', '2025-02-30'], /--from '2025-02-30': 2025-02-30 is not a day/],
      [[...base(), '--from', '2025-02-01', '--until', '2025-01-01'], /must be after --from/],
      [[...base(), '--periods', '2'], /Unknown option '--periods'/],
      [['backtest', '--source', 'clickhouse', '--prices', prices], /needs --clickhouse-url/],
      [['backtest', '--usage', usage, '--prices', join(dir, 'none.json')], /cannot read --prices/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await meterlab(...args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).toMatch(message);
    }
  });

  it('draws a progress bar on a terminal only, and clears it', async () => {
    let stderr = '';
    const code = await main([...base(), '--format', 'json'], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text), isTTY: true },
    });
    expect(code).toBe(0);
    expect(stderr).toContain('\rBacktesting [');
    expect(stderr).toContain('100%');
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('is listed in --help', async () => {
    const { code, stdout } = await meterlab('backtest', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('--clickhouse-url');
  });
});
