/**
 * Project-wide defaults (docs/reference.md §1). Every schema takes its default values from here so that a
 * number is written down once.
 */

/** Supply voltage of the peripheral circuits (130 nm designs), volts. */
export const VDD_VOLTS = 1.2;
/** Analog signal range of NNS+A / NNADC inputs is [0, SIGNAL_MAX_VOLTS]. */
export const SIGNAL_MAX_VOLTS = 0.5;
/** Conductance precision of peripheral-circuit RRAM cells, bits (8 levels). */
export const PERIPHERAL_LEVEL_BITS = 3;
/**
 * Highest programmable conductance, siemens. 100 µS (10 kΩ) is typical of HfOx/TaOx
 * multi-level cells.
 */
export const G_MAX_SIEMENS = 100e-6;
/**
 * On/off ratio G_max / G_min. 50 is mid-range for multi-level HfOx/TaOx cells (reported ratios
 * run from about 10 to 100); it sets G_min = 2 µS.
 */
export const ON_OFF_RATIO = 50;
/** σ of the multiplicative log-normal programming variation g ← g·e^θ, θ ~ N(0, σ). */
export const PROGRAMMING_SIGMA = 0.025;
/** DNN weight and activation precision, bits. */
export const DNN_BITS = 8;
/** DNN crossbar size (rows = columns), 2^N with N = 7. */
export const DNN_ARRAY_SIZE = 128;
/** Input cycle of the DNN crossbars, seconds. */
export const INPUT_CYCLE_SECONDS = 100e-9;
/**
 * RMS thermal noise of the sample-and-hold that feeds the NNS+A, volts. kT/C of a 100 fF hold
 * capacitor at 300 K is 0.2 mV; 0.5 mV leaves margin for switch charge injection.
 */
export const SAMPLE_HOLD_NOISE_VOLTS = 0.5e-3;
/** Default seed of every command. */
export const DEFAULT_SEED = 1;

// Baseline DNNs (src/dnn/).
/** Real value of one 8-bit input code of the baseline DNNs: they take pixel / 255. */
export const DNN_INPUT_SCALE = 1 / 255;
/** Percentile of a layer's input values over the calibration batch that maps to activation code 255. */
export const DNN_ACTIVATION_PERCENTILE = 99.99;
/** Adam learning rate of `npim train dnn`. */
export const DNN_LEARNING_RATE = 1e-3;
/** Mini-batch size of `npim train dnn`. */
export const DNN_BATCH_SIZE = 64;
/** Training epochs of `npim train dnn` per architecture (fixed; no early stopping). */
export const DNN_EPOCHS = { mlp: 10, lenet5: 8 } as const;
