// Each shipped template run to a fixed date bills exactly its golden invoices. When a template or
// a billing rule changes on purpose, regenerate: npx tsx electron/scripts/update-golden.ts
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { templateFilesById } from '../../../core/scenario/templates';
import { goldenCsv, goldenDir } from '../../../electron/scripts/update-golden';

describe('golden invoices of the templates', () => {
  it.each(Object.keys(templateFilesById))('%s run to 2025-06-01T01:00:00Z', (id) => {
    const expected = readFileSync(`${goldenDir}${id}.csv`, 'utf8');
    expect(goldenCsv(templateFilesById[id])).toBe(expected);
  });
});
