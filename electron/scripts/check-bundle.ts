// npm run check: builds the renderer (vite build, into a temp folder) and fails when the bundle
// grew more than 10% over renderer/bundle-budget.json. `--update` writes the measured size there.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { describeBundle, measureBundle, overBudget, type BundleSize } from './bundle-budget';

const root = path.join(import.meta.dirname, '../..');
const budgetFile = 'renderer/bundle-budget.json';
const outDir = mkdtempSync(path.join(tmpdir(), 'meterlab-bundle-'));
try {
  await build({
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  const measured = measureBundle(outDir);
  if (process.argv.includes('--update')) {
    writeFileSync(path.join(root, budgetFile), `${JSON.stringify(measured, null, 2)}\n`);
    console.log(`${budgetFile}: the budget is now ${describeBundle(measured)}.`);
  } else {
    const budget = JSON.parse(readFileSync(path.join(root, budgetFile), 'utf8')) as BundleSize;
    const problems = overBudget(measured, budget, budgetFile);
    for (const problem of problems) console.error(problem);
    if (problems.length > 0) process.exitCode = 1;
    else
      console.log(
        `Renderer bundle: ${describeBundle(measured)}; budget ${describeBundle(budget)}.`,
      );
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
