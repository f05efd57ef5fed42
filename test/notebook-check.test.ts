import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { notebookProblems, tslabTypescriptVersion } from '../src/notebook/check.js';
import { tmpDir } from './helpers.js';

/** A stored notebook's JSON from cells (outputs as Jupyter writes them). */
const notebook = (cells: object[], version = '5.0.4') => JSON.stringify({ cells, metadata: { language_info: { name: 'typescript', version } } });

describe('stored notebooks: what a reader would trip over', () => {
  it('finds error outputs, stderr, machine paths, links to missing files and a wrong language version; a clean notebook passes', () => {
    const dir = tmpDir('nbcheck');
    fs.mkdirSync(path.join(dir, 'img'));
    fs.writeFileSync(path.join(dir, 'img', 'fig.png'), '');
    const clean = notebook([
      { cell_type: 'markdown', source: ['See ![a figure](img/fig.png), [the paper](https://arxiv.org/abs/2503.10333) and [below](#results).'] },
      { cell_type: 'code', source: 'x', outputs: [{ output_type: 'stream', name: 'stdout', text: 'wrote results/run-1/results.json\n' }] },
      { cell_type: 'code', source: 'y', outputs: [{ output_type: 'display_data', data: { 'image/png': 'iVBORw0KGgo=', 'text/plain': '<Figure>' } }] },
      // An interactive figure's HTML: its inline PNG may hold a path-like run of base64 characters, which is no path.
      {
        cell_type: 'code',
        source: 'z',
        outputs: [{ output_type: 'display_data', data: { 'text/html': '<img src="data:image/png;base64,iVB=/root/tmp/x+/work/a"/>' } }],
      },
    ]);
    assert.deepEqual(notebookProblems(clean, dir, '5.0.4'), []);
    const dirty = notebook(
      [
        { cell_type: 'markdown', source: '![gone](img/missing.png)' },
        { cell_type: 'code', source: 'a', outputs: [{ output_type: 'error', ename: 'TypeError', evalue: 'x', traceback: [] }] },
        { cell_type: 'code', source: 'b', outputs: [{ output_type: 'stream', name: 'stderr', text: ['models/bnn already holds this network\n'] }] },
        { cell_type: 'code', source: 'c', outputs: [{ output_type: 'execute_result', data: { 'text/plain': "{ png: '/home/me/kit/figures/a.png' }" } }] },
        { cell_type: 'code', source: 'd', outputs: [{ output_type: 'display_data', data: { 'text/html': '<p>saved to /work/kit/a.png</p>' } }] },
      ],
      '3.7.2',
    );
    assert.deepEqual(
      notebookProblems(dirty, dir, '5.0.4').map((p) => [p.cell, p.what.split(':')[0].split(' (')[0].split(',')[0]]),
      [
        [0, 'a link to img/missing.png'],
        [1, 'an error output'],
        [2, 'stderr'],
        [3, 'an absolute path in its output'],
        [4, 'an absolute path in its output'],
        [-1, 'metadata.language_info.version is 3.7.2'],
      ],
    );
  });

  it('knows the TypeScript version tslab compiles with (what saved notebooks record)', () => {
    assert.match(tslabTypescriptVersion(), /^\d+\.\d+\.\d+$/);
  });
});
