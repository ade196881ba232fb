/**
 * bin/npim.js runs the compiled dist/ only while it was built from the sources as they are:
 * the stamp (bin/source-stamp.js) must change with any byte or name of src/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STAMP_FILE, distIsCurrent, sourceHash } from '../../bin/source-stamp.js';

test('dist/ counts as current only while every source file is as it was built from', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'npim-stamp-'));
  try {
    const src = path.join(root, 'src');
    const dist = path.join(root, 'dist');
    mkdirSync(path.join(src, 'core'), { recursive: true });
    mkdirSync(dist);
    writeFileSync(path.join(src, 'core', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(path.join(src, 'b.ts'), 'export const b = 2;\n');
    assert.not.ok(distIsCurrent(src, dist), 'no stamp: not current');
    writeFileSync(path.join(dist, STAMP_FILE), `${sourceHash(src)}\n`);
    assert.ok(distIsCurrent(src, dist));
    const built = sourceHash(src);
    writeFileSync(path.join(src, 'core', 'a.ts'), 'export const a = 2;\n');
    assert.not.ok(distIsCurrent(src, dist), 'an edited file');
    writeFileSync(path.join(src, 'core', 'a.ts'), 'export const a = 1;\n');
    assert.is(sourceHash(src), built, 'the same content gives the same hash');
    renameSync(path.join(src, 'b.ts'), path.join(src, 'c.ts'));
    assert.not.ok(distIsCurrent(src, dist), 'a renamed file');
    renameSync(path.join(src, 'c.ts'), path.join(src, 'b.ts'));
    writeFileSync(path.join(src, 'new.ts'), '');
    assert.not.ok(distIsCurrent(src, dist), 'an added (even empty) file');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
