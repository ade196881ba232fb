/** Text of DNN training results (no I/O). */

/** The figures of a DNN training run the summary shows (a subset of its metrics.json). */
export interface DnnTrainingSummary {
  arch: string;
  epochs: number;
  seed: number;
  split: { name: string; description: string };
  heldOutImages: number;
  floatAccuracy: number;
  quantizedAccuracy: number;
  trainSeconds: number;
  wallTimeSeconds: number;
  backend: string;
}

/** Summary of `npim train dnn`: accuracy, timing, and the files written (`modelJson`: path of model.json). */
export function dnnTrainingText(m: DnnTrainingSummary, modelJson: string): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  return [
    `${m.arch}: ${m.epochs} epochs, seed ${m.seed}, split '${m.split.name}' (${m.split.description})`,
    `held-out accuracy (${m.heldOutImages} images): float ${pct(m.floatAccuracy)}, 8-bit ${pct(m.quantizedAccuracy)}`,
    `training ${m.trainSeconds.toFixed(1)} s, total ${m.wallTimeSeconds.toFixed(1)} s on ${m.backend}`,
    `wrote ${modelJson}, weights.bin, metrics.json`,
  ].join('\n');
}
