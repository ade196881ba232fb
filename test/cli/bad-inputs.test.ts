/**
 * A table of bad command lines across the commands: each is a one-line error (at most 300
 * characters, no stack trace) with exit code 2, found before any work, and the `--out` folder that
 * already holds results is byte-identical afterwards.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { npimHere } from '../helpers/cli.ts';
import { writeKerasH5 } from '../../src/io/keras-h5.ts';

/** Every file under `dir` with its bytes, relative path → content. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), (await fs.readFile(file)).toString('base64'));
  }
  return files;
}

test('bad command lines: one line, exit 2, nothing written', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-bad-'));
  try {
    const out = path.join(dir, 'out');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'results.json'), '{"kept": true}\n');
    await fs.writeFile(path.join(out, 'metrics.json'), '{"kept": true}\n');
    const notJson = path.join(dir, 'bad.json');
    await fs.writeFile(notJson, '{"sigma": ');
    const cases: Array<[string[], RegExp]> = [
      // Seeds are 32-bit: 2^32 would alias 0.
      [['simulate', '--seed', '4294967296', '--out', out], /--seed must be an integer in 0 … 4294967295/],
      [['simulate', '--seed', '-1', '--out', out], /--seed must be an integer in 0 … 4294967295/],
      [['simulate', '--seed', '1.5', '--out', out], /--seed expects an integer/],
      [['train', 'sa', '--train-seed', '4294967296', '--out', out], /--train-seed must be an integer in 0/],
      [['train', 'adc', '--seed', '99999999999', '--out', out], /--seed must be an integer in 0/],
      [['train', 'dnn', '--arch', 'mlp', '--seed', '4294967296', '--out', out], /--seed must be an integer in 0/],
      [['eval', 'sa', 'models/nnsa-d4', '--seed', 'x'], /--seed expects a number/],
      [['export', 'models/mlp-mnist', '--format', 'csv', '--seed', '4294967296', '--out', path.join(out, 'm.csv')], /--seed must be/],
      [['eval', 'adc', 'models/nnadc-8b-r1', '--eval-seed', '-3', '--out', out], /--eval-seed must be an integer in 0/],
      // Numbers and enumerations.
      [['simulate', '--sigma', 'NaN', '--out', out], /--sigma/],
      [['simulate', '--dataflow', 'isaac,foo', '--out', out], /foo/],
      [['simulate', '--samples', '0', '--out', out], /--samples/],
      [['simulate', '--mc', '-1', '--out', out], /--mc/],
      [['cost', '--workload', 'nonet', '--out', out], /nonet/],
      [['cost', '--arch', 'tpu', '--out', out], /tpu/],
      [['cost', '--baselines', 'isaac,isac', '--out', out], /--baselines: unknown architecture 'isac'/],
      [['export', 'models/nnadc-8b-r1', '--format', 'xlsx', '--out', path.join(out, 'm.x')], /xlsx/],
      [['--backend', 'gpu', 'info'], /gpu/],
      // Files.
      [['simulate', '--config', path.join(dir, 'missing.json'), '--out', out], /missing\.json/],
      [['simulate', '--config', notJson, '--out', out], /not valid JSON/],
      [['eval', 'adc', path.join(dir, 'no-such-model'), '--out', out], /no-such-model/],
      [['export', path.join(dir, 'no-such-model'), '--format', 'csv', '--out', path.join(out, 'm.csv')], /no-such-model/],
      [['simulate', '--model', path.join(dir, 'no-such-dnn'), '--out', out], /no-such-dnn/],
      // Evaluation options are checked before training replaces anything in --out.
      [['train', 'sa', '--mc', 'x', '--out', out], /--mc expects a number/],
      [['train', 'sa', '--corners', 'nominal,typo', '--out', out], /--corners: unknown corner mode 'typo'/],
      [['train', 'sa', '--trim', '0', '--out', out], /--trim/],
      [['train', 'adc', '--corners', 'fs', '--out', out], /--corners: unknown corner mode 'fs'/],
      [['train', 'adc', '--mc', '0', '--out', out], /--mc must be between 1 and 100000/],
      [['train', 'adc', '--write-verify', '-1', '--out', out], /--write-verify/],
      [['train', 'adc', '--comparator-trim', '-1', '--out', out], /--comparator-trim must be between 0 and 300 mV/],
      [['cost', '--nnsa', 'models/nnadc-8b-r1'], /holds a model of kind 'nnadc', expected 'nnsa'/],
      [['cost', '--nnsa', 'models/no-such-model'], /no-such-model/],
      [['eval', 'adc', 'models/nnadc-8b-r1', '--corners', 'x', '--out', out], /--corners: unknown corner mode 'x'/],
      // The shipped inverter bank is rewritten only with --force.
      [['characterize', 'inverter'], /--out is required \(or --force/],
      [['characterize', 'inverter', '--out', 'datasets/vtc'], /is the shipped VTC bank .*--force/],
      // More out-of-range and malformed options, command by command.
      [['simulate', '--read-noise', '-0.1', '--out', out], /read-?[nN]oise/],
      [['simulate', '--peripherals', 'magic', '--out', out], /--peripherals must be ideal or trained, got 'magic'/],
      [['simulate', '--mode', 'fancy', '--out', out], /mode/],
      [['simulate', '--samples', '2000000', '--out', out], /--samples must be between 1 and 1000000/],
      [['simulate', '--sigma-sweep', '0,abc', '--out', out], /--sigma-sweep/],
      [['simulate', '--sigma-sweep', '0,5', '--out', out], /--sigma-sweep values must be in \[0, 2\]/],
      [['simulate', '--preset', 'neural-pim', '--config', notJson, '--out', out], /give --preset or --config, not both/],
      [['train', 'dnn', '--arch', 'vgg', '--out', out], /vgg|arch/],
      [['train', 'dnn', '--arch', 'mlp', '--epochs', '0', '--out', out], /epochs/],
      [['train', 'dnn', '--arch', 'mlp', '--lr', 'fast', '--out', out], /--lr expects a number/],
      [['train', 'sa', '--dac-bits', '3', '--out', out], /dacBits/],
      [['train', 'sa', '--bit-rows', '1,1,1', '--out', out], /bitRows/],
      [['train', 'adc', '--bits', '11', '--out', out], /bits/],
      [['train', 'adc', '--arch', 'sar', '--out', out], /arch/],
      [['eval', 'sa', 'models/nnsa-d4', '--points', '8'], /--points must be between 16 and 1000000/],
      [['eval', 'sa', 'models/nnadc-8b-r1'], /holds a model of kind 'nnadc', expected 'nnsa'/],
      [['eval', 'adc', 'models/nnadc-8b-r1', '--sine-samples', '1000'], /sine|power of two/i],
      [['eval', 'chain', '--mc', '0'], /--mc must be at least 1/],
      [['eval', 'chain', '--sigma', '0.025,3'], /--sigma values must be in \[0, 2\]/],
      [['export', 'models/mlp-mnist', '--format', 'csv', '--draw', '-1', '--out', path.join(out, 'm.csv')], /--draw/],
      [['export', 'models/nnadc-8b-r1', '--format', 'csv', '--draw', '2', '--out', path.join(out, 'm.csv')], /--draw.*DNN/],
      [['export', 'models/nnadc-8b-r1', '--format', 'csv', '--sigma', '-1', '--out', path.join(out, 'm.csv')], /--sigma/],
      [['spice', 'verify', 'models/nnadc-8b-r1', '--points', '1'], /--points/],
      [['spice', 'verify', 'models/nnadc-8b-r1', '--corner', 'xx_99c'], /xx_99c/],
      [['cost', '--input-density', '2', '--out', out], /--input-density must be in \[0, 1\]/],
      [['cost', '--chips', '0', '--out', out], /--chips must be a positive integer/],
      [['characterize', 'inverter', '--out', path.join(dir, 'vtc'), '--temperatures', '500'], /--temperatures must lie within -55\.\.150/],
      [['characterize', 'inverter', '--out', path.join(dir, 'vtc'), '--step', '0'], /--step must be in \(0, 0\.05\]/],
      [['characterize', 'inverter', '--mismatch', '--out', path.join(dir, 'vtc'), '--samples', '1'], /--samples must be between 2/],
      [['characterize', 'inverter', '--mismatch', '--out', path.join(dir, 'vtc'), '--avt-n', '-1'], /--avt-n must be between 0/],
      [['characterize', 'inverter', '--mismatch', '--out', path.join(dir, 'vtc'), '--width-scale', '0'], /--width-scale must be/],
      [['characterize', 'inverter', '--mismatch', '--out', path.join(dir, 'vtc'), '--length-scale', '0.5'], /--length-scale must be/],
      [['eval', 'chain', '--calibration', 'gain'], /--calibration must be one of none, offset, offset-gain/],
      [['eval', 'chain', '--converter', 'flash'], /--converter must be nnadc or ideal/],
      [['eval', 'sa', 'models/nnsa-d4', '--mismatch', path.join(dir, 'no-mismatch.json')], /no-mismatch\.json/],
      [['config', 'show', '--preset', 'tpu'], /unknown preset 'tpu'/],
      [['sweep', 'plan', path.join(dir, 'no-study.json'), '--shards', '2', '--out', path.join(dir, 'plan')], /no-study\.json/],
      [['sweep', 'run', path.join(dir, 'no-plan')], /no-plan|shard/],
      [['sweep', 'merge', path.join(dir, 'no-plan')], /no-plan/],
      // Unknown options and commands.
      [['simulate', '--sigmaa', '0.1'], /unknown option '--sigmaa'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    // Models and data that do not fit, and models the accelerator cannot run (npim import).
    const studyFile = async (name: string, body: unknown): Promise<string> => {
      const file = path.join(dir, name);
      await fs.writeFile(file, JSON.stringify(body));
      return file;
    };
    const notZip = path.join(dir, 'model.pth');
    await fs.writeFile(notZip, 'not a zip archive');
    const lstm = path.join(dir, 'lstm.h5');
    await writeKerasH5(
      lstm,
      {
        class_name: 'Functional',
        config: {
          name: 'm',
          layers: [
            {
              class_name: 'InputLayer',
              name: 'in',
              config: { batch_input_shape: [null, 4, 2], dtype: 'float32', name: 'in' },
              inbound_nodes: [],
            },
            { class_name: 'LSTM', name: 'rnn', config: { name: 'rnn', units: 3 }, inbound_nodes: [[['in', 0, 0, {}]]] },
          ],
          input_layers: [['in', 0, 0]],
          output_layers: [['rnn', 0, 0]],
        },
      },
      new Map(),
    );
    cases.push(
      [
        ['simulate', '--model', 'models/lenet5-mnist', '--data', 'cifar10', '--out', out],
        /model models\/lenet5-mnist takes \[28, 28, 1\] inputs but --data cifar10 has \[32, 32, 3\] images$/,
      ],
      [
        ['simulate', '--data', 'imagenet', '--out', out],
        /--data must be mnist or cifar10 or a directory holding one of them; 'imagenet' is neither/,
      ],
      // The same check on the main job and on a sweep study, before any work.
      [
        ['run', '--model', 'models/lenet5-mnist', '--data', 'cifar10', '--out', out],
        /model models\/lenet5-mnist takes \[28, 28, 1\] inputs but --data cifar10 has \[32, 32, 3\] images$/,
      ],
      [
        [
          'sweep',
          'plan',
          await studyFile('cifar-study.json', { model: 'models/lenet5-mnist', data: 'cifar10', samples: 4 }),
          '--shards',
          '1',
          '--out',
          path.join(dir, 'plan-cifar'),
        ],
        /model models\/lenet5-mnist takes \[28, 28, 1\] inputs but --data cifar10 has \[32, 32, 3\] images$/,
      ],
      [['import', 'keras', lstm, '--out', out], /unsupported layer 'rnn' \(LSTM\); supported layers: /],
      [['import', 'keras', path.join(dir, 'none.h5'), '--out', out], /Keras model file not found: .*none\.h5/],
      [['import', 'torch', notZip, '--arch', 'resnet-cifar', '--out', out], /model\.pth is not a zip archive/],
      [['import', 'torch', notZip, '--arch', 'vgg', '--out', out], /unknown --arch 'vgg' \(known: resnet-cifar\)/],
    );
    // A 5 MB bad cell in a converter's measured codes: named, not echoed.
    const hugeCell = path.join(dir, 'huge-cell.csv');
    await fs.writeFile(hugeCell, `input,code\n0.1,3\n${'x'.repeat(5_000_000)},4\n`);
    cases.push([['eval', 'adc', hugeCell, '--bits', '4'], /input must be a number \(volts\), got 'x{40}…' \(5000000 characters\)/]);
    // Unknown keys in configuration files name the nearest valid key; no training on defaults.
    const config = async (name: string, body: unknown): Promise<string> => {
      const file = path.join(dir, name);
      await fs.writeFile(file, JSON.stringify(body));
      return file;
    };
    cases.push(
      [
        ['train', 'sa', '--config', await config('sa.json', { hiddenNeuron: 3 }), '--out', out],
        /Unrecognized key: "hiddenNeuron" \(did you mean 'hiddenNeurons'\?\)/,
      ],
      [
        ['train', 'sa', '--config', await config('sa-refine.json', { refine: { sweep: 2 } }), '--out', out],
        /refine: Unrecognized key: "sweep" \(did you mean 'sweeps'\?\)/,
      ],
      [
        ['train', 'adc', '--config', await config('adc.json', { foo: 1 }), '--out', out],
        /invalid NNADC training configuration: \(root\): Unrecognized key: "foo"/,
      ],
      [
        ['simulate', '--config', await config('sim.json', { draw: 3 }), '--out', out],
        /Unrecognized key: "draw" \(did you mean 'draws'\?\)/,
      ],
    );
    // Hand-edited NNADC models that are no longer a circuit: every command that loads one refuses it.
    const shipped = JSON.parse(await fs.readFile('models/nnadc-8b-r1/model.json', 'utf8'));
    const badModel = async (name: string, edit: (m: typeof shipped) => void): Promise<string> => {
      const m = structuredClone(shipped);
      edit(m);
      const d = path.join(dir, name);
      await fs.mkdir(d);
      await fs.writeFile(path.join(d, 'model.json'), JSON.stringify(m));
      return d;
    };
    const level99 = await badModel('level99', (m) => (m.stages[1].upperLevels[7] = 99));
    const short = await badModel('short', (m) => m.stages[0].lowerLevels.pop());
    const bits16 = await badModel('bits16', (m) => (m.bits = 16));
    const noCoarse = await badModel('no-coarse', (m) => (m.stages[1].inputs[2] = { kind: 'coarse', comparator: 15 }));
    const oneStage = await badModel('one-stage', (m) => m.stages.pop());
    cases.push(
      [['eval', 'adc', level99], /stages\.1\.upperLevels\.7: level 99 is not on the 8-level device grid/],
      [['export', level99, '--format', 'spice', '--out', path.join(out, 'x.cir')], /level 99 is not on the 8-level device grid/],
      [['export', level99, '--format', 'csv', '--out', path.join(out, 'x.csv')], /level 99 is not on the 8-level device grid/],
      [['eval', 'adc', short, '--mc', '2'], /stages\.0\.lowerLevels: 134 levels for 9 input rows × 15 comparators \(135\)/],
      [
        ['eval', 'adc', bits16, '--samples-per-code', '4096'],
        /bits: 16 bits is more than the evaluation can hold in memory \(at most 12\)/,
      ],
      [['spice', 'verify', noCoarse], /coarse comparator 15 does not exist \(coarse stage has 15\)/],
      [
        ['simulate', '--nnadc', `${oneStage},${oneStage},${oneStage}`, '--out', out],
        /a two-step NNADC has a coarse and a fine stage, got \[coarse\]/,
      ],
    );
    const before = await snapshot(dir);
    for (const [args, pattern] of cases) {
      const r = await npimHere(args);
      const what = `npim ${args.join(' ')}`;
      assert.is(r.code, 2, `${what}: exit code (stderr: ${r.stderr})`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.is(lines.length, 1, `${what}: stderr has ${lines.length} lines: ${r.stderr}`);
      assert.ok(lines[0].length <= 300, `${what}: ${lines[0].length} characters`);
      assert.not.match(lines[0], /\bat .*\.ts:\d+/, `${what}: stack trace`);
      assert.match(lines[0], pattern, what);
      assert.equal(await snapshot(dir), before, `${what} changed the files`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('eval sa prints, and writes only to --out: the model directory is never rewritten', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-eval-sa-'));
  try {
    const model = path.join(dir, 'nnsa');
    await fs.cp('models/nnsa-d4', model, { recursive: true });
    const before = await snapshot(model);
    const quick = ['--points', '64', '--nominal-points', '256', '--corners', 'nominal'];
    const printed = await npimHere(['--json', 'eval', 'sa', model, '--mc', '0', ...quick]);
    assert.is(printed.code, 0, printed.stderr);
    assert.equal(await snapshot(model), before, 'eval sa without --out changed the model directory');
    // No draws: no Monte Carlo entries, and nothing non-finite (JSON would say null).
    assert.equal(JSON.parse(printed.stdout).evaluation.monteCarlo, []);
    assert.not.match(printed.stdout, /null/);
    const out = path.join(dir, 'eval');
    const written = await npimHere(['--json', 'eval', 'sa', model, '--mc', '1', ...quick, '--out', out]);
    assert.is(written.code, 0, written.stderr);
    assert.equal((await fs.readdir(out)).sort(), ['error-vs-output.svg', 'metrics.json', 'monte-carlo.svg']);
    assert.equal(JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8')), JSON.parse(written.stdout));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test.run();
