import path from 'node:path';
import type { DataFrame } from 'danfojs-node';
import { FIGURE_DEFAULTS, type Figure, type RenderSize } from '../figures/figure.js';
import { renderFigure, saveFigure } from '../figures/render.js';
import { PROJECT_ROOT } from '../util/project.js';
import { tslabWriter } from '../util/jupyter.js';
import { interactiveFigureHtml, servePlotly } from './interactive.js';

/** True when notebooks should run on small subsets (CI, `npm run notebooks -- --quick`). */
export function quickMode(): boolean {
  return process.env.GBM_QUICK === '1';
}

/**
 * Show a figure inline in a tslab notebook, and save it as PNG, SVG and PDF under figures/ (figures/quick/ in quick
 * mode) when `name` is given; outside a notebook it only saves. In Jupyter the figure is a live Plotly chart (zoom,
 * hover) drawn by the kit's own plotly.js, served offline from the kernel (`src/notebook/interactive.ts`); GitHub,
 * headless runs and a notebook reopened without its kernel show the static PNG of the same output.
 * Set GBM_STATIC_FIGURES=1 for PNG-only outputs.
 */
export async function showInline(fig: Figure, name?: string, size: Partial<RenderSize> = {}): Promise<void> {
  const write = tslabWriter();
  if (write) {
    const at = { ...FIGURE_DEFAULTS, scale: 1, ...size, ...sizeOf(fig) };
    const png = (await renderFigure(fig, 'png', at)).toString('base64');
    const data: Record<string, string> = { 'image/png': png, 'text/plain': '<figure>' };
    if (process.env.GBM_STATIC_FIGURES !== '1') {
      const port = await servePlotly();
      data['text/html'] = interactiveFigureHtml(fig, png, `http://127.0.0.1:${port}/plotly.min.js`, at);
    }
    write({ data, metadata: {}, transient: {} }, false);
  }
  // Quick mode (CI, small subsets) saves under figures/quick/, so it never replaces a full run's figures.
  // Nothing is returned: tslab would echo the saved files' absolute paths under every figure.
  if (name) await saveFigure(fig, path.join(PROJECT_ROOT, 'figures', ...(quickMode() ? ['quick'] : []), name), sizeOf(fig));
}

/** Rows of a danfo DataFrame, with its index as a first column when it is not just 0..n-1. */
function frameRows(df: DataFrame): Record<string, unknown>[] {
  const values = df.values as unknown[][];
  const plainIndex = df.index.every((v, i) => v === i);
  return values.map((row, i) => ({
    ...(plainIndex ? {} : { '': df.index[i] }),
    ...Object.fromEntries(df.columns.map((c, j) => [c, row[j]])),
  }));
}

function sizeOf(fig: Figure): Partial<RenderSize> {
  const out: Partial<RenderSize> = {};
  if (typeof fig.layout?.width === 'number') out.width = fig.layout.width;
  if (typeof fig.layout?.height === 'number') out.height = fig.layout.height;
  return out;
}

/** Text safe inside HTML. */
const escapeHtml = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A cell that reads as a number (23.40, -0.51, "23.40 ± 0.12", "+0.03 (tie)", "-"): right-aligned, as numbers are. */
const NUMERIC = /^[-+]?(\d[\d,]*(\.\d+)?|\.\d+)?( ?[±] ?\d+(\.\d+)?)?( ?%| \(tie\))?$|^-$/;

/**
 * Show a table (danfo DataFrame or plain rows) inline, or print it outside a notebook. In a notebook it is one output
 * with an HTML table (numbers right-aligned, a light rule under the header, text escaped) and the same table as
 * plain text for viewers that show no HTML.
 */
export function showTable(table: Record<string, unknown>[] | DataFrame, digits = 4): void {
  const rows = Array.isArray(table) ? table : frameRows(table);
  const cols = Object.keys(rows[0] ?? {});
  const fmt = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(digits) : String(v ?? ''));
  const write = tslabWriter();
  if (write) {
    const right = cols.map((c) => rows.length > 0 && rows.every((r) => NUMERIC.test(fmt(r[c]).trim())));
    const align = (j: number) => (right[j] ? 'text-align:right' : 'text-align:left');
    const head = cols.map((c, j) => `<th style="${align(j)};border-bottom:1px solid #888">${escapeHtml(c)}</th>`).join('');
    const body = rows.map((r) => `<tr>${cols.map((c, j) => `<td style="${align(j)}">${escapeHtml(fmt(r[c]))}</td>`).join('')}</tr>`).join('');
    const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
    const pad = (v: string, j: number) => (right[j] ? v.padStart(widths[j]) : v.padEnd(widths[j]));
    const text = [cols.map(pad).join('  '), ...rows.map((r) => cols.map((c, j) => pad(fmt(r[c]), j)).join('  '))].join('\n');
    write(
      {
        data: { 'text/html': `<table style="border-collapse:collapse"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`, 'text/plain': text },
        metadata: {},
        transient: {},
      },
      false,
    );
  } else {
    console.table(rows.map((r) => Object.fromEntries(cols.map((c) => [c, fmt(r[c])]))));
  }
}
