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
