/** Writing the SVG plots of {@link ../report/plot.ts} to disk. */
import { writeFileAtomic } from '../io/files.ts';
import { renderSvg, type PlotSpec } from '../report/plot.ts';

/** Renders a spec and writes it to `filePath` (atomically). */
export async function writePlot(filePath: string, spec: PlotSpec): Promise<void> {
  await writeFileAtomic(filePath, await renderSvg(spec));
}
