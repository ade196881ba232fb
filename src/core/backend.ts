/**
 * Compute backend selection for tfjs: the native TensorFlow binding when it loads, otherwise the
 * WebAssembly backend (SIMD), otherwise the pure-JS CPU backend. Every command calls
 * {@link initBackend} once and reports the backend it got.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from './errors.ts';

/** Backends the user can ask for; `auto` tries them in the order node → wasm → cpu. */
export const BACKEND_CHOICES = ['auto', 'node', 'wasm', 'cpu'] as const;
/** A backend preference given on the command line. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** What {@link initBackend} settled on. */
export interface BackendInfo {
  /** tfjs backend name (`tensorflow`, `wasm` or `cpu`). */
  name: string;
  /** tfjs version. */
  tfjsVersion: string;
  /** Whether the WebAssembly backend runs with SIMD instructions (wasm only). */
  wasmSimd?: boolean;
  /** Backends tried before this one, each with why it was not used. */
  skipped: string[];
}

let current: BackendInfo | null = null;

async function tryNode(): Promise<string | null> {
  try {
    // Optional dependency: its installer downloads a native library that may be unavailable.
    const moduleName = '@tensorflow/tfjs-node';
    await import(moduleName);
    if (await tf.setBackend('tensorflow')) return null;
    return 'tfjs-node loaded but its backend did not initialize';
  } catch (e) {
    return `tfjs-node not available (${(e as Error).message.split('\n')[0].slice(0, 80)})`;
  }
}

async function tryWasm(): Promise<string | null> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) return null;
    return 'wasm backend did not initialize';
  } catch (e) {
    return `wasm backend failed (${(e as Error).message.split('\n')[0].slice(0, 80)})`;
  }
}

/**
 * Initializes tfjs with the preferred backend and returns what it got. Asking for a specific
 * backend that cannot load is an error; `auto` falls back silently and records why.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (current && (choice === 'auto' || backendMatches(choice, current.name))) return current;
  const skipped: string[] = [];
  const attempts: Array<[BackendChoice, () => Promise<string | null>]> = [
    ['node', tryNode],
    ['wasm', tryWasm],
    ['cpu', async () => ((await tf.setBackend('cpu')) ? null : 'cpu backend did not initialize')],
  ];
  for (const [name, attempt] of attempts) {
    if (choice !== 'auto' && choice !== name) continue;
    const why = await attempt();
    if (why === null) {
      await tf.ready();
      tf.enableProdMode();
      current = {
        name: tf.getBackend(),
        tfjsVersion: tf.version.tfjs,
        wasmSimd: tf.getBackend() === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : undefined,
        skipped,
      };
      return current;
    }
    if (choice !== 'auto') fail(`backend '${choice}' is not available: ${why}`);
    skipped.push(why);
  }
  fail(`no tfjs backend could be initialized: ${skipped.join('; ')}`);
}

function backendMatches(choice: BackendChoice, name: string): boolean {
  return (choice === 'node' && name === 'tensorflow') || choice === name;
}

/** One line naming the backend, for logs and reports. */
export function describeBackend(info: BackendInfo): string {
  const simd = info.wasmSimd === undefined ? '' : info.wasmSimd ? ' (SIMD)' : ' (no SIMD)';
  return `tfjs ${info.tfjsVersion} on ${info.name}${simd}`;
}
