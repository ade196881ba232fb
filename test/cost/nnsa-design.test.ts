/**
 * One NNS+A design for circuit, simulator and cost (issue 18): the cost model's NNS+A area and
 * power follow the deployed design's device and inverter counts, read from the model the
 * simulator programs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import {
  defaultComponentLibrary,
  NNSA_DEVICE_POWER_SHARE,
  REFERENCE_NNSA_ELEMENTS,
  RRAM_CELL_AREA_32NM_SQUARE_METRES,
  scaleNnsaPoint,
} from '../../src/cost/components.ts';
import { deployedComponentLibrary, nnsaElementsOf } from '../../src/app/deployed-nnsa.ts';
import { DEFAULT_NNSA_MODEL } from '../../src/app/load-peripherals.ts';
import { compareCost } from '../../src/app/library.ts';
import { ROOT } from '../helpers/cli.ts';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `${what}: ${a} vs ${b}`);
const point = { operationsPerSecond: 20e6, powerWatts: 1e-4, areaSquareMetres: 1e-10 };

test('NNS+A scaling rule: the reference design gives its own figures; twice every element twice the area and power; devices alone move power by their share', () => {
  const ref = REFERENCE_NNSA_ELEMENTS;
  const same = scaleNnsaPoint(point, ref);
  close(same.areaSquareMetres, point.areaSquareMetres, 'area');
  close(same.powerWatts, point.powerWatts, 'power');
  const double = scaleNnsaPoint(point, { name: 'x2', rramDevices: 2 * ref.rramDevices, inverters: 2 * ref.inverters });
  close(double.areaSquareMetres, 2 * point.areaSquareMetres, 'area ×2');
  close(double.powerWatts, 2 * point.powerWatts, 'power ×2');
  const devices = scaleNnsaPoint(point, { name: 'dev×3', rramDevices: 3 * ref.rramDevices, inverters: ref.inverters });
  const s = NNSA_DEVICE_POWER_SHARE.value;
  close(devices.powerWatts, point.powerWatts * (3 * s + (1 - s)), 'power, devices ×3');
  close(devices.areaSquareMetres, point.areaSquareMetres + 2 * ref.rramDevices * RRAM_CELL_AREA_32NM_SQUARE_METRES, 'area, devices ×3');
  // ISAAC's cell: 0.0002 mm² over 8 arrays of 128 × 128.
  close(RRAM_CELL_AREA_32NM_SQUARE_METRES, 0.0002e-6 / 8 / 16384, 'cell area');
});

test('deployed NNS+A: counts of the shipped models (MODELS.md), the default is the simulator’s, and the cost follows the model given', () => {
  assert.equal(nnsaElementsOf(path.join(ROOT, 'models', 'nnsa-d4')), { name: 'nnsa-d4', rramDevices: 840, inverters: 12 });
  // 4820 devices with the replica's 20-device divider, which is one per die.
  assert.equal(nnsaElementsOf(path.join(ROOT, 'models', 'nnsa-d4-h72')), { name: 'nnsa-d4-h72', rramDevices: 4800, inverters: 72 });
  assert.equal(nnsaElementsOf(), nnsaElementsOf(DEFAULT_NNSA_MODEL));
  assert.equal(deployedComponentLibrary().nnsa, defaultComponentLibrary(nnsaElementsOf(DEFAULT_NNSA_MODEL)).nnsa);
  const shareOf = (nnsaModel: string) =>
    compareCost({ architectures: 'neural-pim', workloads: 'mnist', nnsaModel }).summaries[0].nnsaShare!;
  const d4 = shareOf(path.join(ROOT, 'models', 'nnsa-d4'));
  const h72 = shareOf(path.join(ROOT, 'models', 'nnsa-d4-h72'));
  assert.ok(d4.energy > 0 && d4.area > 0);
  assert.ok(h72.energy > d4.energy && h72.area > d4.area, JSON.stringify({ d4, h72 }));
  assert.is(compareCost({ architectures: 'isaac', workloads: 'mnist' }).summaries[0].nnsaShare, null);
});

test.run();
