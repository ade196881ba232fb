import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHIP_PRESET_NAMES, chipPreset } from '../../src/chip/presets.ts';
import { architectureOfChip, defaultArchitectures } from '../../src/cost/architectures.ts';
import { SimulationConfigSchema, simulationFieldsOfChip } from '../../src/chip/simulation-config.ts';
import { ROOT, assertOneLineError, npimHere } from '../helpers/cli.ts';

/** A simulation result without its timings (which differ run to run). */
function withoutTimings(json: string): unknown {
  return JSON.parse(json, (k, v) => (k === 'wallSeconds' || k === 'hardwareSeconds' ? undefined : v));
}

test('the presets are the cost model default architectures, and the neural-pim preset is the simulator default', () => {
  assert.equal(
    CHIP_PRESET_NAMES.map((n) => architectureOfChip(chipPreset(n))),
    defaultArchitectures(),
  );
  const fromChip = SimulationConfigSchema.parse(simulationFieldsOfChip(chipPreset('neural-pim')));
  const defaults = SimulationConfigSchema.parse({});
  // The description states the DAC bits the default leaves to the dataflow, and it travels along
  // for the cost model (`chip`); everything else is equal.
  assert.is(fromChip.dacBits, 4);
  assert.equal(fromChip.chip, chipPreset('neural-pim'));
  assert.equal(JSON.parse(JSON.stringify({ ...fromChip, dacBits: undefined, chip: undefined })), JSON.parse(JSON.stringify(defaults)));
});

test('npim config show round trips through a file into simulate and cost', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-chip-'));
  try {
    for (const name of CHIP_PRESET_NAMES) {
      const shown = await npimHere(['--json', 'config', 'show', '--preset', name]);
      assert.is(shown.code, 0, shown.stderr);
      const file = path.join(dir, `${name}.json`);
      await fs.writeFile(file, shown.stdout);
      const again = await npimHere(['--json', 'config', 'show', '--config', file]);
      assert.is(again.stdout, shown.stdout, `${name}: show of the dump is the dump`);
    }
    const base = ['--json', 'simulate', '--samples', '32', '--mc', '1'];
    const byDefault = await npimHere(base);
    const byPreset = await npimHere([...base, '--preset', 'neural-pim']);
    const byFile = await npimHere([...base, '--config', path.join(dir, 'neural-pim.json')]);
    assert.is(byDefault.code, 0, byDefault.stderr);
    assert.equal(withoutTimings(byPreset.stdout), withoutTimings(byDefault.stdout), 'preset = default');
    assert.equal(withoutTimings(byFile.stdout), withoutTimings(byDefault.stdout), 'file = default');
    // The ISAAC- and CASCADE-style presets are those dataflows' defaults in the simulator.
    for (const [preset, dataflow] of [
      ['isaac-style', 'isaac'],
      ['cascade-style', 'cascade'],
    ]) {
      const a = await npimHere([...base, '--preset', preset]);
      const b = await npimHere([...base, '--dataflow', dataflow]);
      assert.is(a.code, 0, a.stderr);
      assert.equal(withoutTimings(a.stdout), withoutTimings(b.stdout), `${preset} = --dataflow ${dataflow}`);
    }
    const cost = ['--json', 'cost', '--workload', 'mnist'];
    const costDefault = await npimHere(cost);
    const costFile = await npimHere([...cost, '--config', path.join(dir, 'neural-pim.json')]);
    assert.is(costDefault.code, 0, costDefault.stderr);
    assert.is(costFile.stdout, costDefault.stdout, 'cost with the neural-pim description = default');
    // Standard input, in a child process.
    const piped = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'npim.js'), '--json', 'config', 'show', '--config', '-'], {
      cwd: ROOT,
      encoding: 'utf8',
      input: await fs.readFile(path.join(dir, 'cascade-style.json'), 'utf8'),
      env: { ...process.env, CI: '1' },
    });
    assert.is(piped.status, 0, piped.stderr);
    assert.is(piped.stdout, await fs.readFile(path.join(dir, 'cascade-style.json'), 'utf8'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('malformed, out-of-range and unknown-key descriptions are one-line errors with exit code 2', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-chip-'));
  try {
    const good = JSON.parse(JSON.stringify(chipPreset('neural-pim')));
    const cases: Array<[string, unknown, RegExp]> = [
      ['unknown-key', { ...good, extra: 1 }, /invalid accelerator description: .*unrecognized key/i],
      ['nested-unknown', { ...good, converters: { ...good.converters, isaacBits: 7 } }, /converters.*unrecognized key/i],
      ['device-unknown', { ...good, device: { ...good.device, programming: { kind: 'none', sigma: 0, x: 1 } } }, /device.programming/],
      ['rows', { ...good, array: { ...good.array, rows: 100 } }, /array.rows: rows must be a power of two/],
      ['dac', { ...good, dacBits: 0 }, /dacBits/],
      ['version', { ...good, schemaVersion: 2 }, /schemaVersion/],
      ['dataflow', { ...good, dataflow: 'ideal' }, /dataflow/],
      ['levels', { ...good, device: { ...good.device, levelBits: 2 } }, /device.levelBits: must equal array.cellBits/],
    ];
    for (const [name, body, pattern] of cases) {
      const file = path.join(dir, `${name}.json`);
      await fs.writeFile(file, JSON.stringify(body));
      for (const cmd of [['config', 'show'], ['simulate'], ['cost']])
        assertOneLineError(await npimHere([...cmd, '--config', file]), pattern);
    }
    const broken = path.join(dir, 'broken.json');
    await fs.writeFile(broken, '{"schemaVersion": 1,');
    assertOneLineError(await npimHere(['config', 'show', '--config', broken]), /not valid JSON/);
    assertOneLineError(await npimHere(['config', 'show', '--preset', 'nope']), /unknown preset 'nope'/);
    assertOneLineError(await npimHere(['simulate', '--preset', 'isaac-16bit']), /simulator runs 8-bit networks/);
    // A simulation configuration (no schemaVersion) is strict too: a misspelt key is not ignored.
    const legacy: Array<[string, unknown, RegExp]> = [
      ['sigma', { sigma: 0.05 }, /invalid simulation configuration: \(root\): Unrecognized key: "sigma"/],
      [
        'cell',
        { device: { levelBits: 1, programming: { sigma: 0.05, kind: 'lognormal', spread: 1 } } },
        /device.programming: Unrecognized key/,
      ],
      ['device', { device: { cellBits: 2 } }, /device: Unrecognized key: "cellBits"/],
    ];
    for (const [name, body, pattern] of legacy) {
      const file = path.join(dir, `legacy-${name}.json`);
      await fs.writeFile(file, JSON.stringify(body));
      for (const cmd of [
        ['simulate', '--dataflow', 'isaac'],
        ['export', 'models/lenet5-mnist', '--out', path.join(dir, 'x.csv')],
      ])
        assertOneLineError(await npimHere([...cmd, '--config', file]), pattern);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test.run();
