/**
 * `npm run notebooks [-- [--full] [NAME …]]`: executes every notebook in notebooks/ headless on Deno's
 * Jupyter kernel with Debian's `jupyter nbconvert`, writes the executed copies and their HTML to
 * out/notebooks/, prints each notebook's time, and ends with `notebooks: N passed, M failed` (exit 1
 * if any failed, 2 if jupyter is missing).
 *
 * Sizes: each notebook reads its sizes from NPIM_NB_* environment variables; this runner sets the
 * small ones below (what CI runs) unless the variable is already set, or `--full` is given (then the
 * notebooks' own defaults apply). NAME arguments select notebooks by prefix (e.g. `02`).
 *
 * The kernel: a kernelspec written to out/notebooks/.jupyter/ (put first on JUPYTER_PATH) runs this
 * checkout's `deno` (the npm package's binary), so the run does not depend on what
 * `deno jupyter --install` registered for the user. The library is imported from dist/, built first
 * when missing or older than src/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NOTEBOOKS = path.join(ROOT, 'notebooks');
const OUT = path.join(ROOT, 'out', 'notebooks');
const KERNELS = path.join(OUT, '.jupyter');
const DENO = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'deno.cmd' : 'deno');
/** Seconds one notebook may run before nbconvert stops it. */
const CELL_TIMEOUT_SECONDS = 900;

/** The small sizes CI runs, per notebook (file name without .ipynb). */
const CI_SIZES: Record<string, Record<string, string>> = {
  '01-nnsa': { NPIM_NB_HIDDEN: '12', NPIM_NB_STEPS_SCALE: '0.1', NPIM_NB_DRAWS: '10', NPIM_NB_POINTS: '1024' },
  '02-nnadc': { NPIM_NB_DRAWS: '10', NPIM_NB_SIGMA_DRAWS: '3' },
  '03-weight-maps': { NPIM_NB_SPICE_POINTS: '1024' },
  '04-accuracy-under-noise': { NPIM_NB_IMAGES: '100', NPIM_NB_DRAWS: '1', NPIM_NB_SIGMAS: '0,0.1,0.2', NPIM_NB_SINADS: '10,20,30' },
  '05-cost': {},
};

/** Newest modification time of the files under `dir` (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return t;
}

function ensureBuilt(): void {
  const index = path.join(ROOT, 'dist', 'index.js');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(path.join(ROOT, 'src'))) return;
  console.log('notebooks: building dist/ (npm run build)');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.log('notebooks: 0 passed, 1 failed (the build of dist/ failed)');
    process.exit(1);
  }
}

function writeKernelSpec(): void {
  const dir = path.join(KERNELS, 'kernels', 'deno');
  mkdirSync(dir, { recursive: true });
  const spec = { argv: [DENO, 'jupyter', '--kernel', '--conn', '{connection_file}'], display_name: 'Deno', language: 'typescript' };
  writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n');
}

/**
 * Plots missing from an executed notebook: code cells with fewer SVG outputs than `plot(` calls in
 * their source (a display the kernel did not deliver is otherwise silent).
 */
function missingPlots(executed: string): string[] {
  const nb = JSON.parse(readFileSync(executed, 'utf8')) as {
    cells: Array<{ cell_type: string; source: string[] | string; outputs?: Array<{ data?: Record<string, unknown> }> }>;
  };
  return nb.cells.flatMap((cell, i) => {
    if (cell.cell_type !== 'code') return [];
    const source = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    const expected = (source.match(/\bplot\(/g) ?? []).length;
    const got = (cell.outputs ?? []).filter((o) => o.data?.['image/svg+xml'] !== undefined).length;
    return got < expected ? [`cell ${i}: ${got} of ${expected} plots`] : [];
  });
}

function jupyter(args: string[], env: NodeJS.ProcessEnv): { ok: boolean; output: string } {
  const r = spawnSync('jupyter', args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) return { ok: false, output: r.error.message };
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const args = process.argv.slice(2);
const full = args.includes('--full');
const wanted = args.filter((a) => a !== '--full');
if (spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' }).status !== 0) {
  console.error('jupyter nbconvert not found: install it (Debian: apt-get install -y jupyter-nbconvert)');
  console.log('notebooks: 0 passed, 1 failed (jupyter nbconvert missing)');
  process.exit(2);
}
if (!existsSync(DENO)) {
  console.error(`${DENO} not found: run npm ci (deno is a devDependency)`);
  console.log('notebooks: 0 passed, 1 failed (deno missing)');
  process.exit(2);
}
ensureBuilt();
mkdirSync(OUT, { recursive: true });
writeKernelSpec();

const files = readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith('.ipynb'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
let passed = 0;
let failed = 0;
const started = performance.now();
for (const file of files) {
  const name = file.replace(/\.ipynb$/, '');
  const sizes = full ? {} : (CI_SIZES[name] ?? {});
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(sizes).filter(([k]) => process.env[k] === undefined)),
    ...process.env,
    JUPYTER_PATH: [KERNELS, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    NPIM_NB_OUT: process.env.NPIM_NB_OUT ?? OUT,
    // No colour codes from Deno in the captured outputs.
    NO_COLOR: '1',
  };
  const t0 = performance.now();
  const run = jupyter(
    [
      'nbconvert',
      '--to',
      'notebook',
      '--execute',
      `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_SECONDS}`,
      '--ExecutePreprocessor.kernel_name=deno',
      '--output-dir',
      OUT,
      path.join(NOTEBOOKS, file),
    ],
    env,
  );
  const missing = run.ok ? missingPlots(path.join(OUT, file)) : [];
  const html = run.ok ? jupyter(['nbconvert', '--to', 'html', '--output-dir', OUT, path.join(OUT, file)], env) : null;
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const used = Object.entries(sizes)
    .map(([k, v]) => `${k}=${process.env[k] ?? v}`)
    .join(' ');
  if (run.ok && html?.ok && missing.length === 0) {
    passed++;
    console.log(`  passed  ${file}  ${seconds} s${used ? `  (${used})` : ''}`);
  } else {
    failed++;
    console.log(`  FAILED  ${file}  ${seconds} s${used ? `  (${used})` : ''}`);
    if (missing.length) console.log(`    plots missing from the executed copy: ${missing.join('; ')}`);
    else console.log((html && !html.ok ? html.output : run.output).split('\n').slice(-40).join('\n'));
  }
}
console.log(`executed copies and HTML in ${path.relative(ROOT, OUT)}/ (${((performance.now() - started) / 1000).toFixed(1)} s in all)`);
console.log(`notebooks: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
