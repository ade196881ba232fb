/**
 * The layering of src/: domain folders do no file I/O, and the folders import each other without
 * cycles. Imports are read with the TypeScript pre-processor (static, re-exports, type-only and
 * dynamic `import()`), so a comment or a string that merely mentions a module does not count.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/**
 * Folders that may touch the file system: the CLI, the application layer, the file formats, and
 * data/ (readers of data sets and measurements: MNIST IDX files, CSV tables, VTC banks).
 */
const IO_FOLDERS = new Set(['cli', 'app', 'io', 'data']);
/**
 * The package's public entry point (src/index.ts): a facade that only re-exports, so it may import
 * every folder, and no module under src/ may import it (that would make a cycle through it).
 */
const ENTRY_POINTS = new Set(['index.ts']);
/**
 * Known exceptions, each with its reason. Keep this list short; every entry is a debt.
 * - core/wasm-kernel.ts reads the project's own compiled WebAssembly kernels (code shipped beside
 *   the modules that use them, loaded like an import), not user data.
 */
const ALLOWED = new Set(['core/wasm-kernel.ts imports node:fs']);
/** Folders nothing in the domain may import. */
const FORBIDDEN_IN_DOMAIN = ['io', 'app', 'cli'];
/** Node modules that read or write files. */
const FS_MODULES = new Set(['fs', 'fs/promises', 'node:fs', 'node:fs/promises']);

/** Every source file under src/, as a path relative to src/. */
function sourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path.relative(SRC, full));
  }
  return out.sort();
}

/** The module specifiers a file imports (static, re-export, dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(SRC, file), 'utf8');
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The top folder under src/ of a relative path (a file directly in src/ is its own "folder"). */
function folderOf(relToSrc: string): string {
  const parts = relToSrc.split(path.sep);
  return parts.length > 1 ? parts[0] : relToSrc;
}

interface Edge {
  file: string;
  specifier: string;
  /** Target folder, for a relative import inside src/; undefined for packages and node modules. */
  folder?: string;
}

const edges: Edge[] = sourceFiles().flatMap((file) =>
  importsOf(file).map((specifier) => {
    if (!specifier.startsWith('.')) return { file, specifier };
    const target = path.relative(SRC, path.resolve(SRC, path.dirname(file), specifier));
    return { file, specifier, folder: target.startsWith('..') ? undefined : folderOf(target) };
  }),
);

test('domain folders import neither node:fs nor io/, app/ or cli/', () => {
  const offences = edges
    .filter((e) => !IO_FOLDERS.has(folderOf(e.file)) && !ENTRY_POINTS.has(e.file))
    .filter((e) => FS_MODULES.has(e.specifier) || (e.folder !== undefined && FORBIDDEN_IN_DOMAIN.includes(e.folder)))
    .map((e) => `${e.file} imports ${e.specifier}`)
    .filter((o) => !ALLOWED.has(o));
  assert.equal(offences, []);
});

test('every allowed exception is still needed', () => {
  const present = new Set(edges.map((e) => `${e.file} imports ${e.specifier}`));
  assert.equal(
    [...ALLOWED].filter((a) => !present.has(a)),
    [],
  );
});

test('report/ is pure: no node:fs and no io/, app/ or cli/', () => {
  const offences = edges
    .filter((e) => folderOf(e.file) === 'report')
    .filter((e) => FS_MODULES.has(e.specifier) || (e.folder !== undefined && FORBIDDEN_IN_DOMAIN.includes(e.folder)))
    .map((e) => `${e.file} imports ${e.specifier}`);
  assert.equal(offences, []);
});

test('io/ does not import app/ or cli/, and app/ does not import cli/', () => {
  const offences = edges
    .filter(
      (e) =>
        (folderOf(e.file) === 'io' && (e.folder === 'app' || e.folder === 'cli')) || (folderOf(e.file) === 'app' && e.folder === 'cli'),
    )
    .map((e) => `${e.file} imports ${e.specifier}`);
  assert.equal(offences, []);
});

/**
 * What io/ may import besides itself: core/, and the file formats it reads and writes whose text
 * is generated and parsed by pure code (weight-map/: the chunk generators and the JSON validation;
 * io/ only streams them to and from disk).
 */
const IO_IMPORTS = new Set(['io', 'core', 'weight-map']);

test('io/ sits below the domain: it imports only core/ and the pure format folder weight-map/', () => {
  const offences = edges
    .filter((e) => folderOf(e.file) === 'io' && e.folder !== undefined && !IO_IMPORTS.has(e.folder))
    .map((e) => `${e.file} imports ${e.specifier}`);
  assert.equal(offences, []);
});

test('the entry point only re-exports, and nothing under src/ imports it', () => {
  const importers = edges
    .filter((e) => e.folder !== undefined && ENTRY_POINTS.has(e.folder))
    .map((e) => `${e.file} imports ${e.specifier}`);
  assert.equal(importers, []);
  for (const entry of ENTRY_POINTS) {
    const file = ts.createSourceFile(entry, readFileSync(path.join(SRC, entry), 'utf8'), ts.ScriptTarget.ES2022);
    const other = file.statements.filter((s) => !ts.isExportDeclaration(s)).map((s) => ts.SyntaxKind[s.kind]);
    assert.equal(other, [], `${entry} holds statements other than re-exports`);
  }
});

/** Finds one cycle in a directed graph, or returns null. */
function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return null;
}

test('no import cycle between the folders of src/', () => {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const from = folderOf(e.file);
    if (e.folder === undefined || e.folder === from) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(e.folder);
  }
  const cycle = findCycle(graph);
  if (cycle) {
    const witnesses = cycle.slice(1).map((to, i) => {
      const from = cycle[i];
      const files = edges.filter((e) => folderOf(e.file) === from && e.folder === to).map((e) => e.file);
      return `${from} → ${to} (${[...new Set(files)].join(', ')})`;
    });
    assert.unreachable(`folder import cycle: ${cycle.join(' → ')}\n  ${witnesses.join('\n  ')}`);
  }
});

test.run();
