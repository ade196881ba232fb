/** Simulation runs and sweeps on a prepared workload, and the report files they leave in a directory. */
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/files.ts';
import { writePlot } from './plots.ts';
import { RUN_ENERGY_PLOT_FILE } from '../report/run-report.ts';
import { sigmaAtLoss, sigmaSweepPlot, simulationMarkdown, sinadSweepPlot, type SimulationReport } from '../report/simulation-report.ts';
import type { SimDataflow, SimulationConfig } from '../chip/simulation-config.ts';
import { loadPeripherals } from './load-peripherals.ts';
import type { PreparedWorkload } from './prepare-workload.ts';
import { simulate, simulationBatches, type SimulationResult } from '../simulator/simulate.ts';
import { dacBitsOf, dataflowOf } from '../dataflows/index.ts';
import { architectureOfChip, defaultArchitectures, resolveArchitectures, type ResolvedArchitecture } from '../cost/architectures.ts';
import type { ChipDescription } from '../chip/description.ts';
import type { ComponentLibrary } from '../cost/components.ts';
import { deployedComponentLibrary } from './deployed-nnsa.ts';
import { runEnergy } from '../cost/run-energy.ts';
import { networkElementwiseOps, networkPoolingReads } from '../cost/workloads/network.ts';
import type { Layer } from '../dnn/network.ts';
import type { RunEnergyEntry } from '../report/simulation-report.ts';
import { energyBreakdownRunPlot } from '../report/simulation-report.ts';
import type { NeuralPimPeripherals } from '../dataflows/neural-pim-circuits.ts';

/** The σ and SINAD lists a simulation sweeps besides its base runs. */
export interface SimulationSweeps {
  sigma?: number[];
  sinad?: number[];
}

/**
 * One run of {@link simulate} inside a simulation: a base run of a dataflow, one point of the σ
 * sweep, or one point of the injected-SINAD sweep, with the configuration it runs.
 */
export interface SimulationUnit {
  kind: 'result' | 'sigma' | 'sinad';
  /** Progress label, and a unique name of the unit within its simulation. */
  label: string;
  cfg: SimulationConfig;
}

/** The runs a simulation consists of, in the order {@link runSimulations} runs and reports them. */
export function simulationUnits(base: SimulationConfig, dataflows: SimDataflow[], sweeps: SimulationSweeps): SimulationUnit[] {
  const units: SimulationUnit[] = dataflows.map((dataflow) => ({ kind: 'result', label: `${dataflow}`, cfg: { ...base, dataflow } }));
  if (sweeps.sigma)
    for (const dataflow of dataflows) {
      if (dataflow === 'ideal') continue;
      for (const sigma of sweeps.sigma)
        units.push({
          kind: 'sigma',
          label: `${dataflow} σ=${sigma}`,
          cfg: { ...base, dataflow, device: { ...base.device, programming: { ...base.device.programming, sigma } } },
        });
    }
  for (const sinadDb of sweeps.sinad ?? [])
    units.push({ kind: 'sinad', label: `SINAD ${sinadDb} dB`, cfg: { ...base, dataflow: 'ideal', injectSinadDb: sinadDb } });
  return units;
}

/**
 * The report of a simulation from the results of its units ({@link simulationUnits}, same order),
 * however they were computed.
 */
export function assembleSimulation(
  dataflows: SimDataflow[],
  sweeps: SimulationSweeps,
  units: SimulationUnit[],
  unitResults: SimulationResult[],
): Omit<SimulationReport, 'workload' | 'model'> {
  const results = unitResults.filter((_, i) => units[i].kind === 'result');
  const out: Omit<SimulationReport, 'workload' | 'model'> = { results };
  if (sweeps.sigma) {
    out.sigmaSweep = unitResults
      .filter((_, i) => units[i].kind === 'sigma')
      .map((r) => ({
        dataflow: r.dataflow,
        sigma: r.sigma,
        accuracy: r.accuracyMean,
        accuracyStd: r.accuracyStd,
        sinadMeanDb: r.sinadMeanDb,
      }));
    const reference = results[0]?.referenceAccuracy ?? 0;
    out.sigmaAtOnePointLoss = dataflows
      .filter((d) => d !== 'ideal')
      .map((dataflow) => {
        const curve = out.sigmaSweep!.filter((s) => s.dataflow === dataflow);
        const sigma = sigmaAtLoss(curve, reference);
        // Lost already at the smallest σ swept: the figure is an upper bound, not an interpolation.
        const first = [...curve].sort((a, b) => a.sigma - b.sigma)[0];
        const atFirstPoint = sigma !== null && first !== undefined && first.accuracy < reference - 0.01;
        return { dataflow, sigma, ...(atFirstPoint ? { atFirstPoint } : {}) };
      });
  }
  if (sweeps.sinad) {
    out.sinadSweep = unitResults
      .filter((_, i) => units[i].kind === 'sinad')
      .map((r, i) => ({
        sinadDb: sweeps.sinad![i],
        accuracy: r.accuracyMean,
        accuracyStd: r.accuracyStd,
        measuredRmsSinadDb: r.sinadMeanDb,
        measuredPeakSinadDb: r.sinadPeakMeanDb,
      }));
  }
  return out;
}

/**
 * The energy of each base run from the events it counted, on the run's own accelerator
 * description when it came from one (`cfg.chip`, for runs of that description's dataflow), else on
 * the chip preset of its dataflow (`isaac`, `cascade`, `neural-pim`: the architectures `npim cost`
 * compares), resolved with the default component library whose NNS+A is the one the run deployed
 * (`cfg.nnsaModel`, else the shipped default; `deployedComponentLibrary`) unless `lib` is given. A
 * run whose array, cell or DAC settings differ from the chip's, an injection run and the ideal
 * reference get no energy, with the reason.
 */
export function runEnergies(
  runs: Array<{ result: SimulationResult; cfg: SimulationConfig }>,
  net: { layers: ReadonlyArray<Layer<unknown>> },
  given?: ComponentLibrary,
): RunEnergyEntry[] {
  // The network's digital work outside its crossbars, as the cost model counts it for `npim cost --model`.
  const poolingReads = networkPoolingReads(net);
  const elementwiseOps = networkElementwiseOps(net);
  const libraries = new Map<string | undefined, { lib: ComponentLibrary; archs: ResolvedArchitecture[] }>();
  const libraryOf = (nnsaModel: string | undefined) => {
    const key = given ? undefined : nnsaModel;
    let entry = libraries.get(key);
    if (!entry) {
      const lib = given ?? deployedComponentLibrary('default', nnsaModel);
      entry = { lib, archs: resolveArchitectures(defaultArchitectures(), lib) };
      libraries.set(key, entry);
    }
    return entry;
  };
  return runs.map(({ result: r, cfg }, i): RunEnergyEntry => {
    const { lib, archs } = libraryOf(cfg.nnsaModel);
    const entry = { dataflow: r.dataflow };
    if (r.mode === 'sinad-injection') return { ...entry, energy: null, note: 'noise injection: no hardware to cost' };
    // The run's own accelerator description, when it came from one, else the dataflow's preset.
    const arch = cfg.chip?.dataflow === r.dataflow ? chipArchitecture(cfg.chip, lib) : archs.find((a) => a.name === r.dataflow);
    if (!arch) return { ...entry, energy: null, note: 'no hardware (exact reference)' };
    const same =
      arch.spec.array.rows === cfg.arrayRows && arch.spec.array.cellBits === cfg.cellBits && arch.spec.dacBits === dacBitsOf(cfg);
    if (!same)
      return {
        ...entry,
        energy: null,
        note: `the run's arrays (${cfg.arrayRows} rows, ${cfg.cellBits}-bit cells, ${dacBitsOf(cfg)}-bit DACs) differ from the ${arch.name} chip's`,
      };
    const energy = runEnergy(arch, lib, r.events, {
      images: r.images,
      poolingReads,
      elementwiseOps,
      name: `run${i}`,
    });
    const simulatedPerGroup =
      r.events.reduce((a, e) => a + e.conversions, 0) /
      Math.max(
        1,
        r.events.reduce((a, e) => a + e.groupProducts, 0),
      );
    const note =
      Math.abs(simulatedPerGroup - arch.conversionsPerGroup) > 1e-9
        ? `charged the ${simulatedPerGroup} conversions per weight group the simulator performed; the ${arch.name} chip's cost model charges ${arch.conversionsPerGroup} (summing amplifiers, not simulated)`
        : undefined;
    return { ...entry, energy, ...(note ? { note } : {}) };
  });
}

/**
 * A description's architecture resolved against `lib` beside the default architectures (a
 * description may size its tiles to match another's area).
 */
function chipArchitecture(chip: ChipDescription, lib: ComponentLibrary): ResolvedArchitecture {
  const spec = architectureOfChip(chip);
  const specs = [...defaultArchitectures().filter((a) => a.name !== spec.name), spec];
  return resolveArchitectures(specs, lib).find((a) => a.name === spec.name)!;
}

/** Loads the Neural-PIM peripherals once, for the first configuration that needs them. */
export function peripheralsLoader(): (cfg: SimulationConfig) => Promise<NeuralPimPeripherals | null> {
  let peripherals: NeuralPimPeripherals | null = null;
  return async (cfg) => {
    if (!dataflowOf(cfg).needsPeripherals(cfg)) return null;
    peripherals ??= await loadPeripherals(cfg);
    return peripherals;
  };
}

/**
 * Runs the configured dataflows (and sweeps) on a prepared workload. Pure orchestration over
 * {@link simulate}; peripherals are loaded once.
 */
export async function runSimulations(
  base: SimulationConfig,
  dataflows: SimDataflow[],
  w: PreparedWorkload,
  sweeps: SimulationSweeps,
  progress: (label: string) => void,
  onBatches?: (batchesDone: number, batchesTotal: number, label: string) => void,
): Promise<Omit<SimulationReport, 'workload' | 'model'>> {
  const periph = peripheralsLoader();
  const data = { images: w.images, labels: w.labels };
  const units = simulationUnits(base, dataflows, sweeps);
  const results: SimulationResult[] = [];
  // Batches of every draw of all runs, for a progress bar that moves within a draw too.
  const total = units.reduce((a, u) => a + simulationBatches(u.cfg, w.labels.length), 0);
  let before = 0;
  for (const unit of units) {
    progress(unit.label);
    onBatches?.(before, total, unit.label);
    const started = before;
    results.push(
      await simulate(
        unit.cfg,
        w.net,
        data,
        await periph(unit.cfg),
        (stage, done) => onBatches?.(started + done, total, `${unit.label}, ${stage}`),
        undefined,
        // The base runs say which peripheral dominates each layer's error; sweep points do not.
        { attribution: unit.kind === 'result' },
      ),
    );
    before += simulationBatches(unit.cfg, w.labels.length);
  }
  onBatches?.(total, total, 'done');
  const report = assembleSimulation(dataflows, sweeps, units, results);
  const runs = units.flatMap((u, i) => (u.kind === 'result' ? [{ result: results[i], cfg: u.cfg }] : []));
  return { ...report, energy: runEnergies(runs, w.net) };
}

/** Writes results.json, results.md and the sweep plots into `dir`. */
export async function writeSimulationReport(dir: string, r: SimulationReport, config: SimulationConfig): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'results.json'), { config, ...r });
  await writeFileAtomic(path.join(dir, 'results.md'), simulationMarkdown(r));
  if (r.sigmaSweep?.length) {
    await writePlot(path.join(dir, 'accuracy-vs-sigma.svg'), sigmaSweepPlot(r));
  }
  if (r.sinadSweep?.length) await writePlot(path.join(dir, 'accuracy-vs-sinad.svg'), sinadSweepPlot(r));
  if (r.energy?.some((e) => e.energy)) await writePlot(path.join(dir, RUN_ENERGY_PLOT_FILE), energyBreakdownRunPlot(r.energy, r.model));
}
