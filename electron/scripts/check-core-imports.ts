// npm run check: fails when core/ has an import circle or a layer imports a higher one.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCoreImports } from './core-imports';

const core = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../core');
const sources = new Map<string, string>();
for (const entry of readdirSync(core, { recursive: true, encoding: 'utf8' })) {
  const file = entry.split(path.sep).join('/');
  if (file.endsWith('.ts')) sources.set(file, readFileSync(path.join(core, entry), 'utf8'));
}
const problems = checkCoreImports(sources);
for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
console.log(`core/ imports: ${sources.size} files, no circle, every layer imports only downward.`);
