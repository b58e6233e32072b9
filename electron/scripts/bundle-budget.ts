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
}

/** Growth over the budget that is still accepted: 10%. */
export const TOLERANCE = 0.1;
export const UPDATE_COMMAND = 'npm run check:bundle -- --update';

/** The size of a vite build's output folder (index.html and assets/*.js, *.css). */
export function measureBundle(dir: string): BundleSize {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) =>
    /\.(html|js|css)$/.test(file),
  );
  if (files.length === 0) throw new Error(`No .html, .js or .css file under ${dir}.`);
  return files.reduce(
    (size, file) => {
      const bytes = readFileSync(path.join(dir, file));
      return {
        rawBytes: size.rawBytes + bytes.length,
        gzipBytes: size.gzipBytes + gzipSync(bytes).length,
      };
    },
    { rawBytes: 0, gzipBytes: 0 },
  );
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** One message per size over the budget by more than the tolerance; none when within it. */
export function overBudget(measured: BundleSize, budget: BundleSize, budgetFile: string): string[] {
  const sizes = [
    ['raw', measured.rawBytes, budget.rawBytes],
    ['gzipped', measured.gzipBytes, budget.gzipBytes],
  ] as const;
  return sizes
    .filter(([, now, allowed]) => now > allowed * (1 + TOLERANCE))
    .map(
      ([kind, now, allowed]) =>
        `The renderer bundle is ${kB(now)} ${kind}, ${(100 * (now / allowed - 1)).toFixed(1)}% over its budget of ` +
        `${kB(allowed)} in ${budgetFile} (${100 * TOLERANCE}% growth is allowed). Make it smaller (a lazy import(), ` +
        `a lighter dependency), or, if the growth is worth it, run \`${UPDATE_COMMAND}\` and commit ${budgetFile} ` +
        `saying why it grew.`,
    );
}

export function describeBundle(size: BundleSize): string {
  return `${kB(size.rawBytes)} raw, ${kB(size.gzipBytes)} gzipped`;
}
