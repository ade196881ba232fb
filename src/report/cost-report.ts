/**
 * Presentation of a cost comparison: a plain-text table for the terminal, a Markdown report, a
 * JSON-friendly view, and the Vega-Lite spec of the stacked-bar energy breakdown. Pure (strings
 * and objects only; the CLI writes them).
 */
import type { PlotSpec } from './plot.ts';
import { CATEGORY_LABELS, ENERGY_CATEGORIES, type Comparison, type WorkloadResult } from '../cost/evaluate.ts';

/**
 * Colour and stacking order of energy bars split by component (rows with `component`, a category
 * label, and `order`, its index): one legend order for every energy breakdown plot.
 */
export const COMPONENT_STACK_ENCODING = {
  color: {
    field: 'component',
    type: 'nominal' as const,
    sort: ENERGY_CATEGORIES.map((k) => CATEGORY_LABELS[k]),
    title: 'component',
    legend: { labelLimit: 400 },
  },
  order: { field: 'order', type: 'quantitative' as const },
};

/** Formats a number with `digits` significant digits, without exponent for everyday magnitudes. */
export function formatNumber(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 10 ** digits) return Math.round(x).toString();
  if (a < 1e-3) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function ratio(x: number): string {
  return `${x.toFixed(2)}×`;
}

function seconds(s: number): string {
  if (s >= 1) return `${formatNumber(s)} s`;
  if (s >= 1e-3) return `${formatNumber(s * 1e3)} ms`;
  if (s >= 1e-6) return `${formatNumber(s * 1e6)} µs`;
  return `${formatNumber(s * 1e9)} ns`;
}

/** A table: header and rows of cells. */
export interface Table {
  header: string[];
  rows: string[][];
  /** Columns aligned left (the rest right). */
  leftColumns?: number;
}

/** Renders a table with space-padded columns. */
export function renderText(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
  const left = t.leftColumns ?? 1;
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(t.header), ...t.rows.map(line)].join('\n');
}

/** Renders a table as GitHub Markdown. */
export function renderMarkdown(t: Table): string {
  const left = t.leftColumns ?? 1;
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [
    `| ${t.header.map(esc).join(' | ')} |`,
    `| ${t.header.map((_, i) => (i < left ? '---' : '---:')).join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Table of the architectures (one chip each). */
export function architectureTable(c: Comparison): Table {
  return {
    header: [
      'architecture',
      'dataflow',
      'tiles',
      'arrays',
      'ADC',
      'conv/group',
      'DAC',
      'pipeline',
      'area mm²',
      'rated W',
      'peak GOPS',
      'peak GOPS/W rated',
      'peak GOPS/W operating',
      'peak GOPS/mm²',
      'arrays/PE area',
      'Mcells/mm²',
    ],
    leftColumns: 2,
    rows: c.architectures.map((a, i) => {
      const p = c.peaks[i];
      const adc = a.spec.pe.adc;
      const kind = adc.family === 'nnadc' ? 'NNADC' : adc.family === 'sar' ? 'SAR' : adc.unit;
      return [
        a.name,
        a.dataflow,
        String(a.tilesPerChip),
        String(a.arraysPerChip),
        `${a.adcBits}-bit ${kind} ×${adc.count}/PE`,
        String(a.conversionsPerGroup),
        `${a.spec.dacBits}-bit`,
        seconds(a.pipelineCycleSeconds),
        formatNumber(a.chipAreaSquareMetres / 1e-6, 4),
        formatNumber(a.chipRatedPowerWatts, 4),
        formatNumber(p.gops, 4),
        formatNumber(p.ratedGopsPerWatt, 4),
        formatNumber(p.operatingGopsPerWatt, 4),
        formatNumber(p.gopsPerSquareMillimetre, 4),
        `${(a.arrayDensity.arrayAreaFractionOfPe * 100).toFixed(1)}%`,
        formatNumber(a.arrayDensity.cellsPerSquareMillimetre / 1e6, 3),
      ];
    }),
  };
}

/** Table of every (workload, architecture) result with its energy breakdown. */
export function resultTable(c: Comparison): Table {
  const rows: string[][] = [];
  c.workloads.forEach((_, wi) => {
    c.architectures.forEach((_a, ai) => {
      const r = c.results[ai][wi];
      rows.push([
        r.workload,
        r.architecture,
        String(r.chips),
        formatNumber(r.energyJoules * 1e6, 4),
        seconds(r.latencySeconds),
        formatNumber(r.inferencesPerSecond, 4),
        formatNumber(r.gops, 4),
        formatNumber(r.gopsPerWatt, 4),
        formatNumber(r.gopsPerSquareMillimetre, 4),
        ...ENERGY_CATEGORIES.map((k) => pct(r.energyByCategory[k] / r.energyJoules)),
      ]);
    });
  });
  return {
    header: [
      'workload',
      'architecture',
      'chips',
      'energy µJ',
      'latency',
      'inferences/s',
      'GOPS',
      'GOPS/W',
      'GOPS/mm²',
      ...ENERGY_CATEGORIES.map((k) => CATEGORY_LABELS[k]),
    ],
    leftColumns: 2,
    rows,
  };
}

/** Table of averages and ratios to the baselines. */
export function summaryTable(c: Comparison): Table {
  const header = ['architecture', 'mean energy µJ', 'mean latency', 'mean GOPS', 'mean GOPS/W', 'mean GOPS/mm²'];
  for (const b of c.baselines) header.push(`GOPS/W vs ${b}`, `GOPS vs ${b}`, `GOPS/mm² vs ${b}`);
  return {
    header,
    rows: c.summaries.map((s) => [
      s.architecture,
      formatNumber(s.mean.energyJoules * 1e6, 4),
      seconds(s.mean.latencySeconds),
      formatNumber(s.mean.gops, 4),
      formatNumber(s.mean.gopsPerWatt, 4),
      formatNumber(s.mean.gopsPerSquareMillimetre, 4),
      ...c.baselines.flatMap((b) => {
        const g = s.ratios[b].geomean;
        return [ratio(g.energyEfficiency), ratio(g.throughput), ratio(g.areaEfficiency)];
      }),
    ]),
  };
}

/** Table of the mean energy shares and the mean absolute energy per category. */
export function breakdownTable(c: Comparison): Table {
  return {
    header: ['architecture', ...ENERGY_CATEGORIES.map((k) => CATEGORY_LABELS[k])],
    rows: c.summaries.map((s) => [s.architecture, ...ENERGY_CATEGORIES.map((k) => pct(s.energyShare[k]))]),
  };
}

/** Table of the NNS+As' share of energy and chip area, for the architectures that have them (null: none has). */
export function nnsaShareTable(c: Comparison): Table | null {
  const rows = c.summaries
    .filter((s) => s.nnsaShare !== null)
    .map((s) => [s.architecture, pct(s.nnsaShare!.energy), pct(s.nnsaShare!.area)]);
  return rows.length ? { header: ['architecture', 'NNS+A share of energy', 'NNS+A share of chip area'], rows } : null;
}

/** Table of per-workload ratios of every architecture to one baseline. */
export function ratioTable(c: Comparison, baseline: string): Table {
  const others = c.summaries.filter((s) => s.architecture !== baseline);
  return {
    header: ['workload', ...others.flatMap((s) => [`${s.architecture} GOPS/W`, `${s.architecture} GOPS`])],
    rows: [
      ...c.workloads.map((w) => [
        w,
        ...others.flatMap((s) => [
          ratio(s.ratios[baseline].perWorkload[w].energyEfficiency),
          ratio(s.ratios[baseline].perWorkload[w].throughput),
        ]),
      ]),
      [
        'geomean',
        ...others.flatMap((s) => [ratio(s.ratios[baseline].geomean.energyEfficiency), ratio(s.ratios[baseline].geomean.throughput)]),
      ],
    ],
  };
}

const POLICY_TEXT = {
  equal: 'every architecture gets the same number of (equal-area) chips per workload: the most any of them needs',
  fewest: 'each architecture gets the fewest chips that hold the network',
};

/** The terminal report. */
export function comparisonText(c: Comparison): string {
  const parts = [
    `Architectures (one chip; rated W = sum of rated unit powers, operating = every array busy at reference activity)`,
    renderText(architectureTable(c)),
    '',
    `Per workload (chips: ${POLICY_TEXT[c.chipsPolicy]}; latency = one inference alone, layer after layer)`,
    renderText(resultTable(c)),
    '',
    `Averages over ${c.workloads.length} workload(s): arithmetic means; ratios are geometric means of the per-workload ratios`,
    renderText(summaryTable(c)),
    '',
    'Energy breakdown (mean share over workloads)',
    renderText(breakdownTable(c)),
  ];
  const nnsa = nnsaShareTable(c);
  if (nnsa) parts.push('', "NNS+A (mean share of the energy over workloads; share of one chip's area)", renderText(nnsa));
  return parts.join('\n');
}

/** The Markdown report (`cost.md`). */
export function comparisonMarkdown(c: Comparison, extra: { command?: string } = {}): string {
  const parts = [
    '# Cost comparison',
    '',
    extra.command ? `Produced by \`${extra.command}\`.\n` : '',
    '## Architectures (one chip)',
    '',
    "Rated W is the sum of every unit's rated power (ISAAC's convention); operating W has every array running products back to back at the reference activity.",
    '',
    renderMarkdown(architectureTable(c)),
    '',
    '## Per workload',
    '',
    `Chips: ${POLICY_TEXT[c.chipsPolicy]}. Latency: one inference alone, layer after layer (an upper bound). GOPS count 2 operations per MAC.`,
    '',
    renderMarkdown(resultTable(c)),
    '',
    `## Averages over ${c.workloads.length} workload(s)`,
    '',
    'Arithmetic means of the figures; ratios are geometric means of the per-workload ratios.',
    '',
    renderMarkdown(summaryTable(c)),
    '',
    ...c.baselines.flatMap((b) => [`### Ratios to ${b}`, '', renderMarkdown(ratioTable(c, b)), '']),
    '## Energy breakdown (mean share over workloads)',
    '',
    renderMarkdown(breakdownTable(c)),
    '',
    '![energy breakdown](energy-breakdown.svg)',
    '',
  ];
  const nnsa = nnsaShareTable(c);
  if (nnsa)
    parts.push('## NNS+A share', '', "Mean share of the energy over workloads; share of one chip's area.", '', renderMarkdown(nnsa), '');
  if (c.warnings.length) parts.push('## Warnings', '', ...c.warnings.map((w) => `- ${w}`), '');
  if (c.notes.length) parts.push('## Notes', '', ...c.notes.map((w) => `- ${w}`), '');
  return parts.join('\n');
}

/**
 * Stacked-bar energy breakdown: one panel per workload, one bar per architecture, stacked by
 * category, each workload's bars relative to the first architecture's total energy (workloads
 * differ by orders of magnitude, so absolute bars would hide the small ones).
 */
export function energyBreakdownPlot(c: Comparison): PlotSpec {
  const reference = c.architectures[0].name;
  const values: Array<{ workload: string; architecture: string; component: string; order: number; relativeEnergy: number }> = [];
  c.workloads.forEach((w, wi) => {
    const base = c.results[0][wi].energyJoules;
    c.architectures.forEach((a, ai) => {
      const r: WorkloadResult = c.results[ai][wi];
      ENERGY_CATEGORIES.forEach((k, ki) =>
        values.push({
          workload: w,
          architecture: a.name,
          component: CATEGORY_LABELS[k],
          order: ki,
          relativeEnergy: r.energyByCategory[k] / base,
        }),
      );
    });
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Energy per inference by component, relative to ${reference}`,
    data: { values },
    facet: { column: { field: 'workload', type: 'nominal', sort: c.workloads, title: null } },
    spec: {
      width: 22 * c.architectures.length + 10,
      height: 260,
      mark: 'bar',
      encoding: {
        x: { field: 'architecture', type: 'nominal', sort: c.architectures.map((a) => a.name), title: null },
        y: { field: 'relativeEnergy', type: 'quantitative', stack: 'zero', title: `energy / ${reference} energy` },
        ...COMPONENT_STACK_ENCODING,
      },
    },
  };
}

/** A JSON-friendly view of a comparison (no resolved unit objects, no per-layer data unless kept). */
export function comparisonJson(c: Comparison): unknown {
  return {
    chipsPolicy: c.chipsPolicy,
    baselines: c.baselines,
    architectures: c.architectures.map((a, i) => ({
      name: a.name,
      description: a.spec.description,
      dataflow: a.dataflow,
      tilesPerChip: a.tilesPerChip,
      arraysPerChip: a.arraysPerChip,
      inputCycles: a.inputCycles,
      pipelineCycleSeconds: a.pipelineCycleSeconds,
      adcBits: a.adcBits,
      requiredAdcBits: a.requiredAdcBits,
      conversionsPerGroup: a.conversionsPerGroup,
      closedFormConversionsPerGroup: a.closedFormConversionsPerGroup,
      weightGroupsPerArray: a.weightGroupsPerArray,
      converterUtilization: a.converterUtilization,
      nnsaUtilization: a.nnsaUtilization,
      chipAreaSquareMetres: a.chipAreaSquareMetres,
      chipRatedPowerWatts: a.chipRatedPowerWatts,
      arrayDensity: a.arrayDensity,
      areaByBlockSquareMetres: a.areaByBlockSquareMetres,
      powerByBlockWatts: a.powerByBlockWatts,
      energyPerOperationJoules: Object.fromEntries(Object.entries(a.inventory).map(([k, v]) => [k, v.unit.energyPerOperationJoules])),
      peak: c.peaks[i],
      warnings: a.warnings,
      notes: a.notes,
    })),
    workloads: c.workloads,
    results: c.results.flat(),
    summaries: c.summaries,
    warnings: c.warnings,
    notes: c.notes,
  };
}

/** Per-layer table of one result (needs `includeLayers`). */
export function layerTable(r: WorkloadResult): Table {
  return {
    header: ['layer', 'kind', 'MMACs', 'arrays/copy', 'copies', 'cycles', 'energy µJ', ...ENERGY_CATEGORIES.map((k) => CATEGORY_LABELS[k])],
    leftColumns: 2,
    rows: (r.layers ?? []).map((l) => [
      l.name,
      l.kind,
      formatNumber(l.macs / 1e6, 4),
      String(l.arraysPerCopy),
      String(l.copies),
      String(l.cyclesPerInference),
      formatNumber(l.energyJoules * 1e6, 4),
      ...ENERGY_CATEGORIES.map((k) => pct(l.energyJoules > 0 ? l.energyByCategory[k] / l.energyJoules : 0)),
    ]),
  };
}

/** Text of `npim cost`: the comparison, then (with `layers`) the per-layer table of every result. */
export function costText(comparison: Comparison, layers: boolean): string {
  const text = [comparisonText(comparison)];
  if (layers) {
    comparison.results.forEach((rs) =>
      rs.forEach((r) => text.push('', `Layers of ${r.workload} on ${r.architecture}`, renderText(layerTable(r)))),
    );
  }
  return text.join('\n');
}
