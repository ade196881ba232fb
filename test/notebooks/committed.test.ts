/**
 * The notebooks as committed: the five the README lists, on the Deno kernel, without outputs (an
 * executed copy belongs in out/notebooks/, written by `npm run notebooks`), and using the library
 * through the built package rather than reaching into src/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'notebooks');
const EXPECTED = ['01-nnsa.ipynb', '02-nnadc.ipynb', '03-weight-maps.ipynb', '04-accuracy-under-noise.ipynb', '05-cost.ipynb'];

interface Cell {
  cell_type: string;
  source: string[] | string;
  outputs?: unknown[];
  execution_count?: number | null;
}
interface Notebook {
  nbformat: number;
  metadata: { kernelspec?: { name?: string; language?: string } };
  cells: Cell[];
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.ipynb'));
const read = (f: string) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Notebook;
const sourceOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);

test('the five notebooks of the README are there', () => {
  for (const f of EXPECTED) assert.ok(files.includes(f), `notebooks/${f} is missing`);
});

test('every notebook runs on the Deno kernel (nbformat 4, kernelspec deno, TypeScript)', () => {
  for (const f of files) {
    const nb = read(f);
    assert.is(nb.nbformat, 4, f);
    assert.is(nb.metadata.kernelspec?.name, 'deno', `${f}: kernelspec`);
    assert.is(nb.metadata.kernelspec?.language, 'typescript', `${f}: kernel language`);
  }
});

test('notebooks are committed without outputs or execution counts', () => {
  for (const f of files) {
    read(f).cells.forEach((c, i) => {
      if (c.cell_type !== 'code') return;
      assert.equal(c.outputs, [], `${f} cell ${i} has outputs`);
      assert.is(c.execution_count, null, `${f} cell ${i} has an execution count`);
    });
  }
});

test('notebooks import the library from the built package, never from src/', () => {
  for (const f of files) {
    const code = read(f)
      .cells.filter((c) => c.cell_type === 'code')
      .map(sourceOf)
      .join('\n');
    assert.match(code, /from '\.\.\/dist\/index\.js'/, `${f} does not import ../dist/index.js`);
    assert.not.match(code, /from '\.\.\/src\//, `${f} imports from src/`);
  }
});

test.run();
