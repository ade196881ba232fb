/** User-error messages stay one readable line whatever the input. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_ERROR_CHARACTERS, errorLine, quoted } from '../../src/core/errors.ts';

test('quoted names a long value by its start and length', () => {
  assert.is(quoted('abc'), "'abc'");
  assert.is(quoted('y'.repeat(41)), `'${'y'.repeat(40)}…' (41 characters)`);
  assert.is(quoted('z'.repeat(10), 4), "'zzzz…' (10 characters)");
});

test('errorLine keeps the first line, cut to the limit', () => {
  assert.is(errorLine('first\nsecond'), 'first');
  const long = errorLine('e'.repeat(5000));
  assert.is(long.length, MAX_ERROR_CHARACTERS);
  assert.ok(long.endsWith('…'));
  assert.is(errorLine('short'), 'short');
});

test.run();
