import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import { UserError } from '../../src/core/errors.ts';
import { defaultComponentLibrary, parseComponentLibrary, type ComponentLibrary } from '../../src/cost/components.ts';
import { defaultArchitectures, resolveArchitectures, type ResolvedArchitecture } from '../../src/cost/architectures.ts';
import { compareArchitectures, ENERGY_CATEGORIES, evaluateWorkload } from '../../src/cost/evaluate.ts';
import { crossbarReadEnergyJoules, drivenConductanceSiemens } from '../../src/cost/events.ts';
import { balanceReplication, layerCounts, mapLayer, minimumChips } from '../../src/cost/mapping.ts';
import { WORKLOADS, type Workload } from '../../src/cost/workloads/index.ts';

const lib = defaultComponentLibrary();
const archs = resolveArchitectures(defaultArchitectures(), lib);
const arch = (n: string): ResolvedArchitecture => archs.find((a) => a.name === n)!;
const CLOSED_FORM: Record<string, number> = { isaac: 64, cascade: 5, 'neural-pim': 1 };

function userError(pattern: RegExp) {
  return (e: unknown): boolean => e instanceof UserError && pattern.test((e as Error).message);
}

/** A library whose every energy and static power is zero. */
function silentLibrary(): ComponentLibrary {
  const l = JSON.parse(JSON.stringify(lib)) as ComponentLibrary;
  for (const u of Object.values(l.units)) {
    u.energyPerOperationJoules = 0;
    u.staticPowerWatts = 0;
  }
  for (const fam of [l.adcSar, l.dac]) for (const p of fam.points) p.energyPerOperationJoules = 0;
  for (const fam of [l.nnadc, l.nnsa]) for (const p of fam.points) p.powerWatts = 0;
  return l;
}

/** Inputs that are all zero: no crossbar read energy. */
const silentCrossbar = { activity: { inputBitDensity: 0 } };

/** Conversions per inference from the layer shapes alone (no packing: ungrouped layers). */
function expectedConversions(w: Workload, perGroup: number): number {
  let n = 0;
  for (const l of w.layers) {
    assert.is(l.groups, 1, `${w.name}/${l.name} must be ungrouped for this check`);
    n += l.outputsPerGroup * Math.ceil(l.rowsPerGroup / 128) * l.positions * perGroup;
  }
  return n;
}

test('A/D conversions per layer equal the closed forms × weight groups × row tiles × positions', () => {
  for (const name of ['vgg16', 'resnet50', 'neuraltalk', 'mlp']) {
    const w = WORKLOADS[name]();
    for (const a of ['isaac', 'cascade', 'neural-pim']) {
      const A = arch(a);
      for (const l of w.layers) {
        const c = layerCounts(mapLayer(l, A), A);
        assert.is(
          c.adConversions,
          l.outputsPerGroup * Math.ceil(l.rowsPerGroup / 128) * l.positions * CLOSED_FORM[a],
          `${name}/${l.name} on ${a}`,
        );
      }
      assert.is(evaluateWorkload(A, lib, w).counts.adConversions, expectedConversions(w, CLOSED_FORM[a]));
    }
  }
});

test('CASCADE without summing amplifiers converts 15 times per group (given enough ADCs)', () => {
  const specs = defaultArchitectures();
  const c = specs.find((s) => s.name === 'cascade')!;
  c.name = 'cascade-closed';
  c.chip.tiles = 300;
  c.cascade = { conversionsPerInputCycle: null };
  c.pe.adc = { family: 'sar', count: 10, sampleRateHz: 1.2e9 };
  const [A] = resolveArchitectures([c], lib);
  const w = WORKLOADS.resnet50();
  assert.is(evaluateWorkload(A, lib, w).counts.adConversions, expectedConversions(w, 15));
});

test('MLP 784-256-10 counts by hand', () => {
  // fc1: 7 row tiles × 32 column tiles; fc2: 2 row tiles × 2 column tiles. Group-arrays: 256·7 + 10·2 = 1812.
  const w = WORKLOADS.mlp();
  const isaac = evaluateWorkload(arch('isaac'), lib, w).counts;
  assert.is(isaac.arrayProducts, 7 * 32 + 2 * 2);
  assert.is(isaac.adConversions, 1812 * 64);
  assert.is(isaac.dacConversions, (784 * 32 + 256 * 2) * 8);
  assert.is(isaac.shiftAddOps, 1812 * 64);
  const np = evaluateWorkload(arch('neural-pim'), lib, w).counts;
  assert.is(np.adConversions, 1812);
  assert.is(np.nnsaOps, 1812 * 2);
  assert.is(np.dacConversions, (784 * 32 + 256 * 2) * 2);
  assert.is(np.shiftAddOps, 0);
  const cascade = evaluateWorkload(arch('cascade'), lib, w).counts;
  assert.is(cascade.adConversions, 1812 * 5);
  assert.is(cascade.tiaOps, 1812 * 8 * 8);
  assert.is(cascade.bufferWrites, 1812 * 8 * 8);
  // Row-tile partial sums added in the tile: 256·6 + 10·1.
  assert.is(np.tileShiftAddOps, 256 * 6 + 10);
});

test('MLP on Neural-PIM: one product per layer per 300 ns pipeline cycle; latency 2 × (1 + 1) cycles', () => {
  const r = evaluateWorkload(arch('neural-pim'), lib, WORKLOADS.mlp());
  assert.is(r.bottleneckCycles, 1);
  assert.ok(Math.abs(r.inferencesPerSecond - 1 / 300e-9) < 1e-3);
  assert.ok(Math.abs(r.gops - (2 * (784 * 256 + 256 * 10)) / 300e-9 / 1e9) < 1e-6);
  assert.ok(Math.abs(r.latencySeconds - 4 * 300e-9) < 1e-15);
});

test('energy is operations × per-operation energy: with only the ADC costing 1 pJ, energy = conversions pJ', () => {
  const l = silentLibrary();
  for (const p of l.adcSar.points) p.energyPerOperationJoules = 1e-12;
  // CASCADE-style's 12-bit converter lies beyond the table: tabulate it too so that nothing is extrapolated.
  l.adcSar.points.push({ bits: 12, energyPerOperationJoules: 1e-12, staticPowerWatts: 0, areaSquareMetres: 1e-9 });
  for (const p of l.nnadc.points) p.powerWatts = p.operationsPerSecond * 1e-12;
  const quiet = parseComponentLibrary(l);
  const qa = resolveArchitectures(defaultArchitectures(), quiet);
  const w = WORKLOADS.resnet50();
  for (const a of ['isaac', 'cascade', 'neural-pim']) {
    // Input density 0 silences the crossbar (its energy comes from the devices, not the library).
    const r = evaluateWorkload(
      qa.find((x) => x.name === a)!,
      quiet,
      w,
      silentCrossbar,
    );
    const expected = expectedConversions(w, CLOSED_FORM[a]) * 1e-12;
    assert.ok(Math.abs(r.energyJoules - expected) <= 1e-9 * expected, `${a}: ${r.energyJoules} vs ${expected}`);
    assert.ok(Math.abs(r.energyByCategory.adc - r.energyJoules) <= 1e-9 * expected);
  }
});

test('with only the DAC costing 1 pJ per conversion, energy = rows driven × input cycles pJ', () => {
  const l = silentLibrary();
  for (const p of l.dac.points) p.energyPerOperationJoules = 1e-12;
  const quiet = parseComponentLibrary(l);
  const [np] = resolveArchitectures(
    defaultArchitectures().filter((s) => s.name === 'neural-pim'),
    quiet,
  );
  const w = WORKLOADS.vgg16();
  // Every input of a layer drives one row in each of its column tiles, in each of 2 input cycles.
  let rows = 0;
  for (const x of w.layers) rows += x.rowsPerGroup * Math.ceil(x.outputsPerGroup / 8) * x.positions * 2;
  const r = evaluateWorkload(np, quiet, w, silentCrossbar);
  assert.ok(Math.abs(r.energyJoules - rows * 1e-12) <= 1e-9 * rows * 1e-12);
});

test('crossbar read energy from the devices: V_read²·t_read·E[x²]·E[G] per programmed cell and input cycle', () => {
  const a = arch('isaac');
  const r = evaluateWorkload(a, lib, WORKLOADS.resnet50(), { activity: { inputBitDensity: 0.5, cellOnFraction: 0.25 } });
  // 1-bit DAC: E[x²] = 0.5; G_min = 100 µS / 100 = 1 µS; E[G] = 1 + 0.25 × 99 µS; 0.2 V, 10 ns.
  const perCell = 0.2 ** 2 * 10e-9 * 0.5 * (1e-6 + 0.25 * 99e-6);
  assert.ok(Math.abs(r.energyByCategory.crossbar - r.counts.cellCycles * perCell) < 1e-9 * r.energyByCategory.crossbar);
  // The pure function the simulator can call with its programmed conductances: rows of 10 µS and 20 µS at levels 1 and 0.5.
  const g = drivenConductanceSiemens([10e-6, 20e-6], [1, 0.5]);
  assert.ok(Math.abs(g - 15e-6) < 1e-18);
  assert.ok(Math.abs(crossbarReadEnergyJoules({ readVolts: 0.2, readSeconds: 10e-9 }, g) - 0.04 * 10e-9 * 15e-6) < 1e-24);
});

test('static power is charged for every chip during the time of one inference', () => {
  const l = silentLibrary();
  l.units.edram.staticPowerWatts = 1;
  const quiet = parseComponentLibrary(l);
  const [np] = resolveArchitectures(
    defaultArchitectures().filter((s) => s.name === 'neural-pim'),
    quiet,
  );
  const r = evaluateWorkload(np, quiet, WORKLOADS.lenet5(), silentCrossbar);
  // 280 tiles × 1 eDRAM × 1 W × (T pipeline cycles of 300 ns).
  const expected = 280 * 1 * r.bottleneckCycles * 300e-9;
  assert.ok(Math.abs(r.staticEnergyJoules - expected) < 1e-12 * 280);
  assert.ok(Math.abs(r.energyJoules - expected) < 1e-12 * 280);
});

test('the crossbar energy follows the data: half the input density halves it on 1-bit DACs, zero density zeroes it', () => {
  const w = WORKLOADS.resnet50();
  const a = arch('isaac');
  const ref = evaluateWorkload(a, lib, w);
  const half = evaluateWorkload(a, lib, w, { activity: { inputBitDensity: 0.25 } });
  assert.ok(Math.abs(half.energyByCategory.crossbar - ref.energyByCategory.crossbar / 2) < 1e-9 * ref.energyJoules);
  assert.ok(Math.abs(half.energyByCategory.adc - ref.energyByCategory.adc) < 1e-12);
  const none = evaluateWorkload(a, lib, w, { activity: { inputBitDensity: 0 } });
  assert.is(none.energyByCategory.crossbar, 0);
  // Per-layer override: only conv1 silent.
  const one = evaluateWorkload(a, lib, w, { layerActivity: { conv1: { inputBitDensity: 0 } }, includeLayers: true });
  assert.is(one.layers!.find((l) => l.name === 'conv1')!.energyByCategory.crossbar, 0);
  assert.ok(one.layers!.find((l) => l.name === 'fc')!.energyByCategory.crossbar > 0);
  assert.throws(() => evaluateWorkload(a, lib, w, { layerActivity: { conv9: { inputBitDensity: 0.1 } } }), userError(/conv9/));
  assert.throws(() => evaluateWorkload(a, lib, w, { activity: { inputBitDensity: 1.5 } }), userError(/\[0, 1\]/));
});

test("energy categories add up to the total, and per-layer energies add up to the layers' part", () => {
  for (const a of archs.slice(0, 3)) {
    const r = evaluateWorkload(a, lib, WORKLOADS.googlenet(), { includeLayers: true });
    const sum = ENERGY_CATEGORIES.reduce((s, k) => s + r.energyByCategory[k], 0);
    assert.ok(Math.abs(sum - r.energyJoules) < 1e-12 * r.energyJoules);
    // Layers carry the dynamic energy of their operations; static energy and pooling/residual work are the workload's.
    assert.ok(Math.abs(r.energyJoules - r.dynamicEnergyJoules - r.staticEnergyJoules) < 1e-12 * r.energyJoules);
    assert.is(r.energyByCategory.static, r.staticEnergyJoules);
    // Static power of every chip over the interval one inference occupies them.
    const interval = r.bottleneckCycles * a.pipelineCycleSeconds;
    assert.ok(Math.abs(r.staticEnergyJoules - r.chips * a.chipStaticPowerWatts * interval) < 1e-12 * r.staticEnergyJoules);
    assert.ok(a.chipStaticPowerWatts >= 10.4, `${a.name}: the HyperTransport links alone draw 10.4 W`);
    const layers = r.layers!.reduce((s, l) => s + l.energyJoules, 0);
    assert.ok(layers < r.dynamicEnergyJoules && layers > 0.95 * r.dynamicEnergyJoules);
  }
});

test('replication: the bottleneck found is the smallest feasible one (brute force)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ p: fc.integer({ min: 1, max: 60 }), a: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 300 }),
      (layers, spare) => {
        const positions = layers.map((l) => l.p);
        const arrays = layers.map((l) => l.a);
        const budget = arrays.reduce((s, a) => s + a, 0) + spare;
        const { bottleneckCycles, copies } = balanceReplication(positions, arrays, budget);
        const cost = (t: number): number => layers.reduce((s, l) => s + l.a * Math.ceil(l.p / t), 0);
        let best = 1;
        while (cost(best) > budget) best++;
        return bottleneckCycles === best && copies.every((c, i) => c === Math.ceil(positions[i] / best)) && cost(best) <= budget;
      },
    ),
  );
});

test('recurrent steps are sequential: NeuralTalk latency = (1 + 1) + 2·16 + 2·16 pipeline cycles however it is replicated', () => {
  const r = evaluateWorkload(arch('neural-pim'), lib, WORKLOADS.neuraltalk(), { includeLayers: true, chips: 4 });
  assert.ok(r.layers!.find((l) => l.name === 'lstm')!.copies > 1);
  assert.ok(Math.abs(r.latencySeconds - 66 * 300e-9) < 1e-15);
});

test('networks larger than a chip span several; the traffic between them goes over HyperTransport', () => {
  const np = arch('neural-pim');
  const w = WORKLOADS.vgg16();
  const need = minimumChips(w, np);
  assert.ok(need >= 2);
  assert.throws(() => evaluateWorkload(np, lib, w, { chips: need - 1 }), userError(new RegExp(`at least ${need} chip`)));
  const r = evaluateWorkload(np, lib, w);
  assert.is(r.chips, need);
  assert.ok(r.counts.hyperTransportBits > 0);
  assert.is(evaluateWorkload(np, lib, WORKLOADS.lenet5()).counts.hyperTransportBits, 0);
});

test('comparisons give every architecture the same chips by default, and ratios to the baselines', () => {
  const c = compareArchitectures(archs.slice(0, 3), lib, [WORKLOADS.vgg16(), WORKLOADS.mlp()]);
  const chips = c.results.map((rs) => rs[0].chips);
  assert.ok(chips.every((n) => n === chips[0]) && chips[0] >= 2);
  const np = c.summaries.find((s) => s.architecture === 'neural-pim')!;
  const r = np.ratios.isaac.perWorkload.vgg16;
  assert.ok(Math.abs(r.energyEfficiency - c.results[2][0].gopsPerWatt / c.results[0][0].gopsPerWatt) < 1e-12);
  const g = np.ratios.cascade.geomean.throughput;
  const t = np.ratios.cascade.perWorkload;
  assert.ok(Math.abs(g - Math.sqrt(t.vgg16.throughput * t.mlp.throughput)) < 1e-12);
  const fewest = compareArchitectures(archs.slice(0, 3), lib, [WORKLOADS.vgg16()], { chipsPolicy: 'fewest' });
  assert.is(fewest.results[2][0].chips, minimumChips(WORKLOADS.vgg16(), archs[2]));
});

test('evaluating the nine benchmarks on three architectures is fast (< 1 s)', () => {
  const ws = ['alexnet', 'vgg16', 'vgg19', 'resnet50', 'resnet101', 'googlenet', 'inception-v2', 'mobilenet-v2', 'neuraltalk'].map((n) =>
    WORKLOADS[n](),
  );
  const t0 = performance.now();
  compareArchitectures(archs.slice(0, 3), lib, ws);
  assert.ok(performance.now() - t0 < 1000);
});

test.run();
