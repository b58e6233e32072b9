// README's error table, made from the catalogue in core/values/errors.ts so the two never differ:
// `npm run docs:errors` rewrites it, and a test fails when README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { errorCodes } from '../../core/values/errors';

export const readmePath = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../README.md',
);

/** The table as prettier lays it out in README. */
export async function errorTable(): Promise<string> {
  const rows = Object.entries(errorCodes).map(([code, meaning]) => `| \`${code}\` | ${meaning} |`);
  const table = ['| code | meaning |', '| --- | --- |', ...rows].join('\n');
  return (await format(table, { parser: 'markdown', printWidth: 100 })).trimEnd();
}

/** Where the table sits in README: from its header row to the blank line after it. */
export function tableSpan(readme: string): { start: number; end: number } {
  const start = readme.search(/^\| code +\| meaning +\|$/m);
  if (start < 0) throw new Error('README.md has no error table (a "| code | meaning |" header).');
  const end = readme.indexOf('\n\n', start);
  return { start, end: end < 0 ? readme.length : end };
}

export async function updatedReadme(readme: string): Promise<string> {
  const { start, end } = tableSpan(readme);
  return readme.slice(0, start) + (await errorTable()) + readme.slice(end);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(readmePath, 'utf8');
  writeFileSync(readmePath, await updatedReadme(readme));
  console.log(`README.md: error table of ${Object.keys(errorCodes).length} codes written.`);
}
