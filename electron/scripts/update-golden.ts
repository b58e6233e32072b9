// Regenerates the golden invoice CSVs of the shipped templates (test/core/scenario/golden/*.csv).
// Run it only on purpose, when a template or a billing rule changed, and review the diff:
//   npx tsx electron/scripts/update-golden.ts
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { invoiceLinesCsv } from '../../core/scenario/exports';
import { replayScenario } from '../../core/scenario/replay';
import { templateFilesById } from '../../core/scenario/templates';

/** Every template is run to this moment: three months closed and their invoices finalized. */
export const GOLDEN_UNTIL = Date.UTC(2025, 5, 1, 1) / 1000; // 2025-06-01T01:00:00Z

export const goldenDir = fileURLToPath(
  new URL('../../test/core/scenario/golden/', import.meta.url),
);

/** The template run to GOLDEN_UNTIL, its invoices (oldest first) as CSV. */
export function goldenCsv(templateFile: unknown): string {
  const sim = replayScenario(templateFile);
  sim.testClock.advance({ frozenTime: GOLDEN_UNTIL });
  const invoices = sim.invoices.list({ limit: 10_000 }).data.reverse();
  return invoiceLinesCsv(invoices, { customers: sim.customers.list({ limit: 10_000 }).data });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await mkdir(goldenDir, { recursive: true });
  for (const [id, file] of Object.entries(templateFilesById)) {
    const path = `${goldenDir}${id}.csv`;
    await writeFile(path, goldenCsv(file));
    console.log(`wrote ${path}`);
  }
}
