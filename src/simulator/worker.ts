/** Worker thread of the simulator: runs jobs of `parallel.ts` (a draw's batches and SINAD chunks, reference batches, layer calibrations) on its own tfjs backend. */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../core/backend.ts';
import { runQuantized } from '../dnn/quantize.ts';
import { dataflowOf } from '../dataflows/index.ts';
import { runDrawHere, type WorkerJob } from './parallel.ts';

const ready = initBackend('auto');

parentPort!.on('message', async (m: WorkerJob) => {
  try {
    await ready;
    switch (m.kind) {
      case 'draw': {
        const output = runDrawHere(
          m.plan,
          m.images,
          m.batchSize,
          m.firstBatch,
          () => parentPort!.postMessage({ batchDone: true }),
          m.sinad,
        );
        parentPort!.postMessage({ ok: true, output }, [output.logits.buffer as ArrayBuffer]);
        break;
      }
      case 'reference': {
        const output = runQuantized(m.net, m.images, { batchSize: m.batchSize });
        parentPort!.postMessage({ ok: true, output }, [output.buffer as ArrayBuffer]);
        break;
      }
      case 'calibrate':
        parentPort!.postMessage({ ok: true, output: dataflowOf(m.run.cfg).calibrate(m.run, m.layers) });
        break;
    }
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: (e as Error).message });
  }
});
