/**
 * The CIFAR-10 test set in the standard binary layout (`test_batch.bin`, gzip-compressed as
 * `test_batch.bin.gz`): 10 000 records of 1 label byte (0..9) and 3 072 pixel bytes, the 1 024 red,
 * then green, then blue values of a 32 × 32 image in row-major order.
 *
 * **Where the file is**, in order: an explicit directory (`--data DIR`), the `NPIM_DATA_DIR`
 * environment variable, `../shared/datasets/cifar10` beside the package (the team's shared data), the
 * package's `datasets/cifar10`. A directory without the file but with a `cifar10/` subdirectory is
 * taken to mean that subdirectory. Nothing is downloaded.
 *
 * **Checksums.** The gzip file is checked against the SHA-256 of the shared copy, and the
 * uncompressed bytes against theirs, every time it is read (a few tens of milliseconds); a
 * different or damaged file is a one-line error.
 *
 * Images are returned channels-last (`[32, 32, 3]` per image, the layout of the rest of the
 * project), so the planes are interleaved on load.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ensure, fail } from '../core/errors.ts';
import { DATASETS_DIR, PACKAGE_ROOT } from '../core/paths.ts';

/** File name of the test set. */
export const CIFAR10_TEST_FILE = 'test_batch.bin.gz';
/** SHA-256 of `test_batch.bin.gz` (the shared copy; its README gives the provenance). */
export const CIFAR10_TEST_GZ_SHA256 = '35e4493dca10ab2e94ff96d00951cfda963215045aaf9498afdd7d66469fbd77';
/** SHA-256 of the uncompressed `test_batch.bin`. */
export const CIFAR10_TEST_BIN_SHA256 = '0ce179d0c0a5220739d6223197952896644ceabb648dacfdebd7f06789af543f';
/** Per-image shape, channels-last. */
export const CIFAR10_SHAPE = [32, 32, 3];
/** Number of classes. */
export const CIFAR10_CLASSES = 10;
/** Images in the test set. */
export const CIFAR10_TEST_COUNT = 10_000;
const RECORD_BYTES = 1 + 32 * 32 * 3;

/** The loaded test set. */
export interface Cifar10Data {
  /** The file read. */
  file: string;
  count: number;
  /** Pixels 0..255, `count × 32 × 32 × 3`, channels-last. */
  images: Uint8Array;
  labels: Uint8Array;
}

/** Picks the CIFAR-10 directory (see the module documentation for the order). */
export function resolveCifar10Dir(dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  const prefer = (d: string): string => {
    const sub = path.join(d, 'cifar10');
    if (!existsSync(path.join(d, CIFAR10_TEST_FILE)) && existsSync(sub) && statSync(sub).isDirectory()) return sub;
    return d;
  };
  if (dir !== undefined && dir !== '') return prefer(path.resolve(dir));
  if (env.NPIM_DATA_DIR) return prefer(path.resolve(env.NPIM_DATA_DIR));
  const shared = path.resolve(PACKAGE_ROOT, '..', 'shared', 'datasets', 'cifar10');
  if (existsSync(path.join(shared, CIFAR10_TEST_FILE))) return shared;
  return path.join(DATASETS_DIR, 'cifar10');
}

/** Whether `dir` (or its `cifar10/` subdirectory) holds the CIFAR-10 test file. */
export function holdsCifar10(dir: string): boolean {
  return existsSync(path.join(resolveCifar10Dir(dir), CIFAR10_TEST_FILE));
}

/**
 * Decodes the uncompressed binary layout into channels-last images and labels; a wrong length or a
 * label outside 0..9 is a one-line error naming `where`.
 */
export function decodeCifar10(bin: Uint8Array, where: string): Omit<Cifar10Data, 'file'> {
  ensure(
    bin.length > 0 && bin.length % RECORD_BYTES === 0,
    `${where} holds ${bin.length} bytes, not a whole number of ${RECORD_BYTES}-byte CIFAR-10 records`,
  );
  const count = bin.length / RECORD_BYTES;
  const plane = 32 * 32;
  const images = new Uint8Array(count * plane * 3);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const rec = n * RECORD_BYTES;
    const label = bin[rec];
    if (label >= CIFAR10_CLASSES) fail(`${where}: record ${n} has label ${label}, outside 0..9`);
    labels[n] = label;
    const out = n * plane * 3;
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) images[out + p * 3 + c] = bin[rec + 1 + c * plane + p];
  }
  return { count, images, labels };
}

/** Loads and checks the CIFAR-10 test set (see the module documentation). */
export async function loadCifar10(dir?: string, env: NodeJS.ProcessEnv = process.env): Promise<Cifar10Data> {
  const root = resolveCifar10Dir(dir, env);
  const file = path.join(root, CIFAR10_TEST_FILE);
  let gz: Buffer;
  try {
    gz = await fs.readFile(file);
  } catch (e) {
    fail(
      `cannot read the CIFAR-10 test set ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); place ${CIFAR10_TEST_FILE} there or point --data or NPIM_DATA_DIR at a directory holding it`,
    );
  }
  const sha = createHash('sha256').update(gz).digest('hex');
  if (sha !== CIFAR10_TEST_GZ_SHA256)
    fail(`${file} fails its checksum (sha256 ${sha}, expected ${CIFAR10_TEST_GZ_SHA256}): it is damaged or not the expected test set`);
  let bin: Buffer;
  try {
    bin = gunzipSync(gz);
  } catch (e) {
    fail(`${file} is not a valid gzip file: ${(e as Error).message}`);
  }
  const binSha = createHash('sha256').update(bin).digest('hex');
  ensure(binSha === CIFAR10_TEST_BIN_SHA256, `${file} decompresses to bytes of sha256 ${binSha}, expected ${CIFAR10_TEST_BIN_SHA256}`);
  return { file, ...decodeCifar10(bin, file) };
}
