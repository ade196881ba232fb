/**
 * SVG plots through Vega-Lite (headless: compiled to Vega and rendered with the SVG string
 * renderer, no browser or canvas needed). Callers build a Vega-Lite spec; {@link renderSvg} turns
 * it into the SVG text, which {@link ../app/plots.ts} writes next to their results.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification (data inline). */
export type PlotSpec = TopLevelSpec;

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A linear axis not forced to include zero, or a log axis (which has no zero to include: Vega warns if asked). */
function axisScale(type: 'linear' | 'log' = 'linear'): { type: 'linear' | 'log'; zero?: boolean } {
  return type === 'log' ? { type } : { type, zero: false };
}

/** A simple multi-series line plot spec: rows of {x, y, series}. */
export function linePlot(opts: {
  title: string;
  xTitle: string;
  yTitle: string;
  rows: Array<{ x: number; y: number; series?: string }>;
  xScale?: 'linear' | 'log';
  yScale?: 'linear' | 'log';
  points?: boolean;
}): PlotSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title,
    width: 480,
    height: 300,
    data: { values: opts.rows.map((r) => ({ ...r, series: r.series ?? '' })) },
    mark: { type: 'line', point: opts.points ?? false },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xTitle, scale: axisScale(opts.xScale) },
      y: { field: 'y', type: 'quantitative', title: opts.yTitle, scale: axisScale(opts.yScale) },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

/**
 * A heatmap spec of a matrix (e.g. the conductances of one crossbar array): `values[r][c]` drawn at
 * row r, column c, in the units `valueTitle` names (NaN: no device, left blank). Rows grow downwards,
 * as in the array's layout.
 */
export function heatmapPlot(opts: {
  title: string;
  values: ArrayLike<ArrayLike<number>>;
  valueTitle: string;
  xTitle?: string;
  yTitle?: string;
  /** Plot size in pixels (default 360 × 360). */
  width?: number;
  height?: number;
}): PlotSpec {
  const rows: Array<{ row: number; column: number; value: number }> = [];
  for (let r = 0; r < opts.values.length; r++) {
    const line = opts.values[r];
    // Non-finite entries are cells without a device: left blank.
    for (let c = 0; c < line.length; c++) if (Number.isFinite(line[c])) rows.push({ row: r, column: c, value: line[c] });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title,
    width: opts.width ?? 360,
    height: opts.height ?? 360,
    data: { values: rows },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'column', type: 'ordinal', title: opts.xTitle ?? 'column', axis: { labels: false, ticks: false } },
      y: { field: 'row', type: 'ordinal', title: opts.yTitle ?? 'row', axis: { labels: false, ticks: false } },
      color: { field: 'value', type: 'quantitative', title: opts.valueTitle, scale: { scheme: 'viridis' } },
    },
    config: { view: { stroke: null } },
  };
}
