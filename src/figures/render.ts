import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import { FIGURE_DEFAULTS, type Figure, type RenderSize } from './figure.js';

// Minimal structural types of the playwright-core objects used here (the package's own types are huge).
interface Page {
  setContent(html: string): Promise<void>;
  pdf(o: { width: string; height: string; printBackground: boolean; pageRanges: string }): Promise<Buffer>;
  close(): Promise<void>;
  addScriptTag(o: { path: string }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}
interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium executable figures are rendered with ($GBM_CHROMIUM first); a clear error when there is none. */
export function chromiumPath(): string {
  const candidates = [process.env.GBM_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((p): p is string => !!p && fs.existsSync(p));
  if (!found) {
    throw new GbmError(
      'no Chromium found to render figures (tried $GBM_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome).',
      "run `npm run setup` (installs Debian's chromium) or set GBM_CHROMIUM to a Chrome/Chromium executable.",
    );
  }
  return found;
}

let session: { browser: Browser; page: Page } | null = null;
let pdfPage: Page | null = null;
let starting: Promise<{ browser: Browser; page: Page }> | null = null;
let idleTimer: NodeJS.Timeout | null = null;

async function getPage(): Promise<Page> {
  if (idleTimer) clearTimeout(idleTimer);
  if (session) return session.page;
  starting ??= (async () => {
    // required at run time, on this path only (an optional module)
    const { chromium } = require('playwright-core') as { chromium: { launch(o: object): Promise<Browser> } };
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS, headless: true });
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body style="margin:0"><div id="fig"></div></body></html>');
    await page.addScriptTag({ path: require.resolve('plotly.js-dist-min') });
    session = { browser, page };
    return session;
  })();
  try {
    return (await starting).page;
  } finally {
    starting = null;
  }
}

function scheduleClose(): void {
  if (idleTimer) clearTimeout(idleTimer);
  // The browser stays up for the next figure, and goes away when the process has nothing else to do.
  idleTimer = setTimeout(() => void closeFigureRenderer(), 1500);
}

/**
 * Start the headless browser now, in the background, so that a run's figures at its end do not wait for it: the
 * browser is a process of its own and starts on the core the computation leaves idle. Errors surface when a figure
 * is drawn (or never, if none is); the caller closes it with closeFigureRenderer.
 */
export function warmFigureRenderer(): void {
  if (session || starting) return;
  getPage().catch(() => undefined);
}

/** Close the headless browser now (it also closes itself when idle); waits for one still starting. */
export async function closeFigureRenderer(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  if (starting) await starting.catch(() => undefined);
  const s = session;
  session = null;
  pdfPage = null;
  if (s) await s.browser.close();
}

/** Render a figure to PNG bytes or SVG text with plotly.js in headless Chromium. */
export async function renderFigure(fig: Figure, format: 'png', size?: Partial<RenderSize>): Promise<Buffer>;
export async function renderFigure(fig: Figure, format: 'svg', size?: Partial<RenderSize>): Promise<string>;
export async function renderFigure(fig: Figure, format: 'png' | 'svg', size: Partial<RenderSize> = {}): Promise<Buffer | string> {
  const { width, height, scale } = { ...FIGURE_DEFAULTS, ...size };
  const page = await getPage();
  try {
    const url = await page.evaluate(
      async (a: { fig: Figure; format: string; width: number; height: number; scale: number }) => {
        // biome-ignore lint/suspicious/noExplicitAny: runs in the page, where Plotly and document are globals
        const P = (globalThis as any).Plotly;
        // biome-ignore lint/suspicious/noExplicitAny: as above
        const el = (globalThis as any).document.getElementById('fig');
        await P.react(el, a.fig.data, { ...a.fig.layout, width: a.width, height: a.height }, { staticPlot: true });
        return P.toImage(el, { format: a.format, width: a.width, height: a.height, scale: a.format === 'png' ? a.scale : 1 }) as Promise<string>;
      },
      { fig: JSON.parse(JSON.stringify(fig)) as Figure, format, width, height, scale },
    );
    if (format === 'png') return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    return decodeURIComponent(url.slice(url.indexOf(',') + 1));
  } finally {
    scheduleClose();
  }
}

/** A vector PDF of one page the figure's size, printed by Chromium from its SVG (fonts stay text). */
async function svgToPdf(svg: string, width: number, height: number): Promise<Buffer> {
  await getPage();
  try {
    pdfPage ??= await session!.browser.newPage();
    await pdfPage.setContent(`<!doctype html><html><head><style>@page{margin:0}body{margin:0}</style></head><body>${svg}</body></html>`);
    return await pdfPage.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, pageRanges: '1' });
  } finally {
    scheduleClose();
  }
}

/** Save a figure as `<base>.png`, `<base>.svg` and `<base>.pdf` (each written atomically), ready to drop into a paper. */
export async function saveFigure(fig: Figure, base: string, size: Partial<RenderSize> = {}): Promise<{ png: string; svg: string; pdf: string }> {
  const stem = base.replace(/\.(png|svg|pdf)$/i, '');
  const { width, height } = { ...FIGURE_DEFAULTS, ...size };
  const png = await renderFigure(fig, 'png', size);
  const svg = await renderFigure(fig, 'svg', size);
  const pdf = await svgToPdf(svg, width, height);
  fs.mkdirSync(path.dirname(stem), { recursive: true });
  writeFileAtomic(`${stem}.png`, png);
  writeFileAtomic(`${stem}.svg`, svg);
  writeFileAtomic(`${stem}.pdf`, pdf);
  return { png: `${stem}.png`, svg: `${stem}.svg`, pdf: `${stem}.pdf` };
}
