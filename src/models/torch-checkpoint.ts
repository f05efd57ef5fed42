import { ZipArchive } from '../data/zip.js';
import { halfToFloat } from '../data/npy.js';
import { unpickle, type Unpickled } from '../data/pickle.js';
import { GbmError } from '../util/errors.js';

/** A tensor of a PyTorch checkpoint: its shape, dtype (float32/64/16, int64...) and values as float32 (null for integer tensors). */
export interface TorchTensor {
  kind: 'torch-tensor';
  shape: number[];
  dtype: string;
  data: Float32Array | null;
}

interface Storage {
  kind: 'storage';
  dtype: string;
  bytes: Buffer;
}

const STORAGE_DTYPES: Record<string, { dtype: string; size: number }> = {
  FloatStorage: { dtype: 'float32', size: 4 },
  DoubleStorage: { dtype: 'float64', size: 8 },
  HalfStorage: { dtype: 'float16', size: 2 },
  LongStorage: { dtype: 'int64', size: 8 },
  IntStorage: { dtype: 'int32', size: 4 },
  ShortStorage: { dtype: 'int16', size: 2 },
  CharStorage: { dtype: 'int8', size: 1 },
  ByteStorage: { dtype: 'uint8', size: 1 },
  BoolStorage: { dtype: 'bool', size: 1 },
  BFloat16Storage: { dtype: 'bfloat16', size: 2 },
};

const FIX = 'pass a checkpoint written by torch.save (>= 1.6, zip format) of a state_dict or a dict holding one.';

/** A storage's values as float32 (floating dtypes only). */
function floats(st: Storage): Float32Array | null {
  const b = st.bytes;
  const n = b.length / STORAGE_DTYPES[Object.keys(STORAGE_DTYPES).find((k) => STORAGE_DTYPES[k].dtype === st.dtype)!].size;
  if (st.dtype === 'float32') return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  if (st.dtype === 'float64') return Float32Array.from(new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
  if (st.dtype === 'float16') return Float32Array.from({ length: n }, (_, i) => halfToFloat(b.readUInt16LE(2 * i)));
  if (st.dtype === 'bfloat16') return Float32Array.from({ length: n }, (_, i) => new Float32Array(Uint32Array.of(b.readUInt16LE(2 * i) << 16).buffer)[0]);
  return null;
}

/**
 * Read a `torch.save` checkpoint (the zip format of PyTorch >= 1.6): its pickle is unpickled with only
 * OrderedDict and tensor rebuilding allowed (any other callable is refused: a pickle can run code), tensors
 * are rebuilt from their storages (offset and strides honoured, float16/64 converted to float32) and every
 * storage's size is checked, so a truncated file is refused. Returns the unpickled object.
 */
export function readTorchCheckpoint(file: string): Unpickled {
  let zip: ZipArchive;
  try {
    zip = new ZipArchive(file, FIX);
  } catch (e) {
    throw new GbmError(
      `${file} is not a PyTorch zip checkpoint (${(e as Error).message.replace(/ Fix: .*$/, '')}).`,
      `${FIX} A legacy (pre-1.6) file: load and re-save it with a current torch.`,
    );
  }
  try {
    const pkl = zip.names().find((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (!pkl) throw new GbmError(`${file} is a zip but holds no <archive>/data.pkl: not a torch.save checkpoint.`, FIX);
    const root = pkl.slice(0, -'data.pkl'.length);
    const order = zip.names().includes(`${root}byteorder`) ? zip.extract(`${root}byteorder`).toString().trim() : 'little';
    if (order !== 'little') throw new GbmError(`${file} was saved on a ${order}-endian machine.`, 'load it and save it again on a little-endian machine.');
    const storages = new Map<string, Storage>();
    return unpickle(zip.extract(pkl), file, {
      refusalFix: `${FIX} Only tensors and (ordered) dicts of them are read from a checkpoint; save model.state_dict(), not the model object.`,
      call(module, name, args) {
        if (module === 'collections' && name === 'OrderedDict') return new Map();
        if (module === 'torch._utils' && name === '_rebuild_parameter') return args[0];
        if (module === 'torch._utils' && name === '_rebuild_tensor_v2') {
          const [st, offset, size, stride] = args as [Storage, number, number[], number[]];
          if (st?.kind !== 'storage') throw new GbmError(`${file}: a tensor without a storage.`, FIX);
          const shape = size.map(Number);
          const n = shape.reduce((a, b) => a * b, 1);
          const src = floats(st);
          if (!src) return { kind: 'torch-tensor', shape, dtype: st.dtype, data: null } satisfies TorchTensor;
          const data = new Float32Array(n);
          const idx = new Array<number>(shape.length).fill(0);
          for (let i = 0; i < n; i++) {
            let o = Number(offset);
            for (let d = 0; d < shape.length; d++) o += idx[d] * Number(stride[d]);
            if (o >= src.length)
              throw new GbmError(`${file}: a tensor of shape [${shape}] reaches past its storage (${src.length} values): truncated or damaged.`, FIX);
            data[i] = src[o];
            for (let d = shape.length - 1; d >= 0; d--) {
              if (++idx[d] < shape[d]) break;
              idx[d] = 0;
            }
          }
          return { kind: 'torch-tensor', shape, dtype: st.dtype, data } satisfies TorchTensor;
        }
        return undefined;
      },
      persistentLoad(pid) {
        const [tag, type, key, , numel] = pid as [unknown, { module: string; name: string }, unknown, unknown, unknown];
        const t = type && STORAGE_DTYPES[type.name];
        if (String(tag) !== 'storage' || !t || !['torch', 'torch.cuda'].includes(type.module))
          throw new GbmError(`${file}: an object stored outside the pickle that is not a tensor storage.`, FIX);
        const k = String(key);
        const cached = storages.get(k);
        if (cached) return cached;
        const entry = `${root}data/${k}`;
        if (!zip.names().includes(entry)) throw new GbmError(`${file}: storage ${k} (${entry}) is missing: truncated or damaged.`, FIX);
        const bytes = zip.extract(entry);
        if (bytes.length < Number(numel) * t.size)
          throw new GbmError(`${file}: storage ${k} holds ${bytes.length} bytes, ${Number(numel) * t.size} expected: truncated or damaged.`, FIX);
        const st: Storage = { kind: 'storage', dtype: t.dtype, bytes: bytes.subarray(0, Number(numel) * t.size) };
        storages.set(k, st);
        return st;
      },
      // A state_dict is an OrderedDict with a _metadata attribute: keep the dict, drop the attribute.
      build: (obj) => (obj instanceof Map ? obj : undefined),
    });
  } finally {
    zip.close();
  }
}

/** Whether an unpickled value is a dict of tensors (a state_dict). */
function isStateDict(v: Unpickled): v is Map<string, TorchTensor> {
  return v instanceof Map && v.size > 0 && [...v.values()].some((t) => (t as TorchTensor)?.kind === 'torch-tensor');
}

/** The state_dict of a checkpoint: the object itself, or the dict it holds under state_dict / model_state_dict / model / net / ... */
export function stateDictOf(obj: Unpickled, file: string): Map<string, TorchTensor> {
  if (isStateDict(obj)) return new Map([...obj].filter(([, t]) => (t as TorchTensor)?.kind === 'torch-tensor'));
  if (obj instanceof Map) {
    const preferred = ['state_dict', 'model_state_dict', 'model', 'net', 'network', 'backbone'];
    const keys = [...preferred.filter((k) => obj.has(k)), ...[...obj.keys()].filter((k) => !preferred.includes(k))];
    for (const k of keys) if (isStateDict(obj.get(k))) return stateDictOf(obj.get(k), file);
  }
  throw new GbmError(`${file} holds no state_dict (no dict of tensors at its top level or under state_dict, model_state_dict, model, net).`, FIX);
}
