import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/core/errors.ts';
import { defaultComponentLibrary, namedComponentLibrary } from '../../src/cost/components.ts';
import { defaultArchitectures, parseArchitectureList, resolveArchitectures, type ArchitectureSpec } from '../../src/cost/architectures.ts';
import { selectArchitectures } from '../../src/cost/select.ts';
import { chipPreset } from '../../src/chip/presets.ts';
import { parseChipDescription } from '../../src/chip/description.ts';

const lib = defaultComponentLibrary();
const specs = defaultArchitectures();
const resolved = resolveArchitectures(specs, lib);
const byName = Object.fromEntries(resolved.map((a) => [a.name, a]));

function spec(name: string): ArchitectureSpec {
  return structuredClone(specs.find((s) => s.name === name)!);
}

function userError(pattern: RegExp) {
  return (e: unknown): boolean => e instanceof UserError && pattern.test((e as Error).message) && !(e as Error).message.includes('\n');
}

test('16-bit ISAAC: chip power and area are the sums of its published table (65.8 W, 85.4 mm²) within 2 %', () => {
  const a = byName['isaac-16bit'];
  assert.ok(Math.abs(a.chipRatedPowerWatts - 65.8) / 65.8 < 0.02, `power ${a.chipRatedPowerWatts} W`);
  assert.ok(Math.abs(a.chipAreaSquareMetres / 1e-6 - 85.4) / 85.4 < 0.02, `area ${a.chipAreaSquareMetres / 1e-6} mm²`);
  assert.is(a.arraysPerChip, 168 * 12 * 8);
});

test("16-bit ISAAC: peak figures against ISAAC's Table IV (ISAAC-CE: 478.95 GOPS/s/mm², 627.5 GOPS/W) within 2 %", () => {
  const a = byName['isaac-16bit'];
  // Shafiee et al., ISCA 2016, Table IV (peak, all IMAs busy every cycle): CE 478.95 GOPS/(s·mm²), PE 627.5 GOPS/W.
  // 16 input cycles per 16-bit product, conversions overlapped with the next product (no tail cycle).
  assert.is(Math.round(a.pipelineCycleSeconds * 1e9), 1600);
  const within = (x: number, ref: number, what: string): void => assert.ok(Math.abs(x - ref) / ref < 0.02, `${what}: ${x} vs ${ref}`);
  within(a.peak.gopsPerWatt, 627.5, 'GOPS/W');
  within(a.peak.gopsPerSquareMillimetre, 478.95, 'GOPS/s/mm²');
  // 16,128 arrays × 128 rows × 16 weights × 2 ops per 1.6 µs = 41.3 TOPS.
  within(a.peak.opsPerSecond, 41.3e12, 'peak ops/s');
  // Its ADCs are exactly balanced: 8 × 1.28 GS/s for 8 arrays × 128 columns per 100 ns.
  assert.ok(Math.abs(a.converterUtilization - 1) < 1e-9);
});

test('§3 configurations: ADC resolutions 9 / 12 / 8 bits (sign + magnitude for signed column pairs), conversions per group 64 / 5 / 1, pipeline 8 / 9 / 3 × 100 ns', () => {
  assert.equal(
    ['isaac', 'cascade', 'neural-pim'].map((n) => [
      byName[n].adcBits,
      byName[n].conversionsPerGroup,
      Math.round(byName[n].pipelineCycleSeconds * 1e9),
    ]),
    [
      [9, 64, 800],
      [12, 5, 900],
      [8, 1, 300],
    ],
  );
  assert.is(byName.cascade.closedFormConversionsPerGroup, 15);
  assert.is(byName['neural-pim'].arraysPerChip, 280 * 4 * 16);
  assert.is(byName['neural-pim'].weightGroupsPerArray, 8);
});

test('a description with flip encoding on differential column pairs is a one-line error (a pair is one signed conversion)', () => {
  const d = JSON.parse(JSON.stringify(chipPreset('isaac-style')));
  d.flipEncoding = true;
  assert.throws(() => parseChipDescription(d), userError(/flipEncoding: applies to the offset layout only/));
  // The simulator's ISAAC-style converter (sign + 8 magnitude bits) is the cost model's 9-bit one.
  assert.is(byName.isaac.adcBits, 1 + 8);
});

test("Neural-PIM: the reference design's chip (67.7 W, 86.4 mm²) within 10 %, its table read per 64-array tile", () => {
  const np = byName['neural-pim'];
  const within = (x: number, ref: number, what: string): void => assert.ok(Math.abs(x - ref) / ref < 0.1, `${what}: ${x} vs ${ref}`);
  within(np.chipRatedPowerWatts, 67.7, 'power W');
  within(np.chipAreaSquareMetres / 1e-6, 86.4, 'area mm²');
  // The reference's tile: 64 NNS+As, 4 NNADCs, 128 × 64 DACs, 64 × 144 sample-and-holds.
  const perTile = (b: keyof typeof np.inventory): number => np.inventory[b].unitsPerChip / np.tilesPerChip;
  assert.equal([perTile('nnsa'), perTile('adc'), perTile('dac'), perTile('sampleHold'), perTile('array')], [64, 4, 128 * 64, 64 * 144, 64]);
});

test("the reference-design library: the reference's own per-tile figures, and its chip within 10 % too", () => {
  const ref = namedComponentLibrary('reference-design');
  const [np] = resolveArchitectures([spec('neural-pim')], ref);
  // 4 NNADCs at 6.0 mW and 1.2 GS/s: 1.25 pJ per conversion; 64 NNS+As at 19 mW and 80 MHz; 8192 DACs at 0.1 W and 10 MHz.
  const e = (b: 'adc' | 'nnsa' | 'dac'): number => np.inventory[b].unit.energyPerOperationJoules;
  assert.ok(Math.abs(e('adc') - 6e-3 / 4 / 1.2e9) < 1e-18);
  assert.ok(Math.abs(e('nnsa') - 19e-3 / 64 / 80e6) < 1e-18);
  assert.ok(Math.abs(e('dac') - 0.1 / 8192 / 1e7) < 1e-18);
  assert.ok(Math.abs(np.areaByBlockSquareMetres.dac / np.tilesPerChip - 4.4e-2 * 1e-6) < 1e-12);
  assert.ok(Math.abs(np.chipRatedPowerWatts - 67.7) / 67.7 < 0.1, `${np.chipRatedPowerWatts} W`);
  assert.ok(Math.abs(np.chipAreaSquareMetres / 1e-6 - 86.4) / 86.4 < 0.1, `${np.chipAreaSquareMetres / 1e-6} mm²`);
  // The default library keeps the 130 → 32 nm rule: the two differ.
  assert.not.equal(e('nnsa'), byName['neural-pim'].inventory.nnsa.unit.energyPerOperationJoules);
  assert.throws(() => namedComponentLibrary('isaac'), userError(/unknown component library 'isaac'/));
});

test('array density is reported per architecture: array area / PE area and cells per mm² of chip', () => {
  for (const a of resolved) {
    const cells = a.arraysPerChip * a.spec.array.rows * a.spec.array.columns;
    assert.ok(Math.abs(a.arrayDensity.cellsPerSquareMillimetre - cells / (a.chipAreaSquareMetres / 1e-6)) < 1e-6);
    assert.ok(a.arrayDensity.arrayAreaFractionOfPe > 0 && a.arrayDensity.arrayAreaFractionOfPe < 1);
  }
  // Neural-PIM's PEs spend a larger share of their area on arrays than ISAAC-style's (no ADC per two arrays).
  assert.ok(byName['neural-pim'].arrayDensity.arrayAreaFractionOfPe > byName.isaac.arrayDensity.arrayAreaFractionOfPe);
});

test('the baselines get the same chip area as Neural-PIM (as many tiles as fit)', () => {
  const np = byName['neural-pim'];
  for (const n of ['isaac', 'cascade']) {
    const a = byName[n];
    assert.ok(a.chipAreaSquareMetres <= np.chipAreaSquareMetres, `${n} larger than neural-pim`);
    assert.ok(a.chipAreaSquareMetres + a.tileAreaSquareMetres > np.chipAreaSquareMetres, `${n} could hold another tile`);
  }
});

test('peak throughput of Neural-PIM: 17,920 arrays × 1024 MACs × 2 ops per 300 ns', () => {
  const np = byName['neural-pim'];
  assert.ok(Math.abs(np.peak.opsPerSecond - (17920 * 1024 * 2) / 300e-9) < 1);
});

test('converters that cannot keep up are a one-line error', () => {
  // CASCADE without summing amplifiers needs 15 conversions per group: 16 × 8 × 15 = 1920 per
  // 900 ns, its ADC at 1.2 GS/s delivers 1080.
  const c = spec('cascade');
  c.chip.tiles = 10;
  c.cascade = { conversionsPerInputCycle: null };
  assert.throws(() => resolveArchitectures([c], lib), userError(/cannot keep up.*1920.*1080/));
  // ISAAC-style at the rounded 1.2 GS/s: 16 × 8 × 8 = 1024 conversions per 100 ns cycle, 8 × 120 = 960.
  const i = spec('isaac');
  i.chip.tiles = 10;
  i.pe.adc = { family: 'sar', count: 8, sampleRateHz: 1.2e9 };
  assert.throws(() => resolveArchitectures([i], lib), userError(/cannot keep up.*1024.*960/));
  // The original ISAAC with the rounded 1.2 GS/s ADC: 128 conversions per array per 100 ns > 120.
  const o = spec('isaac-16bit');
  o.pe.adc = { family: 'sar', count: 8, sampleRateHz: 1.2e9, bits: 8 };
  assert.throws(() => resolveArchitectures([o], lib), userError(/cannot keep up/));
  // NNS+As at 40 MHz: 8 groups per array per 100 ns need 80 MHz.
  const n = spec('neural-pim');
  n.pe.nnsa = { count: 16, operationsPerSecond: 40e6 };
  assert.throws(() => resolveArchitectures([n], lib), userError(/NNS\+As cannot keep up/));
});

test('legal but unbalanced or lossy configurations are stated warnings', () => {
  const n = spec('neural-pim');
  n.pe.adc = { family: 'nnadc', count: 4, sampleRateHz: 1.2e9 };
  const [a] = resolveArchitectures([n], lib);
  assert.ok(
    a.warnings.some((w) => /ADCs are 9 % utilized.*over-provisioned/.test(w)),
    a.warnings.join('; '),
  );
  const i = spec('isaac');
  i.chip.tiles = 10;
  i.pe.adc = { family: 'sar', count: 16, sampleRateHz: 1.2e9, bits: 6 };
  const [b] = resolveArchitectures([i], lib);
  assert.ok(
    b.warnings.some((w) => /6-bit ADC below the 9 bits/.test(w)),
    b.warnings.join('; '),
  );
  for (const d of resolved) assert.equal(d.warnings, [], `${d.name} defaults should be balanced`);
});

test('structural errors: too few DACs, an NNADC of the wrong resolution, an unknown area reference', () => {
  const i = spec('isaac');
  i.chip.tiles = 10;
  i.pe.dacs = 1000;
  assert.throws(() => resolveArchitectures([i], lib), userError(/DACs per PE cannot drive/));
  const n = spec('neural-pim');
  n.precision.outputBits = 6;
  assert.throws(() => resolveArchitectures([n], lib), userError(/NNADC figures are for 8-bit/));
  assert.throws(() => resolveArchitectures([spec('isaac')], lib), userError(/unknown architecture 'neural-pim'/));
});

test('selecting architectures resolves area references without returning them', () => {
  const picked = selectArchitectures(specs, 'isaac', lib);
  assert.equal(
    picked.map((a) => a.name),
    ['isaac'],
  );
  assert.is(picked[0].tilesPerChip, byName.isaac.tilesPerChip);
  assert.throws(() => selectArchitectures(specs, 'isaac,prime', lib), userError(/unknown architecture 'prime'/));
});

test('architecture files: JSON round trip of the defaults; a bad field is a one-line error', () => {
  const again = parseArchitectureList(JSON.parse(JSON.stringify(specs)));
  assert.equal(again, specs);
  const bad = JSON.parse(JSON.stringify(specs));
  bad[0].pe.adc.count = -3;
  assert.throws(() => parseArchitectureList(bad), userError(/architecture file: 0\.pe\.adc\.count/));
  const dup = JSON.parse(JSON.stringify([specs[0], specs[0]]));
  assert.throws(() => parseArchitectureList(dup), userError(/defined twice/));
});

test.run();
