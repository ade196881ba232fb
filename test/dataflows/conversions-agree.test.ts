/**
 * One chip, one count: for each dataflow, the A/D conversions the simulator performs on a small
 * random network, and on a small residual graph, equal the cost model's count for the same layers
 * of the same accelerator description, and both equal the closed form of
 * `dataflows/closed-forms.ts`; the residual graph's workload (`npim cost --model`) is the layers
 * the simulated run is charged for.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { deepMerge } from '../../src/core/config.ts';
import { parseChipDescription, type ChipDescription } from '../../src/chip/description.ts';
import { chipPreset } from '../../src/chip/presets.ts';
import { conversionsPerGroup } from '../../src/dataflows/closed-forms.ts';
import { dataflowModule } from '../../src/dataflows/index.ts';
import { architectureOfChip, dataflowParams, resolveArchitectures } from '../../src/cost/architectures.ts';
import { defaultComponentLibrary } from '../../src/cost/components.ts';
import { layerCounts, mapLayer } from '../../src/cost/mapping.ts';
import type { QuantizedCrossbar, QuantizedNetwork } from '../../src/dnn/quantize.ts';
import type { ComponentLibrary } from '../../src/cost/components.ts';
import { SimulationConfigSchema, simulationFieldsOfChip } from '../../src/chip/simulation-config.ts';
import { simulate } from '../../src/simulator/simulate.ts';
import { idealPeripherals, images, pixels, randomNet, residualNet } from '../simulator/helpers.ts';
import { quantizeNetwork } from '../../src/dnn/quantize.ts';
import { networkWorkload } from '../../src/cost/workloads/network.ts';
import { runWorkload } from '../../src/cost/run-energy.ts';
import { runEnergies } from '../../src/app/simulate.ts';

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

/** A chip's dataflow run with noiseless devices on one worker, its cost-model architecture and the closed form's conversions per group. */
async function noiselessRun(c: ChipDescription, net: QuantizedNetwork, x: Uint8Array, labels: Uint8Array, lib: ComponentLibrary) {
  const cfg = SimulationConfigSchema.parse(
    deepMerge(simulationFieldsOfChip(c), { device: { programming: { kind: 'none', sigma: 0 } }, workers: 1 }),
  );
  const module = dataflowModule(cfg.dataflow);
  const r = await simulate(cfg, net, { images: x, labels }, module.needsPeripherals(cfg) ? idealPeripherals : null);
  const [arch] = resolveArchitectures([architectureOfChip(c)], lib);
  return { cfg, module, r, arch, perGroup: conversionsPerGroup(c.dataflow, dataflowParams(c)) };
}

test('per layer, simulated conversions = cost-model conversions = closed form, for every dataflow', async () => {
  await initBackend('auto');
  const net = randomNet(3);
  const imageCount = 12;
  const x = images(4, imageCount, 300);
  const labels = new Uint8Array(imageCount);
  const lib = defaultComponentLibrary();
  for (const [name, c] of CASES) {
    const { module, r, arch, perGroup } = await noiselessRun(c, net, x, labels, lib);
    assert.is(arch.conversionsPerGroup, perGroup, `${name}: cost model per group`);
    assert.is(module.conversionsPerGroup(dataflowParams(c)), perGroup, `${name}: module per group`);
    for (const layer of net.layers.filter((l): l is QuantizedCrossbar => l.kind === 'dense')) {
      const tiles = Math.ceil(layer.fanIn / c.array.rows);
      const closedForm = imageCount * layer.fanOut * tiles * perGroup;
      const simulated = r.conversions.find((l) => l.layer === layer.name)!.conversions;
      const costLayer = {
        name: layer.name,
        kind: 'fc' as const,
        groups: 1,
        rowsPerGroup: layer.fanIn,
        outputsPerGroup: layer.fanOut,
        positions: 1,
      };
      const costed = imageCount * layerCounts(mapLayer(costLayer, arch), arch).adConversions;
      assert.is(simulated, closedForm, `${name} ${layer.name}: simulator vs closed form`);
      assert.is(costed, closedForm, `${name} ${layer.name}: cost model vs closed form`);
    }
  }
});

test('residual graph: per conv layer, simulated = cost model (network workload) = closed form; the run is charged the same layers, pools and adds', async () => {
  await initBackend('auto');
  const float = residualNet(5);
  const net = quantizeNetwork(float, pixels(1, 20));
  const imageCount = 6;
  const x = pixels(2, imageCount);
  const labels = new Uint8Array(imageCount);
  const lib = defaultComponentLibrary();
  const workload = networkWorkload(net, 'residual');
  // By hand: stem, b1 ×2, b2 ×2, shortcut, fc; a 3×3 global pool of 16 channels; adds of 6·6·8 and 3·3·16.
  assert.equal(
    workload.layers.map((l) => [l.name, l.kind, l.rowsPerGroup, l.outputsPerGroup, l.positions]),
    [
      ['stem', 'conv', 27, 8, 36],
      ['b1_conv1', 'conv', 72, 8, 36],
      ['b1_conv2', 'conv', 72, 8, 36],
      ['b2_conv1', 'conv', 72, 16, 9],
      ['b2_conv2', 'conv', 144, 16, 9],
      ['b2_short', 'conv', 8, 16, 9],
      ['fc', 'fc', 16, 5, 1],
    ],
  );
  assert.is(workload.poolingReads, 16 * 9);
  assert.is(workload.elementwiseOps, 6 * 6 * 8 + 3 * 3 * 16);
  for (const [name, c] of CASES.filter(([n]) => !n.includes('2-bit'))) {
    const { cfg, r, arch, perGroup } = await noiselessRun(c, net, x, labels, lib);
    for (const layer of workload.layers) {
      const closedForm = imageCount * layer.positions * layer.outputsPerGroup * Math.ceil(layer.rowsPerGroup / c.array.rows) * perGroup;
      assert.is(
        r.conversions.find((l) => l.layer === layer.name)!.conversions,
        closedForm,
        `${name} ${layer.name}: simulator vs closed form`,
      );
      assert.is(
        imageCount * layerCounts(mapLayer(layer, arch), arch).adConversions,
        closedForm,
        `${name} ${layer.name}: cost model vs closed form`,
      );
    }
    // The layers a run is charged for are the network's workload.
    assert.equal(runWorkload(r.events, { images: imageCount }).layers, workload.layers, `${name}: run layers`);
    const [entry] = runEnergies([{ result: r, cfg: { ...cfg, chip: c } }], net, lib);
    assert.ok(entry.energy, `${name}: costed (${entry.note ?? ''})`);
    assert.is(entry.energy.counts.poolingReads, workload.poolingReads, `${name}: pooling reads`);
    const layerAdds = entry.energy.layers.reduce((a, l) => a + l.counts.tileShiftAddOps, 0);
    assert.is(entry.energy.counts.tileShiftAddOps - layerAdds, workload.elementwiseOps, `${name}: residual adds`);
    assert.is(entry.energy.counts.adConversions, r.conversionsTotal / imageCount, `${name}: charged conversions per inference`);
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
