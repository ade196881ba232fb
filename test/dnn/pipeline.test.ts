import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeBackend, initBackend } from '../../src/core/backend.ts';
import { setQuiet } from '../../src/io/progress.ts';
import { trainDnnToDir } from '../../src/app/train-dnn.ts';
import { importLayersModel } from '../../src/app/import-model.ts';
import { MNIST_TEST_DIR, mnistAvailable } from './helpers.ts';

test('one short MLP run writes model.json, weights.bin and a complete metrics.json', async () => {
  if (!mnistAvailable()) return;
  const backend = describeBackend(await initBackend('auto'));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-pipeline-'));
  setQuiet(true);
  try {
    const out = path.join(dir, 'mlp');
    const m = await trainDnnToDir(
      {
        arch: 'mlp',
        epochs: 1,
        batchSize: 256,
        learningRate: 2e-3,
        seed: 4,
        dataDir: MNIST_TEST_DIR,
        download: false,
        downloadTraining: false,
        out,
      },
      backend,
    );
    assert.equal((await fs.readdir(out)).sort(), ['metrics.json', 'model.json', 'weights.bin']);
    assert.equal(JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8')), JSON.parse(JSON.stringify(m)));
    assert.is(m.split.name, 'test-only');
    assert.equal(m.split.heldOut, { source: 'test', start: 8000, end: 10000 });
    assert.is(m.heldOutImages, 2000);
    assert.is(m.seed, 4);
    assert.is(m.parameters, 784 * 256 + 256 + 256 * 10 + 10);
    assert.ok(m.floatAccuracy > 0.8 && m.quantizedAccuracy > 0.8, `${m.floatAccuracy} / ${m.quantizedAccuracy}`);
    assert.ok(Math.abs(m.floatAccuracy - m.quantizedAccuracy) < 0.02);
    assert.equal(
      m.quantization.layers.map((l) => l.kind),
      ['flatten', 'dense', 'relu', 'dense'],
    );
    // The saved model imports, carrying its input scale.
    const imported = await importLayersModel(out);
    assert.is(imported.network.inputScale, 1 / 255);
  } finally {
    setQuiet(false);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test.run();
