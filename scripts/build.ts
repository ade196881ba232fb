/**
 * `npm run build` (also `prepare`): compiles src/ to JavaScript and declarations in dist/ with
 * tsconfig.build.json (relative `.ts` imports rewritten to `.js`), then copies the run-time assets
 * the modules load beside themselves (the WebAssembly kernels), so that dist/ works on its own, and
 * the hash of the sources it was built from (bin/source-stamp.js: bin/npim.js runs dist/ while it
 * matches).
 * dist/ is removed first: a module deleted from src/ must not linger in the package.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { STAMP_FILE, sourceHash } from '../bin/source-stamp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
/** Files other than TypeScript that modules load at run time (`new URL('./kernels/x.wasm', import.meta.url)`). */
const ASSET = /\.wasm$/;

function assets(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return assets(full);
    return ASSET.test(e.name) ? [full] : [];
  });
}

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (run.status !== 0) {
  console.error('build: tsc failed');
  process.exit(run.status ?? 1);
}
const copied = assets(SRC).map((file) => {
  const to = path.join(DIST, path.relative(SRC, file));
  cpSync(file, to);
  return path.relative(ROOT, to);
});
// The sources this build is of: bin/npim.js runs dist/ only while they are unchanged.
writeFileSync(path.join(DIST, STAMP_FILE), `${sourceHash(SRC)}\n`);
console.log(`build: dist/ written (${copied.length} assets: ${copied.join(', ')})`);
