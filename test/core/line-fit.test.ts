import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { leastSquaresLine } from '../../src/core/line-fit.ts';

test('least-squares line: recovers an exact line, the mean of symmetric scatter, NaN slope for constant x', () => {
  const x = [-2, -1, 0, 1, 2, 5];
  const exact = leastSquaresLine(
    x,
    x.map((v) => 3 * v - 2),
  );
  assert.ok(Math.abs(exact.slope - 3) < 1e-12 && Math.abs(exact.intercept + 2) < 1e-12);
  // Residuals ±1 alternating on a symmetric design cancel: the fit is the underlying line.
  const xs = [-1, -1, 1, 1];
  const noisy = leastSquaresLine(xs, [-0.5 + 1, -0.5 - 1, 0.5 + 1, 0.5 - 1]);
  assert.ok(Math.abs(noisy.slope - 0.5) < 1e-12 && Math.abs(noisy.intercept) < 1e-12);
  assert.ok(Number.isNaN(leastSquaresLine([1, 1, 1], [0, 1, 2]).slope));
});

test.run();
