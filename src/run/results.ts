import fs from 'node:fs';
import path from 'node:path';
import type { DataFrame } from 'danfojs-node';
import { danfo } from '../util/danfo.js';
import type { Figure } from '../figures/figure.js';
import { baseLayout } from '../figures/figure.js';
import { saveFigure } from '../figures/render.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { stepExtra, type RunResult } from './runner.js';
import { accuracyMatrixCsv } from '../cil/metrics.js';

/** A column name for a statistic's name: emIterations -> em_iterations. */
export const snakeCase = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** One row per step, with the config's key fields beside the metrics so any row can be traced to its run. */
export function stepsFrame(r: RunResult): DataFrame {
  const c = r.config;
  const b = c.binarizer;
  // The method's own statistics (StepStats.extra) as columns, emIterations -> em_iterations; empty where a step has none.
  const extraKeys = [...new Set(r.steps.flatMap((s) => Object.keys(stepExtra(s))))];
  return new (danfo().DataFrame)(
    r.steps.map((s) => ({
      run: r.name,
      dataset: c.features.dataset,
      backbone: c.features.backbone,
      binarizer: b.kind,
      levels: b.kind === 'thermometer' ? b.levels : 0,
      code_bits: r.codeLength,
      method: c.method.name,
      method_options: JSON.stringify(c.method.options),
      K: c.memory.em.K,
      mu_bits: c.memory.muBits,
      seed: c.seed,
      scenario: c.scenario.kind === 'few-shot' ? `few-shot ${c.scenario.shots}` : 'class-incremental',
      step: s.step,
      seen_classes: s.seenClasses,
      train_images: s.trainImages ?? '',
      accuracy: s.accuracy,
      old_accuracy: Number.isNaN(s.oldAccuracy) ? '' : s.oldAccuracy,
      new_accuracy: s.newAccuracy,
      memory_bits: s.memoryBits,
      ...Object.fromEntries(extraKeys.map((k) => [snakeCase(k), stepExtra(s)[k] ?? ''])),
      train_loss: s.trainLoss,
      seconds: s.seconds.binarize + s.seconds.memory + s.seconds.train + s.seconds.eval,
    })),
  );
}

/** A_t after every step, with the old/new split: the paper's accuracy-per-step plot. */
export function accuracyFigure(runs: RunResult[], title = 'Accuracy on all classes seen so far', labels?: string[]): Figure {
  const pct = (v: number) => (Number.isNaN(v) ? null : 100 * v);
  const data: Figure['data'] = [];
  runs.forEach((r, i) => {
    const x = r.steps.map((s) => s.seenClasses);
    // Several runs: each named by its label (readable) or, without one, its run name.
    const label = runs.length > 1 ? `${labels?.[i] ?? r.name}: ` : '';
    data.push({
      x,
      y: r.steps.map((s) => pct(s.accuracy)) as number[],
      type: 'scatter',
      mode: 'lines+markers',
      name: `${label}A_t (all seen)`,
      line: { width: 3 },
    });
    if (runs.length === 1) {
      data.push({
        x,
        y: r.steps.map((s) => pct(s.oldAccuracy)) as number[],
        type: 'scatter',
        mode: 'lines+markers',
        name: 'old classes',
        line: { dash: 'dash' },
      });
      data.push({
        x,
        y: r.steps.map((s) => pct(s.newAccuracy)) as number[],
        type: 'scatter',
        mode: 'lines+markers',
        name: 'new classes',
        line: { dash: 'dot' },
      });
    }
  });
  const r0 = runs[0];
  const sub = `${r0.config.features.dataset}, B${r0.config.scenario.baseClasses} + ${r0.config.scenario.tasks} tasks, ${r0.config.features.backbone}`;
  return {
    data,
    layout: baseLayout(`${title}<br><sub>${sub}</sub>`, {
      xaxis: { title: { text: 'classes seen' } },
      yaxis: { title: { text: 'top-1 accuracy (%)' }, rangemode: 'tozero' },
      legend: { orientation: 'h', y: -0.2 },
      margin: { l: 60, r: 20, t: 70, b: 90 },
    }),
  };
}

/**
 * Write a run's files into `dir`: steps.csv, accuracy_matrix.csv, then results.json (which marks a finished run),
 * each atomically, and only then the accuracy figure, so a figure that cannot be drawn (no browser, a crash) never
 * loses the run: it comes back as a warning naming the fix. A figure of an earlier run is removed first, never left
 * beside the new results. Returns the files written and the warnings.
 */
export async function writeRunResults(dir: string, r: RunResult, figure = true): Promise<{ files: string[]; warnings: string[] }> {
  const files = [path.join(dir, 'steps.csv'), path.join(dir, 'accuracy_matrix.csv'), path.join(dir, 'results.json')];
  const warnings: string[] = [];
  const figBase = path.join(dir, 'accuracy');
  for (const ext of ['png', 'svg', 'pdf']) fs.rmSync(`${figBase}.${ext}`, { force: true });
  writeFileAtomic(files[0], danfo().toCSV(stepsFrame(r), {}) as string);
  writeFileAtomic(files[1], accuracyMatrixCsv(r.accuracyMatrix));
  writeJsonAtomic(files[2], r);
  if (figure) {
    try {
      const f = await saveFigure(accuracyFigure([r]), figBase);
      files.push(f.png, f.svg, f.pdf);
    } catch (err) {
      const why = (err as Error).message.split('\n')[0];
      warnings.push(
        `the accuracy figure was not drawn (${why}); results.json and the CSV files are complete. Fix: run \`npm run setup\` (installs Chromium) or set GBM_CHROMIUM, and run again for the figure; --no-figure skips it.`,
      );
    }
  }
  return { files, warnings };
}
