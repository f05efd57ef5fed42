import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Figure } from '../figures/figure.js';

/**
 * Interactive figures in Jupyter, offline: the kit's own plotly.js (the `plotly.js-dist-min` package it renders
 * PNGs with) is served to the notebook's page from the kernel, on the loopback address only, and a figure's HTML
 * output draws a live chart from it. Where that cannot load (a notebook opened later, or on GitHub, or a browser on
 * another machine), the same output shows the static PNG it carries.
 */

/** The loopback port tried first, so stored notebooks do not change from run to run; another free one when taken. */
export const PLOTLY_PORT = 47815;

let server: Promise<number> | null = null;

/** Serve plotly.min.js (and nothing else) on 127.0.0.1; resolves to the port. The server never keeps the process alive. */
export function servePlotly(preferredPort = PLOTLY_PORT): Promise<number> {
  server ??= new Promise<number>((resolve, reject) => {
    const file = require.resolve('plotly.js-dist-min');
    const srv = http.createServer((req, res) => {
      if (req.url?.split('?')[0] !== '/plotly.min.js') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*', 'cache-control': 'max-age=86400' });
      fs.createReadStream(file).pipe(res);
    });
    let fallback = false;
    srv.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE' || fallback) {
        reject(e);
        return;
      }
      fallback = true;
      srv.listen(0, '127.0.0.1');
    });
    srv.on('listening', () => {
      srv.unref();
      resolve((srv.address() as AddressInfo).port);
    });
    srv.listen(preferredPort, '127.0.0.1');
  });
  return server;
}

let counter = 0;

/** JSON safe inside a <script> element (no closing tag, no HTML comment opener). */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/**
 * The HTML of one figure: the static PNG, replaced by a live Plotly chart once plotly.js loads from `plotlyUrl`
 * (scripts run only in a trusted notebook; everywhere else the PNG stays). RequireJS, which classic Jupyter
 * defines, is hidden while plotly.js loads so that it sets `window.Plotly` as in a plain page.
 */
export function interactiveFigureHtml(fig: Figure, pngBase64: string, plotlyUrl: string, size: { width: number; height: number }): string {
  const id = `gbm-figure-${process.pid}-${++counter}`;
  const alt = String((fig.layout?.title as { text?: string } | undefined)?.text ?? 'figure')
    .replace(/<[^>]*>/g, ' ')
    .replace(/"/g, '&quot;');
  const layout = { ...fig.layout, width: size.width, height: size.height };
  return [
    `<div id="${id}" style="max-width:${size.width}px"><img alt="${alt}" style="max-width:100%" src="data:image/png;base64,${pngBase64}"/></div>`,
    '<script>(function () {',
    `  var el = document.getElementById(${scriptJson(id)}); if (!el) return;`,
    `  var data = ${scriptJson(fig.data)}, layout = ${scriptJson(layout)};`,
    '  function draw() { var img = el.innerHTML; el.innerHTML = "";',
    '    window.Plotly.newPlot(el, data, layout, { displaylogo: false, responsive: true }).catch(function () { el.innerHTML = img; }); }',
    '  if (window.Plotly) { draw(); return; }',
    '  var define = window.define; window.define = undefined;',
    '  var s = document.createElement("script");',
    `  s.src = ${scriptJson(plotlyUrl)};`,
    '  s.onload = function () { window.define = define; draw(); };',
    '  s.onerror = function () { window.define = define; };',
    '  document.head.appendChild(s);',
    '})();</script>',
  ].join('\n');
}
