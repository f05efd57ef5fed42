import { encodePng, type RawImage } from '../data/image.js';
import { baseLayout, type Figure } from './figure.js';
import { CATEGORY_COLORS, isStyled, labelOf, styleOf } from './style.js';

/** One row of an image grid: a label and its images. */
export interface GridRow {
  label: string;
  images: RawImage[];
}

/** Nearest-neighbour resize of an image to cell x cell RGB (grid thumbnails only). */
function thumbnail(im: RawImage, cell: number): Uint8Array {
  const out = new Uint8Array(cell * cell * 3);
  for (let y = 0; y < cell; y++) {
    const sy = Math.min(im.height - 1, Math.floor((y * im.height) / cell));
    for (let x = 0; x < cell; x++) {
      const sx = Math.min(im.width - 1, Math.floor((x * im.width) / cell));
      for (let c = 0; c < 3; c++) out[(y * cell + x) * 3 + c] = im.data[(sy * im.width + sx) * im.channels + (im.channels === 1 ? 0 : c)];
    }
  }
  return out;
}

/** Encode RGB pixels as a PNG data URI (for Plotly image traces). */
export function rgbToPngDataUri(rgb: Uint8Array, width: number, height: number): string {
  return `data:image/png;base64,${encodePng(rgb, width, height).toString('base64')}`;
}

/** A mosaic of sample images, one labelled row per class: the first look at a dataset. */
export function imageGridFigure(rows: GridRow[], title: string, cell = 64): Figure {
  const gap = 4;
  const cols = Math.max(...rows.map((r) => r.images.length));
  const W = cols * (cell + gap) - gap;
  const H = rows.length * (cell + gap) - gap;
  const mosaic = new Uint8Array(W * H * 3).fill(255);
  rows.forEach((row, r) =>
    row.images.forEach((im, c) => {
      const t = thumbnail(im, cell);
      for (let y = 0; y < cell; y++) {
        const dst = ((r * (cell + gap) + y) * W + c * (cell + gap)) * 3;
        mosaic.set(t.subarray(y * cell * 3, (y + 1) * cell * 3), dst);
      }
    }),
  );
  const labelWidth = 20 + 8 * Math.max(...rows.map((r) => r.label.length));
  return {
    data: [{ type: 'image', source: rgbToPngDataUri(mosaic, W, H), x0: 0, y0: 0, dx: 1, dy: 1, hoverinfo: 'skip' } as never],
    layout: baseLayout(title, {
      width: W + labelWidth + 20,
      height: H + 70,
      margin: { l: labelWidth, r: 20, t: 50, b: 20 },
      xaxis: { visible: false, range: [0, W] },
      yaxis: { range: [H, 0], tickvals: rows.map((_, r) => r * (cell + gap) + cell / 2), ticktext: rows.map((r) => r.label), showgrid: false, zeroline: false },
    }),
  };
}

/** Histogram counts of values over [lo, hi] in `bins` equal bins (computed here: Plotly gets 40 bars, not 25M values). */
export function histogram(values: ArrayLike<number>, bins: number, lo: number, hi: number): { centers: number[]; counts: number[] } {
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  }
  return { centers: counts.map((_, b) => lo + (b + 0.5) * w), counts };
}

/** Distribution of embedding values: the exact zeros (ReLU) apart, the rest as a log-scale histogram. */
export function featureHistogramFigure(values: Float32Array, title: string, bins = 60): Figure {
  let zeros = 0;
  let max = 0;
  for (const v of values) {
    if (v === 0) zeros++;
    if (v > max) max = v;
  }
  const nonzero = values.filter((v) => v !== 0);
  const h = histogram(nonzero, bins, 0, max || 1);
  const pct = ((100 * zeros) / Math.max(1, values.length)).toFixed(1);
  return {
    data: [{ type: 'bar', x: h.centers, y: h.counts, marker: { color: '#3b6ea8' }, name: 'non-zero values' }],
    layout: baseLayout(`${title} (${pct}% exactly zero, not shown)`, {
      xaxis: { title: { text: 'feature value' } },
      yaxis: { title: { text: 'count' }, type: 'log' },
      bargap: 0.02,
    }),
  };
}

/** A named series of y values over shared x values; a method name or binarizer key as `name` gets the kit's style for it. */
export interface Series {
  name: string;
  y: (number | null)[];
}

/** Lines (with markers) of several series over one x axis. */
export function lineChart(title: string, x: (number | string)[], series: Series[], xTitle: string, yTitle: string, logY = false, logX = false): Figure {
  // A few whole-number x values (epochs, steps) get one tick each, never 1.5.
  const whole = x.every((v) => typeof v === 'number' && Number.isInteger(v));
  const span = whole && x.length > 0 ? Math.max(...(x as number[])) - Math.min(...(x as number[])) : Infinity;
  return {
    data: series.map((s) => {
      const st = styleOf(s.name);
      return {
        x,
        y: s.y as number[],
        type: 'scatter',
        mode: 'lines+markers',
        name: st.label,
        line: { color: st.color, dash: st.dash ?? 'solid' },
        marker: { color: st.color },
      };
    }),
    layout: baseLayout(title, {
      xaxis: { title: { text: xTitle }, type: logX ? 'log' : undefined, dtick: !logX && span <= 20 ? 1 : undefined },
      yaxis: { title: { text: yTitle }, type: logY ? 'log' : 'linear' },
    }),
  };
}

/**
 * Grouped bars: one group per category, one bar per series. Categories that are method names or binarizer keys
 * show the kit's names for them; with a single series over such categories each bar takes its category's colour.
 */
export function barChart(title: string, categories: string[], series: Series[], yTitle: string): Figure {
  const x = categories.map(labelOf);
  return {
    data: series.map((s) => {
      const st = styleOf(s.name);
      const color = series.length === 1 && categories.every(isStyled) ? categories.map((c) => styleOf(c).color) : st.color;
      return { x, y: s.y as number[], type: 'bar', name: st.label, marker: { color } };
    }),
    // automargin: long category names are rotated by Plotly and must not be cut off at the bottom.
    layout: baseLayout(title, { xaxis: { automargin: true }, yaxis: { title: { text: yTitle } }, barmode: 'group' }),
  };
}

/** A heatmap of a matrix (rows top to bottom), e.g. BMM prototypes (K x D). */
export function heatmapChart(title: string, z: number[][], xTitle: string, yTitle: string, zmin = 0, zmax = 1): Figure {
  return {
    data: [{ z, type: 'heatmap', colorscale: 'Viridis', zmin, zmax } as never],
    layout: baseLayout(title, { xaxis: { title: { text: xTitle } }, yaxis: { title: { text: yTitle }, autorange: 'reversed' } }),
  };
}

/** Points in 2-D, one colour per group. */
export function scatterChart(title: string, groups: { name: string; x: number[]; y: number[] }[]): Figure {
  return {
    data: groups.map((g) => ({ x: g.x, y: g.y, type: 'scatter', mode: 'markers', name: g.name, marker: { size: 5, opacity: 0.7 } })),
    layout: baseLayout(title, { xaxis: { showticklabels: false, zeroline: false }, yaxis: { showticklabels: false, zeroline: false } }),
  };
}

/** Overlaid histograms of several samples on shared bins, as fractions of each sample (samples of unequal size compare). */
export function overlayHistogramFigure(
  title: string,
  samples: { name: string; values: ArrayLike<number> }[],
  bins: number,
  lo: number,
  hi: number,
  xTitle: string,
  opts: { logY?: boolean; yTitle?: string } = {},
): Figure {
  return {
    data: samples.map((s) => {
      const h = histogram(s.values, bins, lo, hi);
      const n = Math.max(1, s.values.length);
      const st = styleOf(s.name);
      return { x: h.centers, y: h.counts.map((c) => c / n), type: 'bar', name: st.label, marker: { color: st.color }, opacity: samples.length > 1 ? 0.6 : 1 };
    }),
    layout: baseLayout(title, {
      barmode: 'overlay',
      bargap: 0.02,
      xaxis: { title: { text: xTitle } },
      yaxis: { title: { text: opts.yTitle ?? 'fraction' }, type: opts.logY ? 'log' : 'linear' },
    }),
  };
}

/**
 * A horizontal reference line across the plot (a ceiling, a chance level) with its label: drawn as a line of the
 * layout, not a data series, so it neither enters the legend nor stretches the axis beyond what the data need.
 */
export function withReferenceLine(fig: Figure, y: number, label: string, color = '#4D4D4D'): Figure {
  const layout = fig.layout ?? {};
  return {
    ...fig,
    layout: {
      ...layout,
      shapes: [...(layout.shapes ?? []), { type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: y, y1: y, line: { color, width: 1.5, dash: 'dash' } }],
      annotations: [
        ...(layout.annotations ?? []),
        { xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y, yanchor: 'bottom', text: label, showarrow: false, font: { color } },
      ],
    },
  };
}

/**
 * Side-by-side scatter panels on shared axes (e.g. real codes, then pseudo-exemplars of K = 1 and K = 8), each group
 * in the same colour in every panel, so a reader compares the panels' shapes rather than decoding overplotted points.
 */
export function scatterPanelsFigure(title: string, panels: { title: string; groups: { name: string; x: number[]; y: number[] }[] }[]): Figure {
  const n = panels.length;
  const gap = 0.03;
  const w = (1 - gap * (n - 1)) / n;
  const all = panels.flatMap((p) => p.groups);
  const range = (k: 'x' | 'y') => {
    const v = all.flatMap((g) => g[k]);
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const pad = 0.04 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  };
  const names = [...new Set(all.map((g) => g.name))];
  const color = (name: string) => (isStyled(name) ? styleOf(name).color : CATEGORY_COLORS[names.indexOf(name) % CATEGORY_COLORS.length]);
  const axes: Record<string, object> = {};
  panels.forEach((_, i) => {
    const sx = i === 0 ? '' : String(i + 1);
    axes[`xaxis${sx}`] = { domain: [i * (w + gap), i * (w + gap) + w], range: range('x'), showticklabels: false, zeroline: false, anchor: `y${sx}` };
    axes[`yaxis${sx}`] = { range: range('y'), showticklabels: false, zeroline: false, anchor: `x${sx}` };
  });
  return {
    data: panels.flatMap((p, i) =>
      p.groups.map((g) => ({
        x: g.x,
        y: g.y,
        type: 'scatter' as const,
        mode: 'markers' as const,
        name: styleOf(g.name).label,
        legendgroup: g.name,
        showlegend: i === 0,
        xaxis: i === 0 ? 'x' : `x${i + 1}`,
        yaxis: i === 0 ? 'y' : `y${i + 1}`,
        marker: { size: 4, opacity: 0.6, color: names.length > 1 ? color(g.name) : undefined },
      })),
    ),
    layout: baseLayout(title, {
      ...axes,
      height: 420,
      width: 360 * n,
      legend: { orientation: 'h', y: -0.05 },
      annotations: panels.map((p, i) => ({
        xref: 'paper',
        yref: 'paper',
        x: i * (w + gap) + w / 2,
        y: 1.0,
        xanchor: 'center',
        yanchor: 'bottom',
        text: p.title,
        showarrow: false,
      })),
    }) as never,
  };
}
