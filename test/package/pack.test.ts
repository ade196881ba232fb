/**
 * The package as another project gets it: `npm pack` (which builds dist/ through `prepare`), the
 * tarball installed into a scratch project under the system's temporary directory, and a
 * ten-line TypeScript consumer that imports the package, evaluates the shipped NNADC and prints
 * its ENOB: it must type-check against the shipped declarations and run. The install reads the
 * npm cache first and the npm registry only for what the cache lacks (`--prefer-offline`).
 * Slow for a unit test (~40 s: build, install, tsc), so it is the only one of its kind.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** The consumer of the acceptance criterion; the last two lines make sure the types are not `any`. */
const CONSUMER = `import { loadNnadc, measureNnadc, shippedModel, type ConverterMetrics } from 'neural-pim';

const adc = await loadNnadc(shippedModel('nnadc-8b-r1'));
const metrics: ConverterMetrics = measureNnadc(adc);
const enob: number = metrics.sine.enobBits;
console.log(\`nnadc-8b-r1: \${adc.bits}-bit \${adc.arch} NNADC, ENOB \${enob.toFixed(2)} bits\`);
// The declarations carry real types: a name that is not a shipped model does not type-check.
// @ts-expect-error the shipped model names are a closed union
export const wrong = () => shippedModel('nnadc-9b');
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    outDir: 'out',
  },
  files: ['consumer.ts'],
};

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
}

test('npm pack → npm install in a scratch project → a TypeScript consumer type-checks and prints the ENOB of nnadc-8b-r1', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'npim-pack-'));
  try {
    run(NPM, ['pack', '--silent', '--pack-destination', dir], ROOT);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote no tarball');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'npim-consumer', private: true, type: 'module' }));
    run(
      NPM,
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional', `./${tarball}`, '@types/node@^20'],
      dir,
    );
    writeFileSync(path.join(dir, 'consumer.ts'), CONSUMER);
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    run(process.execPath, [TSC, '-p', '.'], dir);
    const out = run(process.execPath, [path.join('out', 'consumer.js')], dir);
    const m = /ENOB (\d+\.\d+) bits/.exec(out);
    assert.ok(m, `consumer printed no ENOB: ${out}`);
    // docs/reference.md §2.5 and MODELS.md: 7.99 bits at nominal devices; an 8-bit converter cannot exceed 8.
    const enob = Number(m![1]);
    assert.ok(enob > 7.9 && enob <= 8.0, `ENOB ${enob}`);
    assert.match(out, /8-bit two-step NNADC/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
