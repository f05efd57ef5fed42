import type { Config, Layout, Plot } from 'nodeplotlib';

/** A figure in nodeplotlib's (= Plotly's) model: traces plus layout, plain JSON, so it can be saved with results. */
export interface Figure {
  data: Plot[];
  layout?: Layout;
  config?: Config;
}

/** Size of a rendered figure in CSS pixels; PNGs are rendered at `scale` times that. */
export interface RenderSize {
  width: number;
  height: number;
  scale: number;
}

/** Paper-friendly defaults: 800 x 500 at 2x, white background, a readable serif-free font. */
export const FIGURE_DEFAULTS: RenderSize = { width: 800, height: 500, scale: 2 };

/** The house style every figure builder starts from (white background, compact margins). */
export function baseLayout(title: string, extra: Layout = {}): Layout {
  return {
    title: { text: title, font: { size: 16 } },
    font: { family: 'Helvetica, Arial, sans-serif', size: 13 },
    paper_bgcolor: 'white',
    plot_bgcolor: 'white',
    margin: { l: 60, r: 20, t: 50, b: 50 },
    ...extra,
  };
}
