/**
 * The weight map of a programmed approximator (NNS+A, NNADC): the devices of
 * mapping/approximator-map.ts as weight-map records, with the row and column meanings and the
 * programming in the metadata.
 */
import { approximatorDevice, describeApproximator, type Approximator, type ProgrammedApproximator } from '../mapping/approximator-map.ts';
import { pairedCrossbarRecords, weightMapFromRecords, type WeightMap } from './weight-map.ts';

/**
 * The weight map of a programmed approximator: one circuit, one array per layer / stage (array =
 * layer index, row = input pair, column = neuron or comparator, polarity upper / lower), with the
 * row and column meanings in the array metadata and the programming σ and seed in the circuit's.
 */
export function approximatorWeightMap(a: Approximator, p: ProgrammedApproximator): WeightMap {
  const info: Record<string, unknown> = {
    model: a.kind,
    description: describeApproximator(a),
    vddVolts: p.vddVolts,
    programming: { sigma: p.device.programming.sigma, kind: p.device.programming.kind, seed: p.seed },
    rowOrder:
      'row k of array i is input pair k of layer/stage i; its upper-line device has polarity upper, its lower-line device lower; see each array info.rows',
  };
  if (a.kind === 'nnsa') {
    Object.assign(info, { dacBits: a.model.dacBits, biasRows: a.model.network.biasRows, replicaRows: a.model.network.replicaRows ?? 0 });
    // The replica divider is not a crossbar array: its devices (and their programmed sums) go in the metadata.
    if (a.model.network.replicaFeedback && p.replicaDivider)
      Object.assign(info, { replicaFeedback: { ...a.model.network.replicaFeedback, programmedSiemens: p.replicaDivider } });
  } else Object.assign(info, { bits: a.model.bits, arch: a.model.arch, rangeFraction: a.model.rangeFraction });
  const circuit = {
    name: p.name,
    kind: 'approximator' as const,
    device: p.device,
    seed: p.seed,
    info,
    arrays: p.arrays.map((arr, i) => ({
      index: i,
      info: { role: arr.role, activation: arr.activation, rows: arr.rowLabels, columns: arr.columnLabels },
    })),
  };
  return weightMapFromRecords([circuit], pairedCrossbarRecords(p.name, p.arrays, approximatorDevice(a)), { seed: p.seed });
}
