/** The summary of a study with `vary`: per variant and dataflow, accuracy and hardware SINAD (no I/O). */
import type { SimulationReport } from './simulation-report.ts';

/** One variant's base run of one dataflow. */
export interface VariantRow {
  dataflow: string;
  accuracyMean: number;
  accuracyStd: number;
  draws: number;
  /** Mean of the layers' hardware SINAD (dB); 200 or more means exact. */
  sinadMeanDb: number;
}

/** The summary written to variants.json: each variant's values, report folder, equivalent `npim simulate` and base runs. */
export interface VariantsSummary {
  /** The varied fields, in the order they vary (first slowest). */
  fields: string[];
  variants: Array<{
    index: number;
    values: Record<string, number | string>;
    /** The variant's report folder, relative to the merge output. */
    dir: string;
    simulate: string;
    results: VariantRow[];
  }>;
}

/** The summary of the variants' reports (their base runs; sweeps stay in each variant's own report). */
export function variantsSummary(
  variants: Array<{ index: number; values: Record<string, number | string>; dir: string; simulate: string; report: SimulationReport }>,
): VariantsSummary {
  return {
    fields: Object.keys(variants[0]?.values ?? {}),
    variants: variants.map(({ report, ...v }) => ({
      ...v,
      results: report.results.map((r) => ({
        dataflow: r.dataflow,
        accuracyMean: r.accuracyMean,
        accuracyStd: r.accuracyStd,
        draws: r.draws,
        sinadMeanDb: r.sinadMeanDb,
      })),
    })),
  };
}

const pct = (x: number): string => (100 * x).toFixed(2);

/** Markdown table: one row per variant and dataflow, the varied values, accuracy mean ± std and hardware SINAD. */
export function variantsMarkdown(s: VariantsSummary): string {
  const head = `| variant | ${s.fields.join(' | ')} | dataflow | accuracy (%) mean ± std | hardware SINAD (dB, mean of layers) | report |`;
  const sep = `|---:|${s.fields.map(() => '---').join('|')}|---|---:|---:|---|`;
  const rows = s.variants.flatMap((v) =>
    v.results.map(
      (r) =>
        `| ${v.index} | ${s.fields.map((f) => String(v.values[f])).join(' | ')} | ${r.dataflow} | ${
          r.draws > 1 ? `${pct(r.accuracyMean)} ± ${pct(r.accuracyStd)}` : `${pct(r.accuracyMean)} (1 draw)`
        } | ${Number.isFinite(r.sinadMeanDb) && r.sinadMeanDb < 199 ? r.sinadMeanDb.toFixed(1) : 'exact'} | ${v.dir}/results.md |`,
    ),
  );
  return `# Study variants\n\n${[head, sep, ...rows].join('\n')}\n`;
}
