import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_TRIM_VOLTS,
  FIXED_ROW_KINDS,
  fixedRowCount,
  fixedRowLabel,
  fixedRowVolts,
  layerRowLayout,
  layerRowLayoutOfPairs,
  layerRowVoltages,
  rowKindAt,
  rowsOfKind,
} from '../../src/circuits/row-layout.ts';

test('row layout: signal | bias | replica | trim on inverter layers, signal | bias on linear ones', () => {
  const counts = { biasRows: 3, replicaRows: 2, trimRows: 1 };
  const inv = layerRowLayout(counts, 5, true);
  assert.equal(inv.counts, { signal: 5, bias: 3, replica: 2, trim: 1 });
  assert.equal(inv.start, { signal: 0, bias: 5, replica: 8, trim: 10 });
  assert.is(inv.fixed, 6);
  assert.is(inv.pairs, 11);
  assert.equal(rowsOfKind(inv, 'replica'), [8, 9]);
  assert.equal(
    Array.from({ length: inv.pairs }, (_, k) => rowKindAt(inv, k)),
    ['signal', 'signal', 'signal', 'signal', 'signal', 'bias', 'bias', 'bias', 'replica', 'replica', 'trim'],
  );
  const lin = layerRowLayout(counts, 4, false);
  assert.equal(lin.counts, { signal: 4, bias: 3, replica: 0, trim: 0 });
  assert.is(lin.pairs, 7);
  assert.is(fixedRowCount(counts, true), 6);
  assert.is(fixedRowCount({}, true), 1, 'one bias row by default');
  assert.equal(layerRowLayoutOfPairs(counts, 11, true), inv);
  // A kind with no rows starts where the next kind starts, and owns no row.
  const noReplica = layerRowLayout({ biasRows: 1, trimRows: 2 }, 2, true);
  assert.equal(noReplica.start, { signal: 0, bias: 2, replica: 3, trim: 3 });
  assert.is(rowKindAt(noReplica, 3), 'trim');
});

test('row voltages: bias (VDD, 0), replica (V_rep, V_rep), trim taps; labels name each row', () => {
  const s = { vddVolts: 1.2, biasRows: 2, replicaRows: 1, trimRows: 1, replicaVolts: 0.55, trimVolts: [0.8, 0.4] as [number, number] };
  assert.equal(fixedRowVolts('bias', s), [1.2, 0]);
  assert.equal(fixedRowVolts('replica', s), [0.55, 0.55]);
  assert.equal(fixedRowVolts('trim', s), [0.8, 0.4]);
  assert.equal(fixedRowVolts('trim', { vddVolts: 1.2 }), DEFAULT_TRIM_VOLTS);
  assert.ok(Number.isNaN(fixedRowVolts('replica', { vddVolts: 1.2 })[0]));
  assert.equal(FIXED_ROW_KINDS, ['bias', 'replica', 'trim']);
  assert.is(fixedRowLabel('bias', 3, s), 'bias 3 (VDD, 0)');
  assert.is(fixedRowLabel('replica', 0, s), 'replica 0 (Vrep, Vrep)');
  assert.is(fixedRowLabel('trim', 1, s), 'trim 1 (0.8 V, 0.4 V)');
  // Two points, two signal rows each.
  const v = layerRowVoltages(s, true, [0.1, 0.2, 0.3, 0.4], [1.1, 1.0, 0.9, 0.8], 2, 2);
  assert.equal(Array.from(v.upper), [0.1, 0.2, 1.2, 1.2, 0.55, 0.8, 0.3, 0.4, 1.2, 1.2, 0.55, 0.8]);
  assert.equal(Array.from(v.lower), [1.1, 1.0, 0, 0, 0.55, 0.4, 0.9, 0.8, 0, 0, 0.55, 0.4]);
  // A linear layer has bias rows only.
  const w = layerRowVoltages(s, false, [0.1], [1.1], 1, 1);
  assert.equal(Array.from(w.upper), [0.1, 1.2, 1.2]);
});

test.run();
