/** Locations inside the installed package, independent of the working directory. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root directory of the neural-pim package. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Directory of the project's own small datasets (VTC bank). */
export const DATASETS_DIR = path.join(PACKAGE_ROOT, 'datasets');

/** Directory of the VTC bank made by `npim characterize inverter`. */
export const VTC_DIR = path.join(DATASETS_DIR, 'vtc');

/** The inverter model library shared by characterization and SPICE export. */
export const INVERTER_LIB_PATH = path.join(VTC_DIR, 'inverter_130nm.lib');

/** Directory of shipped models. */
export const MODELS_DIR = path.join(PACKAGE_ROOT, 'models');

/**
 * How a path is shown in reports and results: relative to the package for its own files (the
 * shipped `models/lenet5-mnist` reads the same on every machine), else as the user gave it.
 */
export function displayPath(p: string): string {
  const rel = path.relative(PACKAGE_ROOT, path.resolve(p));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
