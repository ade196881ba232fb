/**
 * Simulator benchmarks: simulated images per second per dataflow on LeNet-5 beside plain tfjs
 * inference of the same model, and the reference workload of docs/reference.md §4 (784-256-10 MLP, batch
 * 1000, ISAAC-style, 8-bit weights on 1-bit cells, 1-bit input slices, an ADC per input bit) with
 * programming variation and with per-read noise.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { MODELS_DIR } from '../src/core/paths.ts';
import { importLayersModel } from '../src/app/import-model.ts';
import { quantizeNetwork } from '../src/dnn/quantize.ts';
import { loadMnist, mnistSplit } from '../src/data/mnist.ts';
import { SimulationConfigSchema, type SimulationConfig } from '../src/chip/simulation-config.ts';
import { simulate } from '../src/simulator/simulate.ts';
import { loadPeripherals } from '../src/app/load-peripherals.ts';
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

async function timed(
  cfg: SimulationConfig,
  w: Awaited<ReturnType<typeof workload>>,
  periph: Awaited<ReturnType<typeof loadPeripherals>> | null,
): Promise<number> {
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
      figures.push({
        name: `LeNet-5 simulated, ${dataflow} (σ = 0.025, 1 draw, incl. calibration and SINAD)`,
        value: ips,
        unit: 'images/s',
        better: 'higher',
        note: `${(plain / ips).toFixed(0)}× slower than plain tfjs`,
      });
    }
    // The reference workload measures steady-state inference like CrossSim's figure: the images'
    // pass through the programmed hardware (both cores, worker pool already started; it includes
    // sending the programmed arrays to the workers and building their lookup tables), without
    // programming, calibration, the reference run and the SINAD pass, which are reported beside it.
    const mlp = await workload('mlp-mnist', 2000);
    const base = { dataflow: 'isaac' as const, batchSize: 1000 };
    const prog = SimulationConfigSchema.parse(base);
    const read = SimulationConfigSchema.parse({ ...base, device: { ...prog.device, readNoiseSigma: 0.01 } });
    for (const [label, cfg, target, crossSim] of [
      ['programming variation', prog, 3900, 780],
      ['programming variation + read noise', read, 230, 2.3],
    ] as const) {
      const data = { images: mlp.images, labels: mlp.labels };
      await simulate(cfg, mlp.net, data, null);
      const r = await simulate(cfg, mlp.net, data, null);
      const ips = mlp.n / r.hardwareSeconds;
      figures.push({
        name: `reference MLP 784-256-10, ISAAC-style, ${label}`,
        value: ips,
        unit: 'images/s',
        target,
        better: 'higher',
        note: `${mlp.n} images, batch 1000, ${r.hardwareSeconds.toFixed(2)} s in the hardware pass (${(mlp.n / r.wallSeconds).toFixed(0)} images/s end to end); CrossSim ≈ ${crossSim}, ${(ips / crossSim).toFixed(1)}×`,
      });
    }
    return figures;
  },
};
