import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '..', 'src');

/** Every .ts file under src/ and the src/ files it imports (type imports and re-exports included). */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const rx = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]/g;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(rx)) {
      const target = path.resolve(path.dirname(f), m[1].replace(/\.js$/, '.ts'));
      if (known.has(target)) deps.push(target);
    }
    graph.set(f, deps);
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself): the import cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.map((c) => path.relative(SRC, c)).sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Folders a folder of src/ must never import from: the layers core < methods < run < sweep < cli. */
const FORBIDDEN: Record<string, string[]> = {
  util: ['backend', 'data', 'models', 'train', 'features', 'binarize', 'memory', 'classifier', 'cil', 'methods', 'run', 'sweep', 'cli'],
  backend: ['data', 'models', 'train', 'features', 'binarize', 'memory', 'classifier', 'cil', 'methods', 'run', 'sweep', 'cli'],
  binarize: ['cil', 'methods', 'run', 'sweep', 'cli'],
  memory: ['cil', 'methods', 'run', 'sweep', 'cli'],
  classifier: ['cil', 'methods', 'run', 'sweep', 'cli'],
  features: ['cil', 'methods', 'run', 'sweep', 'cli'],
  models: ['cil', 'methods', 'run', 'sweep', 'cli'],
  train: ['cil', 'methods', 'run', 'sweep', 'cli'],
  cil: ['methods', 'run', 'sweep', 'cli'],
  methods: ['run', 'sweep', 'cli'],
  run: ['sweep', 'cli'],
  sweep: ['cli'],
};

describe('source layers', () => {
  const graph = importGraph();

  it('no import cycle in src/, type imports included', () => {
    assert.ok(graph.size > 50, `found only ${graph.size} source files`);
    assert.deepEqual(cycles(graph), []);
  });

  it('the cycle finder finds a cycle when there is one', () => {
    // The check above is only as good as this: a planted a -> b -> a cycle must be reported.
    const g = new Map([
      [path.join(SRC, 'a.ts'), [path.join(SRC, 'b.ts')]],
      [path.join(SRC, 'b.ts'), [path.join(SRC, 'a.ts')]],
      [path.join(SRC, 'c.ts'), []],
    ]);
    assert.deepEqual(cycles(g), [['a.ts', 'b.ts']]);
  });

  it('each folder imports only from the layers below it (core < methods < run < sweep < cli)', () => {
    const bad: string[] = [];
    for (const [file, deps] of graph) {
      const from = path.relative(SRC, file).split(path.sep)[0];
      for (const d of deps) {
        const to = path.relative(SRC, d).split(path.sep)[0];
        if (FORBIDDEN[from]?.includes(to)) bad.push(`${path.relative(SRC, file)} -> ${path.relative(SRC, d)}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
