/**
 * Assembles the WebAssembly kernels (the `.wat` files in `kernels` folders under `src/`) into the
 * committed `.wasm` binaries with wabt (`npm run build:kernels`). The tool loads the binaries, so
 * it needs no assembler at run time; a unit test assembles the sources again and fails if they
 * disagree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';
import { writeFileAtomic } from '../src/io/files.ts';

/** The source tree searched for kernels. */
const SRC_DIR = fileURLToPath(new URL('../src/', import.meta.url));

/** Assembles one `.wat` source (SIMD enabled) into a validated binary. */
export async function assembleKernel(watPath: string): Promise<Uint8Array> {
  const tools = await wabt();
  const module = tools.parseWat(path.basename(watPath), fs.readFileSync(watPath, 'utf8'), { simd: true });
  try {
    module.validate();
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The kernel sources, as `[wat, wasm]` path pairs. */
export function kernelSources(): Array<[string, string]> {
  return (fs.readdirSync(SRC_DIR, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.wat') && path.basename(path.dirname(f)) === 'kernels')
    .sort()
    .map((f) => [path.join(SRC_DIR, f), path.join(SRC_DIR, f.replace(/\.wat$/, '.wasm'))]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const [wat, wasm] of kernelSources()) {
    const bytes = await assembleKernel(wat);
    await writeFileAtomic(wasm, bytes);
    console.log(`${path.relative(process.cwd(), wasm)}: ${bytes.length} bytes`);
  }
}
