// What the `meterlab` commands share: where they write, their two kinds of failure, ISO dates,
// JSON files they read, the progress bar and text tables.
import { readFile } from 'node:fs/promises';

/**
 * Where the CLI writes: the bin passes the process's streams, tests pass collectors. Progress bars
 * go to stderr and are drawn only when `stderr.isTTY` (a terminal), never when it is piped. Files
 * (the scenario, `--out`) are read and written with node:fs.
 */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Long-running commands (serve) stop when this resolves; default: Ctrl-C or SIGTERM. */
  untilStopped?: Promise<void>;
}

/** A command-line mistake: exit code 2. */
export class UsageError extends Error {}

/** The input (a scenario, a usage file) could not be used: exit code 1. */
export class ScenarioError extends Error {}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO date as unix seconds; a date alone is midnight UTC, a time needs its zone. */
export function parseDate(text: string, option = '--until'): number {
  if (!DATE_ONLY.test(text) && !DATE_TIME.test(text)) {
    throw new UsageError(
      `${option} '${text}' is not an ISO date: use 2025-06-01 (midnight UTC) or 2025-06-01T12:00:00Z (a time needs Z or an offset).`,
    );
  }
  const day = text.slice(0, 10);
  // Date.parse rolls impossible days over (2025-02-30 -> March 2) and fails on month 13: refuse both.
  const midnight = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== day) {
    throw new UsageError(`${option} '${text}': ${day} is not a day of the calendar.`);
  }
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new UsageError(`${option} '${text}' is not a time of the day.`);
  return Math.floor(time / 1000);
}

/** A progress bar on stderr, drawn only on a terminal. */
export function progressBar(io: CliIo, label: string) {
  let shown = -1;
  return {
    update(done: number, total: number) {
      if (!io.stderr.isTTY) return;
      const percent = Math.min(100, Math.floor((done / Math.max(1, total)) * 100));
      if (percent === shown) return;
      shown = percent;
      const filled = Math.round(percent / 4);
      io.stderr.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(25 - filled)}] ${percent}%`);
    },
    finish() {
      if (io.stderr.isTTY && shown >= 0) io.stderr.write('\r\x1b[2K');
    },
  };
}

/** Columns padded to their widest cell; `numeric` columns are right-aligned. */
export function table(header: string[], rows: string[][], numeric: Set<number>): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/**
 * A JSON file the command line names (`what` says which: '' or '--prices '): a file that cannot
 * be read is a command-line mistake (exit 2), one that is not JSON cannot be used (exit 1). A
 * UTF-8 byte order mark is read past.
 */
export async function readJsonFile(path: string, what = ''): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : String((error as Error).message);
    throw new UsageError(`cannot read ${what}'${path}': ${reason}.`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    throw new ScenarioError(`${path} is not JSON: ${(error as Error).message}`);
  }
}
