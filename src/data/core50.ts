import fs from 'node:fs';
import path from 'node:path';
import { GbmError } from '../util/errors.js';
import { sha256, sha256FileMemo } from '../util/hash.js';
import type { DatasetSpec, ImageDataset, Split } from './dataset.js';
import { decodeImage, type RawImage } from './image.js';
import { cacheDir, findDataPath, locateOrDownload, findOfficialFile, type RemoteFile } from './locate.js';
import { ZipArchive } from './zip.js';

/** The official CORe50 archive of 128x128 crops (Lomonaco & Maltoni 2017), md5 as the loaders publish it. */
export const CORE50_ZIP: RemoteFile = {
  relPath: 'core50_128x128.zip',
  url: 'http://bias.csr.unibo.it/maltoni/download/core50/core50_128x128.zip',
  digest: { algorithm: 'md5', hex: '745f3373fed08d69343f1058ee559e13' },
  what: 'CORe50 (128x128)',
};

/** CORe50's ten categories in its own order; objects o1-o5 are the first category, o6-o10 the second, ... */
export const CORE50_CATEGORIES = ['plug adapter', 'mobile phone', 'scissors', 'light bulb', 'can', 'glass', 'ball', 'marker', 'cup', 'remote control'];

/** The standard split of CORe50's 11 sessions (acquisition conditions): 8 for training, 3 for testing. */
export const CORE50_SESSIONS: Record<Split, number[]> = { train: [1, 2, 4, 5, 6, 8, 9, 11], test: [3, 7, 10] };

/** Which CORe50 label a dataset uses: the 50 objects or the 10 categories. */
export type Core50Labels = 'object' | 'category';

const FIX = `use the official ${CORE50_ZIP.relPath} (${CORE50_ZIP.url}) or its extracted core50_128x128/ folder (s1..s11/o1..o50/C_ss_oo_fff.png).`;
const FILE = /^(?:.*\/)?s(\d+)\/o(\d+)\/C_(\d+)_(\d+)_(\d+)\.png$/;

interface Frame {
  rel: string;
  session: number;
  object: number;
  frame: number;
}

/** Every frame of the layout, checked: a file named for another session or object than its folder is an error. */
function parseFrames(names: Iterable<string>, source: string): Frame[] {
  const frames: Frame[] = [];
  for (const rel of names) {
    const m = FILE.exec(rel);
    if (!m) continue;
    const [session, object, fs_, fo, frame] = m.slice(1).map(Number);
    if (fs_ !== session || fo !== object) throw new GbmError(`${source}: ${rel} is named for s${fs_}/o${fo} but lies in s${session}/o${object}.`, FIX);
    if (object < 1 || object > 50 || session < 1 || session > 11) throw new GbmError(`${source}: ${rel} is outside CORe50's s1..s11 / o1..o50.`, FIX);
    frames.push({ rel, session, object, frame });
  }
  return frames;
}

function listFolder(root: string): string[] {
  const out: string[] = [];
  for (const s of fs.readdirSync(root)) {
    if (!/^s\d+$/.test(s) || !fs.statSync(path.join(root, s)).isDirectory()) continue;
    for (const o of fs.readdirSync(path.join(root, s))) {
      if (!/^o\d+$/.test(o)) continue;
      for (const f of fs.readdirSync(path.join(root, s, o))) out.push(`${s}/${o}/${f}`);
    }
  }
  return out;
}

/** The folder that holds s1..s11: `p` itself or its core50_128x128/ child. */
function sessionRoot(p: string): string {
  const inner = path.join(p, 'core50_128x128');
  return fs.existsSync(path.join(inner, 's1')) ? inner : p;
}

/**
 * CORe50 (128x128 crops) from the official zip or its extracted folder: train = sessions 1,2,4,5,6,8,9,11,
 * test = sessions 3,7,10; classes are the 50 objects or the 10 categories; frames in (session, object, frame) order.
 */
export class Core50 implements ImageDataset {
  readonly classNames: string[];
  readonly classTitles: string[];
  readonly notes: string[];
  private readonly zip: ZipArchive | null;
  private readonly root: string;
  private readonly files: Record<Split, string[]> = { train: [], test: [] };
  private readonly labelArrays: Record<Split, Int32Array>;

  constructor(
    readonly spec: DatasetSpec,
    readonly labelSet: Core50Labels,
  ) {
    const isZip = fs.statSync(spec.path).isFile();
    this.zip = isZip ? new ZipArchive(spec.path, FIX) : null;
    this.root = isZip ? '' : sessionRoot(spec.path);
    const frames = parseFrames(isZip ? this.zip!.names() : listFolder(this.root), spec.path);
    if (frames.length === 0) throw new GbmError(`${spec.path} holds no CORe50 frames (s<k>/o<j>/C_<kk>_<jj>_<fff>.png).`, FIX);
    const sessions = new Set(frames.map((f) => f.session));
    const missing = [...CORE50_SESSIONS.train, ...CORE50_SESSIONS.test].filter((s) => !sessions.has(s));
    if (missing.length)
      throw new GbmError(`${spec.path} lacks session${missing.length > 1 ? 's' : ''} ${missing.map((s) => `s${s}`).join(', ')}: incomplete extraction?`, FIX);
    const objects = [...new Set(frames.map((f) => f.object))].sort((a, b) => a - b);
    const categoryOf = (o: number) => Math.floor((o - 1) / 5);
    const classOf = new Map<number, number>();
    if (labelSet === 'object') {
      objects.forEach((o, i) => classOf.set(o, i));
      this.classNames = objects.map((o) => `o${o}`);
      this.classTitles = objects.map((o) => `${CORE50_CATEGORIES[categoryOf(o)]} ${((o - 1) % 5) + 1}`);
    } else {
      const cats = [...new Set(objects.map(categoryOf))].sort((a, b) => a - b);
      for (const o of objects) classOf.set(o, cats.indexOf(categoryOf(o)));
      this.classNames = cats.map((c) => CORE50_CATEGORIES[c]);
      this.classTitles = this.classNames;
    }
    this.notes = [
      'CORe50 standard split: train sessions 1,2,4,5,6,8,9,11; test sessions 3,7,10 (outdoor 3, 7, 10 are unseen conditions)',
      ...(objects.length < 50 ? [`only ${objects.length} of CORe50's 50 objects present`] : []),
    ];
    frames.sort((a, b) => a.session - b.session || a.object - b.object || a.frame - b.frame);
    const labels: Record<Split, number[]> = { train: [], test: [] };
    for (const f of frames) {
      const split: Split = CORE50_SESSIONS.test.includes(f.session) ? 'test' : 'train';
      this.files[split].push(f.rel);
      labels[split].push(classOf.get(f.object)!);
    }
    this.labelArrays = { train: Int32Array.from(labels.train), test: Int32Array.from(labels.test) };
  }

  size(split: Split): number {
    return this.files[split].length;
  }

  labels(split: Split): Int32Array {
    return this.labelArrays[split];
  }

  image(split: Split, i: number): RawImage {
    const rel = this.files[split][i];
    if (this.zip) return decodeImage(this.zip.extract(rel), `${this.spec.path}:${rel}`);
    const file = path.join(this.root, rel);
    return decodeImage(fs.readFileSync(file), file);
  }

  imageName(split: Split, i: number): string {
    return this.files[split][i];
  }

  close(): void {
    this.zip?.close();
  }
}

function fingerprint(p: string): string {
  if (fs.statSync(p).isFile()) return sha256FileMemo(p, path.join(cacheDir(), 'checksums.json'));
  const root = sessionRoot(p);
  return sha256(
    listFolder(root)
      .sort()
      .map((rel) => {
        const st = fs.statSync(path.join(root, rel));
        return `${rel}|${st.size}|${st.mtimeMs}`;
      })
      .join('\n'),
  );
}

/**
 * Find CORe50: `root` if given (the zip or an extracted folder, read as is), else core50_128x128.zip (checked
 * against the official md5) or core50_128x128/ in the data folders, else download the zip.
 */
export async function core50Spec(name: string, root?: string): Promise<DatasetSpec> {
  let p = root ? path.resolve(root) : null;
  if (p && !fs.existsSync(p))
    throw new GbmError(`--root ${root} does not exist.`, `point it at ${CORE50_ZIP.relPath} or the extracted core50_128x128/ folder.`);
  if (!p) {
    p = findOfficialFile(CORE50_ZIP) ?? findDataPath('core50_128x128') ?? (await locateOrDownload(CORE50_ZIP));
  }
  return { name, path: p, fingerprint: fingerprint(p) };
}
