import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/core/rng.ts';
import {
  RramConfigSchema,
  conductanceLevels,
  defaultRramConfig,
  driftFactor,
  gMinSiemens,
  nearestLevelIndex,
  programConductances,
  readConductances,
} from '../../src/device/rram.ts';

test('2^bits equally spaced levels from G_min to G_max', () => {
  const cfg = defaultRramConfig({ levelBits: 3, gMaxSiemens: 100e-6, onOffRatio: 50 });
  const g = conductanceLevels(cfg);
  assert.is(g.length, 8);
  assert.ok(Math.abs(g[0] - 2e-6) < 1e-15);
  assert.ok(Math.abs(g[7] - 100e-6) < 1e-15);
  const step = g[1] - g[0];
  for (let i = 1; i < 8; i++) assert.ok(Math.abs(g[i] - g[i - 1] - step) < 1e-15);
  assert.is(nearestLevelIndex(cfg, g[5] + 0.4 * step), 5);
  assert.is(nearestLevelIndex(cfg, 1), 7);
});

test('log-normal programming variation has the configured spread in log space', () => {
  const cfg = defaultRramConfig({ programming: { kind: 'lognormal', sigma: 0.05 } });
  const target = new Float64Array(100_000).fill(50e-6);
  const g = programConductances(target, cfg, new Rng(1));
  let s = 0;
  let s2 = 0;
  for (const x of g) {
    const l = Math.log(x / 50e-6);
    s += l;
    s2 += l * l;
  }
  const sd = Math.sqrt(s2 / g.length - (s / g.length) ** 2);
  assert.ok(Math.abs(sd - 0.05) < 0.001, `sd ${sd}`);
});

test('programming is persistent per seed; read noise differs per read', () => {
  const cfg = defaultRramConfig({ readNoiseSigma: 0.01 });
  const target = new Float64Array(16).fill(20e-6);
  const a = programConductances(target, cfg, new Rng(5));
  const b = programConductances(target, cfg, new Rng(5));
  assert.equal(Array.from(a), Array.from(b));
  const rng = new Rng(9);
  const r1 = readConductances(a, cfg, rng);
  const r2 = readConductances(a, cfg, rng);
  assert.not.equal(Array.from(r1), Array.from(r2));
});

test('stuck-at faults occur at their rates and pin the conductance', () => {
  const cfg = defaultRramConfig({ programming: { kind: 'none', sigma: 0 }, stuckAtGMinRate: 0.1, stuckAtGMaxRate: 0.05 });
  const target = new Float64Array(100_000).fill(50e-6);
  const g = programConductances(target, cfg, new Rng(2));
  const lo = g.filter((x) => x === gMinSiemens(cfg)).length / g.length;
  const hi = g.filter((x) => x === cfg.gMaxSiemens).length / g.length;
  assert.ok(Math.abs(lo - 0.1) < 0.005, `stuck-at-Gmin ${lo}`);
  assert.ok(Math.abs(hi - 0.05) < 0.005, `stuck-at-Gmax ${hi}`);
});

test('drift follows the power law', () => {
  const cfg = defaultRramConfig({ drift: { nu: 0.1, t0Seconds: 1, tSeconds: 1000 } });
  assert.ok(Math.abs(driftFactor(cfg) - 1000 ** -0.1) < 1e-12);
});

test('invalid device settings are rejected', () => {
  assert.not.ok(RramConfigSchema.safeParse({ levelBits: 0 }).success);
  assert.not.ok(RramConfigSchema.safeParse({ programming: { sigma: -0.1 } }).success);
  assert.not.ok(RramConfigSchema.safeParse({ onOffRatio: 1 }).success);
  assert.not.ok(RramConfigSchema.safeParse({ stuckAtGMinRate: 0.7, stuckAtGMaxRate: 0.7 }).success);
});

test.run();
