/**
 * Simulator benchmarks, each figure named with its workload:
 *
 * - **start-up** of `npim simulate --dataflow isaac --samples 100` (LeNet-5, MNIST): wall and
 *   CPU seconds (all threads of the process) from its start to the first image entering the
 *   simulated hardware, measured in a child process (`startup-child.mjs`) that loads the modules
 *   as bin/npim.js does: the compiled dist/ when it was built from the current sources (after
 *   `npm ci` or `npm run build`), else the TypeScript sources through tsx; the figure says which;
 * - **dense reference workload** (CrossSim 3.2's own, docs/reference.md §4): dense random 8-bit
 *   inputs, a 784-256-10 MLP, batch 1000, ISAAC-style 8-bit weights on 1-bit cells, 1-bit input
 *   slices, an ADC per input bit, one thread; error-free and with programming variation σ = 0.01.
 *   The figure is CrossSim's: images through the programmed hardware (the pass over the images,
 *   building the draw's lookup tables included), per wall-second and per CPU-second;
 * - **MNIST workloads**: the same MLP on held-out MNIST images (sparse inputs: 2.4–2.7× cheaper for
 *   the lookup path) with the default threads, and LeNet-5 per dataflow end to end beside plain
 *   tfjs inference of the same model.
 *
 * The machine may be shared: every figure states the 1-minute load average it was measured at.
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MODELS_DIR, PACKAGE_ROOT } from '../src/core/paths.ts';
import { importLayersModel } from '../src/app/import-model.ts';
import { quantizeNetwork } from '../src/dnn/quantize.ts';
import { loadMnist, mnistSplit } from '../src/data/mnist.ts';
import { SimulationConfigSchema, type SimulationConfig } from '../src/chip/simulation-config.ts';
import { simulate } from '../src/simulator/simulate.ts';
import { programDraw } from '../src/simulator/engine.ts';
import { runDrawHere } from '../src/simulator/parallel.ts';
import { loadPeripherals } from '../src/app/load-peripherals.ts';
import { imagesToTensor } from '../src/dnn/train.ts';
import { Rng } from '../src/core/rng.ts';
import type { BenchFigure, BenchSection } from './types.ts';

/** CrossSim 3.2 on the dense reference workload, one thread, images per CPU-second (docs/reference.md §4). */
const CROSSSIM_DENSE = { errorFree: 965, programmingError: 428 };

const load = (): string => `load ${os.loadavg()[0].toFixed(1)}`;
const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function workload(name: string, count: number) {
  const split = mnistSplit(await loadMnist({ download: false }));
  const { model, network } = await importLayersModel(path.join(MODELS_DIR, name));
  const net = quantizeNetwork(network, split.calibration.images);
  const n = Math.min(count, split.heldOut.count);
  return { model, net, images: split.heldOut.images.subarray(0, n * 784), labels: split.heldOut.labels.subarray(0, n), n };
}

function tfjsImagesPerSecond(model: tf.LayersModel, images: Uint8Array, n: number, shape: number[]): number {
  const x = imagesToTensor(images.subarray(0, n * shape.reduce((a, b) => a * b, 1)), shape);
  (model.predict(x) as tf.Tensor).dispose();
  const t0 = performance.now();
  const reps = 3;
  for (let i = 0; i < reps; i++) (model.predict(x) as tf.Tensor).dataSync();
  x.dispose();
  return (reps * n) / ((performance.now() - t0) / 1000);
}

/** Start-up of one `npim simulate` in a child process: seconds to the first image and to the end. */
function startupRun(args: string[]): {
  compiled: boolean;
  first: { wallSeconds: number; cpuSeconds: number };
  end: { wallSeconds: number; cpuSeconds: number };
} {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'startup-child.mjs');
  const r = spawnSync(process.execPath, [child, ...args, '--json'], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
  const line = r.stderr.trim().split('\n').pop() ?? '';
  const m = JSON.parse(line) as {
    code: number;
    compiled: boolean;
    firstImage: { wallSeconds: number; cpuSeconds: number } | null;
    end: { wallSeconds: number; cpuSeconds: number };
  };
  if (m.code !== 0 || !m.firstImage) throw new Error(`npim ${args.join(' ')} failed: ${r.stderr.slice(-300)}`);
  return { compiled: m.compiled, first: m.firstImage, end: m.end };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The dense reference workload's images through the programmed hardware in this thread. */
function denseRate(net: Awaited<ReturnType<typeof workload>>['net'], images: Uint8Array, cfg: SimulationConfig) {
  const plan = { cfg, net, calibration: {}, programmed: programDraw(cfg, net, 1), peripherals: null, drawSeed: 1 };
  // Warm-up (compilation of the kernels and the JavaScript around them) on one batch.
  runDrawHere(plan, images.subarray(0, cfg.batchSize * 784), cfg.batchSize, 0);
  const n = images.length / 784;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  runDrawHere(plan, images, cfg.batchSize, 0);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  return { perWall: n / wall, perCpu: n / cpu, n };
}

/** The `simulator` bench section. */
export const simulatorBench: BenchSection = {
  name: 'simulator',
  run: async (): Promise<BenchFigure[]> => {
    const figures: BenchFigure[] = [];

    // Start-up of a short run, in a fresh process each time (median of three).
    const args = ['simulate', '--dataflow', 'isaac', '--samples', '100'];
    const runs = [0, 1, 2].map(() => startupRun(args));
    const firstWall = median(runs.map((r) => r.first.wallSeconds));
    const firstCpu = median(runs.map((r) => r.first.cpuSeconds));
    figures.push({
      name: 'start-up of `npim simulate --dataflow isaac --samples 100` (LeNet-5, MNIST), to the first image',
      value: firstWall,
      unit: 's',
      target: 2,
      better: 'lower',
      note: `${runs[0].compiled ? 'compiled dist/' : 'sources through tsx (run npm run build for dist/)'}; ${firstCpu.toFixed(2)} CPU-s (all threads); whole command ${median(runs.map((r) => r.end.wallSeconds)).toFixed(2)} s, ${median(runs.map((r) => r.end.cpuSeconds)).toFixed(2)} CPU-s; median of 3, ${load()}`,
    });

    // CrossSim's dense reference workload, one thread.
    const mlp = await workload('mlp-mnist', 2000);
    const rng = new Rng(19).fork('dense-inputs');
    const dense = Uint8Array.from({ length: 2000 * 784 }, () => rng.int(256));
    for (const [label, programming, crossSim, target] of [
      ['error-free', { kind: 'none', sigma: 0 }, CROSSSIM_DENSE.errorFree, undefined],
      ['programming variation σ = 0.01', { kind: 'lognormal', sigma: 0.01 }, CROSSSIM_DENSE.programmingError, 2600],
    ] as const) {
      const cfg = SimulationConfigSchema.parse({ dataflow: 'isaac', batchSize: 1000, workers: 1, device: { programming } });
      const r = denseRate(mlp.net, dense, cfg);
      const name = `dense reference workload (random 8-bit inputs, MLP 784-256-10, batch 1000, ISAAC-style 1-bit cells, one thread), ${label}`;
      figures.push({
        name: `${name}, per CPU-second`,
        value: r.perCpu,
        unit: 'images/CPU-s',
        target,
        better: 'higher',
        note: `CrossSim 3.2 ${crossSim}: ${(r.perCpu / crossSim).toFixed(1)}×; ${r.n} images; ${load()}`,
      });
      figures.push({ name: `${name}, per wall-second`, value: r.perWall, unit: 'images/s', better: 'higher', note: load() });
    }

    // The same MLP on sparse MNIST images, default threads (the hardware pass of a whole run).
    const base = { dataflow: 'isaac' as const, batchSize: 1000 };
    const prog = SimulationConfigSchema.parse(base);
    const read = SimulationConfigSchema.parse({ ...base, device: { ...prog.device, readNoiseSigma: 0.01 } });
    for (const [label, cfg, target, crossSim] of [
      ['programming variation σ = 0.025', prog, 3900, 780],
      ['programming variation σ = 0.025 + read noise 0.01', read, 230, 2.3],
    ] as const) {
      const data = { images: mlp.images, labels: mlp.labels };
      await simulate(cfg, mlp.net, data, null);
      const c0 = cpuSeconds();
      const r = await simulate(cfg, mlp.net, data, null);
      const cpu = cpuSeconds() - c0;
      const ips = mlp.n / r.hardwareSeconds;
      figures.push({
        name: `MNIST MLP 784-256-10 (held-out MNIST images, sparse), ISAAC-style, ${label}, hardware pass`,
        value: ips,
        unit: 'images/s',
        target,
        better: 'higher',
        note: `${mlp.n} images, batch 1000, default threads, ${r.hardwareSeconds.toFixed(2)} s in the hardware pass; whole run ${(mlp.n / r.wallSeconds).toFixed(0)} images/s, ${(mlp.n / cpu).toFixed(0)} images/CPU-s; CrossSim ≈ ${crossSim} (dense inputs), ${(ips / crossSim).toFixed(1)}×; ${load()}`,
      });
    }

    // LeNet-5 on MNIST, end to end per dataflow, beside plain tfjs.
    const lenet = await workload('lenet5-mnist', 200);
    const plain = tfjsImagesPerSecond(lenet.model, lenet.images, lenet.n, [28, 28, 1]);
    figures.push({ name: 'LeNet-5 plain tfjs inference (MNIST)', value: plain, unit: 'images/s', better: 'higher', note: load() });
    for (const dataflow of ['ideal', 'isaac', 'cascade', 'neural-pim'] as const) {
      const cfg = SimulationConfigSchema.parse({ dataflow });
      const periph = dataflow === 'neural-pim' ? await loadPeripherals(cfg) : null;
      const c0 = cpuSeconds();
      const t0 = performance.now();
      await simulate(cfg, lenet.net, { images: lenet.images, labels: lenet.labels }, periph);
      const ips = lenet.n / ((performance.now() - t0) / 1000);
      const cpu = cpuSeconds() - c0;
      figures.push({
        name: `LeNet-5 simulated (${lenet.n} held-out MNIST images), ${dataflow} (σ = 0.025, 1 draw, incl. reference, calibration and SINAD)`,
        value: ips,
        unit: 'images/s',
        better: 'higher',
        note: `${(lenet.n / cpu).toFixed(0)} images/CPU-s; ${(plain / ips).toFixed(0)}× slower than plain tfjs; ${load()}`,
      });
    }
    return figures;
  },
};
