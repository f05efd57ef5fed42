import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import {
  barChart,
  featureHistogramFigure,
  histogram,
  imageGridFigure,
  lineChart,
  overlayHistogramFigure,
  scatterPanelsFigure,
  withReferenceLine,
} from '../src/figures/charts.js';
import { closeFigureRenderer, saveFigure } from '../src/figures/render.js';
import { memoryAccuracyFigure, sweepCurveFigure } from '../src/figures/studies.js';
import { binarizerKey, forPrint, MIN_PRINT_PT, METHOD_STYLES, PRINT_PRESETS, smallestFontPt, styleOf, withSetting } from '../src/figures/style.js';
import { METHODS } from '../src/methods/registry.js';
import { syntheticRgb, tmpDir } from './helpers.js';

describe('figures', () => {
  after(() => closeFigureRenderer());

  it('saves a line chart as a real PNG of the right size, not blank, an SVG and a one-page PDF', async () => {
    const dir = tmpDir('fig');
    const fig = {
      data: [{ x: [0, 1, 2, 3], y: [10, 30, 20, 40], type: 'scatter' as const, line: { color: '#d62728', width: 4 } }],
      layout: { title: { text: 'accuracy' } },
    };
    const out = await saveFigure(fig, path.join(dir, 'acc'), { width: 400, height: 300, scale: 2 });
    const png = PNG.sync.read(fs.readFileSync(out.png));
    assert.equal(png.width, 800);
    assert.equal(png.height, 600);
    let red = 0;
    const colours = new Set<number>();
    for (let i = 0; i < png.width * png.height; i++) {
      const [r, g, b] = [png.data[4 * i], png.data[4 * i + 1], png.data[4 * i + 2]];
      colours.add((r << 16) | (g << 8) | b);
      if (r > 180 && g < 90 && b < 90) red++;
    }
    assert.ok(red > 500, `the red line is drawn (${red} red pixels)`);
    assert.ok(colours.size > 10);
    const svg = fs.readFileSync(out.svg, 'utf8');
    assert.match(svg, /^<svg/);
    assert.match(svg, /accuracy/);
    // A one-page vector PDF at the figure's size (400 x 300 CSS px = 300 x 225 pt).
    const pdf = fs.readFileSync(out.pdf);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
    assert.ok(box, 'a MediaBox');
    assert.ok(Math.abs(Number(box[1]) - 300) < 2 && Math.abs(Number(box[2]) - 225) < 2, `page ${box[1]} x ${box[2]} pt`);
    assert.equal((pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) ?? []).length, 1, 'one page');
  });

  it('draws each method in one colour and under one readable name in every figure, and every method has a style', () => {
    for (const m of Object.keys(METHODS)) assert.ok(METHOD_STYLES[m], `no style for method ${m}`);
    const colours = Object.values(METHOD_STYLES).map((s) => s.color);
    assert.equal(new Set(colours).size, colours.length, 'two methods share a colour');
    const rows = (acc: number) => [1, 8].map((K) => ({ method: 'x', K, n: 1, avg_inc_acc_mean: acc, avg_inc_acc_std: '' }));
    const curves = sweepCurveFigure(
      new Map([
        ['gbm', rows(0.3)],
        [binarizerKey('thermometer', 2), rows(0.2)],
      ]),
      'K',
      'avg_inc_acc',
      { title: 't', xTitle: 'K', yTitle: '%' },
    );
    const mem = memoryAccuracyFigure(new Map([['gbm', [{ bits: 1024, acc: 0.3, label: 'K=1' }]]]), 't', '%');
    const bars = barChart('t', ['fetril', 'gbm'], [{ name: 'avg', y: [1, 2] }], '%');
    const trace = (f: typeof curves, i: number) => f.data[i] as { name: string; line?: { color: string }; marker: { color: unknown } };
    assert.equal(trace(curves, 0).name, 'GBM');
    assert.equal(trace(curves, 0).line!.color, METHOD_STYLES.gbm.color);
    assert.equal(trace(mem, 0).marker.color, METHOD_STYLES.gbm.color);
    assert.equal(trace(curves, 1).name, 'thermometer, p = 2');
    assert.deepEqual(trace(bars, 0).marker.color, [METHOD_STYLES.fetril.color, METHOD_STYLES.gbm.color]);
    assert.deepEqual((bars.data[0] as { x: string[] }).x, ['FeTrIL', 'GBM']);
    // One seed: no error bars of zero height.
    assert.equal((curves.data[0] as { error_y: { visible: boolean } }).error_y.visible, false);
    // The memory-accuracy figure labels points on hover only (dense regions stay readable).
    assert.equal((mem.data[0] as { mode: string }).mode, 'markers');
    // An unknown series keeps its name and the same colour every time.
    assert.deepEqual(styleOf('my-method'), styleOf('my-method'));
    assert.equal(styleOf('my-method').label, 'my-method');
  });

  it('lays a figure out for print: at one- and two-column width every text is at least 7 pt, and the setting is on it', () => {
    const fig = withSetting(
      memoryAccuracyFigure(new Map([['gbm', [{ bits: 1024, acc: 0.3, label: 'K=1' }]]]), 'Accuracy vs memory', '%'),
      'TinyImageNet B100 + 5 x 20, seeds 1993-1995',
    );
    // As drawn for the screen (800 px wide) and shrunk to one column, its text would be far below 7 pt.
    assert.ok(smallestFontPt({ ...fig, layout: { ...fig.layout, width: 800 } }, PRINT_PRESETS['one-column'].widthIn) < 5);
    for (const preset of ['one-column', 'two-column'] as const) {
      const p = forPrint(fig, preset);
      assert.equal(p.layout!.width, Math.round(PRINT_PRESETS[preset].widthIn * 96));
      const pt = smallestFontPt(p, PRINT_PRESETS[preset].widthIn);
      assert.ok(pt >= MIN_PRINT_PT, `${preset}: smallest text ${pt.toFixed(2)} pt`);
      assert.ok(
        (p.layout!.annotations ?? []).some((a) => String(a.text).includes('seeds 1993-1995')),
        'the setting stays on the figure',
      );
    }
  });

  it('draws an image grid whose pixels are the images', async () => {
    const dir = tmpDir('grid');
    const rows = [0, 1].map((c) => ({
      label: `class ${c}`,
      images: [0, 1, 2].map((i) => ({ width: 16, height: 16, channels: 3 as const, data: syntheticRgb(16, 16, c, i) })),
    }));
    const fig = imageGridFigure(rows, 'grid', 32);
    const out = await saveFigure(fig, path.join(dir, 'grid'), { width: fig.layout!.width as number, height: fig.layout!.height as number, scale: 1 });
    const png = PNG.sync.read(fs.readFileSync(out.png));
    assert.equal(png.width, fig.layout!.width);
    let nonWhite = 0;
    for (let i = 0; i < png.width * png.height; i++) if (png.data[4 * i] < 200 || png.data[4 * i + 2] < 200) nonWhite++;
    assert.ok(nonWhite > 6 * 32 * 32 * 0.5, `image pixels present (${nonWhite})`);
  });

  it('gives a few whole-number x values (epochs, steps) one tick each, and leaves other axes to Plotly', () => {
    const xaxis = (x: (number | string)[], logX = false) =>
      (lineChart('t', x, [{ name: 's', y: x.map(() => 1) }], 'x', 'y', false, logX).layout as { xaxis: { dtick?: number } }).xaxis;
    assert.equal(xaxis([1, 2, 3, 4]).dtick, 1);
    assert.equal(xaxis(Array.from({ length: 101 }, (_, i) => i)).dtick, undefined); // 100 iterations: auto ticks
    assert.equal(xaxis([0.01, 0.25, 1]).dtick, undefined);
    assert.equal(xaxis([1, 2, 4, 8], true).dtick, undefined); // log axes keep their own ticks
  });

  it('overlays histograms as fractions of each sample, so samples of different sizes compare', () => {
    const fig = overlayHistogramFigure(
      't',
      [
        { name: 'a', values: [0.1, 0.2, 0.9, 0.95] },
        { name: 'b', values: Array.from({ length: 100 }, () => 0.5) },
      ],
      4,
      0,
      1,
      'x',
    );
    const ys = fig.data.map((d) => (d as { y: number[] }).y);
    assert.deepEqual(ys[0], [0.5, 0, 0, 0.5]);
    assert.deepEqual(ys[1], [0, 0, 1, 0]);
    assert.equal(fig.layout?.barmode, 'overlay');
  });

  it('draws a ceiling as a line of the layout with its label, not as a series of the legend', () => {
    const base = lineChart('acc', [1, 2, 3], [{ name: 'gbm', y: [60, 65, 66] }], 'epoch', '%');
    const fig = withReferenceLine(base, 72.5, 'real-valued head (ceiling)');
    assert.equal(fig.data.length, 1);
    const shape = (fig.layout?.shapes ?? [])[0] as { y0: number; y1: number; xref: string };
    assert.deepEqual([shape.y0, shape.y1, shape.xref], [72.5, 72.5, 'paper']);
    assert.equal((fig.layout?.annotations ?? [])[0]?.text, 'real-valued head (ceiling)');
    assert.equal(base.layout?.shapes, undefined, 'the figure passed in is left as it was');
  });

  it('puts scatter panels side by side on shared, non-overlapping axes, each group one colour and one legend entry', () => {
    const g = (name: string, v: number) => ({ name, x: [v, v + 1], y: [v, v * 2] });
    const fig = scatterPanelsFigure('t', [
      { title: 'real', groups: [g('class A', 0), g('class B', 5)] },
      { title: 'K = 1', groups: [g('class A', 1), g('class B', 2)] },
      { title: 'K = 8', groups: [g('class A', -3), g('class B', 9)] },
    ]);
    assert.equal(fig.data.length, 6);
    const lay = fig.layout as unknown as Record<string, { domain?: number[]; range?: number[] }>;
    const domains = ['xaxis', 'xaxis2', 'xaxis3'].map((k) => lay[k].domain as number[]);
    for (let i = 1; i < 3; i++) assert.ok(domains[i][0] > domains[i - 1][1], 'panels do not overlap');
    assert.deepEqual(lay.xaxis.range, lay.xaxis3.range, 'shared x range');
    assert.ok((lay.xaxis.range as number[])[0] < -3 && (lay.xaxis.range as number[])[1] > 10, 'the range covers every panel');
    const traces = fig.data as { name: string; showlegend: boolean; marker: { color: string } }[];
    const colourOf = (name: string) => new Set(traces.filter((t) => t.name === name).map((t) => t.marker.color));
    assert.equal(colourOf('class A').size, 1);
    assert.notDeepEqual([...colourOf('class A')], [...colourOf('class B')]);
    assert.equal(traces.filter((t) => t.showlegend).length, 2);
  });

  it('bins values like a direct count', () => {
    const h = histogram([0, 0.1, 0.5, 0.99, 1, 2], 2, 0, 1);
    assert.deepEqual(h.counts, [2, 3]);
    assert.deepEqual(h.centers, [0.25, 0.75]);
    const f = featureHistogramFigure(Float32Array.from([0, 0, 1, 2]), 't', 2);
    assert.match(String((f.layout!.title as { text: string }).text), /50\.0% exactly zero/);
  });
});
