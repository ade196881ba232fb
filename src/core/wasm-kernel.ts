/**
 * Loading the project's WebAssembly SIMD kernels (`kernels/*.wasm` beside the modules that use
 * them, assembled from their `.wat` sources by `npm run build:kernels`). Each module is compiled
 * once per thread; every user makes its own instance, so each has its own linear memory.
 */
import fs from 'node:fs';

const modules = new Map<string, WebAssembly.Module>();

/** Instantiates the kernel binary at `url` with at least `bytes` of linear memory. */
export function instantiateKernel<T extends { memory: WebAssembly.Memory }>(url: URL, bytes: number): T {
  let module = modules.get(url.href);
  if (!module) {
    module = new WebAssembly.Module(fs.readFileSync(url));
    modules.set(url.href, module);
  }
  const exports = new WebAssembly.Instance(module).exports as unknown as T;
  growMemory(exports.memory, bytes);
  return exports;
}

/** Grows `memory` to at least `bytes` (growing detaches existing views of its buffer). */
export function growMemory(memory: WebAssembly.Memory, bytes: number): void {
  const pages = Math.ceil(bytes / 65536);
  const have = memory.buffer.byteLength / 65536;
  if (pages > have) memory.grow(pages - have);
}
