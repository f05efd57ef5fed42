import type { Layout } from 'nodeplotlib';
import type { Figure } from './figure.js';

/** How one method or binarizer is drawn in every figure of the kit: its name in legends, colour, line dash. */
export interface SeriesStyle {
  label: string;
  color: string;
  dash?: 'solid' | 'dot' | 'dash' | 'dashdot';
}

/**
 * One colour per method, the same in every notebook and saved figure (Okabe and Ito's colour-blind-safe palette,
 * greys for the bounds), with the names a paper would use. Keys are `--method` names.
 */
export const METHOD_STYLES: Record<string, SeriesStyle> = {
  gbm: { label: 'GBM', color: '#0072B2' },
  'gbm-k1': { label: 'GBM, K = 1', color: '#56B4E9' },
  'replay-binary': { label: 'Binary replay', color: '#009E73' },
  'replay-real': { label: 'Latent replay (real)', color: '#E69F00' },
  ncm: { label: 'NCM', color: '#CC79A7' },
  fetril: { label: 'FeTrIL', color: '#D55E00' },
  fecam: { label: 'FeCAM', color: '#882255' },
  finetune: { label: 'Fine-tuning (no memory)', color: '#8C8C8C', dash: 'dot' },
  joint: { label: 'Joint on codes (upper bound)', color: '#000000', dash: 'dash' },
  'joint-real': { label: 'Joint on features (upper bound)', color: '#4D4D4D', dash: 'dashdot' },
};

/** Binarizers: thermometer levels p in shades of one hue (p = 1 darkest), Heaviside apart; keys as `binarizerKey` writes them. */
export const BINARIZER_STYLES: Record<string, SeriesStyle> = {
  'thermometer p=1': { label: 'thermometer, p = 1', color: '#08306B' },
  'thermometer p=2': { label: 'thermometer, p = 2', color: '#2171B5' },
  'thermometer p=4': { label: 'thermometer, p = 4', color: '#6BAED6' },
  'thermometer p=8': { label: 'thermometer, p = 8', color: '#9ECAE1' },
  heaviside: { label: 'Heaviside (learned)', color: '#D55E00' },
  none: { label: 'binary embedding (no binarizer)', color: '#009E73' },
};

/** The key BINARIZER_STYLES uses for a binarizer and its levels. */
export function binarizerKey(kind: string, levels?: number | string): string {
  return kind === 'thermometer' ? `thermometer p=${levels ?? 1}` : kind;
}

/** Okabe and Ito's colours in a fixed order: for series that are not methods or binarizers (classes, groups). */
export const CATEGORY_COLORS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#882255', '#8C8C8C'];
const FALLBACK = CATEGORY_COLORS;

/**
 * The style of a series by its key (a method name, or a binarizer key): the kit's own when known, otherwise the
 * key as its label and a colour chosen from the key itself, so it too stays the same from figure to figure.
 */
export function styleOf(key: string): SeriesStyle {
  const known = METHOD_STYLES[key] ?? BINARIZER_STYLES[key];
  if (known) return known;
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return { label: key, color: FALLBACK[h % FALLBACK.length] };
}

/** True for a method name or binarizer key the kit has a style for. */
export function isStyled(key: string): boolean {
  return key in METHOD_STYLES || key in BINARIZER_STYLES;
}

/** A key's legend or axis name: the kit's label for a known method or binarizer, the key itself otherwise. */
export function labelOf(key: string): string {
  return (METHOD_STYLES[key] ?? BINARIZER_STYLES[key])?.label ?? key;
}

/** Sizes of a figure printed in a paper: one column (3.5 in) or two (7.16 in), at 96 CSS px per inch. */
export const PRINT_PRESETS = {
  'one-column': { widthIn: 3.5, heightIn: 2.6 },
  'two-column': { widthIn: 7.16, heightIn: 3.2 },
} as const;
export type PrintPreset = keyof typeof PRINT_PRESETS;

/** CSS pixels per inch: a figure laid out at the preset's width prints 1 px = 0.75 pt. */
const PX_PER_IN = 96;
/** The smallest text a printed figure may carry (pt), and the font sizes (px) that keep every text above it. */
export const MIN_PRINT_PT = 7;
const PRINT_FONT = { base: 10, title: 11, small: 10 };

/**
 * The figure laid out for print at a preset width: width and height in CSS pixels of that physical size, every
 * font at least MIN_PRINT_PT once printed at that width, compact margins, the legend below the plot.
 */
export function forPrint(fig: Figure, preset: PrintPreset): Figure {
  const p = PRINT_PRESETS[preset];
  const l = fig.layout ?? {};
  const axis = (a: unknown) => ({
    ...(a as object),
    tickfont: { size: PRINT_FONT.small },
    title: { ...((a as { title?: object })?.title ?? {}), font: { size: PRINT_FONT.base } },
  });
  const axes = Object.fromEntries(
    Object.keys(l)
      .filter((k) => /^[xy]axis\d*$/.test(k))
      .map((k) => [k, axis((l as Record<string, unknown>)[k])]),
  );
  const layout: Layout = {
    ...l,
    ...axes,
    width: Math.round(p.widthIn * PX_PER_IN),
    height: Math.round(p.heightIn * PX_PER_IN),
    font: { ...(l.font ?? {}), size: PRINT_FONT.base },
    title: { ...((l.title as object) ?? {}), font: { size: PRINT_FONT.title } } as Layout['title'],
    legend: { ...(l.legend ?? {}), font: { size: PRINT_FONT.small }, orientation: 'h', y: -0.3 },
    margin: { l: 48, r: 8, t: 30, b: 70 },
    annotations: (l.annotations ?? []).map((a) => ({ ...a, font: { ...(a.font ?? {}), size: Math.max(PRINT_FONT.small, a.font?.size ?? 0) } })),
  };
  const data = fig.data.map((t) => {
    const tf = (t as { textfont?: { size?: number } }).textfont;
    return tf ? ({ ...t, textfont: { ...tf, size: Math.max(PRINT_FONT.small, tf.size ?? 0) } } as typeof t) : t;
  });
  return { ...fig, data, layout };
}

/**
 * The smallest text of a figure in printed points when it is printed at its layout width over `widthIn` inches
 * (for checking a figure against MIN_PRINT_PT). Unset sizes count as Plotly's defaults (12 px; titles 17 px).
 */
export function smallestFontPt(fig: Figure, widthIn: number): number {
  const l = (fig.layout ?? {}) as Record<string, unknown>;
  const width = Number(l.width ?? 700);
  const base = (l.font as { size?: number } | undefined)?.size ?? 12;
  const sizes: number[] = [base, (l.title as { font?: { size?: number } } | undefined)?.font?.size ?? base];
  for (const [k, v] of Object.entries(l)) {
    if (!/^[xy]axis\d*$/.test(k)) continue;
    const a = v as { tickfont?: { size?: number }; title?: { font?: { size?: number } } };
    sizes.push(a.tickfont?.size ?? base, a.title?.font?.size ?? base);
  }
  sizes.push((l.legend as { font?: { size?: number } } | undefined)?.font?.size ?? base);
  for (const a of (l.annotations as { font?: { size?: number } }[] | undefined) ?? []) sizes.push(a.font?.size ?? base);
  for (const t of fig.data) {
    const tf = (t as { textfont?: { size?: number }; mode?: string }).textfont;
    if (tf || (t as { mode?: string }).mode?.includes('text')) sizes.push(tf?.size ?? base);
  }
  return (Math.min(...sizes) * widthIn * 72) / width;
}

/**
 * The figure with its setting (dataset, scenario, backbone, seeds...) written under the plot, so a saved file says
 * what it shows without the notebook around it.
 */
export function withSetting(fig: Figure, setting: string): Figure {
  const l = fig.layout ?? {};
  const note = {
    text: setting,
    xref: 'paper',
    yref: 'paper',
    x: 0,
    y: 1,
    yshift: 8,
    xanchor: 'left',
    yanchor: 'bottom',
    showarrow: false,
    font: { size: 10, color: '#555555' },
  };
  const margin = l.margin ?? {};
  return { ...fig, layout: { ...l, annotations: [...(l.annotations ?? []), note as never], margin: { ...margin, t: Math.max(margin.t ?? 50, 70) } } };
}
