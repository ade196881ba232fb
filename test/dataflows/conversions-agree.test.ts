/**
 * One chip, one count: for each dataflow, the A/D conversions the simulator performs on a small
 * random network equal the cost model's count for the same layers of the same accelerator
 * description, and both equal the closed form of `dataflows/closed-forms.ts`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { deepMerge } from '../../src/core/config.ts';
import { Rng } from '../../src/core/rng.ts';
import { parseChipDescription, type ChipDescription } from '../../src/chip/description.ts';
import { chipPreset } from '../../src/chip/presets.ts';
import { conversionsPerGroup, type DataflowParams } from '../../src/dataflows/closed-forms.ts';
import { dataflowModule } from '../../src/dataflows/index.ts';
import { architectureOfChip, resolveArchitectures } from '../../src/cost/architectures.ts';
import { defaultComponentLibrary } from '../../src/cost/components.ts';
import { layerCounts, mapLayer } from '../../src/cost/mapping.ts';
import type { QuantizedNetwork, QuantizedCrossbar } from '../../src/dnn/quantize.ts';
import { SimulationConfigSchema, simulationFieldsOfChip } from '../../src/chip/simulation-config.ts';
import type { NeuralPimPeripherals } from '../../src/dataflows/neural-pim-circuits.ts';
import { simulate } from '../../src/simulator/simulate.ts';

/** A random 8-bit network: dense 300 → 20 (3 tiles of 128 rows), ReLU, dense 20 → 10. */
function randomNet(seed: number): QuantizedNetwork {
  const rng = new Rng(seed);
  const dense = (name: string, fanIn: number, fanOut: number, inputShape: number[]) => ({
    kind: 'dense' as const,
    name,
    fanIn,
    fanOut,
    inputShape,
    outputShape: [fanOut],
    weights: Int16Array.from({ length: fanIn * fanOut }, () => rng.int(511) - 255),
    bias: Float64Array.from({ length: fanOut }, () => rng.normal() * 0.1),
    weightScale: Float64Array.from({ length: fanOut }, () => 0.001 + 0.001 * rng.uniform()),
    inputScale: 1 / 255,
    inputScaleFrom: 'network input' as const,
  });
  const l1 = dense('fc1', 300, 20, [300]);
  const l2 = { ...dense('fc2', 20, 10, [20]), inputScale: 0.05, inputScaleFrom: 'calibration' as const };
  return {
    inputShape: [300],
    inputScale: 1 / 255,
    layers: [l1, { kind: 'relu', name: 'relu1', inputShape: [20], outputShape: [20] }, l2] as QuantizedNetwork['layers'],
    weightBits: 8,
    activationBits: 8,
    calibration: { images: 0, percentile: 99.99 },
  };
}

const idealPeripherals: NeuralPimPeripherals = {
  nnsa: null,
  adcs: [],
  accumulator: 'ideal',
  converter: 'exact',
  idealBits: 8,
  ranges: [0.25, 0.5, 1],
};

/**
 * A preset with overrides, as a chip that both tools can take: a fixed tile count (no area
 * matching), and for CASCADE no summing amplifiers (the simulator converts every buffer column,
 * the closed form) and converters enough to keep up with that.
 */
function chip(preset: string, overrides: Record<string, unknown>): ChipDescription {
  const base = JSON.parse(JSON.stringify(chipPreset(preset))) as Record<string, unknown>;
  const fixed = { organization: { chip: { tiles: 16 } } };
  return parseChipDescription(deepMerge(deepMerge(base, fixed), overrides));
}

function paramsOf(c: ChipDescription): DataflowParams {
  return {
    inputBits: c.precision.inputBits,
    weightBits: c.precision.weightBits,
    outputBits: c.precision.outputBits,
    log2Rows: Math.log2(c.array.rows),
    cellBits: c.array.cellBits,
    dacBits: c.dacBits,
    flipEncoding: c.flipEncoding,
  };
}

const cascadeNoSumming = {
  converters: { cascade: { conversionsPerInputCycle: null } },
  organization: { pe: { adc: { family: 'sar', count: 64, sampleRateHz: 1.2e9 }, shiftAdds: 64 } },
};
const twoBitCells = { array: { cellBits: 2 }, device: { levelBits: 2 }, dacBits: 2 };

const CASES: Array<[string, ChipDescription]> = [
  ['isaac-style', chip('isaac-style', {})],
  ['isaac-style, 2-bit cells and DACs', chip('isaac-style', twoBitCells)],
  ['isaac-style, 64 rows', chip('isaac-style', { array: { rows: 64 } })],
  ['cascade-style', chip('cascade-style', cascadeNoSumming)],
  ['cascade-style, 2-bit cells and DACs', chip('cascade-style', deepMerge(cascadeNoSumming, twoBitCells) as Record<string, unknown>)],
  ['neural-pim', chip('neural-pim', { converters: { neuralPim: { adc: 'exact', accumulator: 'ideal' } } })],
  ['neural-pim, 2-bit DACs', chip('neural-pim', { dacBits: 2, converters: { neuralPim: { adc: 'exact', accumulator: 'ideal' } } })],
];

test('per layer, simulated conversions = cost-model conversions = closed form, for every dataflow', async () => {
  await initBackend('auto');
  const net = randomNet(3);
  const images = 12;
  const rng = new Rng(4);
  const x = Uint8Array.from({ length: images * 300 }, () => (rng.uniform() < 0.33 ? 0 : rng.int(256)));
  const labels = new Uint8Array(images);
  const lib = defaultComponentLibrary();
  for (const [name, c] of CASES) {
    const cfg = SimulationConfigSchema.parse(
      deepMerge(simulationFieldsOfChip(c), { device: { programming: { kind: 'none', sigma: 0 } }, workers: 1 }),
    );
    const module = dataflowModule(cfg.dataflow);
    const r = await simulate(cfg, net, { images: x, labels }, module.needsPeripherals(cfg) ? idealPeripherals : null);
    const [arch] = resolveArchitectures([architectureOfChip(c)], lib);
    const perGroup = conversionsPerGroup(c.dataflow, paramsOf(c));
    assert.is(arch.conversionsPerGroup, perGroup, `${name}: cost model per group`);
    assert.is(module.conversionsPerGroup(paramsOf(c)), perGroup, `${name}: module per group`);
    for (const layer of net.layers.filter((l): l is QuantizedCrossbar => l.kind === 'dense')) {
      const tiles = Math.ceil(layer.fanIn / c.array.rows);
      const closedForm = images * layer.fanOut * tiles * perGroup;
      const simulated = r.conversions.find((l) => l.layer === layer.name)!.conversions;
      const costLayer = {
        name: layer.name,
        kind: 'fc' as const,
        groups: 1,
        rowsPerGroup: layer.fanIn,
        outputsPerGroup: layer.fanOut,
        positions: 1,
      };
      const costed = images * layerCounts(mapLayer(costLayer, arch), arch).adConversions;
      assert.is(simulated, closedForm, `${name} ${layer.name}: simulator vs closed form`);
      assert.is(costed, closedForm, `${name} ${layer.name}: cost model vs closed form`);
    }
  }
});

test('the CASCADE-style preset charges fewer conversions than it simulates: its summing amplifiers are not simulated', () => {
  const [arch] = resolveArchitectures(
    [
      architectureOfChip({
        ...chipPreset('cascade-style'),
        organization: { ...chipPreset('cascade-style').organization, chip: { tiles: 16, hyperTransportLinks: 1 } },
      }),
    ],
    defaultComponentLibrary(),
  );
  const cfg = SimulationConfigSchema.parse(simulationFieldsOfChip(chipPreset('cascade-style')));
  const simulatedPerGroup = dataflowModule('cascade').conversionsPerGroup({
    inputBits: 8,
    weightBits: 8,
    outputBits: 8,
    log2Rows: Math.log2(cfg.arrayRows),
    cellBits: cfg.cellBits,
    dacBits: cfg.dacBits!,
    flipEncoding: cfg.simulatedFlipEncoding,
  });
  assert.is(simulatedPerGroup, 15);
  assert.is(arch.closedFormConversionsPerGroup, 15);
  assert.is(arch.conversionsPerGroup, 5);
});

test.run();
