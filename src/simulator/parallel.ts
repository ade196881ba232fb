/**
 * Running a draw's batches on all cores: the images are split at batch boundaries into one
 * contiguous chunk per worker thread (each worker has its own tfjs backend instance); results are
 * identical to a single-threaded run because random streams are forked per global batch index.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { runQuantized, type QuantizedNetwork } from '../dnn/quantize.ts';
import { isCrossbar, positionsPerImage, shapeSize } from '../dnn/network.ts';
import { drawHardware, type ConversionCounts, type DrawPlan } from './engine.ts';
import { addRunEvents, zeroRunEvents, type LayerRunEvents } from '../dataflows/run-events.ts';
import { measureSinadChunks, type ChunkSinad, type SinadChunk } from './sinad.ts';
import { dataflowOf, type Calibration, type LayerCalibrationInput, type RunContext } from '../dataflows/index.ts';

/** Result of running a draw on some images. */
export interface DrawOutput {
  logits: Float64Array;
  /** Events of each batch, in batch order (summed in that order, so the total does not depend on how batches were split). */
  batchCounts: ConversionCounts[];
  /** SINAD sums of the chunks this part of the draw measured. */
  sinad: ChunkSinad[];
}

/** SINAD measurement of a draw: the SINAD images and the chunks to measure here. */
export interface SinadJob {
  images: Uint8Array;
  chunks: SinadChunk[];
}

/**
 * Runs `plan` on `images` in this thread; `firstBatch` is the global index of the first batch.
 * `onBatch` is called as each batch completes (for progress).
 */
export function runDrawHere(
  plan: DrawPlan,
  images: Uint8Array,
  batchSize: number,
  firstBatch: number,
  onBatch?: () => void,
  sinad?: SinadJob,
): DrawOutput {
  // One build of the draw's hardware (tables, uploads, peripherals) serves the batches and the SINAD chunks.
  const hw = drawHardware(plan);
  const firstCrossbar = plan.net.layers.findIndex((l) => isCrossbar(l));
  let batch = firstBatch - 1;
  const batchCounts: ConversionCounts[] = [];
  try {
    const logits = images.length
      ? runQuantized(plan.net, images, {
          batchSize,
          matmul: (layer, index, codes, rows) => {
            if (index === firstCrossbar) {
              // The first crossbar of a new batch: the one before has completed.
              if (batch >= firstBatch) {
                batchCounts.push(hw.takeCounts());
                onBatch?.();
              }
              hw.startBatch(++batch);
            }
            return hw.matmul(layer, index, codes, rows);
          },
        })
      : new Float64Array(0);
    if (images.length) {
      batchCounts.push(hw.takeCounts());
      onBatch?.();
    }
    // The run's events are the batches' only: taken before the SINAD chunks add theirs.
    return { logits, batchCounts, sinad: sinad ? measureSinadChunks(hw, plan.net, sinad.images, sinad.chunks) : [] };
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

/** A job for a worker thread (see worker.ts). */
export type WorkerJob =
  | { kind: 'draw'; plan: DrawPlan; images: Uint8Array; batchSize: number; firstBatch: number; sinad?: SinadJob }
  | { kind: 'reference'; net: QuantizedNetwork; images: Uint8Array; batchSize: number }
  | { kind: 'calibrate'; run: RunContext; layers: LayerCalibrationInput[] };

let workerJobCount = 0;

/** Jobs handed to worker threads so far in this process (a diagnostic: tests check which jobs stay on this thread). */
export function workerJobs(): number {
  return workerJobCount;
}

function runInWorker<T>(job: WorkerJob, onBatch?: () => void): Promise<T> {
  workerJobCount++;
  const pw = getWorker();
  pw.busy = true;
  return new Promise((resolve, reject) => {
    const done = (): void => {
      pw.busy = false;
      pw.worker.off('message', onMessage);
      pw.worker.off('error', onError);
    };
    const onMessage = (m: { ok: true; output: T } | { ok: false; error: string } | { batchDone: true }): void => {
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
    pw.worker.postMessage(job);
  });
}

/** Worker threads used by default: one per available core. */
export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * Runs a draw on `images` (`count` images of `inputSize` values) on up to `workers` threads (undefined:
 * by work, see {@link WORKER_MIN_MACS}), and
 * measures the SINAD chunks of `sinad` on the same hardware. Batches are split evenly over the
 * workers in contiguous runs, SINAD chunks round-robin; a run with one unit of work stays in this thread.
 */
const firstImageListeners: Array<() => void> = [];

/**
 * Calls `listener` whenever a draw's batches are handed out (on this thread or to workers):
 * everything before it is the run's start-up (`npm run bench -- simulator` measures it).
 */
export function onFirstImage(listener: () => void): void {
  firstImageListeners.push(listener);
}

/** A whole draw: its logits, its events summed over the batches in batch order, its SINAD sums. */
export interface DrawResult {
  logits: Float64Array;
  counts: ConversionCounts;
  sinad: ChunkSinad[];
}

/**
 * Sums batches' events in batch order, from zero, in layer order: the same additions in the same
 * order however the batches were split over threads, so the float sums (drive conductances) do not
 * depend on the worker count.
 */
export function sumBatchCounts(batchCounts: ConversionCounts[]): ConversionCounts {
  const counts = new Map<number, LayerRunEvents>();
  for (const batch of batchCounts)
    for (const [i, c] of batch) {
      const t = counts.get(i) ?? zeroRunEvents();
      addRunEvents(t, c);
      counts.set(i, t);
    }
  return [...counts].sort((a, b) => a[0] - b[0]);
}

export async function runDraw(
  plan: DrawPlan,
  images: Uint8Array,
  count: number,
  batchSize: number,
  workers: number | undefined,
  onBatch?: () => void,
  sinad?: SinadJob,
): Promise<DrawResult> {
  for (const l of firstImageListeners) l();
  const batches = Math.ceil(count / batchSize);
  const chunks = sinad?.chunks ?? [];
  // A simulated MAC costs at least ten of the exact reference's (bit slices, devices, converters).
  const sinadImages = sinad ? sinad.images.length / shapeSize(plan.net.inputShape) : 0;
  const macs = HARDWARE_MAC_COST * (count + sinadImages) * macsPerImage(plan.net);
  const w = Math.min(threadsFor(macs, workers), Math.max(batches, chunks.length));
  if (w <= 1) {
    const here = runDrawHere(plan, images, batchSize, 0, onBatch, sinad);
    return { logits: here.logits, counts: sumBatchCounts(here.batchCounts), sinad: here.sinad };
  }
  const inputSize = images.length / count;
  const perWorker = Math.ceil(batches / w);
  const jobs: Array<Promise<DrawOutput>> = [];
  for (let k = 0; k < w; k++) {
    const firstBatch = Math.min(batches, k * perWorker);
    const start = Math.min(count, firstBatch * batchSize);
    const end = Math.min(count, (firstBatch + perWorker) * batchSize);
    const mine = chunks.filter((_, c) => c % w === k);
    if (start >= end && !mine.length) continue;
    jobs.push(
      runInWorker<DrawOutput>(
        {
          kind: 'draw',
          plan,
          images: images.slice(start * inputSize, end * inputSize),
          batchSize,
          firstBatch,
          sinad: mine.length ? { images: sinad!.images, chunks: mine } : undefined,
        },
        onBatch,
      ),
    );
  }
  const outs = await Promise.all(jobs);
  const parts = outs.filter((o) => o.logits.length);
  const classes = parts.length ? parts[0].logits.length / Math.min(count, perWorker * batchSize) : 0;
  const logits = new Float64Array(count * classes);
  let offset = 0;
  for (const o of outs) {
    logits.set(o.logits, offset);
    offset += o.logits.length;
  }
  // Workers hold contiguous batch ranges in worker order: their batches concatenated are in batch order.
  return { logits, counts: sumBatchCounts(outs.flatMap((o) => o.batchCounts)), sinad: outs.flatMap((o) => o.sinad) };
}

/**
 * Multiply-accumulates a job must have per thread before worker threads are worth starting for
 * it: a worker's start-up (loading the modules and the tfjs backend) costs about 0.6–0.9
 * CPU-seconds, in which this thread does a few hundred million 8-bit multiply-accumulates of the
 * reference or of a calibration's bit lines. Smaller jobs (LeNet-5 on a hundred images) stay on
 * this thread; the choice cannot change a result (see {@link runReference}, {@link calibrateLayers}).
 */
export const WORKER_MIN_MACS = 5e8;

/** Exact-reference multiply-accumulates one simulated multiply-accumulate is counted as, for {@link WORKER_MIN_MACS}. */
const HARDWARE_MAC_COST = 10;

/**
 * Threads for a job of `macs` multiply-accumulates: `workers` when the configuration set it, else
 * one per core as long as each has {@link WORKER_MIN_MACS} of work.
 */
function threadsFor(macs: number, workers: number | undefined): number {
  return workers ?? Math.max(1, Math.min(defaultWorkers(), Math.floor(macs / WORKER_MIN_MACS)));
}

/** Crossbar multiply-accumulates of one image through `net`. */
function macsPerImage(net: QuantizedNetwork): number {
  let macs = 0;
  for (const l of net.layers) if (isCrossbar(l)) macs += positionsPerImage(l) * l.fanIn * l.fanOut;
  return macs;
}

/**
 * The exact reference's logits of `count` images, batches split over up to `workers` threads as
 * {@link runDraw} splits them (the reference is exact, so the split cannot change it).
 */
export async function runReference(
  net: QuantizedNetwork,
  images: Uint8Array,
  count: number,
  batchSize: number,
  workers: number | undefined,
): Promise<Float64Array> {
  const batches = Math.ceil(count / batchSize);
  const w = Math.min(threadsFor(count * macsPerImage(net), workers), batches);
  if (w <= 1) return runQuantized(net, images, { batchSize });
  const inputSize = images.length / count;
  const perWorker = Math.ceil(batches / w);
  const jobs: Array<Promise<Float64Array>> = [];
  for (let k = 0; k < w; k++) {
    const start = k * perWorker * batchSize;
    const end = Math.min(count, (k + 1) * perWorker * batchSize);
    if (start >= end) break;
    jobs.push(runInWorker<Float64Array>({ kind: 'reference', net, images: images.slice(start * inputSize, end * inputSize), batchSize }));
  }
  const outs = await Promise.all(jobs);
  const logits = new Float64Array(outs.reduce((a, o) => a + o.length, 0));
  let offset = 0;
  for (const o of outs) {
    logits.set(o, offset);
    offset += o.length;
  }
  return logits;
}

/**
 * A dataflow's per-layer calibration with the layers spread over up to `workers` threads (each
 * layer's calibration depends on that layer alone, so the split cannot change it); the lists of
 * the parts are merged in layer order.
 */
export async function calibrateLayers(run: RunContext, layers: LayerCalibrationInput[], workers: number | undefined): Promise<Calibration> {
  const cost = (l: LayerCalibrationInput): number => l.rows * l.layer.fanIn * l.layer.fanOut;
  const w = Math.min(
    threadsFor(
      layers.reduce((a, l) => a + cost(l), 0),
      workers,
    ),
    layers.length,
  );
  if (w <= 1) return dataflowOf(run.cfg).calibrate(run, layers);
  // Largest first onto the least loaded worker.
  const parts: LayerCalibrationInput[][] = Array.from({ length: w }, () => []);
  const load = new Array<number>(w).fill(0);
  for (const l of [...layers].sort((a, b) => cost(b) - cost(a))) {
    const k = load.indexOf(Math.min(...load));
    parts[k].push(l);
    load[k] += cost(l);
  }
  const outs = await Promise.all(
    parts.map((p) => runInWorker<Calibration>({ kind: 'calibrate', run, layers: p.sort((a, b) => a.index - b.index) })),
  );
  const merged: Calibration = {};
  for (const o of outs) for (const [key, list] of Object.entries(o)) (merged[key] ??= []).push(...list);
  for (const list of Object.values(merged)) list.sort((a, b) => a[0] - b[0]);
  return merged;
}
