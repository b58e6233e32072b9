// The one way a bench script reports a figure: `figure()` prints it beside its goal and baseline
// with their ratios, and keeps it; when the script ends, its figures replace that script's part
// of bench/results.json, from which `npm run bench:readme` writes README's Performance table.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';

export const resultsFile = join(import.meta.dirname, 'results.json');

/** A goal the value must stay under (`atMost`) or reach (`atLeast`), in the figure's unit. */
export type Goal = { atMost: number } | { atLeast: number };

export interface Baseline {
  label: string;
  /** In the figure's unit. */
  value: number;
}

export interface Figure {
  /** Stable across runs: README rows and other tools find a figure by it. */
  id: string;
  label: string;
  value: number;
  /** 'ms', 'B', 'MB', 'records/s', 'events/s', 'GB/s', 'x', ... ('ms' prints as s from 10 s on). */
  unit: string;
  /** How many records (rows, events) the figure is measured over. */
  records?: number;
  goal?: Goal;
  baseline?: Baseline | Baseline[];
  /** Anything else worth a reader's eye, printed after the ratios. */
  note?: string;
}

export interface ScriptResults {
  script: string;
  machine: string;
  /** ISO time the script started. */
  started: string;
  /** One-minute load average when the script started: the machine is shared. */
  loadAverage: number;
  figures: Figure[];
}

export interface Results {
  scripts: ScriptResults[];
}

const number = (value: number, digits: number) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** Three significant digits at most, thousands separated. */
function significant(value: number): string {
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return number(value, digits);
}

/** A value with its unit as a reader wants it: 4.52 s, 18 ms, 5.45M records/s, 12 B. */
export function formatValue(value: number, unit: string): string {
  if (unit === 'ms')
    return value >= 10_000 ? `${significant(value / 1000)} s` : `${significant(value)} ms`;
  if (unit === 'x') return `${significant(value)}×`;
  if (unit.endsWith('/s') && unit !== 'GB/s') {
    if (value >= 1e6) return `${significant(value / 1e6)}M ${unit}`;
    if (value >= 1e3) return `${significant(value / 1e3)}k ${unit}`;
  }
  return `${significant(value)} ${unit}`;
}

export function formatGoal(goal: Goal, unit: string): string {
  return 'atMost' in goal
    ? `≤ ${formatValue(goal.atMost, unit)}`
    : `≥ ${formatValue(goal.atLeast, unit)}`;
}

export function goalMet(figure: Figure): boolean | null {
  if (!figure.goal) return null;
  return 'atMost' in figure.goal
    ? figure.value <= figure.goal.atMost
    : figure.value >= figure.goal.atLeast;
}

/** value ÷ goal: under 1 meets an `atMost` goal, 1 or more meets an `atLeast` one. */
export function goalRatio(figure: Figure): number | null {
  if (!figure.goal) return null;
  return figure.value / ('atMost' in figure.goal ? figure.goal.atMost : figure.goal.atLeast);
}

const ratioText = (ratio: number) => `${significant(ratio)}×`;

/** The figure in one line: value, goal with ratio and met, each baseline with its ratio, note. */
export function describeFigure(figure: Figure): string {
  const parts = [formatValue(figure.value, figure.unit)];
  if (figure.records !== undefined) parts[0] += ` over ${number(figure.records, 0)} records`;
  if (figure.goal) {
    const met = goalMet(figure) ? 'met' : 'NOT MET';
    parts.push(
      `goal ${formatGoal(figure.goal, figure.unit)}: ${ratioText(goalRatio(figure)!)} of it, ${met}`,
    );
  }
  for (const baseline of baselinesOf(figure)) {
    parts.push(
      `${ratioText(figure.value / baseline.value)} ${baseline.label} (${formatValue(baseline.value, figure.unit)})`,
    );
  }
  if (figure.note) parts.push(figure.note);
  return `${figure.label}: ${parts.join('; ')}`;
}

export function baselinesOf(figure: Figure): Baseline[] {
  if (!figure.baseline) return [];
  return Array.isArray(figure.baseline) ? figure.baseline : [figure.baseline];
}

export function describeMachine(): string {
  const cpus = os.cpus();
  const memory = Math.round(os.totalmem() / 2 ** 30);
  return `${cpus.length} CPU ${cpus[0]?.model.trim() ?? 'unknown'}, ${memory} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}

const run: ScriptResults = {
  script: `bench/${basename(process.argv[1] ?? 'bench')}`,
  machine: describeMachine(),
  started: new Date().toISOString(),
  loadAverage: os.loadavg()[0]!,
  figures: [],
};

/** Prints the figure and keeps it for bench/results.json. Returns it, for checks on its value. */
export function figure(measured: Figure): Figure {
  if (run.figures.length === 0)
    console.log(`${run.script} on ${run.machine}, load average ${run.loadAverage.toFixed(2)}`);
  console.log(describeFigure(measured));
  run.figures = run.figures.filter((kept) => kept.id !== measured.id).concat(measured);
  return measured;
}

export function readResults(file = resultsFile): Results {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Results) : { scripts: [] };
}

/**
 * This script's figures replace its part of the results (other scripts' parts stay, in their
 * order). Called once at the end of a full run; partial runs (`--cohort`) do not call it, so
 * the file always holds whole runs, and a run that measured nothing writes nothing.
 */
export function writeResults(file = resultsFile): void {
  if (run.figures.length === 0) return;
  const results = readResults(file);
  const index = results.scripts.findIndex((kept) => kept.script === run.script);
  if (index >= 0) results.scripts[index] = run;
  else results.scripts.push(run);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${run.figures.length} figures written to ${file}`);
}
