/**
 * Loading the project's WebAssembly SIMD kernels (`kernels/*.wasm` beside the modules that use
 * them, assembled from their `.wat` sources by `npm run build:kernels`). Each module is compiled
 * once per thread; every user makes its own instance, with its own linear memory unless the
 * module imports one (see {@link instantiateKernel}).
 */
import fs from 'node:fs';

const modules = new Map<string, WebAssembly.Module>();

/**
 * Instantiates the kernel binary at `url` with at least `bytes` of linear memory. A module that
 * imports its memory (`env.memory`) runs on `memory` when given (so two kernels can work on one
 * memory: one writes what the other reads, with no copy between them), else on a new one.
 */
export function instantiateKernel<T extends { memory: WebAssembly.Memory }>(url: URL, bytes: number, memory?: WebAssembly.Memory): T {
  let module = modules.get(url.href);
  if (!module) {
    module = new WebAssembly.Module(fs.readFileSync(url));
    modules.set(url.href, module);
  }
  const importsMemory = WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
  if (memory && !importsMemory) throw new Error(`kernel ${url.pathname} has a memory of its own`);
  const shared = importsMemory ? (memory ?? new WebAssembly.Memory({ initial: 1 })) : null;
  const instance = new WebAssembly.Instance(module, shared ? { env: { memory: shared } } : {});
  const exports = (shared ? { ...instance.exports, memory: shared } : instance.exports) as unknown as T;
  growMemory(exports.memory, bytes);
  return exports;
}

/** Grows `memory` to at least `bytes` (growing detaches existing views of its buffer). */
export function growMemory(memory: WebAssembly.Memory, bytes: number): void {
  const pages = Math.ceil(bytes / 65536);
  const have = memory.buffer.byteLength / 65536;
  if (pages > have) memory.grow(pages - have);
}
