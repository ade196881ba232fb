/**
 * `npim spice verify`: runs the SPICE co-simulation in a kept directory or a temporary one, and
 * writes spice-verify.json when the directory is kept.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../io/files.ts';
import { info } from '../io/progress.ts';
import type { Approximator } from '../mapping/approximator-map.ts';
import { runSpiceVerify, type SpiceVerifyOptions, type SpiceVerifyReport } from '../mapping/spice-verify.ts';

/**
 * Co-simulates `a` in ngspice. With `out`, the netlist, the ngspice data file and
 * spice-verify.json stay there; without, everything happens in a temporary directory that is
 * removed afterwards.
 */
export async function spiceVerifyToDir(
  a: Approximator,
  options: Omit<SpiceVerifyOptions, 'workDir'>,
  out: string | undefined,
): Promise<SpiceVerifyReport> {
  const workDir = out ? path.resolve(out) : await fs.mkdtemp(path.join(os.tmpdir(), 'npim-spice-'));
  try {
    info(`running ngspice on the ${a.kind.toUpperCase()} netlist in ${workDir}`);
    const report = await runSpiceVerify(a, { ...options, workDir });
    if (out) await writeJsonAtomic(path.join(workDir, 'spice-verify.json'), report);
    return report;
  } finally {
    if (!out) await fs.rm(workDir, { recursive: true, force: true });
  }
}
