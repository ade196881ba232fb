/** The exact 8-bit integer reference on the simulator's path: no crossbars, no conversions. */
import { exactMatmul } from '../dnn/quantize.ts';
import type { Dataflow } from './types.ts';

/** The `ideal` dataflow. */
export const idealDataflow: Dataflow = {
  name: 'ideal',
  kind: null,
  defaultDacBits: 1,
  needsPeripherals: () => false,
  validate: () => undefined,
  crossbarForm: () => null,
  conversionsPerGroup: () => 0,
  calibrate: () => ({}),
  executor: () => ({
    matmul: (layer, index, codes, rows) => ({ acc: exactMatmul(layer, index, codes, rows), conversions: 0 }),
    dispose: () => undefined,
  }),
};
