import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromiumPath } from '../src/figures/render.js';
import { interactiveFigureHtml, servePlotly } from '../src/notebook/interactive.js';

interface Page {
  setContent(html: string): Promise<void>;
  waitForSelector(sel: string, o: { timeout: number }): Promise<unknown>;
  evaluate<R>(fn: string): Promise<R>;
}
interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

const FIG = {
  data: [{ x: [1, 2, 3], y: [3, 1, 2], type: 'scatter' as const, name: 'a </script> name' }],
  layout: { title: { text: 'accuracy<br><sub>setting</sub>' } },
};
// A 1x1 PNG: what the output shows where no script runs.
const PNG1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

describe('interactive figures in Jupyter', () => {
  let browser: Browser | null = null;
  after(async () => browser?.close());

  it('serves the kit’s own plotly.js on the loopback address, and nothing else', async () => {
    const port = await servePlotly();
    const res = await fetch(`http://127.0.0.1:${port}/plotly.min.js`);
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body.equals(fs.readFileSync(require.resolve('plotly.js-dist-min'))), 'the bundled plotly.js, byte for byte');
    assert.equal((await fetch(`http://127.0.0.1:${port}/package.json`)).status, 404);
    assert.equal(await servePlotly(), port, 'one server per process');
  });

  it('keeps the static PNG in the output and escapes the figure so it cannot close its own script', () => {
    const html = interactiveFigureHtml(FIG, PNG1, 'http://127.0.0.1:1/plotly.min.js', { width: 400, height: 300 });
    assert.ok(html.includes(`src="data:image/png;base64,${PNG1}"`));
    assert.equal(html.match(/<\/script>/g)?.length, 1, 'the trace name holding </script> is escaped');
    assert.match(html, /alt="accuracy {2}setting "/);
  });

  it('turns into a live Plotly chart in a browser, also where RequireJS is defined (classic Jupyter), and leaves the PNG when plotly.js cannot load', async () => {
    // required at run time: the same browser the figures are rendered with
    const { chromium } = require('playwright-core') as { chromium: { launch(o: object): Promise<Browser> } };
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--headless'], headless: true });
    const port = await servePlotly();
    const size = { width: 400, height: 300 };
    const amd = '<script>window.define = function () {}; window.define.amd = {};</script>';
    const page = await browser.newPage();
    await page.setContent(
      `<!doctype html><html><head>${amd}</head><body>${interactiveFigureHtml(FIG, PNG1, `http://127.0.0.1:${port}/plotly.min.js`, size)}</body></html>`,
    );
    await page.waitForSelector('.js-plotly-plot .main-svg', { timeout: 60000 });
    assert.equal(await page.evaluate<number>('document.querySelectorAll(".js-plotly-plot .scatterlayer .trace").length'), 1);
    assert.equal(await page.evaluate<number>('document.querySelectorAll("img").length'), 0, 'the PNG is replaced');
    assert.equal(await page.evaluate<string>('typeof window.define'), 'function', "RequireJS's define is put back");
    // No server there: the PNG stays.
    const off = await browser.newPage();
    await off.setContent(`<!doctype html><html><body>${interactiveFigureHtml(FIG, PNG1, 'http://127.0.0.1:9/plotly.min.js', size)}</body></html>`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await off.evaluate<number>('document.querySelectorAll("img").length'), 1);
    assert.equal(await off.evaluate<number>('document.querySelectorAll(".js-plotly-plot").length'), 0);
  });
});
