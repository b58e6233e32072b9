import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCoreImports, importsOf, layerOf } from '../../../electron/scripts/core-imports';

function realCore(): Map<string, string> {
  const core = path.resolve(import.meta.dirname, '../../../core');
  const sources = new Map<string, string>();
  for (const entry of readdirSync(core, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.ts')) {
      sources.set(entry.split(path.sep).join('/'), readFileSync(path.join(core, entry), 'utf8'));
    }
  }
  return sources;
}

describe("core/'s import rules", () => {
  it('hold for the real core/: no circle, every layer imports downward', () => {
    const sources = realCore();
    expect(sources.size).toBeGreaterThan(40);
    expect(checkCoreImports(sources)).toEqual([]);
  });

  it('fail on a circle introduced into the real core/, type imports included', () => {
    const sources = realCore();
    // money.ts -> errors.ts exists; errors.ts -> money.ts closes a circle.
    sources.set(
      'values/errors.ts',
      `import type { Dec } from './money';\n${sources.get('values/errors.ts')!}`,
    );
    const problems = checkCoreImports(sources);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^Import circle: .*core\/values\/errors\.ts.*core\/values\/money\.ts/,
    );
  });

  it('fail when a lower layer imports a higher one', () => {
    const sources = new Map([
      ['rules/lines.ts', "import { registry } from '../simulator/registry';\n"],
      ['simulator/registry.ts', 'export const registry = 1;\n'],
    ]);
    expect(checkCoreImports(sources)).toEqual([
      'core/rules/lines.ts (rules) imports core/simulator/registry.ts (simulator), a higher layer: move the shared piece down.',
    ]);
  });

  it('reads multi-line, type and re-export imports, and places files in their layers', () => {
    const source = [
      "import {\n  a,\n  b,\n} from './x';",
      "import type { T } from '../y/index';",
      "export { c } from './z';",
      "export type * from './w';",
      "import z from 'zod';",
    ].join('\n');
    expect(importsOf(source)).toEqual(['./x', '../y/index', './z', './w']);
    expect(layerOf('public/types.ts')).toBe('values');
    expect(layerOf('rules/pricing/index.ts')).toBe('rules');
    expect(layerOf('dispatch.ts')).toBe('surfaces');
  });
});
