/**
 * The neural-pim library: the deliberate public surface of the package (`import … from 'neural-pim'`).
 * Everything here is what the `npim` commands are built from; docs/api.md describes it with
 * examples. Anything not exported here is internal and may change without notice.
 *
 * Units follow the names: volts, siemens, seconds, joules; σ is relative (log-normal) unless said.
 *
 * @example
 * ```ts
 * import { loadNnadc, measureNnadc, shippedModel } from 'neural-pim';
 * const adc = await loadNnadc(shippedModel('nnadc-8b-r1'));
 * console.log(measureNnadc(adc).sine.enobBits); // ≈ 7.99
 * ```
 *
 * @packageDocumentation
 */

// Errors and reproducibility.
export { UserError } from './core/errors.ts';
export { Rng } from './core/rng.ts';
export { initBackend, type BackendChoice, type BackendInfo } from './core/backend.ts';
export { PACKAGE_ROOT, MODELS_DIR, DATASETS_DIR } from './core/paths.ts';

// Presets and the accelerator description.
export { CHIP_PRESET_NAMES, chipPreset, chipPresets } from './chip/presets.ts';
export { ChipDescriptionSchema, parseChipDescription, type ChipDescription } from './chip/description.ts';
export { SIM_DATAFLOWS, SimulationConfigSchema, type SimDataflow, type SimulationConfig } from './chip/simulation-config.ts';

// Device model.
export {
  RramConfigSchema,
  defaultRramConfig,
  conductanceLevels,
  levelConductance,
  gMinSiemens,
  programConductances,
  readConductances,
  idealDevices,
  type RramConfig,
} from './device/rram.ts';

// Models: shipped models, loading, NNS+A / NNADC train and evaluate.
export {
  SHIPPED_MODELS,
  shippedModel,
  loadNnadc,
  loadNnsa,
  measureNnadc,
  evaluateNnadcModel,
  evaluateNnsaModel,
  trainNnsaModel,
  trainNnadcModel,
  simulationConfig,
  simulateWorkload,
  compareCost,
  weightMapCsv,
  weightMapJson,
  spiceNetlist,
  type ShippedModel,
  type NnadcMonteCarloOptions,
  type NnsaEvaluationOptions,
  type CostOptions,
  type SpiceNetlistOptions,
} from './app/library.ts';
export { readApproximator } from './app/model-directory.ts';
export { NnsaTrainConfigSchema, type NnsaModel, type NnsaTrainConfig } from './circuits/nnsa/config.ts';
export { NnadcTrainConfigSchema, type NnadcModel, type NnadcTrainConfig } from './circuits/nnadc/config.ts';
export type { NnsaEvaluation, ErrorStats, MonteCarloStats } from './circuits/nnsa/evaluate.ts';
export type { NnadcEvaluation, AdcMonteCarlo, AdcSummary } from './circuits/nnadc/evaluate.ts';
export type { TrainProgress } from './circuits/nnsa/train.ts';
export { loadVtcBank } from './data/vtc-bank.ts';
export type { VtcBank } from './circuits/vtc.ts';

// Converter metrics (IEEE 1241), for any converter: a transfer function or measured codes.
export {
  measureConverter,
  idealQuantizer,
  type ConverterMetrics,
  type ConverterUnderTest,
  type AdcMeasureInput,
  type LinearityMetrics,
  type SineMetrics,
} from './analysis/adc-metrics.ts';

// Mapping and weight-map export, SPICE co-simulation.
export {
  mapLayer,
  programMappedLayer,
  mappingOptions,
  type MappedLayer,
  type MappingOptions,
  type LayerWeights,
} from './mapping/dnn-weights.ts';
export { programApproximator, type Approximator, type ProgrammedApproximator } from './mapping/approximator-map.ts';
export { approximatorExport, dnnExport, prepareDnnExport, type DnnExport } from './app/model-export.ts';
export { writeWeightMap, readWeightMap } from './io/weight-map-file.ts';
export { weightMapRecords, weightMapDeviceCount, type WeightMap, type WeightMapRecord } from './weight-map/weight-map.ts';
export { runSpiceVerify, spiceVerifyToDir, type SpiceVerifyOptions } from './app/spice-verify.ts';
export type { SpiceVerifyReport } from './spice/verify.ts';

// DNN workloads and simulation.
export { prepareWorkload, type PreparedWorkload } from './app/prepare-workload.ts';
export { importKeras, importTorch, type ExternalImportOptions, type ExternalImportResult } from './app/import-external.ts';
export { loadEvaluationSet, resolveDataset, type EvaluationSet, type DatasetName } from './data/datasets.ts';
export { loadCifar10, type Cifar10Data } from './data/cifar10.ts';
export { loadPeripherals } from './app/load-peripherals.ts';
export {
  simulate,
  type SimulationResult,
  type SimulationProgress,
  type SimulationData,
  type SimulationOptions,
  type PeripheralAttribution,
} from './simulator/simulate.ts';
export { runSimulations } from './app/simulate.ts';
export type { QuantizedNetwork } from './dnn/quantize.ts';

// Cost.
export { BENCHMARKS, WORKLOADS, networkWorkload, selectWorkloads } from './cost/workloads/index.ts';
export {
  COMPONENT_LIBRARY_NAMES,
  namedComponentLibrary,
  REFERENCE_NNSA_ELEMENTS,
  scaleNnsaPoint,
  type ComponentLibraryName,
  type NnsaElements,
} from './cost/components.ts';
export { deployedComponentLibrary, nnsaElementsOf } from './app/deployed-nnsa.ts';
export {
  bufferWriteEnergyJoules,
  crossbarReadEnergyJoules,
  dacConversionEnergyJoules,
  drivenConductanceSiemens,
  edramBitEnergyJoules,
  expectedCellReadEnergyJoules,
  nnadcConversionEnergyJoules,
  nnsaOperationEnergyJoules,
  registerBitEnergyJoules,
  sarConversionEnergyJoules,
  staticEnergyJoules,
  tiaSampleEnergyJoules,
  type CellConductances,
  type CrossbarRead,
} from './cost/events.ts';
export { ENERGY_CATEGORIES, CATEGORY_LABELS, type Comparison, type WorkloadResult, type EnergyCategory } from './cost/evaluate.ts';

// Plots (Vega-Lite specs rendered to SVG strings) and tables.
export { renderSvg, linePlot, heatmapPlot, type PlotSpec } from './report/plot.ts';
export { transferPlot, dnlInlPlot, metricsText } from './report/adc-report.ts';
export { nnsaErrorPlot, nnsaEvaluationText } from './report/nnsa-report.ts';
export { sweepPlot, simulationTable, type SimulationReport } from './report/simulation-report.ts';
export {
  energyBreakdownPlot,
  costText,
  summaryTable,
  breakdownTable,
  ratioTable,
  renderMarkdown,
  type Table,
} from './report/cost-report.ts';
