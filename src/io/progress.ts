/**
 * Progress display for long work: a bar on an interactive terminal, nothing in CI, in pipes or
 * with `--json`.
 */
import cliProgress from 'cli-progress';

/** A progress handle; all methods are no-ops when progress is not shown. */
export interface Progress {
  /** Sets the current count and an optional status text. */
  update(value: number, status?: string): void;
  /** Changes the total (when it is known only once the work starts). */
  setTotal(total: number): void;
  /** Removes the bar. */
  stop(): void;
}

let quiet = false;

/** Globally disables progress output (used by `--json` and `--quiet`). */
export function setQuiet(q: boolean): void {
  quiet = q;
}

/** Whether progress bars are shown: stderr is a terminal, not CI, not quiet. */
export function progressEnabled(): boolean {
  return !quiet && Boolean(process.stderr.isTTY) && !process.env.CI;
}

/**
 * Starts a progress bar of `total` steps labelled `label`, with the elapsed time and an estimate of
 * the time left. `counts: false` shows a percentage only (for progress that is a fraction, not a
 * count of things a user would recognize).
 */
export function startProgress(label: string, total: number, o: { counts?: boolean } = {}): Progress {
  if (!progressEnabled()) return { update: () => undefined, setTotal: () => undefined, stop: () => undefined };
  const counts = o.counts === false ? '' : ' {value}/{total}';
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}%${counts} | {duration_formatted} elapsed, ETA {eta_formatted} {status}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      // Before the first step there is no rate: say so rather than cli-progress's 'NULL'/'INF'.
      formatTime: (t: unknown, options: cliProgress.Options, roundTo: number) =>
        typeof t === 'number' && Number.isFinite(t) ? cliProgress.Format.TimeFormat(t, options, roundTo) : '…',
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { status: '' });
  return {
    update: (value, status = '') => bar.update(value, { status }),
    setTotal: (n) => {
      if (bar.getTotal() !== n) bar.setTotal(n);
    },
    stop: () => bar.stop(),
  };
}

/** Writes an informational line to stderr unless quiet (stdout stays clean for `--json`). */
export function info(message: string): void {
  if (!quiet) process.stderr.write(`${message}\n`);
}
