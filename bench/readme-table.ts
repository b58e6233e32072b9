// `npm run bench:readme`: rewrites README's Performance table, between its marker comments, from
// bench/results.json (what the last `npm run bench` measured), and the growth curves' table from
// bench/growth.json. These tables are never edited by hand.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import prettier from 'prettier';
import {
  baselinesOf,
  formatGoal,
  formatValue,
  goalMet,
  goalRatio,
  readResults,
  type Figure,
  type Results,
} from './report';
import { growthFile, PHASES, type SizeResult } from './growth';

export const tableMarkers = [
  '<!-- bench:table:start (npm run bench:readme writes this) -->',
  '<!-- bench:table:end -->',
] as const;
export const growthMarkers = [
  '<!-- bench:growth:start (npm run bench:readme writes this) -->',
  '<!-- bench:growth:end -->',
] as const;

const cell = (text: string) => text.replace(/\|/g, '\\|');

function row(figure: Figure): string {
  const ratio = goalRatio(figure);
  const met = goalMet(figure);
  const against = [
    ...baselinesOf(figure).map(
      (b) =>
        `${formatValue(figure.value / b.value, 'x')} ${b.label} (${formatValue(b.value, figure.unit)})`,
    ),
    ...(figure.note ? [figure.note] : []),
  ].join('; ');
  return `| ${[
    figure.label,
    figure.records === undefined ? '' : figure.records.toLocaleString('en-US'),
    formatValue(figure.value, figure.unit),
    figure.goal ? formatGoal(figure.goal, figure.unit) : '',
    ratio === null ? '' : formatValue(ratio, 'x'),
    met === null ? '' : met ? 'met' : '**not met**',
    against,
  ]
    .map(cell)
    .join(' | ')} |`;
}

/** The bench scripts in the order `npm run bench` runs them (package.json's "bench" script). */
function benchOrder(): string[] {
  const packageJson = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'),
  ) as { scripts: Record<string, string> };
  return [...(packageJson.scripts.bench ?? '').matchAll(/bench\/[\w-]+\.ts/g)].map((m) => m[0]);
}

/** The Markdown that goes between the markers: per script, where and when, then its figures. */
export function performanceTable(results: Results, order = benchOrder()): string {
  const rank = (script: string) => (order.includes(script) ? order.indexOf(script) : order.length);
  const runs = [...results.scripts].sort((a, b) => rank(a.script) - rank(b.script));
  const lines: string[] = [];
  for (const run of runs) {
    const date = run.started.slice(0, 16).replace('T', ' ');
    lines.push(
      `\`${run.script}\`, ${date} UTC on ${run.machine}, load average ${run.loadAverage.toFixed(1)} at the start (a shared machine):`,
      '',
      '| measured | records | value | goal | ratio to goal | met | against |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...run.figures.map(row),
      '',
    );
  }
  return lines.join('\n');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;

/** The growth curves of bench/growth.json as a table: time and peak RSS per phase and size. */
export function growthTable(sizes: SizeResult[]): string {
  const lines = [
    `| records | ${PHASES.map((phase) => `${phase}: time, peak RSS`).join(' | ')} | on disk |`,
    `| --- | ${PHASES.map(() => '---').join(' | ')} | --- |`,
  ];
  for (const size of sizes) {
    const cells = PHASES.map((phase) => {
      const measured = size.measurements.find((m) => m.phase === phase);
      if (measured) return `${seconds(measured.ms)}, ${mib(measured.peakRss)}`;
      return size.failure ? 'failed (below)' : '';
    });
    lines.push(
      `| ${size.records.toLocaleString('en-US')} | ${cells.join(' | ')} | ${mib(size.diskBytes)} |`,
    );
  }
  const failures = sizes
    .filter((size) => size.failure)
    .map((size) => `Failed at ${size.records.toLocaleString('en-US')} records: ${size.failure}`);
  return `${[...lines, '', ...failures].join('\n')}\n`;
}

/** README with the text between the markers replaced; throws when a marker is missing. */
export function replaceBetween(
  readme: string,
  [startMarker, endMarker]: readonly [string, string],
  text: string,
): string {
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start < 0 || end < start)
    throw new Error(`README.md needs the markers ${startMarker} and ${endMarker}, in that order.`);
  return `${readme.slice(0, start + startMarker.length)}\n\n${text}\n${readme.slice(end)}`;
}

async function main(): Promise<void> {
  const file = join(import.meta.dirname, '..', 'README.md');
  const results = readResults();
  if (results.scripts.length === 0)
    throw new Error('bench/results.json is empty: run `npm run bench` first.');
  let updated = replaceBetween(readFileSync(file, 'utf8'), tableMarkers, performanceTable(results));
  if (existsSync(growthFile)) {
    const sizes = JSON.parse(readFileSync(growthFile, 'utf8')) as SizeResult[];
    updated = replaceBetween(updated, growthMarkers, growthTable(sizes));
  }
  const options = await prettier.resolveConfig(file);
  writeFileSync(file, await prettier.format(updated, { ...options, filepath: file }));
  const figures = results.scripts.reduce((count, run) => count + run.figures.length, 0);
  console.log(`README.md: Performance table written from ${figures} figures of bench/results.json`);
}

if (process.argv[1] === import.meta.filename) await main();
