import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { featureHistogramFigure, histogram, imageGridFigure, lineChart } from '../src/figures/charts.js';
import { closeFigureRenderer, saveFigure } from '../src/figures/render.js';
import { syntheticRgb, tmpDir } from './helpers.js';

describe('figures', () => {
  after(() => closeFigureRenderer());

  it('saves a line chart as a real PNG of the right size, not blank, and an SVG', async () => {
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

  it('bins values like a direct count', () => {
    const h = histogram([0, 0.1, 0.5, 0.99, 1, 2], 2, 0, 1);
    assert.deepEqual(h.counts, [2, 3]);
    assert.deepEqual(h.centers, [0.25, 0.75]);
    const f = featureHistogramFigure(Float32Array.from([0, 0, 1, 2]), 't', 2);
    assert.match(String((f.layout!.title as { text: string }).text), /50\.0% exactly zero/);
  });
});
