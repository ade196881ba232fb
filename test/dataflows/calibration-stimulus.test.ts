/**
 * The Neural-PIM foreground calibration stimulus: every bit pair at a known signed value, at the
 * layer's operating common mode (v⁺ + v⁻), inside the NNS+A's input range; common mode 0 is the
 * single-line stimulus (v⁻ = 0 for a positive value).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { calibrationPair } from '../../src/dataflows/neural-pim-circuits.ts';
import { SIGNAL_MAX_VOLTS } from '../../src/core/defaults.ts';
import { Rng } from '../../src/core/rng.ts';

test('calibration pair: the signed value is exact, the common mode is the requested one where the range allows', () => {
  const rng = new Rng(5);
  for (let k = 0; k < 2000; k++) {
    const level = rng.uniformIn(-1, 1);
    const cm = rng.uniformIn(0, SIGNAL_MAX_VOLTS);
    const [vp, vn] = calibrationPair(level, cm);
    assert.ok(vp >= 0 && vn >= 0, `non-negative lines (${vp}, ${vn})`);
    assert.ok(Math.abs(vp - vn - SIGNAL_MAX_VOLTS * level) < 1e-12, 'v⁺ − v⁻ = 0.5 V · level');
    assert.ok(vp + vn <= SIGNAL_MAX_VOLTS + 1e-12, 'inside the input triangle');
    const want = Math.max(cm, Math.abs(SIGNAL_MAX_VOLTS * level));
    assert.ok(Math.abs(vp + vn - want) < 1e-12, `common mode ${vp + vn} for ${want}`);
  }
});

test('calibration pair at common mode 0 is the single-line stimulus, bit for bit', () => {
  for (const level of [-1, -0.5, -1 / 3, -1e-3, 0, 1e-3, 0.25, 2 / 3, 1]) {
    const [vp, vn] = calibrationPair(level, 0);
    assert.is(vp, SIGNAL_MAX_VOLTS * Math.max(0, level));
    assert.is(vn, SIGNAL_MAX_VOLTS * Math.max(0, -level));
  }
});

test.run();
