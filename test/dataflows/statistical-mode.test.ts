/** The statistical mode stands for the behavioral one: same accuracy and SINAD on a real network. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { npimHere } from '../helpers/cli.ts';

interface Result {
  accuracyMean: number;
  referenceAccuracy: number;
  sinadMeanDb: number;
}

async function run(mode: string): Promise<Result> {
  const r = await npimHere(['--json', 'simulate', '--dataflow', 'neural-pim', '--mode', mode, '--samples', '500', '--mc', '1']);
  assert.is(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { results: Result[] }).results[0];
}

test('LeNet-5, 500 images: statistical within 1 pp and 3 dB of behavioral', async () => {
  const behavioral = await run('behavioral');
  const statistical = await run('statistical');
  assert.ok(
    Math.abs(statistical.accuracyMean - behavioral.accuracyMean) <= 0.01,
    `accuracy ${statistical.accuracyMean} statistical vs ${behavioral.accuracyMean} behavioral`,
  );
  assert.ok(
    Math.abs(statistical.sinadMeanDb - behavioral.sinadMeanDb) <= 3,
    `SINAD ${statistical.sinadMeanDb} dB statistical vs ${behavioral.sinadMeanDb} dB behavioral`,
  );
  // Not the trivial agreement of two noiseless runs: the hardware error is real.
  assert.ok(behavioral.sinadMeanDb < 40, `behavioral SINAD ${behavioral.sinadMeanDb} dB`);
});

test.run();
