import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/core/rng.ts';
import { matmul, matmulReference } from '../../src/dnn/network.ts';

/** The bits of every value (so −0 and +0, and NaN payloads, count as different). */
const bits = (a: Float64Array): bigint[] => Array.from(new BigInt64Array(a.buffer, a.byteOffset, a.length));

test('the float64 product kernel equals its JavaScript loop bit for bit', () => {
  const rng = new Rng(5);
  // Odd and even fan-outs, a single column, rows beyond one block of the kernel's memory.
  for (const [rows, fanIn, fanOut] of [
    [1, 1, 1],
    [3, 7, 6],
    [5, 25, 16],
    [9, 150, 7],
    [2, 256, 10],
    [40000, 25, 6],
  ]) {
    // Values of mixed magnitudes and signs, with zeros (+0 and −0) to skip, as ReLU outputs have.
    const input = Float64Array.from({ length: rows * fanIn }, () => {
      const u = rng.uniform();
      if (u < 0.3) return 0;
      if (u < 0.35) return -0;
      return rng.normal() * 10 ** rng.int(7 - 3);
    });
    const weights = Float64Array.from({ length: fanIn * fanOut }, () => rng.normal() * 1e-2);
    const fast = matmul(input, rows, fanIn, weights, fanOut);
    const plain = matmulReference(input, rows, fanIn, weights, fanOut);
    assert.equal(bits(fast), bits(plain), `${rows}×${fanIn}×${fanOut}`);
  }
});

test('a product with no rows or no columns is empty', () => {
  assert.is(matmul(new Float64Array(0), 0, 4, new Float64Array(8), 2).length, 0);
  assert.is(matmul(new Float64Array(4), 1, 4, new Float64Array(0), 0).length, 0);
});

test.run();
