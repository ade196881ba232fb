/**
 * `npm run bench`: runs every benchmark section and prints its figures beside their targets.
 * Sections are selected with `npm run bench -- <name> ...` (default: all). `--json` prints JSON.
 */
import { initBackend, describeBackend } from '../src/core/backend.ts';
import type { BenchFigure, BenchSection } from './types.ts';
import { costBench } from './cost.ts';
import { adcMetricsBench } from './adc-metrics.ts';
import { mappingBench } from './mapping.ts';
import { dnnBench } from './dnn.ts';
import { simulatorBench } from './simulator.ts';
import { cifarBench } from './cifar.ts';
import { nnadcBench, nnsaBench } from './circuits.ts';

const sections: BenchSection[] = [nnsaBench, nnadcBench, adcMetricsBench, mappingBench, dnnBench, costBench, simulatorBench, cifarBench];

const args = process.argv.slice(2);
const json = args.includes('--json');
const wanted = args.filter((a) => !a.startsWith('--'));
const backend = await initBackend('auto');
const results: Array<{ section: string; figures: BenchFigure[] }> = [];
if (!json) console.log(`neural-pim benchmarks — ${describeBackend(backend)}, ${new Date().toISOString()}`);
for (const s of sections) {
  if (wanted.length && !wanted.includes(s.name)) continue;
  const figures = await s.run();
  results.push({ section: s.name, figures });
  if (json) continue;
  console.log(`\n## ${s.name}`);
  for (const f of figures) {
    const ok =
      f.target === undefined
        ? ''
        : (f.better === 'higher' ? f.value >= f.target : f.value <= f.target)
          ? '  (meets target '
          : '  (MISSES target ';
    const target = f.target === undefined ? '' : `${ok}${f.better === 'higher' ? '≥' : '≤'} ${f.target} ${f.unit})`;
    console.log(`${f.name}: ${formatValue(f.value)} ${f.unit}${target}${f.note ? ` — ${f.note}` : ''}`);
  }
}
if (json) console.log(JSON.stringify({ backend: describeBackend(backend), results }, null, 2));

function formatValue(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}
