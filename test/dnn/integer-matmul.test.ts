import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/core/rng.ts';
import { integerMatmul, integerMatmulReference } from '../../src/dnn/network.ts';
import { integerMatmulKernel, KERNEL_MAX_FAN_IN } from '../../src/dnn/integer-matmul.ts';

/** Codes with a given fraction of zeros (as after ReLU), extremes included. */
function codes(rng: Rng, n: number, zeros: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => (rng.uniform() < zeros ? 0 : rng.uniform() < 0.05 ? 255 : rng.int(256)));
}

test('the SIMD integer product equals the float64 loop exactly (odd fan-ins, ragged column blocks, sparse and dense codes)', () => {
  const rng = new Rng(11);
  for (const [rows, fanIn, fanOut, zeros] of [
    [1, 1, 1, 0],
    [7, 9, 3, 0.5],
    [33, 27, 16, 0.7],
    [20, 144, 17, 0.3],
    [5, 577, 64, 0],
    [64, 288, 40, 0.9],
  ]) {
    const x = codes(rng, rows * fanIn, zeros);
    const w = Int16Array.from({ length: fanIn * fanOut }, () =>
      rng.uniform() < 0.1 ? (rng.uniform() < 0.5 ? 255 : -255) : rng.int(511) - 255,
    );
    const want = integerMatmulReference(x, rows, fanIn, w, fanOut);
    const got = integerMatmulKernel(x, rows, fanIn, w, fanOut);
    assert.ok(got, 'the kernel takes this fan-in');
    assert.equal(Array.from(got!), Array.from(want), `${rows}×${fanIn}×${fanOut}`);
    // Weights laid out once are reused: a second call on other codes is still exact.
    const y = codes(rng, rows * fanIn, zeros);
    assert.equal(Array.from(integerMatmul(y, rows, fanIn, w, fanOut)), Array.from(integerMatmulReference(y, rows, fanIn, w, fanOut)));
  }
});

test('an odd fan-in laid out where an earlier call staged its codes is still exact (its padding row is zero)', () => {
  const rng = new Rng(12);
  for (let round = 0; round < 3; round++) {
    // A large product leaves nonzero codes and sums in the scratch memory above the weights ...
    const bigIn = 64;
    const bigRows = 500;
    const x = codes(rng, bigRows * bigIn, 0);
    const w = Int16Array.from({ length: bigIn * 16 }, () => rng.int(511) - 255);
    integerMatmul(x, bigRows, bigIn, w, 16);
    // ... where the next layer's weights are laid out.
    const fanIn = 2 * rng.int(20) + 3;
    const fanOut = 1 + rng.int(40);
    const y = codes(rng, 9 * fanIn, 0);
    const v = Int16Array.from({ length: fanIn * fanOut }, () => rng.int(511) - 255);
    assert.equal(Array.from(integerMatmul(y, 9, fanIn, v, fanOut)), Array.from(integerMatmulReference(y, 9, fanIn, v, fanOut)));
  }
});

test('the worst-case sum of the largest kernel fan-in is exact; larger fan-ins fall back to the float64 loop', () => {
  const fanIn = KERNEL_MAX_FAN_IN;
  const x = new Uint8Array(fanIn).fill(255);
  const w = new Int16Array(fanIn).fill(-255);
  assert.is(integerMatmulKernel(x, 1, fanIn, w, 1)![0], -255 * 255 * fanIn);
  assert.is(integerMatmulKernel(new Uint8Array(fanIn + 1), 1, fanIn + 1, new Int16Array(fanIn + 1), 1), null);
  const big = new Uint8Array(fanIn + 1).fill(255);
  assert.is(integerMatmul(big, 1, fanIn + 1, new Int16Array(fanIn + 1).fill(255), 1)[0], 255 * 255 * (fanIn + 1));
});

test.run();
