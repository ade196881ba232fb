import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/core/rng.ts';

test('same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xa = Array.from({ length: 5 }, () => a.uniform());
  const xb = Array.from({ length: 5 }, () => b.uniform());
  const xc = Array.from({ length: 5 }, () => c.uniform());
  assert.equal(xa, xb);
  assert.not.equal(xa, xc);
});

test('forks depend only on the seed and label, not on draws made before', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  for (let i = 0; i < 100; i++) b.uniform();
  assert.is(a.fork('x').uniform(), b.fork('x').uniform());
  assert.is.not(a.fork('x').uniform(), a.fork('y').uniform());
});

test('normal draws have mean 0 and variance 1', () => {
  const r = new Rng(1);
  const n = 200_000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(s2 / n - mean * mean - 1) < 0.01, `variance ${s2 / n}`);
});

test('polar-method normals: mean 0, variance 1, Gaussian tails, reproducible from the seed', () => {
  const n = 400_001;
  const x = new Rng(7).fillStandardNormalPolar(new Float64Array(n));
  assert.equal(Array.from(new Rng(7).fillStandardNormalPolar(new Float64Array(11))), Array.from(x.subarray(0, 11)));
  let s = 0;
  let s2 = 0;
  let beyond2 = 0;
  for (const v of x) {
    s += v;
    s2 += v * v;
    if (Math.abs(v) > 2) beyond2++;
  }
  const mean = s / n;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(s2 / n - mean * mean - 1) < 0.01, `variance ${s2 / n}`);
  // P(|Z| > 2) = 0.0455 for a standard normal.
  assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.002, `tail ${beyond2 / n}`);
});

test('uniform draws stay in [0, 1) and int(n) covers 0..n-1', () => {
  const r = new Rng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    seen.add(r.int(5));
  }
  assert.equal([...seen].sort(), [0, 1, 2, 3, 4]);
});

test.run();
