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
      x: { field: 'x', type: 'quantitative', title: opts.xTitle, scale: { type: opts.xScale ?? 'linear', zero: false } },
      y: { field: 'y', type: 'quantitative', title: opts.yTitle, scale: { type: opts.yScale ?? 'linear', zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}
