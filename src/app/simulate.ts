/** Simulation runs and sweeps on a prepared workload, and the report files they leave in a directory. */
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/files.ts';
import { writePlot } from './plots.ts';
import { sigmaAtLoss, simulationMarkdown, sweepPlot, type SimulationReport } from '../report/simulation-report.ts';
import type { SimDataflow, SimulationConfig } from '../chip/simulation-config.ts';
import { loadPeripherals } from './load-peripherals.ts';
import type { PreparedWorkload } from './prepare-workload.ts';
import { simulate, type SimulationResult } from '../simulator/simulate.ts';
import { dataflowOf } from '../dataflows/index.ts';
import type { NeuralPimPeripherals } from '../dataflows/neural-pim-circuits.ts';

/**
 * Runs the configured dataflows (and sweeps) on a prepared workload. Pure orchestration over
 * {@link simulate}; peripherals are loaded once.
 */
export async function runSimulations(
  base: SimulationConfig,
  dataflows: SimDataflow[],
  w: PreparedWorkload,
  sweeps: { sigma?: number[]; sinad?: number[] },
  progress: (label: string) => void,
): Promise<Omit<SimulationReport, 'workload' | 'model'>> {
  let peripherals: NeuralPimPeripherals | null = null;
  const periph = async (cfg: SimulationConfig): Promise<NeuralPimPeripherals | null> => {
    if (!dataflowOf(cfg).needsPeripherals(cfg)) return null;
    peripherals ??= await loadPeripherals(cfg);
    return peripherals;
  };
  const data = { images: w.images, labels: w.labels };
  const results: SimulationResult[] = [];
  for (const dataflow of dataflows) {
    const cfg = { ...base, dataflow };
    progress(`${dataflow}`);
    results.push(await simulate(cfg, w.net, data, await periph(cfg)));
  }
  const out: Omit<SimulationReport, 'workload' | 'model'> = { results };
  if (sweeps.sigma) {
    out.sigmaSweep = [];
    for (const dataflow of dataflows) {
      if (dataflow === 'ideal') continue;
      for (const sigma of sweeps.sigma) {
        progress(`${dataflow} σ=${sigma}`);
        const cfg = { ...base, dataflow, device: { ...base.device, programming: { ...base.device.programming, sigma } } };
        const r = await simulate(cfg, w.net, data, await periph(cfg));
        out.sigmaSweep.push({ dataflow, sigma, accuracy: r.accuracyMean, accuracyStd: r.accuracyStd, sinadMeanDb: r.sinadMeanDb });
      }
    }
    const reference = results[0]?.referenceAccuracy ?? 0;
    out.sigmaAtOnePointLoss = dataflows
      .filter((d) => d !== 'ideal')
      .map((dataflow) => ({
        dataflow,
        sigma: sigmaAtLoss(
          out.sigmaSweep!.filter((s) => s.dataflow === dataflow),
          reference,
        ),
      }));
  }
  if (sweeps.sinad) {
    out.sinadSweep = [];
    for (const sinadDb of sweeps.sinad) {
      progress(`SINAD ${sinadDb} dB`);
      const r = await simulate({ ...base, dataflow: 'ideal', injectSinadDb: sinadDb }, w.net, data, null);
      out.sinadSweep.push({ sinadDb, accuracy: r.accuracyMean, accuracyStd: r.accuracyStd });
    }
  }
  return out;
}

/** Writes results.json, results.md and the sweep plots into `dir`. */
export async function writeSimulationReport(dir: string, r: SimulationReport, config: SimulationConfig): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'results.json'), { config, ...r });
  await writeFileAtomic(path.join(dir, 'results.md'), simulationMarkdown(r));
  if (r.sigmaSweep?.length) {
    await writePlot(
      path.join(dir, 'accuracy-vs-sigma.svg'),
      sweepPlot(
        'Accuracy vs programming variation σ',
        'log-normal σ of every device',
        r.sigmaSweep.map((s) => ({ x: s.sigma, accuracy: s.accuracy, series: s.dataflow })),
      ),
    );
  }
  if (r.sinadSweep?.length) {
    await writePlot(
      path.join(dir, 'accuracy-vs-sinad.svg'),
      sweepPlot(
        'Accuracy vs injected SINAD',
        'SINAD of every layer (dB)',
        r.sinadSweep.map((s) => ({ x: s.sinadDb, accuracy: s.accuracy, series: 'noise injection' })),
      ),
    );
  }
}
