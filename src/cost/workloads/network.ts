/**
 * A network the simulator runs (an imported or shipped layer graph, float or quantized) as a
 * cost-model workload, so that `npim cost --model DIR` and the energy of `npim simulate` charge the
 * same layers: every dense/conv2d layer one matrix product (one group, positions = output pixels),
 * every pooling layer its window reads, every residual add its element-wise additions.
 */
import type { Layer as NetworkLayer } from '../../dnn/network.ts';
import type { Layer, Workload } from './builder.ts';

/** The parts of a layer graph the workload reads (float and quantized networks both have them). */
export interface NetworkShape {
  inputShape: number[];
  layers: ReadonlyArray<NetworkLayer<unknown>>;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Pooling window reads per inference (output elements × window; a global pool reads its whole
 * input map once), the builder's `poolingReads`.
 */
export function networkPoolingReads(net: Pick<NetworkShape, 'layers'>): number {
  let reads = 0;
  for (const l of net.layers)
    if (l.kind === 'maxPool' || l.kind === 'avgPool') reads += size(l.outputShape) * l.poolSize[0] * l.poolSize[1];
  return reads;
}

/** Digital element-wise additions per inference: an add of k inputs makes k − 1 per output element (the builder's `residual`). */
export function networkElementwiseOps(net: Pick<NetworkShape, 'layers'>): number {
  let ops = 0;
  for (const l of net.layers) if (l.kind === 'add') ops += size(l.outputShape) * (l.inputs.length - 1);
  return ops;
}

/** The crossbar layers of a network as cost-model layers, in network order. */
export function networkCostLayers(net: Pick<NetworkShape, 'layers'>): Layer[] {
  return net.layers.flatMap((l): Layer[] =>
    l.kind === 'dense' || l.kind === 'conv2d'
      ? [
          {
            name: l.name,
            kind: l.kind === 'conv2d' ? 'conv' : 'fc',
            groups: 1,
            rowsPerGroup: l.fanIn,
            outputsPerGroup: l.fanOut,
            positions: l.kind === 'conv2d' ? l.outputShape[0] * l.outputShape[1] : 1,
          },
        ]
      : [],
  );
}

/** A network as a cost-model workload named `name`. */
export function networkWorkload(net: NetworkShape, name: string, title = name): Workload {
  const layers = networkCostLayers(net);
  const adds = net.layers.filter((l) => l.kind === 'add').length;
  return {
    name,
    title,
    description: `imported network, input [${net.inputShape.join(', ')}]: ${layers.length} crossbar layers${adds ? `, ${adds} residual adds` : ''}`,
    layers,
    poolingReads: networkPoolingReads(net),
    elementwiseOps: networkElementwiseOps(net),
  };
}
