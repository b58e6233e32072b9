// The renderer bundle's size against the budget committed in renderer/bundle-budget.json: what
// `npm run check:bundle` (part of `npm run check`) measures and refuses.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleSize {
  /** Bytes of every file the browser loads: the page, its scripts and its styles. */
  rawBytes: number;
  /** The same files gzipped one by one, as a server would send them. */
  gzipBytes: number;
  /**
   * What the first screen needs before it paints: the page, the scripts and styles it names and
   * the scripts those import statically (views and Chart.js load later, with import()).
   */
  initial?: { rawBytes: number; gzipBytes: number };
}

/** Growth over the budget that is still accepted: 10%. */
export const TOLERANCE = 0.1;
export const UPDATE_COMMAND = 'npm run check:bundle -- --update';

function sizeOf(dir: string, files: Iterable<string>): { rawBytes: number; gzipBytes: number } {
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const bytes = readFileSync(path.join(dir, file));
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes).length;
  }
  return { rawBytes, gzipBytes };
}

/** Files (relative to `dir`) that index.html loads at once, and the scripts they import statically. */
export function initialFiles(dir: string): string[] {
  const found = new Set(['index.html']);
  const queue = [
    ...readFileSync(path.join(dir, 'index.html'), 'utf8').matchAll(
      /<(?:script|link)\b[^>]*\b(?:src|href)="(?:\.\/)?([^"]+\.(?:js|css))"/g,
    ),
  ].map((match) => match[1]!);
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (found.has(file)) continue;
    found.add(file);
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(path.join(dir, file), 'utf8');
    // Static imports only (`import{a}from"./x.js"`, `import"./x.js"`), not import("./x.js").
    for (const match of code.matchAll(
      /\bimport\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']\.\/([^"']+)["']/g,
    )) {
      queue.push(path.posix.join(path.posix.dirname(file), match[1]!));
    }
  }
  return [...found];
}

/** The size of a vite build's output folder (index.html and assets/*.js, *.css), and its first screen's. */
export function measureBundle(dir: string): BundleSize {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) =>
    /\.(html|js|css)$/.test(file),
  );
  if (files.length === 0) throw new Error(`No .html, .js or .css file under ${dir}.`);
  const all = sizeOf(dir, files);
  return files.includes('index.html') ? { ...all, initial: sizeOf(dir, initialFiles(dir)) } : all;
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** One message per size over the budget by more than the tolerance; none when within it. */
export function overBudget(measured: BundleSize, budget: BundleSize, budgetFile: string): string[] {
  const sizes = [
    ['renderer bundle', 'raw', measured.rawBytes, budget.rawBytes],
    ['renderer bundle', 'gzipped', measured.gzipBytes, budget.gzipBytes],
    ...(measured.initial && budget.initial
      ? ([
          ["renderer's first screen", 'raw', measured.initial.rawBytes, budget.initial.rawBytes],
          [
            "renderer's first screen",
            'gzipped',
            measured.initial.gzipBytes,
            budget.initial.gzipBytes,
          ],
        ] as const)
      : []),
  ] as const;
  return sizes
    .filter(([, , now, allowed]) => now > allowed * (1 + TOLERANCE))
    .map(
      ([what, kind, now, allowed]) =>
        `The ${what} is ${kB(now)} ${kind}, ${(100 * (now / allowed - 1)).toFixed(1)}% over its budget of ` +
        `${kB(allowed)} in ${budgetFile} (${100 * TOLERANCE}% growth is allowed). Make it smaller (a lazy import(), ` +
        `a lighter dependency), or, if the growth is worth it, run \`${UPDATE_COMMAND}\` and commit ${budgetFile} ` +
        `saying why it grew.`,
    );
}

export function describeBundle(size: BundleSize): string {
  const initial = size.initial
    ? ` (first screen ${kB(size.initial.rawBytes)} raw, ${kB(size.initial.gzipBytes)} gzipped)`
    : '';
  return `${kB(size.rawBytes)} raw, ${kB(size.gzipBytes)} gzipped${initial}`;
}
