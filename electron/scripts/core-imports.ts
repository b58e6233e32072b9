// The import rules inside core/: no file imports one that imports it back (type imports
// included), and each layer imports only itself and the layers below it:
// values (core/values, core/public) -> rules -> resources -> simulator -> surfaces (the rest).
import path from 'node:path';

export const layers = ['values', 'rules', 'resources', 'simulator', 'surfaces'] as const;
export type Layer = (typeof layers)[number];

/** The layer of a file given by its path inside core/ ('rules/pricing/index.ts'). */
export function layerOf(file: string): Layer {
  const top = file.split('/')[0];
  if (top === 'values' || top === 'public') return 'values';
  if (top === 'rules' || top === 'resources' || top === 'simulator') return top;
  return 'surfaces';
}

const importPattern = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** The relative imports of a source file (value and type imports alike). */
export function importsOf(source: string): string[] {
  return [...source.matchAll(importPattern)].map((match) => match[1]!);
}

/** Resolves an import of `from` to a file of `files` ('x' -> 'x.ts' or 'x/index.ts'). */
function resolve(files: ReadonlySet<string>, from: string, specifier: string): string | null {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    if (files.has(candidate)) return candidate;
  }
  return null;
}

/** Every broken rule, as a sentence naming the files; none for a sound tree. */
export function checkCoreImports(sources: ReadonlyMap<string, string>): string[] {
  const files = new Set(sources.keys());
  const graph = new Map<string, string[]>();
  const problems: string[] = [];
  for (const [file, source] of sources) {
    const targets = importsOf(source)
      .map((specifier) => resolve(files, file, specifier))
      .filter((target): target is string => target !== null);
    graph.set(file, targets);
    for (const target of targets) {
      const from = layers.indexOf(layerOf(file));
      const to = layers.indexOf(layerOf(target));
      if (to > from) {
        problems.push(
          `core/${file} (${layers[from]}) imports core/${target} (${layers[to]}), a higher layer: move the shared piece down.`,
        );
      }
    }
  }
  for (const circle of circles(graph)) {
    problems.push(`Import circle: ${[...circle, circle[0]].map((f) => `core/${f}`).join(' -> ')}.`);
  }
  return problems;
}

/** The import circles of a graph, one path each (Tarjan's strongly connected components). */
function circles(graph: ReadonlyMap<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfImport = graph.get(node)?.includes(node) ?? false;
    if (component.length > 1 || selfImport) found.push(component.reverse());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}
