/**
 * Simulator benchmarks: simulated images per second per dataflow on LeNet-5 beside plain tfjs
 * inference of the same model, and the reference workload of DESIGN.md §4 (784-256-10 MLP, batch
 * 1000, ISAAC-style, 8-bit weights on 1-bit cells, 1-bit input slices, an ADC per input bit) with
 * programming variation and with per-read noise.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { MODELS_DIR } from '../src/core/paths.ts';
import { importLayersModel } from '../src/dnn/import.ts';
import { quantizeNetwork } from '../src/dnn/quantize.ts';
import { loadMnist, mnistSplit } from '../src/data/mnist.ts';
import { SimulationConfigSchema, type SimulationConfig } from '../src/simulator/config.ts';
import { simulate } from '../src/simulator/simulate.ts';
import { loadPeripherals } from '../src/simulator/load-peripherals.ts';
import { imagesToTensor } from '../src/dnn/train.ts';
import type { BenchFigure, BenchSection } from './types.ts';

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

async function timed(cfg: SimulationConfig, w: Awaited<ReturnType<typeof workload>>, periph: Awaited<ReturnType<typeof loadPeripherals>> | null): Promise<number> {
  const t0 = performance.now();
  await simulate(cfg, w.net, { images: w.images, labels: w.labels }, periph);
  return w.n / ((performance.now() - t0) / 1000);
}

/** The `simulator` bench section. */
export const simulatorBench: BenchSection = {
  name: 'simulator',
  run: async (): Promise<BenchFigure[]> => {
    const figures: BenchFigure[] = [];
    const lenet = await workload('lenet5-mnist', 200);
    const plain = tfjsImagesPerSecond(lenet.model, lenet.images, lenet.n, [28, 28, 1]);
    figures.push({ name: 'LeNet-5 plain tfjs inference', value: plain, unit: 'images/s', better: 'higher' });
    for (const dataflow of ['ideal', 'isaac', 'cascade', 'neural-pim'] as const) {
      const cfg = SimulationConfigSchema.parse({ dataflow });
      const periph = dataflow === 'neural-pim' ? await loadPeripherals(cfg) : null;
      const ips = await timed(cfg, lenet, periph);
      figures.push({ name: `LeNet-5 simulated, ${dataflow} (σ = 0.025, 1 draw, incl. calibration and SINAD)`, value: ips, unit: 'images/s', better: 'higher', note: `${(plain / ips).toFixed(0)}× slower than plain tfjs` });
    }
    const mlp = await workload('mlp-mnist', 1000);
    const base = { dataflow: 'isaac' as const, batchSize: 1000 };
    const prog = SimulationConfigSchema.parse(base);
    figures.push({ name: 'reference MLP 784-256-10, ISAAC-style, programming variation', value: await timed(prog, mlp, null), unit: 'images/s', target: 3900, better: 'higher', note: 'batch 1000; CrossSim ≈ 780' });
    const read = SimulationConfigSchema.parse({ ...base, device: { ...prog.device, readNoiseSigma: 0.01 } });
    figures.push({ name: 'reference MLP 784-256-10, ISAAC-style, programming variation + read noise', value: await timed(read, mlp, null), unit: 'images/s', target: 230, better: 'higher', note: 'batch 1000; CrossSim ≈ 2.3' });
    return figures;
  },
};
