/** Worker thread of the simulator: runs chunks of a draw's batches on its own tfjs backend. */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../core/backend.ts';
import type { DrawPlan } from './engine.ts';
import { runDrawHere } from './parallel.ts';

const ready = initBackend('auto');

parentPort!.on('message', async (m: { plan: DrawPlan; images: Uint8Array; batchSize: number; firstBatch: number }) => {
  try {
    await ready;
    const output = runDrawHere(m.plan, m.images, m.batchSize, m.firstBatch, () => parentPort!.postMessage({ batchDone: true }));
    parentPort!.postMessage({ ok: true, output }, [output.logits.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: (e as Error).message });
  }
});
