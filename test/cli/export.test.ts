import { test } from 'uvu';
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { levelConductance } from '../../src/device/rram.ts';
import { instantiateAdc } from '../../src/circuits/nnadc/model.ts';
import { instantiateNetwork } from '../../src/circuits/network.ts';
import { quantizeWeights } from '../../src/dnn/quantize.ts';
import { saveLayersModelToDir } from '../../src/io/layers-model.ts';
import { readWeightMap } from '../../src/io/weight-map-file.ts';
import { POLARITIES, unmapWeightMap, type WeightMap } from '../../src/weight-map/weight-map.ts';
import { ngspiceVersion } from '../../src/io/ngspice.ts';
import { bank, smallAdc, syntheticNnsa, writeModelDir } from '../spice/fixtures.ts';
import { ROOT, npimHere, npimIn } from '../helpers/cli.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'npim-export-test-'));
const MNIST_DIR = process.env.NPIM_DATA_DIR ?? path.resolve(ROOT, '../shared/datasets/mnist');

/** Runs `node bin/npim.js args…` in a child process in the test's work directory. */
const npim = (args: string[], env: NodeJS.ProcessEnv = {}) => npimIn(work, args, env);

function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.is(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, `stderr has ${lines.length} lines: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

const adcModel = smallAdc('two-step', 5, 0.5);
const adcDir = await writeModelDir(path.join(work, 'adc'), adcModel);
const saModel = syntheticNnsa(2);
const saDir = await writeModelDir(path.join(work, 'sa'), saModel);

/** Devices of one array by (row, column, polarity). */
function byPosition(map: WeightMap, array: number) {
  const a = map.circuits[0].arrays.find((x) => x.index === array)!;
  const m = new Map<string, { level: number; target: number; programmed: number }>();
  for (let i = 0; i < a.row.length; i++)
    m.set(`${a.row[i]}/${a.column[i]}/${POLARITIES[a.polarity[i]]}`, {
      level: a.levelIndex[i],
      target: a.targetSiemens[i],
      programmed: a.programmedSiemens[i],
    });
  return { devices: a.row.length, get: (k: number, j: number, p: 'upper' | 'lower') => m.get(`${k}/${j}/${p}`)! };
}

test('NNADC export CSV round trip: level indices, targets, and the programmed devices of the seed', async () => {
  const out = path.join(work, 'adc.csv');
  const r = await npimHere(['export', adcDir, '--format', 'csv', '--out', out, '--seed', '7']);
  assert.is(r.code, 0, r.stderr);
  const map = await readWeightMap(out);
  assert.is(map.seed, 7);
  assert.is(map.circuits.length, 1);
  assert.is(map.circuits[0].device.programming.sigma, adcModel.device.programming.sigma);
  // What the model's own Monte Carlo draws for seed 7 (instantiateAdc), independent of the export path.
  const inst = instantiateAdc(adcModel, bank, adcModel.device, new Rng(7), { kind: 'nominal' });
  adcModel.stages.forEach((s, si) => {
    const a = byPosition(map, si);
    assert.is(a.devices, 2 * s.inputs.length * s.columns);
    for (let k = 0; k < s.inputs.length; k++) {
      for (let j = 0; j < s.columns; j++) {
        const i = k * s.columns + j;
        for (const [p, levels, g] of [
          ['upper', s.upperLevels, inst.stages[si].upperSiemens],
          ['lower', s.lowerLevels, inst.stages[si].lowerSiemens],
        ] as const) {
          const d = a.get(k, j, p);
          assert.is(d.level, levels[i]);
          assert.is(d.target, levelConductance(adcModel.device, levels[i]));
          assert.is(d.programmed, g[i]);
        }
      }
    }
  });
  assert.is((map.circuits[0].arrays[0].info as { role: string }).role, adcModel.stages[0].role);
});

test('NNS+A export JSON round trip with --sigma 0: programmed = target = level conductance', async () => {
  const out = path.join(work, 'sa.json');
  const r = await npimHere(['export', saDir, '--out', out, '--sigma', '0', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.is(
    JSON.parse(r.stdout).devices,
    saModel.network.layers.reduce((n, l) => n + 2 * l.pairs * l.columns, 0),
  );
  const map = await readWeightMap(out);
  const inst = instantiateNetwork(
    saModel.network,
    bank,
    { ...saModel.network.device, programming: { ...saModel.network.device.programming, sigma: 0 } },
    null,
    { kind: 'nominal' },
  );
  saModel.network.layers.forEach((l, li) => {
    const a = byPosition(map, li);
    for (let k = 0; k < l.pairs; k++) {
      for (let j = 0; j < l.columns; j++) {
        const i = k * l.columns + j;
        const u = a.get(k, j, 'upper');
        const lo = a.get(k, j, 'lower');
        assert.is(u.level, l.upperLevels[i]);
        assert.is(lo.level, l.lowerLevels[i]);
        assert.is(u.programmed, inst.layers[li].upperSiemens[i]);
        assert.is(u.target, u.programmed);
        assert.is(lo.target, levelConductance(saModel.network.device, l.lowerLevels[i]));
      }
    }
  });
});

test('spice export: a netlist that runs unmodified in ngspice and writes the promised table', async () => {
  const out = path.join(work, 'sa.cir');
  const r = await npimHere(['export', saDir, '--format', 'spice', '--out', out, '--points', '12', '--json']);
  assert.is(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { dataFile: string; resistors: number; inverters: number; vectors: number };
  assert.is(
    res.resistors,
    saModel.network.layers.reduce((n, l) => n + 2 * l.pairs * l.columns, 0),
  );
  assert.is(res.inverters, saModel.network.layers[0].columns);
  if (ngspiceVersion() === null) {
    console.log('note: ngspice is not installed; not running the exported netlist');
    return;
  }
  // The netlist names no path of this machine: moved with its library, it runs anywhere.
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^\.include "inverter_130nm\.lib"$/m);
  assert.match(text, /^wrdata sa\.data /m);
  assert.not.ok(text.includes(ROOT), 'the netlist names the checkout');
  const moved = path.join(work, 'moved');
  mkdirSync(moved, { recursive: true });
  for (const f of ['sa.cir', 'inverter_130nm.lib']) writeFileSync(path.join(moved, f), readFileSync(path.join(work, f)));
  const run = spawnSync('ngspice', ['-b', 'sa.cir'], { cwd: moved, encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  const rows = readFileSync(path.join(moved, res.dataFile), 'utf8').trim().split('\n');
  assert.is(rows.length, 12);
  for (const [i, row] of rows.entries()) {
    const v = row.trim().split(/\s+/).map(Number);
    assert.is(v.length, res.vectors + 1);
    assert.is(v[0], i);
    // P and N stay inside the supply.
    assert.ok(v[1] > 0 && v[1] < 1.2 && v[2] > 0 && v[2] < 1.2);
  }
});

test('bad input: one stderr line, exit 2, no output file', async () => {
  const out = path.join(work, 'bad.csv');
  const noModel = path.join(work, 'empty');
  mkdirSync(noModel, { recursive: true });
  const afile = path.join(work, 'afile');
  writeFileSync(afile, 'x');
  const dnnNoWeights = path.join(work, 'dnn-no-weights');
  mkdirSync(dnnNoWeights, { recursive: true });
  copyFileSync(path.join(ROOT, 'models', 'mlp-mnist', 'model.json'), path.join(dnnNoWeights, 'model.json'));
  const cases: Array<[string[], RegExp]> = [
    [['export', adcDir, '--format', 'xml', '--out', out], /--format must be one of csv, json, spice, got 'xml'/],
    [['export', dnnNoWeights, '--format', 'csv', '--out', out], /weight file .*weights\.bin.* is missing/],
    [['export', adcDir, '--format', 'csv', '--out', path.join(afile, 'x.csv')], /cannot be created: .*afile is a file/],
    [['export', path.join(work, 'nope'), '--format', 'csv', '--out', out], /model directory not found/],
    [['export', noModel, '--format', 'csv', '--out', out], /holds no model\.json/],
    [['export', adcDir, '--format', 'csv', '--out', work], /is a directory/],
    [['export', adcDir, '--out', path.join(work, 'x.txt')], /--format is required/],
    [
      ['export', path.join(ROOT, 'models', 'mlp-mnist'), '--format', 'spice', '--out', path.join(work, 'x.cir')],
      /--format spice exports NNS\+A \/ NNADC/,
    ],
    [['export', adcDir, '--format', 'csv', '--out', out, '--sigma', 'abc'], /--sigma expects a number/],
    [['export', adcDir, '--format', 'csv'], /--out <path> is required/],
    [['export', adcDir, '--format', 'spice', '--corner', 'tt_99c', '--out', path.join(work, 'x.cir')], /unknown corner 'tt_99c'/],
  ];
  // Three through the real executable, the rest in process (same code path after argv).
  for (const [i, [args, pattern]] of cases.entries()) {
    oneLineError(i < 3 ? npim(args) : await npimHere(args), pattern);
    assert.not.ok(existsSync(out), `${args.join(' ')} left ${out}`);
  }
  assert.not.ok(existsSync(path.join(work, 'x.cir')));
});

test('DNN export: the weight map decodes to the 8-bit weight codes of every layer', async () => {
  if (!existsSync(path.join(MNIST_DIR, 't10k-images-idx3-ubyte.gz'))) {
    console.log(`note: MNIST not found in ${MNIST_DIR}; skipping the DNN export test`);
    return;
  }
  await initBackend('auto');
  const dir = path.join(work, 'tiny-dnn');
  // A tiny MLP in tfjs Layers format (random weights: the mapping does not care about accuracy).
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 12, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
  await saveLayersModelToDir(model, dir, { inputScale: 1 / 255, arch: 'mlp' });
  const out = path.join(work, 'dnn.json');
  const r = await npimHere(['export', dir, '--out', out, '--data-dir', MNIST_DIR, '--sigma', '0.01', '--seed', '3']);
  assert.is(r.code, 0, r.stderr);
  const map = await readWeightMap(out);
  assert.is(map.seed, 3);
  assert.is(map.circuits.length, 2);
  const unmapped = unmapWeightMap(map, { conductance: 'target', rounding: 'nearest' });
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  dense.forEach((layer, i) => {
    const kernel = layer.getWeights()[0];
    const [fanIn, fanOut] = kernel.shape as [number, number];
    const { codes } = quantizeWeights(Float64Array.from(kernel.dataSync()), fanIn, fanOut);
    assert.is(unmapped[i].rows, fanIn);
    assert.is(unmapped[i].cols, fanOut);
    assert.equal(Array.from(unmapped[i].weights), Array.from(codes), `layer ${i}`);
    assert.is(map.circuits[i].device.programming.sigma, 0.01);
    assert.ok(typeof (map.circuits[i].info as { inputScale?: number }).inputScale === 'number');
  });
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
