import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { idealQuantizer, measureConverter, type AdcTransfer } from '../../src/analysis/adc-metrics.ts';

const V_LOW = 0;
const V_HIGH = 0.5;

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);
}

function maxAbs(arr: number[]): number {
  return arr.reduce((m, x) => (Number.isNaN(x) ? m : Math.max(m, Math.abs(x))), 0);
}

for (const bits of [8, 6]) {
  test(`ideal ${bits}-bit quantizer: ENOB ${bits} ± 0.05, DNL = INL = 0, no missing codes, no offset or gain error`, () => {
    const m = measureConverter(
      { kind: 'transfer', transfer: idealQuantizer(bits, V_LOW, V_HIGH) },
      { bits, vLowVolts: V_LOW, vHighVolts: V_HIGH },
    );
    close(m.sine.enobBits, bits, 0.05, 'ENOB');
    // SINAD of an ideal quantizer referred to full scale: 6.02·N + 1.76 dB.
    close(m.sine.sinadFullScaleDb, 6.0206 * bits + 1.7609, 0.3, 'SINAD_FS');
    // At −0.5 dBFS the measured SINAD is 0.5 dB lower.
    close(m.sine.sinadDb, 6.0206 * bits + 1.7609 - 0.5, 0.3, 'SINAD');
    assert.ok(maxAbs(m.linearity.perCode.dnlLsb) < 1e-9, 'DNL');
    assert.ok(maxAbs(m.linearity.perCode.inlLsb) < 1e-9, 'INL');
    assert.equal(m.linearity.missingCodes, []);
    assert.equal(m.linearity.unreachedEndCodes, []);
    close(m.linearity.offsetErrorLsb, 0, 1e-9, 'offset');
    close(m.linearity.gainErrorLsb, 0, 1e-9, 'gain');
    // Transition levels are the ideal ones, k·Q.
    const Q = (V_HIGH - V_LOW) / 2 ** bits;
    for (const k of [1, 5, 2 ** bits - 1]) close(m.linearity.perCode.transitionVolts[k], k * Q, 1e-12, `T[${k}]`);
    // The fitted sine has the stimulus amplitude (−0.5 dBFS of FS/2).
    close(m.sine.fittedAmplitudeVolts, ((V_HIGH - V_LOW) / 2) * 10 ** (-0.5 / 20), 0.05 * Q, 'amplitude');
    assert.equal(m.warnings, []);
  });
}

test('a code twice as wide as its neighbour, which disappears: DNL +1 there, −1 and missing for the neighbour', () => {
  const q = idealQuantizer(8, V_LOW, V_HIGH);
  const wide = 100;
  const transfer: AdcTransfer = (v) => (q(v) === wide + 1 ? wide : q(v));
  const m = measureConverter({ kind: 'transfer', transfer }, { bits: 8 });
  const dnl = m.linearity.perCode.dnlLsb;
  close(dnl[wide], 1, 1e-9, 'DNL of the wide code');
  close(dnl[wide + 1], -1, 0, 'DNL of the vanished code');
  assert.equal(m.linearity.missingCodes, [wide + 1]);
  for (let k = 1; k < 255; k++) if (k !== wide && k !== wide + 1) close(dnl[k], 0, 1e-9, `DNL[${k}]`);
  close(m.linearity.dnlMaxLsb, 1, 1e-9, 'DNL max');
  assert.is(m.linearity.dnlMaxCode, wide);
  close(m.linearity.dnlMinLsb, -1, 1e-9, 'DNL min');
  // T[101] moves up by one LSB onto T[102]; endpoint INL is +1 there and 0 elsewhere.
  const inl = m.linearity.perCode.inlLsb;
  close(inl[wide + 1], 1, 1e-9, 'INL at T[101]');
  close(inl[wide], 0, 1e-9, 'INL at T[100]');
  close(inl[wide + 2], 0, 1e-9, 'INL at T[102]');
});

test('offset of +0.5 LSB (codes read half an LSB high) is reported, gain error stays 0', () => {
  const q = idealQuantizer(8, V_LOW, V_HIGH);
  const Q = (V_HIGH - V_LOW) / 256;
  const m = measureConverter({ kind: 'transfer', transfer: (v) => q(v + 0.5 * Q) }, { bits: 8 });
  // Ramp resolution is Q/64 per transition.
  close(m.linearity.offsetErrorLsb, 0.5, 1 / 64, 'offset LSB');
  close(m.linearity.offsetErrorPercentFs, (0.5 / 256) * 100, (1 / 64 / 256) * 100, 'offset % FS');
  close(m.linearity.gainErrorLsb, 0, 1 / 32, 'gain LSB');
  close(m.linearity.perCode.transitionVolts[1], 0.5 * Q, Q / 64, 'T[1]');
});

test('gain error of +1 % (slope 1.01) is reported as 1 % FS and 2.56 LSB, with no offset', () => {
  const q = idealQuantizer(8, V_LOW, V_HIGH);
  const m = measureConverter({ kind: 'transfer', transfer: (v) => q(V_LOW + 1.01 * (v - V_LOW)) }, { bits: 8 });
  close(m.linearity.gainErrorPercentFs, 1, 0.01, 'gain % FS');
  close(m.linearity.gainErrorLsb, 2.56, 0.03, 'gain LSB');
  close(m.linearity.offsetErrorLsb, 0, 1 / 32, 'offset');
  // DNL is normalised by the mean code width, so a pure gain error leaves it at the ramp resolution.
  assert.ok(maxAbs(m.linearity.perCode.dnlLsb) <= 2 / 64, `DNL ${maxAbs(m.linearity.perCode.dnlLsb)}`);
  // SINAD is insensitive to gain: the −0.5 dBFS sine does not clip at 1 % gain.
  close(m.sine.enobBits, 8, 0.05, 'ENOB');
});

test('offset and gain together: each is recovered', () => {
  const q = idealQuantizer(8, V_LOW, V_HIGH);
  const Q = (V_HIGH - V_LOW) / 256;
  const m = measureConverter({ kind: 'transfer', transfer: (v) => q(V_LOW + 1.01 * (v - V_LOW) + 0.5 * Q) }, { bits: 8 });
  close(m.linearity.offsetErrorLsb, 0.5, 1 / 32, 'offset');
  close(m.linearity.gainErrorPercentFs, 1, 0.01, 'gain');
});

test('a quantizer with centre-defined range read with edge convention: +0.5 LSB offset, −1 LSB gain error', () => {
  // round(v/0.5·255) has LSB 0.5/255 and transitions at (k − ½)·0.5/255; against the edge scale
  // (LSB 0.5/256, transitions k·0.5/256) the endpoint gain is 255/256 and the offset Q/2.
  const q = idealQuantizer(8, V_LOW, V_HIGH, 'centers');
  const asEdges = measureConverter({ kind: 'transfer', transfer: q }, { bits: 8 });
  close(asEdges.linearity.gainErrorLsb, -1, 1 / 32, 'gain LSB');
  close(asEdges.linearity.gainErrorPercentFs, -100 / 256, 0.01, 'gain %');
  close(asEdges.linearity.offsetErrorLsb, 0.5, 1 / 32, 'offset');
  const asCenters = measureConverter({ kind: 'transfer', transfer: q }, { bits: 8, rangeConvention: 'centers' });
  close(asCenters.linearity.gainErrorLsb, 0, 1e-9, 'gain (centres)');
  close(asCenters.linearity.offsetErrorLsb, 0, 1e-9, 'offset (centres)');
  close(asCenters.sine.enobBits, 8, 0.05, 'ENOB (centres)');
  close(asCenters.scale.lsbVolts, 0.5 / 255, 1e-15, 'LSB (centres)');
});

test('Gaussian input noise σ = 0.5 LSB: SINAD and ENOB match signal / (Q²/12 + σ²)', () => {
  const bits = 8;
  const Q = (V_HIGH - V_LOW) / 2 ** bits;
  const sigma = 0.5 * Q;
  const q = idealQuantizer(bits, V_LOW, V_HIGH);
  const rng = new Rng(7);
  const m = measureConverter({ kind: 'transfer', transfer: (v) => q(v + sigma * rng.normal()) }, { bits });
  const noise = (Q * Q) / 12 + sigma * sigma;
  const amplitude = ((V_HIGH - V_LOW) / 2) * 10 ** (-0.5 / 20);
  const sinadExpected = 10 * Math.log10((amplitude * amplitude) / 2 / noise);
  const fullScale = 2 ** bits * Q;
  const enobExpected = (10 * Math.log10((fullScale * fullScale) / 8 / noise) - 1.76) / 6.02; // = N − 1 here
  close(m.sine.enobBits, enobExpected, 0.1, 'ENOB');
  close(m.sine.sinadDb, sinadExpected, 0.6, 'SINAD');
  close(enobExpected, bits - 1, 0.01, 'analytic ENOB (σ = Q/2 quadruples the noise)');
});

test('quadratic bow of 0.5 LSB: endpoint INL −0.5..0, best-fit INL −1/6..+1/3 LSB', () => {
  // v' = v + 2Q·x(1 − x), x = v/FS: transitions move down by 2·x(1 − x) LSB, 0.5 LSB at mid-scale.
  // Endpoint line: the chord, so INL = −2·x(1 − x). Least-squares line of −2·x(1 − x) over x ∈ [0, 1]:
  // the constant −1/3, so INL = −2·x(1 − x) + 1/3 ∈ [−1/6, +1/3].
  const q = idealQuantizer(8, V_LOW, V_HIGH);
  const fs = V_HIGH - V_LOW;
  const Q = fs / 256;
  const transfer: AdcTransfer = (v) => {
    const x = (v - V_LOW) / fs;
    return q(v + 2 * Q * x * (1 - x));
  };
  const ep = measureConverter({ kind: 'transfer', transfer }, { bits: 8 });
  close(ep.linearity.inlMinLsb, -0.5, 0.03, 'endpoint INL min');
  close(ep.linearity.inlMaxLsb, 0, 0.03, 'endpoint INL max');
  close(ep.linearity.perCode.inlLsb[128], -0.5, 0.03, 'endpoint INL at mid-scale');
  close(ep.linearity.perCode.inlLsb[64], -0.375, 0.03, 'endpoint INL at quarter scale');
  const bf = measureConverter({ kind: 'transfer', transfer }, { bits: 8, inlFit: 'best-fit' });
  close(bf.linearity.inlMinLsb, -1 / 6, 0.03, 'best-fit INL min');
  close(bf.linearity.inlMaxLsb, 1 / 3, 0.03, 'best-fit INL max');
  // DNL is the same for both fits.
  assert.equal(bf.linearity.perCode.dnlLsb, ep.linearity.perCode.dnlLsb);
});

test('second-order distortion of −60 dBc: THD −60 dBc, SFDR 60 dB, SNR of a 12-bit quantizer', () => {
  const bits = 12;
  const q = idealQuantizer(bits, V_LOW, V_HIGH);
  const center = (V_LOW + V_HIGH) / 2;
  const amplitude = ((V_HIGH - V_LOW) / 2) * 10 ** (-6 / 20);
  // v + β(v − c)²: for v = c + A·sin θ the second harmonic has amplitude βA²/2, i.e. βA/2 relative.
  const beta = (2 * 1e-3) / amplitude;
  const m = measureConverter(
    { kind: 'transfer', transfer: (v) => q(v + beta * (v - center) ** 2) },
    { bits, samplesPerCode: 4, amplitudeDbfs: -6 },
  );
  close(m.sine.thdDb, -60, 0.2, 'THD');
  close(m.sine.sfdrDb, 60, 0.2, 'SFDR');
  // Noise alone: quantization noise of 12 bits at −6 dBFS ≈ 74 − 6 dB.
  close(m.sine.snrDb, 6.0206 * bits + 1.7609 - 6, 1, 'SNR');
  // SINAD combines them: 10·log10(1 / (10^−6 + 10^−SNR/10)).
  close(m.sine.sinadDb, -10 * Math.log10(1e-6 + 10 ** (-m.sine.snrDb / 10)), 0.2, 'SINAD');
  // Exactly so between the sine fit (SINAD) and the spectrum (SNR, THD): for coherent sampling the
  // fit residual and the non-fundamental bins carry the same power (Parseval).
  close(m.sine.sinadDb, -10 * Math.log10(10 ** (-m.sine.snrDb / 10) + 10 ** (m.sine.thdDb / 10)), 1e-6, 'SINAD from SNR and THD');
});

test('bad converters and bad options are user errors naming the problem', () => {
  const q = idealQuantizer(4, V_LOW, V_HIGH);
  assert.throws(
    () => measureConverter({ kind: 'transfer', transfer: (v) => q(v) + 0.5 }, { bits: 4 }),
    (e: unknown) => e instanceof UserError && /integer code in 0\.\.15/.test(e.message),
  );
  assert.throws(
    () => measureConverter({ kind: 'transfer', transfer: () => 16 }, { bits: 4 }),
    (e: unknown) => e instanceof UserError && /returned 16/.test(e.message),
  );
  assert.throws(
    () => measureConverter({ kind: 'transfer', transfer: q }, { bits: 0 }),
    (e: unknown) => e instanceof UserError && /bits must be an integer in 1\.\.16, got 0/.test(e.message),
  );
  assert.throws(
    () => measureConverter({ kind: 'transfer', transfer: q }, { bits: 4, sineCycles: 64 }),
    (e: unknown) => e instanceof UserError && /sineCycles must be odd/.test(e.message),
  );
  assert.throws(
    () => measureConverter({ kind: 'transfer', transfer: q }, { bits: 4, sineSamples: 1000 }),
    (e: unknown) => e instanceof UserError && /power of two/.test(e.message),
  );
  assert.throws(
    () => measureConverter({ kind: 'transfer', transfer: q }, { bits: 4, vLowVolts: 1, vHighVolts: 0.5 }),
    (e: unknown) => e instanceof UserError && /vHighVolts must be greater/.test(e.message),
  );
  assert.throws(
    () => measureConverter({ kind: 'transfer', transfer: q }, { bits: 4, vHighVolts: NaN }),
    (e: unknown) => e instanceof UserError && /vHighVolts must be a finite number/.test(e.message),
  );
  assert.throws(
    () => measureConverter({ kind: 'samples', inputVolts: [0, 0.1, NaN], codes: [0, 1, 2] }, { bits: 4 }),
    (e: unknown) => e instanceof UserError && /input 2 is NaN/.test(e.message),
  );
});

test('a converter that never reaches full scale is flagged', () => {
  const q = idealQuantizer(6, V_LOW, V_HIGH);
  const m = measureConverter({ kind: 'transfer', transfer: (v) => Math.min(q(v), 60) }, { bits: 6 });
  assert.equal(m.linearity.missingCodes, [61, 62]);
  assert.equal(m.linearity.unreachedEndCodes, [63]);
  assert.ok(m.warnings.some((w) => /end code 63/.test(w)));
});

test.run();
