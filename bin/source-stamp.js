// Whether dist/ (the compiled package, `npm run build`) was built from the sources as they are now:
// a content hash of src/ written into dist/ by the build and compared by bin/npim.js at start-up,
// which then runs the compiled modules instead of compiling the TypeScript sources on the fly.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The file in dist/ that holds the hash of the sources it was built from. */
export const STAMP_FILE = 'source-hash.txt';

/**
 * SHA-256 (hex) over every file under `srcDir`: each file's path relative to it and its content,
 * in sorted path order.
 * @param {string} srcDir
 * @returns {string}
 */
export function sourceHash(srcDir) {
  const hash = createHash('sha256');
  const files = /** @type {string[]} */ (readdirSync(srcDir, { recursive: true, withFileTypes: false }))
    .filter((f) => !f.split(path.sep).some((part) => part.startsWith('.')))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
  for (const f of files) {
    let content;
    try {
      content = readFileSync(path.join(srcDir, f));
    } catch {
      continue; // a directory
    }
    hash.update(`${f}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

/**
 * Whether `distDir` holds a build of `srcDir` as it is now.
 * @param {string} srcDir
 * @param {string} distDir
 * @returns {boolean}
 */
export function distIsCurrent(srcDir, distDir) {
  try {
    return readFileSync(path.join(distDir, STAMP_FILE), 'utf8').trim() === sourceHash(srcDir);
  } catch {
    return false;
  }
}
