/**
 * Plots: scenarios describe their figure as a vega-lite spec; this renders it to SVG headless with vega (no
 * browser, no canvas), so every figure in results/ is drawn by a plotting library from the data beside it.
 */
import { Error as ErrorLevel, logger, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** House style shared by every figure. */
export const PLOT_CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e8e8e8' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400 },
  title: { fontSize: 14, anchor: 'start' as const, subtitleFontSize: 11, subtitleColor: '#555' },
  view: { stroke: '#ccc' },
};

/** Renders a vega-lite spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...PLOT_CONFIG, ...(spec.config ?? {}) }, background: 'white' } as TopLevelSpec;
  // vega-lite's data-flow optimiser warns on layered facets ("Maximum optimization runs reached"); the figure is
  // unaffected, so only errors are reported.
  const view = new View(parse(compile(withConfig, { logger: logger(ErrorLevel) }).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
