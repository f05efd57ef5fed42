import type { SweepRow } from '../sweep/sweep.js';
import { baseLayout, type Figure } from './figure.js';
import { styleOf, withSetting } from './style.js';
import { meanStd } from '../tables/uncertainty.js';

const PCT = (v: unknown) => 100 * Number(v);

/** Rows of a sweep summary split into named series by some columns (e.g. binarizer and levels). */
export function seriesBy(
  rows: SweepRow[],
  keys: string[],
  name: (r: SweepRow) => string = (r) => keys.map((k) => `${k}=${r[k]}`).join(', '),
): Map<string, SweepRow[]> {
  const out = new Map<string, SweepRow[]>();
  for (const r of rows) {
    if (keys.length === 0) {
      out.set('all', [...(out.get('all') ?? []), r]);
      continue;
    }
    const n = name(r);
    out.set(n, [...(out.get(n) ?? []), r]);
  }
  return out;
}

/**
 * A metric of a sweep summary against one swept key, one line per series, error bars = std over seeds (none for
 * one seed): the ablation plot (accuracy vs K, vs p, ...). Series keyed by a method name or a binarizer key
 * (`binarizerKey`) get the kit's colour and legend name for it (figures/style.ts); `setting` is written on the figure.
 */
export function sweepCurveFigure(
  series: Map<string, SweepRow[]>,
  x: string,
  metric: string,
  o: { title: string; xTitle: string; yTitle: string; logX?: boolean; percent?: boolean; setting?: string },
): Figure {
  const f = o.percent === false ? Number : PCT;
  const fig: Figure = {
    data: [...series.entries()].map(([key, rows]) => {
      const sorted = [...rows].sort((a, b) => Number(a[x]) - Number(b[x]));
      const st = styleOf(key);
      const std = sorted.map((r) => (r[`${metric}_std`] === '' ? Number.NaN : f(r[`${metric}_std`])));
      return {
        x: sorted.map((r) => Number(r[x])),
        y: sorted.map((r) => f(r[`${metric}_mean`])),
        error_y: { type: 'data', array: std, visible: std.some((v) => Number.isFinite(v)) },
        type: 'scatter',
        mode: 'lines+markers',
        name: st.label,
        line: { color: st.color, dash: st.dash ?? 'solid' },
        marker: { color: st.color },
      } as never;
    }),
    layout: baseLayout(o.title, {
      xaxis: { title: { text: o.xTitle }, type: o.logX ? 'log' : 'linear', ...(o.logX ? { dtick: Math.LOG10E * Math.LN2 } : {}) },
      yaxis: { title: { text: o.yTitle } },
      legend: { orientation: 'h', y: -0.2 },
      margin: { l: 60, r: 20, t: 60, b: 90 },
    }),
  };
  return o.setting ? withSetting(fig, o.setting) : fig;
}

/** A point on the memory-accuracy plane: bits per class and accuracy, with a label. */
export interface MemoryPoint {
  bits: number;
  acc: number;
  label: string;
}

/** The upper-left frontier of points (best accuracy for at most that memory), in increasing memory. */
export function paretoFrontier(points: MemoryPoint[]): MemoryPoint[] {
  const sorted = [...points].sort((a, b) => a.bits - b.bits || b.acc - a.acc);
  const out: MemoryPoint[] = [];
  for (const p of sorted) if (!out.length || p.acc > out[out.length - 1].acc) out.push(p);
  return out;
}

/** Accuracy of a frontier at a memory size: the best point with at most that many bits (NaN below its smallest). */
function frontierAt(front: MemoryPoint[], bits: number): number {
  let acc = NaN;
  for (const p of front) if (p.bits <= bits) acc = p.acc;
  return acc;
}

/**
 * Where two memory-accuracy frontiers cross: the memory sizes (bits per class, at the points of either curve)
 * where the better of the two changes. Before the first crossing one method gives more accuracy per bit.
 */
export function frontierCrossings(a: MemoryPoint[], b: MemoryPoint[]): Array<{ bits: number; better: 'a' | 'b' }> {
  const fa = paretoFrontier(a);
  const fb = paretoFrontier(b);
  const xs = [...new Set([...fa, ...fb].map((p) => p.bits))].sort((x, y) => x - y);
  const out: Array<{ bits: number; better: 'a' | 'b' }> = [];
  let prev: 'a' | 'b' | null = null;
  for (const x of xs) {
    const va = frontierAt(fa, x);
    const vb = frontierAt(fb, x);
    if (Number.isNaN(va) && Number.isNaN(vb)) continue;
    const better: 'a' | 'b' = Number.isNaN(vb) || va >= vb ? 'a' : 'b';
    if (better !== prev) out.push({ bits: x, better });
    prev = better;
  }
  return out;
}

/**
 * Accuracy against memory per class (log axis): every option of a method as a marker (its label on hover, not
 * printed, so dense regions stay readable), a line along the method's frontier (the best accuracy it reaches for at
 * most that memory), one legend entry per method in the kit's colours. Groups keyed by method name.
 */
export function memoryAccuracyFigure(groups: Map<string, MemoryPoint[]>, title: string, yTitle: string, setting?: string): Figure {
  const data: Figure['data'] = [];
  for (const [key, pts] of groups) {
    const st = styleOf(key);
    const front = paretoFrontier(pts);
    data.push({
      x: pts.map((p) => p.bits / 8 / 1024),
      y: pts.map((p) => 100 * p.acc),
      hovertext: pts.map((p) => `${st.label}: ${p.label}`),
      hoverinfo: 'text+x+y',
      type: 'scatter',
      mode: 'markers',
      marker: { color: st.color, size: 7, opacity: 0.8 },
      name: st.label,
      legendgroup: key,
    } as never);
    data.push({
      x: front.map((p) => p.bits / 8 / 1024),
      y: front.map((p) => 100 * p.acc),
      type: 'scatter',
      mode: 'lines',
      line: { color: st.color, width: 2, dash: st.dash ?? 'solid' },
      name: `${st.label}: frontier`,
      legendgroup: key,
      showlegend: false,
      hoverinfo: 'skip',
    } as never);
  }
  const fig: Figure = {
    data,
    layout: baseLayout(title, {
      xaxis: { title: { text: 'memory per class (KiB, log scale)' }, type: 'log' },
      yaxis: { title: { text: yTitle } },
      legend: { orientation: 'h', y: -0.2 },
      margin: { l: 60, r: 20, t: 60, b: 90 },
    }),
  };
  return setting ? withSetting(fig, setting) : fig;
}

/**
 * The method comparison as a dot plot: one row per method (and variant, e.g. FeTrIL's head), its mean average
 * incremental accuracy over seeds with ± std error bars, one marker shape per number of tasks T; rows in the order
 * of the first T's means (best on top), names as a paper writes them. `label` keys a run to its row.
 */
export function comparisonFigure(runs: SweepRow[], tasks: number[], label: (r: SweepRow) => string, title: string, setting?: string): Figure {
  const rows = [...new Set(runs.map(label))];
  const stats = (name: string, T: number) => meanStd(runs.filter((r) => label(r) === name && Number(r.tasks) === T).map((r) => 100 * Number(r.avg_inc_acc)));
  rows.sort((a, b) => stats(a, tasks[0]).mean - stats(b, tasks[0]).mean);
  const symbols = ['circle', 'square', 'diamond', 'triangle-up'];
  const greys = ['#000000', '#555555', '#999999', '#BBBBBB'];
  const fig: Figure = {
    data: tasks.map((T, i) => {
      const s = rows.map((r) => stats(r, T));
      return {
        x: s.map((v) => v.mean),
        y: rows,
        error_x: { type: 'data', array: s.map((v) => v.std), visible: s.some((v) => Number.isFinite(v.std)) },
        type: 'scatter',
        mode: 'markers',
        name: `T = ${T}`,
        marker: { symbol: symbols[i % symbols.length], color: greys[i % greys.length], size: 8 },
      } as never;
    }),
    layout: baseLayout(title, {
      xaxis: { title: { text: 'average incremental accuracy (%)' } },
      yaxis: { automargin: true },
      legend: { orientation: 'h', y: -0.2 },
      height: 120 + 28 * rows.length,
      margin: { l: 60, r: 20, t: 60, b: 90 },
    }),
  };
  return setting ? withSetting(fig, setting) : fig;
}
