import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The house rules of the source tree: no import cycles (type imports included), and the pipeline's layers
 * import only downwards — config → discover → lint → roundtrip → report → github → action, with the shared
 * modules of src/ (types, redact, repository) below all of them.
 */

const SRC = resolve(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Each file's relative imports and re-exports, as absolute `.ts` paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((m) =>
      resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')),
    );
    graph.set(file, deps);
  }
  return graph;
}

const name = (file: string) => relative(SRC, file);

describe('the source tree', () => {
  it('has no import cycles', () => {
    const graph = importGraph();
    const cycles: string[] = [];
    const done = new Set<string>();
    const path: string[] = [];
    const visit = (file: string) => {
      if (path.includes(file)) {
        cycles.push([...path.slice(path.indexOf(file)), file].map(name).join(' -> '));
        return;
      }
      if (done.has(file)) return;
      path.push(file);
      for (const dep of graph.get(file) ?? []) visit(dep);
      path.pop();
      done.add(file);
    };
    for (const file of graph.keys()) visit(file);
    expect(cycles).toEqual([]);
  });

  it('imports only downwards between the pipeline folders', () => {
    const rank: Record<string, number> = {
      config: 0,
      discover: 1,
      lint: 2,
      roundtrip: 3,
      report: 4,
      github: 5,
      action: 6,
      cli: 6,
    };
    const layer = (file: string) => rank[name(file).split('/')[0]!];
    const upward: string[] = [];
    for (const [file, deps] of importGraph()) {
      const from = layer(file);
      if (from === undefined) continue;
      for (const dep of deps) {
        const to = layer(dep);
        if (to !== undefined && to > from) upward.push(`${name(file)} -> ${name(dep)}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
