import fs from 'node:fs';
import zlib from 'node:zlib';
import { GbmError } from '../util/errors.js';

/** One member of a zip archive, as its central directory records it. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const U32_MAX = 0xffffffff;

/**
 * Random-access reader of a zip archive (stored and deflated members), synchronous so worker threads can pull
 * any member by name without unpacking the archive to disk.
 */
export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private fd: number;
  private readonly fileSize: number;

  constructor(
    readonly file: string,
    private readonly fixHint = 'download the archive again.',
  ) {
    try {
      this.fd = fs.openSync(file, 'r');
    } catch {
      throw new GbmError(`cannot open zip archive ${file}.`, fixHint);
    }
    this.fileSize = fs.fstatSync(this.fd).size;
    this.readCentralDirectory();
  }

  private fail(why: string): never {
    this.close();
    throw new GbmError(`${this.file} is not a complete zip archive (${why}); it looks truncated or corrupt.`, this.fixHint);
  }

  private read(pos: number, len: number): Buffer {
    const buf = Buffer.allocUnsafe(len);
    const n = fs.readSync(this.fd, buf, 0, len, pos);
    if (n !== len) this.fail(`short read at byte ${pos}`);
    return buf;
  }

  private readCentralDirectory(): void {
    const tailLen = Math.min(this.fileSize, 22 + 0xffff);
    if (tailLen < 22) this.fail('file smaller than a zip trailer');
    const tail = this.read(this.fileSize - tailLen, tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) this.fail('no end-of-central-directory record');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    // zip64: more than 65535 members (TinyImageNet has 110k) or offsets past 4 GiB.
    if (eocd >= 20 && tail.readUInt32LE(eocd - 20) === EOCD64_LOCATOR_SIG) {
      const pos = Number(tail.readBigUInt64LE(eocd - 20 + 8));
      if (pos + 56 > this.fileSize) this.fail('zip64 end record past end of file');
      const rec = this.read(pos, 56);
      if (rec.readUInt32LE(0) !== EOCD64_SIG) this.fail('bad zip64 end record');
      count = Number(rec.readBigUInt64LE(32));
      cdSize = Number(rec.readBigUInt64LE(40));
      cdOffset = Number(rec.readBigUInt64LE(48));
    }
    if (cdOffset + cdSize > this.fileSize) this.fail('central directory past end of file');
    const cd = this.read(cdOffset, cdSize);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN_SIG) this.fail(`bad central directory entry ${i}`);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const entry: ZipEntry = {
        method: cd.readUInt16LE(p + 10),
        crc32: cd.readUInt32LE(p + 16),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
        name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      };
      if (entry.size === U32_MAX || entry.compressedSize === U32_MAX || entry.localHeaderOffset === U32_MAX) {
        this.applyZip64Extra(entry, cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
      }
      if (entry.localHeaderOffset + 30 + entry.compressedSize > this.fileSize) this.fail(`member ${entry.name} past end of file`);
      this.entries.set(entry.name, entry);
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  /** Replace 0xffffffff placeholders by the 64-bit values of the zip64 extra field, in its fixed order. */
  private applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
    for (let q = 0; q + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(q);
      const len = extra.readUInt16LE(q + 2);
      if (id === 0x0001) {
        let r = q + 4;
        const next = (): number => {
          const v = Number(extra.readBigUInt64LE(r));
          r += 8;
          return v;
        };
        if (entry.size === U32_MAX) entry.size = next();
        if (entry.compressedSize === U32_MAX) entry.compressedSize = next();
        if (entry.localHeaderOffset === U32_MAX) entry.localHeaderOffset = next();
        return;
      }
      q += 4 + len;
    }
    this.fail(`member ${entry.name} lacks its zip64 extra field`);
  }

  /** Names of all members, in archive order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The uncompressed bytes of a member, CRC-checked. */
  extract(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new GbmError(`${this.file} has no member ${name}.`, this.fixHint);
    const local = this.read(e.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOC_SIG) this.fail(`bad local header for ${name}`);
    const start = e.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = this.read(start, e.compressedSize);
    let out: Buffer;
    if (e.method === 0) out = raw;
    else if (e.method === 8) {
      try {
        out = zlib.inflateRawSync(raw);
      } catch {
        this.fail(`cannot inflate ${name}`);
      }
    } else throw new GbmError(`${this.file}: member ${name} uses unsupported compression method ${e.method}.`, this.fixHint);
    if (out.length !== e.size || zlib.crc32(out) !== e.crc32) this.fail(`CRC mismatch in ${name}`);
    return out;
  }

  /** Release the file descriptor. */
  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
