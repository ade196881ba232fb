/**
 * CIFAR-10 ResNet-20 benchmark (`npm run bench -- cifar`): simulated images per second of the
 * imported CrossSim ResNet-20 (≈ 41 M MACs per image, 22 crossbar layers, 9 residual adds) under
 * ISAAC-style, CASCADE-style and Neural-PIM (behavioral) with programming variation σ = 0.025, per
 * wall-second (both cores, worker threads) and per CPU-second (all threads of the process), beside
 * plain tfjs float inference of the same network, and the process's peak memory.
 *
 * Each simulated figure is one `simulate` call of one draw end to end: the exact reference on the
 * same images, the dataflow's calibration, the hardware pass and the per-layer SINAD on the first
 * 128 images (at most the run's images). The worker pool is started before the first measurement.
 * Needs the shared CIFAR-10 test set and CrossSim's weights (`../shared/datasets/cifar10`, or
 * `NPIM_DATA_DIR`); without them the section is skipped with a message.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { holdsCifar10, loadCifar10, resolveCifar10Dir } from '../src/data/cifar10.ts';
import { loadTorchNetwork, tfjsPredict } from '../src/app/import-external.ts';
import { quantizeNetwork } from '../src/dnn/quantize.ts';
import { SimulationConfigSchema } from '../src/chip/simulation-config.ts';
import { SINAD_IMAGES, simulate } from '../src/simulator/simulate.ts';
import { loadPeripherals } from '../src/app/load-peripherals.ts';
import type { BenchFigure, BenchSection } from './types.ts';

/**
 * Images simulated per dataflow. ISAAC-style runs 1000 so that the calibration and the SINAD pass
 * on the first 128 weigh about as little as in a long run (its target is stated for 10,000
 * images); Neural-PIM runs the same 1000, so the two times compare on equal terms. CASCADE-style
 * is much slower per image: fewer, to keep the bench short.
 */
const IMAGES = { isaac: 1000, 'neural-pim': 1000, cascade: 32 } as const;
/** Calibration images of the 8-bit activation scales (the CLI uses 500; the rates hardly depend on it). */
const CALIBRATION_IMAGES = 100;
/** Images of the plain tfjs float inference. */
const FLOAT_IMAGES = 500;

const cpuSeconds = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const load = (): string => os.loadavg()[0].toFixed(2);
const peakMb = (): number => process.resourceUsage().maxRSS / 1024;

/** Wall and CPU seconds of `f`, and the 1-minute load average before and after. */
async function measure<T>(f: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number; load: string }> {
  const before = load();
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const value = await f();
  return { value, wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - c0, load: `${before} → ${load()}` };
}

/** The `cifar` bench section. */
export const cifarBench: BenchSection = {
  name: 'cifar',
  run: async (): Promise<BenchFigure[]> => {
    const dir = resolveCifar10Dir();
    const pth = path.join(dir, 'crosssim_resnet', 'torch', 'resnet20_cifar10.pth');
    if (!holdsCifar10(dir) || !existsSync(pth)) {
      process.stderr.write(
        `cifar: skipped — needs the CIFAR-10 test set and CrossSim's ResNet-20 weights (${path.relative(process.cwd(), pth)}); place ../shared/datasets/cifar10 or set NPIM_DATA_DIR\n`,
      );
      return [];
    }
    const figures: BenchFigure[] = [];
    const data = await loadCifar10(dir);
    const size = 32 * 32 * 3;
    const { model, network } = await loadTorchNetwork(pth, 'resnet-cifar');
    const net = quantizeNetwork(network, data.images.subarray(0, CALIBRATION_IMAGES * size));

    tfjsPredict(model, network, data.images, 10);
    const float = await measure(() => tfjsPredict(model, network, data.images, FLOAT_IMAGES));
    figures.push({
      name: 'ResNet-20 plain tfjs float inference',
      value: FLOAT_IMAGES / float.wall,
      unit: 'images/s',
      better: 'higher',
      note: `${FLOAT_IMAGES} images, ${tf.getBackend()} backend; ${(FLOAT_IMAGES / float.cpu).toFixed(0)} images per CPU-second; load ${float.load}`,
    });

    // Start the worker pool (and load the kernels) outside the measurements.
    await simulate(
      SimulationConfigSchema.parse({ dataflow: 'ideal', batchSize: 1 }),
      net,
      { images: data.images.subarray(0, 2 * size), labels: data.labels.subarray(0, 2) },
      null,
    );

    // CPU-seconds per image pass: the run's images and the SINAD pass over the first SINAD_IMAGES (a
    // second pass through the same hardware) counted alike, so runs of different lengths compare fairly.
    const cpuPerPass = new Map<string, number>();
    for (const dataflow of ['isaac', 'neural-pim', 'cascade'] as const) {
      const n = IMAGES[dataflow];
      const cfg = SimulationConfigSchema.parse({ dataflow });
      const periph = dataflow === 'neural-pim' ? await loadPeripherals(cfg) : null;
      const images = { images: data.images.subarray(0, n * size), labels: data.labels.subarray(0, n) };
      const m = await measure(() => simulate(cfg, net, images, periph));
      cpuPerPass.set(dataflow, m.cpu / (n + Math.min(n, SINAD_IMAGES)));
      const r = m.value;
      figures.push({
        name: `ResNet-20 simulated, ${dataflow}${dataflow === 'neural-pim' ? ' behavioral' : ''} (σ = ${cfg.device.programming.sigma}, 1 draw)`,
        value: n / m.wall,
        unit: 'images/s',
        target: dataflow === 'isaac' ? 16 : undefined,
        better: 'higher',
        note: `${n} images end to end (reference, calibration, hardware, SINAD on ${Math.min(n, SINAD_IMAGES)}); ${(n / m.cpu).toFixed(2)} images per CPU-second (${m.cpu.toFixed(1)} CPU-s, ${m.wall.toFixed(1)} s wall); accuracy ${(r.accuracyMean * 100).toFixed(1)} % vs reference ${(r.referenceAccuracy * 100).toFixed(1)} %; load ${m.load}`,
      });
    }
    figures.push({
      name: 'ResNet-20 Neural-PIM behavioral / ISAAC-style time per image',
      value: cpuPerPass.get('neural-pim')! / cpuPerPass.get('isaac')!,
      unit: '×',
      target: 3,
      better: 'lower',
      note: `CPU-seconds per image pass (run images and SINAD images counted alike, reference and calibration included): ${(1000 * cpuPerPass.get('neural-pim')!).toFixed(0)} and ${(1000 * cpuPerPass.get('isaac')!).toFixed(0)} ms; CASCADE-style ${(1000 * cpuPerPass.get('cascade')!).toFixed(0)} ms`,
    });
    figures.push({
      name: 'peak memory (RSS) of the process after the cifar section',
      value: peakMb(),
      unit: 'MB',
      better: 'lower',
      note: 'all threads',
    });
    return figures;
  },
};
