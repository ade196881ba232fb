import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { loadLayersModelFromDir, readModelMetadata, saveLayersModelToDir } from '../../src/io/layers-model.ts';
import { buildModel } from '../../src/dnn/zoo.ts';
import { userErrorOf } from './helpers.ts';

let dir = '';
test.before(async () => {
  await initBackend('auto');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-modelio-'));
});
test.after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('save → load gives the same predictions, standard files and the metadata', async () => {
  const model = buildModel('lenet5', new Rng(3));
  const out = path.join(dir, 'lenet');
  const files = await saveLayersModelToDir(model, out, { inputScale: 1 / 255, arch: 'lenet5' });
  assert.equal((await fs.readdir(out)).sort(), ['model.json', 'weights.bin']);
  const json = JSON.parse(await fs.readFile(files.modelJson, 'utf8'));
  assert.is(json.format, 'layers-model');
  assert.equal(json.weightsManifest[0].paths, ['weights.bin']);
  // 61 706 float32 parameters.
  assert.is((await fs.stat(files.weightsBin)).size, 61706 * 4);
  const loaded = await loadLayersModelFromDir(out);
  assert.equal(readModelMetadata(loaded), { inputScale: 1 / 255, arch: 'lenet5' });
  const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 9);
  const a = (model.predict(x) as tf.Tensor).dataSync();
  const b = (loaded.predict(x) as tf.Tensor).dataSync();
  assert.equal(Array.from(b), Array.from(a));
});

test('sharded weights (as the tfjs converter writes them) load', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ name: 'fc', units: 3, inputShape: [4] })] });
  const out = path.join(dir, 'shards');
  await saveLayersModelToDir(model, out);
  const json = JSON.parse(await fs.readFile(path.join(out, 'model.json'), 'utf8'));
  const bytes = await fs.readFile(path.join(out, 'weights.bin'));
  await fs.writeFile(path.join(out, 'group1-shard1of2.bin'), bytes.subarray(0, 20));
  await fs.writeFile(path.join(out, 'group1-shard2of2.bin'), bytes.subarray(20));
  await fs.rm(path.join(out, 'weights.bin'));
  json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
  await fs.writeFile(path.join(out, 'model.json'), JSON.stringify(json));
  const loaded = await loadLayersModelFromDir(out);
  assert.equal(Array.from(loaded.getWeights()[0].dataSync()), Array.from(model.getWeights()[0].dataSync()));
  assert.is(readModelMetadata(loaded), null);
});

test('broken model directories are one-line errors naming the problem', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ name: 'fc', units: 3, inputShape: [4] })] });
  const out = path.join(dir, 'broken');
  await saveLayersModelToDir(model, out);
  const bytes = await fs.readFile(path.join(out, 'weights.bin'));
  await fs.writeFile(path.join(out, 'weights.bin'), bytes.subarray(0, 10));
  assert.match(await userErrorOf(() => loadLayersModelFromDir(out)), /weights of .* are 10 bytes but model\.json declares 60/);
  await fs.rm(path.join(out, 'weights.bin'));
  assert.match(
    await userErrorOf(() => loadLayersModelFromDir(out)),
    /weight file .*weights\.bin named in .*model\.json cannot be read: ENOENT/,
  );
  await fs.writeFile(path.join(out, 'model.json'), '{"format":"graph-model","modelTopology":{}}');
  assert.match(await userErrorOf(() => loadLayersModelFromDir(out)), /is a tfjs graph model/);
  await fs.writeFile(path.join(out, 'model.json'), '{not json');
  assert.match(await userErrorOf(() => loadLayersModelFromDir(out)), /model\.json .* is not valid JSON/);
  await fs.rm(path.join(out, 'model.json'));
  assert.match(await userErrorOf(() => loadLayersModelFromDir(out)), /model\.json not found/);
  assert.match(await userErrorOf(() => loadLayersModelFromDir(path.join(dir, 'nope'))), /model directory not found/);
});

test.run();
