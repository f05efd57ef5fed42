import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { locateOrDownload } from '../src/data/locate.js';
import { downloadFile } from '../src/util/download.js';
import { GbmError } from '../src/util/errors.js';
import { tmpDir } from './helpers.js';

describe('download (loopback server)', () => {
  const body = crypto.randomBytes(300_000);
  const md5 = crypto.createHash('md5').update(body).digest('hex');
  let server: http.Server;
  let base: string;

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/file.bin') {
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/file.bin' });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads through a redirect and verifies the checksum', async () => {
    const dest = path.join(tmpDir('dl'), 'sub', 'file.bin');
    await downloadFile(`${base}/moved`, dest, { algorithm: 'md5', hex: md5 });
    assert.deepEqual(fs.readFileSync(dest), body);
  });

  it('rejects a checksum mismatch and leaves no file, partial or final', async () => {
    const dir = tmpDir('dlbad');
    const dest = path.join(dir, 'file.bin');
    await assert.rejects(
      downloadFile(`${base}/file.bin`, dest, { algorithm: 'md5', hex: '0'.repeat(32) }),
      (e: unknown) => e instanceof GbmError && /expected 0{32}/.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('says where to put a file it cannot download', async () => {
    const dir = tmpDir('dlmissing');
    const saved = process.env.GBM_DATA_DIR;
    process.env.GBM_DATA_DIR = dir;
    try {
      await assert.rejects(
        locateOrDownload({ relPath: 'nowhere-xyz.zip', url: `${base}/missing`, what: 'Test set' }),
        (e: unknown) =>
          e instanceof GbmError && /HTTP 404/.test(e.message) && e.message.includes(path.join(dir, 'nowhere-xyz.zip')) && /GBM_DATA_DIR/.test(e.message),
      );
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      if (saved === undefined) delete process.env.GBM_DATA_DIR;
      else process.env.GBM_DATA_DIR = saved;
    }
  });
});
