/**
 * Helpers shared by the notebooks (Deno Jupyter kernel): sizes read from the environment, plots
 * rendered inline as SVG by the project's own plot module, Markdown tables, and where outputs go.
 * The notebooks import the library as built in ../dist (`npm run build`, also run by `npm ci`).
 */
import * as npim from '../dist/index.js';

/**
 * A size from the environment variable `name` (e.g. NPIM_NB_IMAGES), else `fallback`. `npm run
 * notebooks` sets small values so that CI runs quick versions; unset, the notebook's own defaults apply.
 */
export function size(name: string, fallback: number): number {
  const text = Deno.env.get(name);
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${text}: expected a positive number`);
  return value;
}

/**
 * Shows a MIME bundle. Deno's `display` resolves once the message is queued, not sent; a cell that
 * ends right after it can report idle first, and headless runs (nbclient) then drop the output. A
 * short pause lets the kernel send it.
 */
async function show(bundle: Record<string, string>): Promise<void> {
  await Deno.jupyter.display(bundle, { raw: true });
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Renders a Vega-Lite spec to SVG with the project's renderer and shows it in the notebook. */
export async function plot(spec: npim.PlotSpec): Promise<void> {
  await show({ 'image/svg+xml': await npim.renderSvg(spec) });
}

/** Shows Markdown (e.g. a table from {@link markdownTable}). */
export async function markdown(text: string): Promise<void> {
  await show({ 'text/markdown': text, 'text/plain': text });
}

/** A Markdown table from a header and rows. */
export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Directory for the files a notebook writes (weight maps, netlists, ngspice data): NPIM_NB_OUT
 * (set by `npm run notebooks` to out/notebooks), else ../out/notebooks, plus the notebook's name.
 */
export async function outputDir(notebook: string): Promise<string> {
  const root = Deno.env.get('NPIM_NB_OUT') ?? new URL('../out/notebooks', import.meta.url).pathname;
  const dir = `${root}/${notebook}`;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/** Milliseconds since `t0` as seconds with one decimal (for the "took" lines). */
export function seconds(t0: number): string {
  return ((performance.now() - t0) / 1000).toFixed(1);
}
