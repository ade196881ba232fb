/**
 * Energy of a simulated run: the events the simulator counts while it runs equal the cost model's
 * closed forms for the same layers and chip, with the activity set to the run's data; the
 * data-dependent counts (driven input slices, read drive over the conductances) equal sums
 * computed here, independently, from the weights and the layers' input codes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { deepMerge } from '../../src/core/config.ts';
import { Rng } from '../../src/core/rng.ts';
import { parseChipDescription, type ChipDescription } from '../../src/chip/description.ts';
import { chipPreset } from '../../src/chip/presets.ts';
import { SimulationConfigSchema, simulationFieldsOfChip } from '../../src/chip/simulation-config.ts';
import { dataflowModule } from '../../src/dataflows/index.ts';
import { levelConductance } from '../../src/device/rram.ts';
import { architectureOfChip, resolveArchitectures } from '../../src/cost/architectures.ts';
import { defaultComponentLibrary } from '../../src/cost/components.ts';
import { energyByBlock } from '../../src/cost/evaluate.ts';
import { layerCounts, mapLayer, type OperationCounts } from '../../src/cost/mapping.ts';
import { countedCrossbarJoulesPerCellCycle, countedLayerCounts, runEnergy, runLayerShape } from '../../src/cost/run-energy.ts';
import type { QuantizedCrossbar, QuantizedNetwork } from '../../src/dnn/quantize.ts';
import { captureLayerInputs, simulate } from '../../src/simulator/simulate.ts';
import { runEnergies } from '../../src/app/simulate.ts';
import { idealPeripherals } from '../simulator/helpers.ts';

/** A random 8-bit network with a convolution (positions > 1, 2 row tiles, 3 column tiles) and a dense layer (6 row tiles). */
function convNet(seed: number): QuantizedNetwork {
  const rng = new Rng(seed);
  const codes = (n: number): Int16Array => Int16Array.from({ length: n }, () => (rng.uniform() < 0.2 ? 0 : rng.int(511) - 255));
  const scales = (n: number): Float64Array => Float64Array.from({ length: n }, () => 0.0005 + 0.0005 * rng.uniform());
  const conv = {
    kind: 'conv2d' as const,
    name: 'conv',
    inputShape: [8, 8, 16],
    outputShape: [6, 6, 20],
    kernelSize: [3, 3] as [number, number],
    strides: [1, 1] as [number, number],
    padding: { top: 0, bottom: 0, left: 0, right: 0 },
    fanIn: 144,
    fanOut: 20,
    weights: codes(144 * 20),
    bias: Float64Array.from({ length: 20 }, () => rng.normal() * 0.05),
    weightScale: scales(20),
    inputScale: 1 / 255,
    inputScaleFrom: 'network input' as const,
  };
  const dense = {
    kind: 'dense' as const,
    name: 'fc',
    inputShape: [720],
    outputShape: [10],
    fanIn: 720,
    fanOut: 10,
    weights: codes(720 * 10),
    bias: Float64Array.from({ length: 10 }, () => rng.normal() * 0.05),
    weightScale: scales(10),
    inputScale: 0.02,
    inputScaleFrom: 'calibration' as const,
  };
  return {
    inputShape: [8, 8, 16],
    inputScale: 1 / 255,
    layers: [
      conv,
      { kind: 'relu', name: 'relu', inputShape: [6, 6, 20], outputShape: [6, 6, 20] },
      { kind: 'flatten', name: 'flatten', inputShape: [6, 6, 20], outputShape: [720] },
      dense,
    ] as QuantizedNetwork['layers'],
    weightBits: 8,
    activationBits: 8,
    calibration: { images: 0, percentile: 99.99 },
  };
}

function chip(preset: string, overrides: Record<string, unknown>): ChipDescription {
  const base = JSON.parse(JSON.stringify(chipPreset(preset))) as Record<string, unknown>;
  return parseChipDescription(deepMerge(base, overrides));
}

const exactNeuralPim = { converters: { neuralPim: { adc: 'exact', accumulator: 'ideal' } } };
const cascadeNoSumming = {
  organization: { chip: { tiles: 16 }, pe: { adc: { family: 'sar', count: 64, sampleRateHz: 1.2e9 }, shiftAdds: 64 } },
  converters: { cascade: { conversionsPerInputCycle: null } },
};
/** Chips whose simulation is exact at σ = 0, so every layer's inputs are the reference's; CASCADE's buffer rounds, so only its first layer is. */
const CASES: Array<[string, ChipDescription, boolean]> = [
  ['isaac-style', chip('isaac-style', { organization: { chip: { tiles: 16 } } }), true],
  ['neural-pim', chip('neural-pim', exactNeuralPim), true],
  ['neural-pim, 2-bit DACs', chip('neural-pim', deepMerge(exactNeuralPim, { dacBits: 2 }) as Record<string, unknown>), true],
  ['cascade-style', chip('cascade-style', cascadeNoSumming), false],
];

/** Nonzero slices and Σ (slice/full)² of one code, slice by slice with bit operations. */
function slicesOf(q: number, dacBits: number): { nonzero: number; square: number } {
  const full = (1 << dacBits) - 1;
  let nonzero = 0;
  let square = 0;
  for (let shift = 0; shift < 8; shift += dacBits) {
    const v = (q >> shift) & full;
    if (v) nonzero++;
    square += (v / full) ** 2;
  }
  return { nonzero, square };
}

test('counted events = the cost model closed forms at the run activity, and the drive = Σ (v/V)²·G from the weights', async () => {
  await initBackend('auto');
  const net = convNet(11);
  const imageCount = 5;
  const rng = new Rng(5);
  const x = Uint8Array.from({ length: imageCount * 8 * 8 * 16 }, () => (rng.uniform() < 0.4 ? 0 : rng.int(256)));
  const labels = new Uint8Array(imageCount);
  const lib = defaultComponentLibrary();
  const reference = captureLayerInputs(net, x);
  for (const [name, c, exact] of CASES) {
    const cfg = SimulationConfigSchema.parse(
      deepMerge(simulationFieldsOfChip(c), { device: { programming: { kind: 'none', sigma: 0 } }, workers: 1 }),
    );
    const module = dataflowModule(cfg.dataflow);
    const r = await simulate(cfg, net, { images: x, labels }, module.needsPeripherals(cfg) ? idealPeripherals : null);
    const [arch] = resolveArchitectures([architectureOfChip(c)], lib);
    const dacBits = c.dacBits;
    net.layers.forEach((l, index) => {
      if (l.kind !== 'dense' && l.kind !== 'conv2d') return;
      const layer = l as QuantizedCrossbar;
      const ev = r.events.find((e) => e.layer === layer.name)!;
      const shape = runLayerShape(ev, imageCount);
      assert.is(shape.positions, layer.kind === 'conv2d' ? 36 : 1, `${name} ${layer.name}: positions`);
      const m = mapLayer(shape, arch);
      // Analytic: the cost model's closed forms for the run's images, DACs at the run's driven-slice fraction.
      const analytic: OperationCounts = layerCounts(m, arch);
      const counted = countedLayerCounts(arch, m, ev, imageCount);
      const drivenFraction = ev.drivenSlices / ev.inputSliceSlots;
      for (const key of Object.keys(analytic) as Array<keyof OperationCounts>) {
        const expected = key === 'dacConversions' ? analytic[key] * drivenFraction : analytic[key];
        assert.ok(
          Math.abs(counted[key] - expected) <= 1e-9 * Math.max(1, expected),
          `${name} ${layer.name} ${key}: counted ${counted[key]} vs analytic ${expected}`,
        );
      }
      if (!exact && index > 0) return;
      // Independent data-dependent sums from the layer's reference input codes and weights.
      const { codes, rows } = reference.get(index)!;
      const gRow = new Float64Array(layer.fanIn);
      for (let k = 0; k < layer.fanIn; k++)
        for (let j = 0; j < layer.fanOut; j++) {
          const w = layer.weights[k * layer.fanOut + j];
          for (let s = 0; s < 8; s++) {
            const bit = (Math.abs(w) >> s) & 1;
            gRow[k] += levelConductance(cfg.device, w > 0 ? bit : 0) + levelConductance(cfg.device, w < 0 ? bit : 0);
          }
        }
      let driven = 0;
      let drive = 0;
      for (let i = 0; i < rows * layer.fanIn; i++) {
        const { nonzero, square } = slicesOf(codes[i], dacBits);
        driven += nonzero;
        drive += square * gRow[i % layer.fanIn];
      }
      assert.is(ev.inputVectors, rows, `${name} ${layer.name}: vectors`);
      assert.is(ev.drivenSlices, driven, `${name} ${layer.name}: driven slices`);
      assert.ok(Math.abs(ev.driveSiemens - drive) <= 1e-9 * drive, `${name} ${layer.name}: drive ${ev.driveSiemens} vs ${drive}`);
      // The crossbar energy is V_read²·t_read·Σ (v/V_read)²·G over the driven rows (per inference).
      const { readVolts, readSeconds } = arch.spec.crossbarRead;
      const expectedJoules = (readVolts * readVolts * readSeconds * drive) / imageCount;
      const factor = countedCrossbarJoulesPerCellCycle(arch, ev.driveSiemens / imageCount, counted.cellCycles);
      const arrayJoules = energyByBlock(counted, arch, factor).array;
      assert.ok(Math.abs(arrayJoules - expectedJoules) <= 1e-9 * expectedJoules, `${name} ${layer.name}: crossbar energy`);
    });
    const e = runEnergy(arch, lib, r.events, { images: imageCount });
    assert.ok(e.energyJoules > 0 && e.latencySeconds > 0 && e.inferencesPerSecond > 0, `${name}: energy, latency, throughput`);
    const sum = Object.values(e.energyByCategory).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - e.energyJoules) <= 1e-12 * sum, `${name}: breakdown adds up`);
  }
});

test('a zero input slice drives nothing: all-zero images charge no DAC conversion and no crossbar read', async () => {
  await initBackend('auto');
  const net = convNet(3);
  const c = chip('neural-pim', exactNeuralPim);
  const cfg = SimulationConfigSchema.parse(
    deepMerge(simulationFieldsOfChip(c), { device: { programming: { kind: 'none', sigma: 0 } }, workers: 1 }),
  );
  const r = await simulate(cfg, net, { images: new Uint8Array(2 * 8 * 8 * 16), labels: new Uint8Array(2) }, idealPeripherals);
  const conv = r.events.find((e) => e.layer === 'conv')!;
  assert.is(conv.inputSliceSlots, 2 * 36 * 144 * 2);
  assert.is(conv.drivenSlices, 0);
  assert.is(conv.driveSiemens, 0);
});

test('a run is charged on its own accelerator description: the same events cost V_read² more on a chip read at twice the voltage', async () => {
  await initBackend('auto');
  const net = convNet(4);
  const base = chip('neural-pim', exactNeuralPim);
  const doubled = parseChipDescription({
    ...base,
    name: 'np-double-read',
    organization: {
      ...base.organization,
      crossbarRead: { ...base.organization.crossbarRead, readVolts: 2 * base.organization.crossbarRead.readVolts },
    },
  });
  const run = async (c: ChipDescription) => {
    const cfg = SimulationConfigSchema.parse(
      deepMerge(simulationFieldsOfChip(c), { device: { programming: { kind: 'none', sigma: 0 } }, workers: 1 }),
    );
    const r = await simulate(
      cfg,
      net,
      { images: Uint8Array.from({ length: 2 * 8 * 8 * 16 }, (_, i) => (i * 37) % 256), labels: new Uint8Array(2) },
      idealPeripherals,
    );
    return runEnergies([{ result: r, cfg }], net)[0].energy!;
  };
  const a = await run(base);
  const b = await run(doubled);
  assert.is(a.architecture, 'neural-pim');
  assert.is(b.architecture, 'np-double-read');
  assert.ok(a.energyByCategory.crossbar > 0);
  assert.ok(Math.abs(b.energyByCategory.crossbar - 4 * a.energyByCategory.crossbar) <= 1e-9 * b.energyByCategory.crossbar);
  assert.is(b.energyByCategory.dac, a.energyByCategory.dac);
});

test.run();
