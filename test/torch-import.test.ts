import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { loadBackbone, locateBackbone } from '../src/models/registry.js';
import { importTorchBackbone } from '../src/models/torch-import.js';
import { python, tmpDir } from './helpers.js';

const FIX = path.resolve(__dirname, 'fixtures', 'torch');
const f32 = (file: string) => new Float32Array(Uint8Array.from(fs.readFileSync(path.join(FIX, file))).buffer);
const MEAN = [0.5071, 0.4865, 0.4409];
const STD = [0.2673, 0.2564, 0.2762];

describe('bring your own PyTorch backbone (gbm import-backbone)', () => {
  before(async () => {
    await initBackend();
  });

  // Fixtures written by Debian's python3-torch (scripts/make-torch-fixture.py): the checkpoints, an input batch in
  // the kit's [-1, 1] NHWC, and PyTorch's embeddings of it (eval mode, Normalize(MEAN, STD)).
  for (const [name, arch, width, prefix] of [
    ['resnet20-w0.5', 'resnet20', 0.5, 'module.'],
    ['resnet18-w0.0625', 'resnet18', 0.0625, 'convnet.'],
  ] as const) {
    it(`${arch} (${prefix} prefix): the kit's embeddings equal PyTorch's within 1e-4 relative, batch-norm statistics included`, async () => {
      const out = path.join(tmpDir('import'), 'net');
      const r = await importTorchBackbone({ file: path.join(FIX, `${name}.pth`), arch, mean: MEAN, std: STD, out });
      assert.equal(r.prefix, prefix);
      assert.equal(r.config.width, width);
      const spec = await locateBackbone(out, undefined, 'tinyimagenet');
      const bb = await loadBackbone(spec);
      const x = tf.tensor4d(f32('input-nhwc.f32'), [4, 32, 32, 3]);
      const ours = bb.embed(x).dataSync();
      x.dispose();
      bb.dispose();
      const ref = f32(`${name}.features.f32`);
      assert.equal(ours.length, ref.length);
      const scale = Math.max(...Array.from(ref, Math.abs));
      const err = Math.max(...Array.from(ours, (v, i) => Math.abs(v - ref[i])));
      assert.ok(err <= 1e-4 * scale, `max |kit - torch| = ${err} (scale ${scale})`);
      const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
      assert.equal(json.imported.format, 'gbm-import/1');
      assert.equal(json.modelTopology.padding, 'symmetric');
    });
  }

  it('a checkpoint without its head (fc outside the backbone prefix) imports and runs as a backbone', async () => {
    const dir = tmpDir('import-nohead');
    const src = path.join(FIX, 'resnet18-w0.0625-nohead.pth');
    const out = path.join(dir, 'net');
    await importTorchBackbone({ file: src, arch: 'resnet18', mean: MEAN, std: STD, out });
    const bb = await loadBackbone(await locateBackbone(out, undefined, 'tinyimagenet'));
    const x = tf.tensor4d(f32('input-nhwc.f32'), [4, 32, 32, 3]);
    const ours = bb.embed(x).dataSync();
    x.dispose();
    bb.dispose();
    const ref = f32('resnet18-w0.0625.features.f32');
    assert.ok(Math.max(...Array.from(ours, (v, i) => Math.abs(v - ref[i]))) <= 1e-4 * Math.max(...Array.from(ref, Math.abs)));
  });

  it('refuses, in one line naming the first problem: the wrong architecture, a truncated file, a foreign pickle, not a checkpoint', async () => {
    const dir = tmpDir('import-bad');
    const file = path.join(FIX, 'resnet20-w0.5.pth');
    await assert.rejects(
      importTorchBackbone({ file, arch: 'resnet32', out: path.join(dir, 'a') }),
      /module\.layer1\.3\.conv1\.weight is missing, which resnet32 needs/,
    );
    await assert.rejects(
      importTorchBackbone({ file: path.join(FIX, 'resnet18-w0.0625.pth'), arch: 'resnet20', out: path.join(dir, 'b') }),
      /convnet\.layer1\.2\.conv1\.weight is missing, which resnet20 needs for stage1\/block3\/conv1\/kernel/,
    );
    await assert.rejects(
      importTorchBackbone({ file, arch: 'resnet20', width: 1, out: path.join(dir, 'c') }),
      /--width 1 does not match the checkpoint, whose stem has 8 channels \(width 0\.5/,
    );
    const cut = path.join(dir, 'cut.pth');
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, 200000));
    await assert.rejects(importTorchBackbone({ file: cut, arch: 'resnet20', out: path.join(dir, 'd') }), /not a PyTorch zip checkpoint|truncated/);
    const text = path.join(dir, 'x.pth');
    fs.writeFileSync(text, 'hello');
    await assert.rejects(importTorchBackbone({ file: text, arch: 'resnet20', out: path.join(dir, 'e') }), /is not a PyTorch zip checkpoint/);
    // A zip whose pickle asks for os.system: refused before anything runs.
    const evil = path.join(dir, 'evil.pth');
    python(
      `import zipfile, sys\nwith zipfile.ZipFile(sys.argv[1], 'w') as z: z.writestr('archive/data.pkl', b'\\x80\\x02cos\\nsystem\\nX\\x04\\x00\\x00\\x00echo\\x85R.')`,
      [evil],
    );
    await assert.rejects(
      importTorchBackbone({ file: evil, arch: 'resnet20', out: path.join(dir, 'f') }),
      /the pickle calls os\.system, which a data file has no reason to \(refused\)/,
    );
    for (const e of ['a', 'b', 'c', 'd', 'e', 'f']) assert.ok(!fs.existsSync(path.join(dir, e, 'model.json')), 'nothing written for a refused checkpoint');
  });
});
