import fs from 'node:fs';
import path from 'node:path';

/** What a stored notebook must not hold: an error, stderr, a path of the machine it ran on, a link to a missing file. */
export interface NotebookProblem {
  cell: number;
  what: string;
}

/** Absolute paths of a machine (home, tmp, system and mount folders; a Windows drive): they mean nothing elsewhere. */
const ABSOLUTE_PATH = /(?<![\w.:/])(?:\/(?:home|root|work|tmp|usr|Users|var|mnt|opt|srv|private)\/[^\s'"<>)\]]*|[A-Z]:\\[^\s'"<>]*)/;

interface StoredCell {
  cell_type: string;
  source: string | string[];
  outputs?: Array<{ output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown>; ename?: string }>;
}

const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));

/**
 * The problems of one stored notebook (its JSON) as a reader would meet them: error outputs, stderr streams (a
 * warning left from an earlier run), absolute paths in outputs, markdown links and images to local files that do
 * not exist beside the notebook, and a language version that is not the one the kernel compiles with.
 */
export function notebookProblems(json: string, notebookDir: string, typescriptVersion?: string): NotebookProblem[] {
  const nb = JSON.parse(json) as { cells: StoredCell[]; metadata?: { language_info?: { version?: string } } };
  const out: NotebookProblem[] = [];
  nb.cells.forEach((c, i) => {
    for (const o of c.outputs ?? []) {
      if (o.output_type === 'error') out.push({ cell: i, what: `an error output (${o.ename ?? 'error'})` });
      if (o.output_type === 'stream' && o.name === 'stderr') out.push({ cell: i, what: `stderr: ${text(o.text).split('\n')[0].slice(0, 120)}` });
      const shown =
        o.output_type === 'stream'
          ? text(o.text)
          : Object.values(o.data ?? {})
              .map((v) => (typeof v === 'string' || Array.isArray(v) ? text(v) : ''))
              .join('\n');
      // Inline images (base64) are data, not text a reader sees: a path-like run of their characters is no path.
      const m = ABSOLUTE_PATH.exec(shown.replace(/data:[\w/+.-]+;base64,[\w/+=]*/g, 'data:'));
      if (m) out.push({ cell: i, what: `an absolute path in its output: ${m[0].slice(0, 120)}` });
    }
    if (c.cell_type === 'markdown')
      for (const [, target] of text(c.source).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        if (/^[a-z]+:|^#/i.test(target)) continue; // a URL or an anchor
        if (!fs.existsSync(path.resolve(notebookDir, decodeURIComponent(target.split('#')[0]))))
          out.push({ cell: i, what: `a link to ${target}, which does not exist beside the notebook` });
      }
  });
  const v = nb.metadata?.language_info?.version;
  if (typescriptVersion && v !== typescriptVersion)
    out.push({ cell: -1, what: `metadata.language_info.version is ${v}, but the kernel compiles with TypeScript ${typescriptVersion}` });
  return out;
}

/** The TypeScript version tslab compiles notebooks with (it reports a fixed "3.7.2" to Jupyter instead). */
export function tslabTypescriptVersion(): string {
  // required at run time: a package.json, read for its version
  return (require('@tslab/typescript-for-tslab/package.json') as { version: string }).version;
}
