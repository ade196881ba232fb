/** Shared test helpers for the data and DNN tests. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared MNIST test set: NPIM_DATA_DIR if set, else ../shared/datasets/mnist next to the repo. */
export const MNIST_TEST_DIR = process.env.NPIM_DATA_DIR ?? path.resolve(REPO_ROOT, '../shared/datasets/mnist');

/** Whether the shared MNIST test files are present; prints a note once when they are not. */
export function mnistAvailable(): boolean {
  const ok =
    existsSync(path.join(MNIST_TEST_DIR, 't10k-images-idx3-ubyte.gz')) &&
    existsSync(path.join(MNIST_TEST_DIR, 't10k-labels-idx1-ubyte.gz'));
  if (!ok && !noted) {
    noted = true;
    console.log(`note: MNIST test set not found in ${MNIST_TEST_DIR}; skipping the tests that need it`);
  }
  return ok;
}
let noted = false;

/** Runs `fn` and returns the UserError message it throws; fails the test if it does not throw one. */
export async function userErrorOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if ((e as Error).name === 'UserError') return (e as Error).message;
    throw e;
  }
  throw new Error('expected a UserError, nothing was thrown');
}
