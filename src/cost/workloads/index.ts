/** Registry of the cost model's workloads and name resolution for the command line. */
import { fail } from '../../core/errors.ts';
import type { Workload } from './builder.ts';
import { alexnet, googlenet, inceptionV2, mobilenetV2, resnet101, resnet50, vgg16, vgg19 } from './imagenet.ts';
import { lenet5, mlp, neuraltalk } from './small.ts';

export * from './builder.ts';
export * from './network.ts';

/** Every workload by name. */
export const WORKLOADS: Readonly<Record<string, () => Workload>> = {
  alexnet,
  vgg16,
  vgg19,
  resnet50,
  resnet101,
  googlenet,
  'inception-v2': inceptionV2,
  'mobilenet-v2': mobilenetV2,
  neuraltalk: () => neuraltalk(),
  mlp,
  lenet5,
};

/** The nine benchmarks of docs/reference.md §5 ("all"). */
export const BENCHMARKS: readonly string[] = [
  'alexnet',
  'vgg16',
  'vgg19',
  'resnet50',
  'resnet101',
  'googlenet',
  'inception-v2',
  'mobilenet-v2',
  'neuraltalk',
];

/** The project's MNIST models ("mnist"). */
export const MNIST_WORKLOADS: readonly string[] = ['mlp', 'lenet5'];

/**
 * Workloads named by a comma-separated list: names of {@link WORKLOADS}, `all` (the nine
 * benchmarks) or `mnist`. Unknown names are a one-line error listing the valid ones.
 */
export function selectWorkloads(list: string): Workload[] {
  const names: string[] = [];
  for (const raw of list.split(',')) {
    const n = raw.trim().toLowerCase();
    if (!n) continue;
    if (n === 'all') names.push(...BENCHMARKS);
    else if (n === 'mnist') names.push(...MNIST_WORKLOADS);
    else if (n in WORKLOADS) names.push(n);
    else fail(`unknown workload '${raw.trim()}'; choose from all, mnist, ${Object.keys(WORKLOADS).join(', ')}`);
  }
  if (names.length === 0) fail('no workload given');
  return [...new Set(names)].map((n) => WORKLOADS[n]());
}
