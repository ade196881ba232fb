/**
 * Running a draw's batches on all cores: the images are split at batch boundaries into one
 * contiguous chunk per worker thread (each worker has its own tfjs backend instance); results are
 * identical to a single-threaded run because random streams are forked per global batch index.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { runQuantized } from '../dnn/quantize.ts';
import { isCrossbar } from '../dnn/network.ts';
import { drawHardware, type ConversionCounts, type DrawPlan } from './engine.ts';
import { addRunEvents, zeroRunEvents, type LayerRunEvents } from '../dataflows/run-events.ts';

/** Result of running a draw on some images. */
export interface DrawOutput {
  logits: Float64Array;
  counts: ConversionCounts;
}

/**
 * Runs `plan` on `images` in this thread; `firstBatch` is the global index of the first batch.
 * `onBatch` is called as each batch completes (for progress).
 */
export function runDrawHere(plan: DrawPlan, images: Uint8Array, batchSize: number, firstBatch: number, onBatch?: () => void): DrawOutput {
  const hw = drawHardware(plan);
  const firstCrossbar = plan.net.layers.findIndex((l) => isCrossbar(l));
  let batch = firstBatch - 1;
  try {
    const logits = runQuantized(plan.net, images, {
      batchSize,
      matmul: (layer, index, codes, rows) => {
        if (index === firstCrossbar) {
          // The first crossbar of a new batch: the one before has completed.
          if (batch >= firstBatch) onBatch?.();
          hw.startBatch(++batch);
        }
        return hw.matmul(layer, index, codes, rows);
      },
    });
    onBatch?.();
    return { logits, counts: hw.counts() };
  } finally {
    hw.dispose();
  }
}

/**
 * The worker's entry module. From the TypeScript sources (run through tsx) a worker must register
 * the loader before it imports worker.ts; the compiled package (dist/, see `npm run build`) runs
 * worker.js directly.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./worker-entry.mjs', import.meta.url)
  : new URL('./worker.js', import.meta.url);

interface PooledWorker {
  worker: Worker;
  busy: boolean;
}

const pool: PooledWorker[] = [];

function getWorker(): PooledWorker {
  const idle = pool.find((w) => !w.busy);
  if (idle) return idle;
  const worker = new Worker(WORKER_URL);
  worker.unref();
  const pw = { worker, busy: false };
  pool.push(pw);
  return pw;
}

function runInWorker(plan: DrawPlan, images: Uint8Array, batchSize: number, firstBatch: number, onBatch?: () => void): Promise<DrawOutput> {
  const pw = getWorker();
  pw.busy = true;
  return new Promise((resolve, reject) => {
    const done = (): void => {
      pw.busy = false;
      pw.worker.off('message', onMessage);
      pw.worker.off('error', onError);
    };
    const onMessage = (m: { ok: true; output: DrawOutput } | { ok: false; error: string } | { batchDone: true }): void => {
      if ('batchDone' in m) {
        onBatch?.();
        return;
      }
      done();
      if (m.ok) resolve(m.output);
      else reject(new Error(m.error));
    };
    const onError = (e: Error): void => {
      done();
      reject(e);
    };
    pw.worker.on('message', onMessage);
    pw.worker.on('error', onError);
    pw.worker.postMessage({ plan, images, batchSize, firstBatch });
  });
}

/** Worker threads used by default: one per available core. */
export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * Runs a draw on `images` (`count` images of `inputSize` values) with up to `workers` threads.
 * A run of a single batch stays in this thread; otherwise batches are split evenly over the workers.
 */
export async function runDraw(
  plan: DrawPlan,
  images: Uint8Array,
  count: number,
  batchSize: number,
  workers: number,
  onBatch?: () => void,
): Promise<DrawOutput> {
  const batches = Math.ceil(count / batchSize);
  const w = Math.min(workers, batches);
  if (w <= 1) return runDrawHere(plan, images, batchSize, 0, onBatch);
  const inputSize = images.length / count;
  const perWorker = Math.ceil(batches / w);
  const jobs: Array<Promise<DrawOutput>> = [];
  for (let k = 0; k < w; k++) {
    const firstBatch = k * perWorker;
    const start = firstBatch * batchSize;
    const end = Math.min(count, (firstBatch + perWorker) * batchSize);
    if (start >= end) break;
    jobs.push(runInWorker(plan, images.slice(start * inputSize, end * inputSize), batchSize, firstBatch, onBatch));
  }
  const outs = await Promise.all(jobs);
  const classes = outs[0].logits.length / Math.min(count, perWorker * batchSize);
  const logits = new Float64Array(count * classes);
  let offset = 0;
  const counts = new Map<number, LayerRunEvents>();
  for (const o of outs) {
    logits.set(o.logits, offset);
    offset += o.logits.length;
    for (const [i, c] of o.counts) {
      const t = counts.get(i) ?? zeroRunEvents();
      addRunEvents(t, c);
      counts.set(i, t);
    }
  }
  return { logits, counts: [...counts] };
}
