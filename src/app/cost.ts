/** Cost-model files: the comparison report of `npim cost --out` and `npim run`, and the default inputs. */
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/files.ts';
import { defaultArchitectures } from '../cost/architectures.ts';
import { deployedComponentLibrary } from './deployed-nnsa.ts';
import type { Comparison } from '../cost/evaluate.ts';
import { comparisonJson, comparisonMarkdown, energyBreakdownPlot } from '../report/cost-report.ts';
import { writePlot } from './plots.ts';
import { networkWorkload, type Workload } from '../cost/workloads/index.ts';
import { importLayersModel } from './import-model.ts';

/** Writes cost.md (headed by `command`), cost.json and energy-breakdown.svg into `dir`. */
export async function writeCostReport(dir: string, comparison: Comparison, command: string): Promise<void> {
  await writeFileAtomic(path.join(dir, 'cost.md'), comparisonMarkdown(comparison, { command }));
  await writeJsonAtomic(path.join(dir, 'cost.json'), comparisonJson(comparison));
  await writePlot(path.join(dir, 'energy-breakdown.svg'), energyBreakdownPlot(comparison));
}

/** Writes the built-in component library (its NNS+A the deployed design) and architectures into `dir`; returns the two paths. */
export async function writeCostDefaults(dir: string): Promise<string[]> {
  await writeJsonAtomic(path.join(dir, 'components.json'), deployedComponentLibrary());
  await writeJsonAtomic(path.join(dir, 'architectures.json'), defaultArchitectures());
  return [path.join(dir, 'components.json'), path.join(dir, 'architectures.json')];
}

/**
 * The cost-model workload of a model directory (tfjs Layers, as `npim simulate --model` takes):
 * its crossbar layers' shapes, pooling reads and residual adds, named after the directory.
 */
export async function modelWorkload(dir: string): Promise<Workload> {
  const { network, metadata } = await importLayersModel(dir);
  const name = path.basename(path.resolve(dir));
  return networkWorkload(network, name, metadata?.arch ? `${name} (${metadata.arch})` : name);
}
