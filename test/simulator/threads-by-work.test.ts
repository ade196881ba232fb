import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { images, randomNet, simulateWithLogits } from './helpers.ts';
import { SimulationConfigSchema } from '../../src/chip/simulation-config.ts';
import { workerJobs } from '../../src/simulator/parallel.ts';

test('a small job stays on this thread unless workers is set, with the same result either way', async () => {
  await initBackend('auto');
  const net = randomNet(2);
  const x = images(3, 24, 300);
  const labels = new Uint8Array(24);
  const base = { dataflow: 'isaac', batchSize: 6, device: { programming: { kind: 'lognormal', sigma: 0.025 } } } as const;
  // Far below 5e8 multiply-accumulates per thread: no worker thread with workers unset.
  const before = workerJobs();
  const byWork = await simulateWithLogits(SimulationConfigSchema.parse(base), net, x, labels, null);
  assert.is(workerJobs(), before, 'jobs handed to workers with workers unset');
  // An explicit count is used as given: four batches over two threads.
  const explicit = await simulateWithLogits(SimulationConfigSchema.parse({ ...base, workers: 2 }), net, x, labels, null);
  assert.ok(workerJobs() > before, 'no job handed to workers with workers: 2');
  assert.equal(Array.from(explicit.logits), Array.from(byWork.logits));
});

test.run();
