import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../../core/values/errors';
import {
  errorTable,
  readmePath,
  tableSpan,
  updatedReadme,
} from '../../../electron/scripts/readme-errors';

describe("README's error table", () => {
  it('is the catalogue of core/values/errors.ts (else run npm run docs:errors)', async () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(await updatedReadme(readme)).toBe(readme);
  });

  it('has one row per code, and a changed catalogue changes it', async () => {
    const table = await errorTable();
    expect(table.split('\n')).toHaveLength(Object.keys(errorCodes).length + 2);
    const stale = '# Title\n\n| code | meaning |\n| --- | --- |\n| `gone` | old |\n\nAfter.\n';
    const updated = await updatedReadme(stale);
    expect(updated).not.toContain('`gone`');
    expect(updated).toContain('`parameter_missing`');
    expect(updated.endsWith('\n\nAfter.\n')).toBe(true);
  });

  it('is found only under its header', () => {
    expect(() => tableSpan('no table here')).toThrow(/no error table/);
  });
});
