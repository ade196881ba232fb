/** Least-squares straight line, the fit behind every offset/gain calibration. */

/** Slope and intercept of y ≈ slope·x + intercept. */
export interface LineFit {
  slope: number;
  intercept: number;
}

/**
 * Ordinary least-squares line through (x_i, y_i). The sums run in index order, so callers that
 * must reproduce earlier results bit for bit can rely on it. A constant x gives slope NaN.
 */
export function leastSquaresLine(x: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  const n = x.length;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i];
    sy += y[i];
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) sxx += (x[i] - mx) ** 2;
  for (let i = 0; i < n; i++) sxy += (x[i] - mx) * (y[i] - my);
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
