import assert from 'node:assert/strict';
import { Progress } from '../src/util/progress.js';

describe('progress inside a notebook', () => {
  // What tslab's kernel sets while a cell runs: the writer of display_data messages.
  const jupyter = require('tslab/dist/jupyter.js') as { lastWriteDisplayData: unknown };
  const saved = jupyter.lastWriteDisplayData;
  afterEach(() => {
    jupyter.lastWriteDisplayData = saved;
  });

  it('draws one output line updated in place, not stderr, ending with the totals', () => {
    const msgs: Array<{ text: string; id: string; update: boolean }> = [];
    jupyter.lastWriteDisplayData = (m: { data: Record<string, string>; transient: { display_id: string } }, update: boolean) =>
      msgs.push({ text: m.data['text/plain'], id: m.transient.display_id, update });
    const stderrWrite = process.stderr.write;
    let stderr = '';
    process.stderr.write = ((s: string) => {
      stderr += s;
      return true;
    }) as typeof process.stderr.write;
    try {
      const bar = new Progress({ label: 'features', total: 3, unit: 'img' });
      bar.tick(3);
      bar.finish();
    } finally {
      process.stderr.write = stderrWrite;
    }
    assert.equal(stderr, '', 'nothing on stderr');
    assert.ok(msgs.length >= 2);
    assert.deepEqual(
      msgs.map((m) => m.update),
      [false, ...msgs.slice(1).map(() => true)],
      'the first message creates the line, the next ones replace it',
    );
    assert.equal(new Set(msgs.map((m) => m.id)).size, 1, 'one display id');
    assert.match(msgs[msgs.length - 1].text, /^features \[#+\] 3\/3 100% .* in \d+:\d\d$/);
  });

  it('shares one line among the bars of a cell, and starts a new one in the next cell', () => {
    const msgs: Array<{ id: string; update: boolean; cell: number }> = [];
    const cellWriter = (cell: number) => (m: { transient: { display_id: string } }, update: boolean) => msgs.push({ id: m.transient.display_id, update, cell });
    jupyter.lastWriteDisplayData = cellWriter(1);
    for (const label of ['step 0', 'step 1']) new Progress({ label, total: 1 }).finish();
    jupyter.lastWriteDisplayData = cellWriter(2);
    new Progress({ label: 'step 0', total: 1 }).finish();
    const ids = (cell: number) => new Set(msgs.filter((m) => m.cell === cell).map((m) => m.id));
    assert.equal(ids(1).size, 1);
    assert.equal(ids(2).size, 1);
    assert.notDeepEqual([...ids(1)], [...ids(2)]);
    assert.deepEqual(
      msgs.map((m) => m.update),
      [false, true, false],
    );
  });

  it("skips an update while tslab's socket is busy (EBUSY), creating the line at the next one; other errors still fail", () => {
    const msgs: boolean[] = [];
    let busy = true;
    jupyter.lastWriteDisplayData = (_m: unknown, update: boolean) => {
      if (busy) throw Object.assign(new Error('Socket is busy writing; only one send operation may be in progress at any time'), { code: 'EBUSY' });
      msgs.push(update);
    };
    const bar = new Progress({ label: 'train', total: 2 });
    bar.tick(1);
    busy = false;
    bar.tick(1);
    bar.finish();
    assert.deepEqual(msgs, [false, true], 'the first update that got through created the line');
    jupyter.lastWriteDisplayData = () => {
      throw new Error('kernel gone');
    };
    assert.throws(() => new Progress({ label: 'x', total: 1 }).finish(), /kernel gone/);
  });

  it('stays silent when asked to, in a notebook too', () => {
    const msgs: unknown[] = [];
    jupyter.lastWriteDisplayData = () => msgs.push(1);
    const bar = new Progress({ label: 'x', total: 1, stream: null });
    bar.tick();
    bar.finish();
    assert.equal(msgs.length, 0);
  });
});

describe('tables inside a notebook', () => {
  const jupyter = require('tslab/dist/jupyter.js') as { lastWriteDisplayData: unknown };
  const saved = jupyter.lastWriteDisplayData;
  afterEach(() => {
    jupyter.lastWriteDisplayData = saved;
  });

  it('shows one output with an HTML table (numbers right-aligned, text escaped) and the same table as text', async () => {
    const { showTable } = await import('../src/notebook/display.js');
    const msgs: Array<Record<string, string>> = [];
    jupyter.lastWriteDisplayData = (m: { data: Record<string, string> }) => msgs.push(m.data);
    showTable([
      { method: 'fetril <svm>', 'avg (%)': '23.40 ± 0.12', gap: '+0.03 (tie)' },
      { method: 'gbm', 'avg (%)': '22.10', gap: '-' },
    ]);
    assert.equal(msgs.length, 1);
    const html = msgs[0]['text/html'];
    assert.match(html, /<td style="text-align:left">fetril &lt;svm&gt;<\/td>/);
    assert.match(html, /<td style="text-align:right">23\.40 ± 0\.12<\/td>/);
    assert.match(html, /<td style="text-align:right">\+0\.03 \(tie\)<\/td>/);
    // Columns as wide as their widest cell, two spaces apart; text left, numbers right.
    assert.equal(msgs[0]['text/plain'].split('\n')[2], `${'gbm'.padEnd(12)}  ${'22.10'.padStart(12)}  ${'-'.padStart(11)}`);
  });
});
