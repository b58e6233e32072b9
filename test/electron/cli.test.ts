// The `meterlab` command: every case runs in-process through the CLI's main(argv, io) with its
// output collected; two smoke runs spawn the real bin launcher (node + tsx) to check the wiring.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli';
import { goldenDir } from '../../electron/scripts/update-golden';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'electron/bin/meterlab.js');
const templates = join(root, 'core/scenario/templates');
const fixtures = join(root, 'test/electron/fixtures');
const template = (id: string) => join(templates, `${id}.json`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `meterlab` in-process; `terminal` makes stderr a TTY, as for a user at a terminal. */
async function run(args: string[], terminal: boolean): Promise<Run> {
  const output = { stdout: '', stderr: '' };
  const code = await main(args, {
    stdout: { write: (text: string) => (output.stdout += text) },
    stderr: { write: (text: string) => (output.stderr += text), isTTY: terminal },
  });
  return { code, ...output };
}

/** Runs `meterlab` with its output piped (not a terminal). */
const meterlab = (...args: string[]) => run(args, false);

/** Runs `meterlab` with stderr on a terminal. */
const meterlabOnTerminal = (...args: string[]) => run(args, true);

/** Spawns the real `meterlab` bin with its output piped. */
function spawnMeterlab(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('the meterlab bin, spawned', () => {
  it('runs a scenario: exit 0, the summary on stdout, no progress bar when piped', async () => {
    const { code, stdout, stderr } = await spawnMeterlab('run', template('api-calls'));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).not.toContain('\r');
    expect(stdout).toContain('Total billed: EUR 36.84');
  });

  it('exits 2 on a bad command line, the reason on stderr', async () => {
    const { code, stdout, stderr } = await spawnMeterlab('run', 'x.json', '--bogus');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/Unknown option '--bogus'/);
  });
});

describe('meterlab run', () => {
  it('replays the guide, advances one period and prints the summary (EUR 36.84), without a progress bar when piped', async () => {
    const { code, stdout, stderr } = await meterlab('run', template('api-calls'));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).not.toContain('\r');
    expect(stdout).toContain('API calls, EUR 0.002 each');
    expect(stdout).toContain('Clock 2025-04-01T01:00:00Z (1 billing period advanced), 2 invoices');
    expect(stdout).toMatch(/cust_8aZ2\s+Acme Analytics\s+2\s+1\s+EUR 36\.84/);
    expect(stdout).toContain('Total billed: EUR 36.84');
  });

  it('says so when the --out file cannot be written', async () => {
    const out = join(dir, 'no-such-folder', 'invoices.json');
    const { code, stderr } = await meterlab(
      'run',
      template('graduated-free-allowance'),
      '--out',
      out,
    );
    expect(code).toBe(2);
    expect(stderr).toContain(`cannot write '${out}'`);
  });

  it('writes the invoices CSV of a run to a date: the golden file', async () => {
    const out = join(dir, 'graduated.csv');
    const { code, stdout } = await meterlab(
      'run',
      template('graduated-free-allowance'),
      '--until',
      '2025-06-01T01:00:00Z',
      '--out',
      out,
    );
    expect(code).toBe(0);
    expect(stdout).toContain(`Invoices written to ${out}`);
    // Small Studio 0, Mid Agency 27.00, Large Publisher 90.00
    expect(stdout).toContain('Total billed: EUR 117.00');
    expect(await readFile(out, 'utf8')).toBe(
      await readFile(join(goldenDir, 'graduated-free-allowance.csv'), 'utf8'),
    );
  });

  it('prints valid JSON with --format json, and writes .json invoices', async () => {
    const out = join(dir, 'seats.json');
    const { code, stdout } = await meterlab(
      'run',
      template('seats-last-during-period'),
      '--periods',
      '2',
      '--format',
      'json',
      '--out',
      out,
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      clock: string;
      billed: Record<string, number>;
      invoices: { total: number; status: string }[];
    };
    // May (14 seats x 800) and June (no report: last_during_period bills 0)
    expect(result.clock).toBe('2025-07-01T01:00:00Z');
    expect(result.invoices.map((invoice) => invoice.total)).toEqual([0, 7200, 10400, 11200, 0]);
    expect(result.billed).toEqual({ EUR: 28_800 });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(result.invoices);
  });

  it('prints the invoice lines as CSV with --format csv', async () => {
    const { code, stdout } = await meterlab('run', template('teach-strategies'), '--format', 'csv');
    expect(code).toBe(0);
    const { data } = Papa.parse<Record<string, string>>(stdout, {
      header: true,
      skipEmptyLines: true,
    });
    // The creation invoice bills nothing: one row without a line says so.
    expect(data.map((row) => [row.strategy, row.quantity, row.amount])).toEqual([
      ['', '0', 'EUR 0.00'],
      ['sum', '78', 'EUR 390.00'],
      ['max', '25', 'EUR 125.00'],
      ['last_during_period', '12', 'EUR 60.00'],
    ]);
  });

  it('keeps the clock with --periods 0 and migrates a version 0 file', async () => {
    const { code, stdout } = await meterlab('run', join(fixtures, 'cli-v0.json'), '--periods', '0');
    expect(code).toBe(0);
    expect(stdout).toContain('Clock 2025-03-11T00:00:00Z (clock as in the file), 1 invoices');
  });

  it('shows a progress bar on a terminal', async () => {
    const { code, stdout, stderr } = await meterlabOnTerminal(
      'run',
      template('api-calls'),
      '--until',
      '2026-03-01',
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/Replaying \[#*-*\] \d+%/);
    expect(stderr).toMatch(/Advancing \[#*-*\] \d+%/);
    expect(stdout).toContain('Total billed: EUR 36.84');
  });
});

describe('meterlab compare', () => {
  const sum = 'price_0NehBt3mTAI3';
  const max = 'price_1LqSUG43mYfu';

  it('prints revenue per period under each price', async () => {
    const { code, stdout } = await meterlab(
      'compare',
      template('teach-strategies'),
      '--price',
      sum,
      '--price',
      max,
    );
    expect(code).toBe(0);
    // Each price bills the three items' stream: sum 3 x 78 x 5.00, max 3 x 25 x 5.00
    expect(stdout).toMatch(
      /2025-03-01T00:00:00Z – 2025-04-01T00:00:00Z\s+EUR 1,170\.00\s+EUR 375\.00/,
    );
    expect(stdout).toMatch(/total\s+EUR 1,170\.00\s+EUR 375\.00/);
  });

  it('prints JSON and CSV', async () => {
    const json = await meterlab(
      'compare',
      template('teach-strategies'),
      '--price',
      sum,
      '--format',
      'json',
      '--periods',
      '1',
    );
    expect(json.code).toBe(0);
    const comparison = JSON.parse(json.stdout) as {
      totals: Record<string, number>;
      periods: unknown[];
    };
    expect(comparison.totals).toEqual({ [sum]: 117_000 });
    expect(comparison.periods).toHaveLength(2);
    const csv = await meterlab(
      'compare',
      template('teach-strategies'),
      '--price',
      max,
      '--format',
      'csv',
    );
    expect(csv.stdout).toBe(
      `period_start,period_end,${max}\n2025-03-01T00:00:00Z,2025-04-01T00:00:00Z,37500\n`,
    );
  });
});

describe('calendar months (--by calendar-month)', () => {
  const sum = 'price_0NehBt3mTAI3';

  it('run sums the billed invoices per month their period ends in, as CSV, JSON and a table', async () => {
    const seats = template('seats-last-during-period');
    const csv = await meterlab(
      'run',
      seats,
      '--periods',
      '2',
      '--by',
      'calendar-month',
      '--format',
      'csv',
    );
    expect(csv.code).toBe(0);
    // The creation invoice (0) and March's 72.00 close in March; then April, May and June.
    expect(csv.stdout).toBe(
      [
        'month,currency,invoices,billed_minor,billed,draft_minor,open',
        '2025-03,EUR,2,7200,EUR 72.00,0,',
        '2025-04,EUR,1,10400,EUR 104.00,0,',
        '2025-05,EUR,1,11200,EUR 112.00,0,',
        '2025-06,EUR,1,0,EUR 0.00,0,',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'months.json');
    const json = await meterlab(
      'run',
      seats,
      '--periods',
      '2',
      '--by',
      'calendar-month',
      '--format',
      'json',
      '--out',
      out,
    );
    const result = JSON.parse(json.stdout) as { months: { month: string; billed: number }[] };
    expect(result.months.reduce((total, month) => total + month.billed, 0)).toBe(28_800);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(result.months);
    const table = await meterlab('run', seats, '--periods', '2', '--by', 'calendar-month');
    expect(table.stdout).toMatch(/2025-04\s+1\s+EUR 104\.00/);
  });

  it('compare sums by calendar month and marks the open one', async () => {
    const args = ['compare', template('teach-strategies'), '--price', sum, '--periods', '1'];
    const csv = await meterlab(...args, '--by', 'calendar-month', '--format', 'csv');
    expect(csv.stdout).toBe(`month,open,${sum}\n2025-03,,117000\n2025-04,open,0\n`);
    const table = await meterlab(...args, '--by', 'calendar-month');
    expect(table.stdout).toMatch(/2025-04 \(open\)\s+EUR 0\.00/);
    const json = JSON.parse(
      (await meterlab(...args, '--by', 'calendar-month', '--format', 'json')).stdout,
    ) as {
      months: { key: string; open: boolean }[];
    };
    expect(json.months.map((month) => [month.key, month.open])).toEqual([
      ['2025-03', false],
      ['2025-04', true],
    ]);
    const bad = await meterlab(...args, '--by', 'week');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--by 'week' is not one of period, calendar-month");
  });
});

describe('meterlab validate', () => {
  it('accepts a good file', async () => {
    const { code, stdout } = await meterlab('validate', template('peak-connections-max'));
    expect(code).toBe(0);
    expect(stdout).toContain("valid scenario 'Peak connections with max'");
  });

  it('prints every problem of a bad file and exits 1', async () => {
    const { code, stdout } = await meterlab('validate', join(fixtures, 'cli-invalid.json'));
    expect(code).toBe(1);
    expect(stdout).toContain('8 problems');
    for (const path of [
      'extra',
      'name',
      'seed',
      'calls[1].at',
      'calls[2].method',
      'timestamps[0]',
      'timestamps[1]',
      'values[1]',
    ]) {
      expect(stdout).toContain(path);
    }
    const json = await meterlab('validate', join(fixtures, 'cli-invalid.json'), '--format', 'json');
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { problems: unknown[] }).problems).toHaveLength(8);
  });
});

describe('meterlab errors', () => {
  const badFiles: Record<string, string> = {
    'not-json.json': '{ "format": ',
    'too-new.json': JSON.stringify({ format: 'meterlab-scenario', schemaVersion: 9 }),
  };
  beforeAll(async () => {
    for (const [name, text] of Object.entries(badFiles)) await writeFile(join(dir, name), text);
    const replayFails = JSON.parse(await readFile(template('api-calls'), 'utf8')) as {
      calls: { args: { recurring?: { interval: string } }[] }[];
    };
    replayFails.calls[1]!.args[0]!.recurring!.interval = 'fortnight';
    await writeFile(join(dir, 'replay-fails.json'), JSON.stringify(replayFails));
  });

  const usageErrors: [string, string[], RegExp][] = [
    ['no command', [], /Usage: meterlab/],
    ['an unknown command', ['launch', 'x.json'], /unknown command 'launch'/],
    ['no file', ['run'], /run needs a scenario file/],
    ['a missing file', ['run', 'nowhere.json'], /cannot read 'nowhere\.json': no such file/],
    ['an unknown option', ['run', 'x.json', '--bogus'], /Unknown option '--bogus'/],
    [
      'an option of another command',
      ['validate', 'x.json', '--out', 'a.csv'],
      /validate takes no --out/,
    ],
    ['a second file', ['run', 'a.json', 'b.json'], /unexpected argument 'b\.json'/],
    [
      '--until with --periods',
      ['run', '@api-calls', '--until', '2025-06-01', '--periods', '1'],
      /not both/,
    ],
    ['a date that is not ISO', ['run', '@api-calls', '--until', 'June 1st'], /not an ISO date/],
    [
      'a day that is not in the calendar',
      ['run', '@api-calls', '--until', '2025-02-30'],
      /2025-02-30 is not a day of the calendar/,
    ],
    [
      'a time without a zone',
      ['run', '@api-calls', '--until', '2025-06-01T12:00'],
      /needs Z or an offset/,
    ],
    [
      'a date before the clock',
      ['run', '@api-calls', '--until', '2025-01-01'],
      /before the scenario's clock \(2025-03-31T18:00:00Z\)/,
    ],
    [
      'bad periods',
      ['run', '@api-calls', '--periods', '2.5'],
      /--periods '2\.5' must be a whole number/,
    ],
    [
      'a bad format',
      ['run', '@api-calls', '--format', 'xml'],
      /--format 'xml' is not one of table, json, csv/,
    ],
    [
      'an output that is not .csv or .json',
      ['run', '@api-calls', '--out', 'invoices.txt'],
      /must end in \.csv or \.json/,
    ],
    [
      'an output it cannot write',
      ['run', '@api-calls', '--out', '/nonexistent/dir/x.csv'],
      /cannot write '\/nonexistent\/dir\/x\.csv'/,
    ],
    ['compare without prices', ['compare', '@api-calls'], /at least one --price/],
    [
      'compare with an unknown price',
      ['compare', '@api-calls', '--price', 'price_nope'],
      /--price price_nope: No such price.*Prices in this scenario: price_/,
    ],
  ];

  it.each(usageErrors)('exits 2 on %s', async (_, args, message) => {
    const resolved = args.map((arg) => (arg.startsWith('@') ? template(arg.slice(1)) : arg));
    const { code, stderr, stdout } = await meterlab(...resolved);
    expect(code).toBe(2);
    expect(args.length === 0 ? stdout : stderr).toMatch(message);
  });

  const scenarioErrors: [string, string, RegExp][] = [
    ['a file that is not JSON', 'not-json.json', /not-json\.json is not JSON: /],
    [
      'a file from a newer Meterlab',
      'too-new.json',
      /This scenario file is schemaVersion 9, newer than this Meterlab reads \(up to 2\): update Meterlab/,
    ],
    [
      'a file the engine refuses to replay',
      'replay-fails.json',
      /calls\[1\]\.args\[0\]\.recurring\.interval: prices\.create at 2025-03-01T00:00:00Z was refused: /,
    ],
  ];

  it.each(scenarioErrors)('exits 1 on %s', async (_, file, message) => {
    const { code, stderr, stdout } = await meterlab('run', join(dir, file));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  it('prints the usage with --help and exits 0', async () => {
    const { code, stdout } = await meterlab('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('meterlab <command> <scenario.json>');
  });
});
