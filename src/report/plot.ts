/**
 * SVG plots through Vega-Lite (headless: compiled to Vega and rendered with the SVG string
 * renderer, no browser or canvas needed). Callers build a Vega-Lite spec; {@link renderSvg} turns
 * it into the SVG text, which {@link ../app/plots.ts} writes next to their results.
 */
import type { TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification (data inline). */
export type PlotSpec = TopLevelSpec;

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  // Loaded on first use: Vega and Vega-Lite take about half a CPU-second to import, which every
  // command would otherwise pay at start-up whether it plots or not.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
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

/**
 * A multi-series line plot spec: rows of {x, y, series}. Rows with `yLow`/`yHigh` also draw that
 * spread as a band (e.g. mean ± one standard deviation over Monte Carlo draws); each of `targets`
 * is a dashed horizontal line with its label (a specification or a reference to compare with).
 */
export function linePlot(opts: {
  title: string;
  xTitle: string;
  yTitle: string;
  rows: Array<{ x: number; y: number; series?: string; yLow?: number; yHigh?: number }>;
  xScale?: 'linear' | 'log';
  yScale?: 'linear' | 'log';
  points?: boolean;
  targets?: Array<{ y: number; label: string }>;
  /** Dotted vertical lines with their labels (e.g. where each series crosses a target). */
  xMarkers?: Array<{ x: number; label: string }>;
}): PlotSpec {
  const x = { field: 'x', type: 'quantitative' as const, title: opts.xTitle, scale: axisScale(opts.xScale) };
  const y = { field: 'y', type: 'quantitative' as const, title: opts.yTitle, scale: axisScale(opts.yScale) };
  const color = { field: 'series', type: 'nominal' as const, title: null };
  const values = opts.rows.map((r) => ({ ...r, series: r.series ?? '' }));
  // The band spans every point of the plot (zero width where a point has no spread), so that one
  // point with spread between two without still shows.
  const hasSpread = values.some((r) => r.yLow !== undefined && r.yHigh !== undefined && r.yHigh > r.yLow);
  const spread = hasSpread ? values.map((r) => ({ ...r, yLow: r.yLow ?? r.y, yHigh: r.yHigh ?? r.y })) : [];
  const targets = opts.targets ?? [];
  const markers = opts.xMarkers ?? [];
  if (spread.length === 0 && targets.length === 0 && markers.length === 0) {
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: opts.title,
      width: 480,
      height: 300,
      data: { values },
      mark: { type: 'line', point: opts.points ?? false },
      encoding: { x, y, color },
    };
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title,
    width: 480,
    height: 300,
    layer: [
      ...(spread.length
        ? [
            {
              data: { values: spread },
              mark: { type: 'errorband' as const, opacity: 0.2 },
              encoding: { x, y: { ...y, field: 'yLow' }, y2: { field: 'yHigh' }, color },
            },
          ]
        : []),
      { data: { values }, mark: { type: 'line' as const, point: opts.points ?? false }, encoding: { x, y, color } },
      ...targetLayers(targets),
      ...markerLayers(markers),
    ],
  } as PlotSpec;
}

/** Dotted vertical lines with their labels at the top, one per marker (none for no markers). */
function markerLayers(markers: Array<{ x: number; label: string }>) {
  if (markers.length === 0) return [];
  return [
    {
      data: { values: markers },
      mark: { type: 'rule' as const, strokeDash: [2, 3], color: '#333' },
      encoding: { x: { field: 'x', type: 'quantitative' as const } },
    },
    ...markers.map((m, i) => ({
      data: { values: [m] },
      mark: { type: 'text' as const, align: 'left' as const, angle: 0, dx: 3, dy: 10 + 12 * i, color: '#333' },
      encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { value: 0 }, text: { field: 'label' } },
    })),
  ];
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

/**
 * Distributions of one figure over Monte Carlo draws, one box per case (whiskers at min and max,
 * every draw a tick beside it), coloured by `group`; each of `targets` is a dashed horizontal line
 * with its label. Cases keep the order of `cases`. With `panelPerGroup`, each group gets its own
 * panel and y scale (for groups whose values lie orders apart, such as ENOB before and after
 * write-verify).
 */
export function distributionPlot(opts: {
  title: string;
  yTitle: string;
  cases: Array<{ label: string; group: string; values: number[] }>;
  targets?: Array<{ y: number; label: string }>;
  panelPerGroup?: boolean;
  /** Log for magnitudes that span decades (default linear). */
  yScale?: 'linear' | 'log';
}): PlotSpec {
  const panel = (cases: typeof opts.cases, title?: string) => {
    const rows = cases.flatMap((c) => c.values.map((y) => ({ case: c.label, group: c.group, y })));
    const x = {
      field: 'case',
      type: 'nominal' as const,
      title: null,
      sort: cases.map((c) => c.label),
      axis: { labelAngle: -30, labelLimit: 400 },
    };
    const y = { field: 'y', type: 'quantitative' as const, title: opts.yTitle, scale: axisScale(opts.yScale) };
    const color = { field: 'group', type: 'nominal' as const, title: null };
    return {
      ...(title === undefined ? {} : { title }),
      width: Math.max(200, 70 * cases.length),
      height: 300,
      layer: [
        { data: { values: rows }, mark: { type: 'boxplot' as const, extent: 'min-max' as const, size: 22 }, encoding: { x, y, color } },
        { data: { values: rows }, mark: { type: 'tick' as const, opacity: 0.35, size: 8, xOffset: 20 }, encoding: { x, y, color } },
        ...targetLayers(opts.targets ?? []),
      ],
    };
  };
  const head = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', title: opts.title, config: { legend: { labelLimit: 400 } } };
  if (!opts.panelPerGroup) return { ...head, ...panel(opts.cases) } as PlotSpec;
  const groups = [...new Set(opts.cases.map((c) => c.group))];
  return {
    ...head,
    hconcat: groups.map((g) =>
      panel(
        opts.cases.filter((c) => c.group === g),
        g,
      ),
    ),
    resolve: { scale: { y: 'independent' } },
  } as PlotSpec;
}

/** Dashed horizontal lines with their labels, one per target (none for no targets). */
function targetLayers(targets: Array<{ y: number; label: string }>) {
  if (targets.length === 0) return [];
  return [
    {
      data: { values: targets },
      mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#666' },
      encoding: { y: { field: 'y', type: 'quantitative' as const } },
    },
    // One label layer per target, every other one below its line, so close targets stay legible.
    ...targets.map((t, i) => ({
      data: { values: [t] },
      mark: { type: 'text' as const, align: 'left' as const, dx: 4, dy: i % 2 === 0 ? -6 : 12, color: '#444' },
      encoding: { y: { field: 'y', type: 'quantitative' as const }, x: { value: 0 }, text: { field: 'label' } },
    })),
  ];
}
