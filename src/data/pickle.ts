import { GbmError } from '../util/errors.js';

/** A numpy array rebuilt from a pickle: shape, numpy dtype string (e.g. "|u1", "<i8") and its raw bytes. */
export interface PickledArray {
  kind: 'ndarray';
  shape: number[];
  dtype: string;
  fortranOrder: boolean;
  data: Buffer;
}

interface Global {
  kind: 'global';
  module: string;
  name: string;
}
interface Dtype {
  kind: 'dtype';
  descr: string;
  order: string;
}
type Value = unknown;

/** A pickled value: dicts become Maps keyed by (latin-1 decoded) strings, py2 str and bytes become Buffers. */
export type Unpickled = Value;

function isGlobal(v: Value, module: string[], name: string): v is Global {
  return typeof v === 'object' && v !== null && (v as Global).kind === 'global' && module.includes((v as Global).module) && (v as Global).name === name;
}

const NUMPY_MULTIARRAY = ['numpy.core.multiarray', 'numpy._core.multiarray'];

/**
 * What a reader may add for its own format (a PyTorch checkpoint): callables it allows beyond numpy's (return
 * undefined to refuse), the persistent-id loader (BINPERSID), and BUILD on its own objects (undefined = refuse).
 */
export interface PickleHooks {
  call?: (module: string, name: string, args: Value[]) => Value | undefined;
  persistentLoad?: (pid: Value) => Value;
  build?: (obj: Value, state: Value) => Value | undefined;
  /** What the refusal of any other callable should suggest. */
  refusalFix?: string;
}

/** Call one of the few callables a data pickle may name; anything else is refused (pickles can run code). */
function callGlobal(fn: Value, args: Value[], source: string, hooks?: PickleHooks): Value {
  const hooked =
    typeof fn === 'object' && fn !== null && (fn as Global).kind === 'global' ? hooks?.call?.((fn as Global).module, (fn as Global).name, args) : undefined;
  if (hooked !== undefined) return hooked;
  if (isGlobal(fn, NUMPY_MULTIARRAY, '_reconstruct')) {
    return { kind: 'ndarray', shape: [], dtype: '', fortranOrder: false, data: Buffer.alloc(0) } satisfies PickledArray;
  }
  if (isGlobal(fn, ['numpy'], 'dtype')) {
    const d = args[0];
    return { kind: 'dtype', descr: Buffer.isBuffer(d) ? d.toString('latin1') : String(d), order: '|' } satisfies Dtype;
  }
  if (isGlobal(fn, ['numpy.core.numeric', 'numpy._core.numeric'], '_frombuffer')) {
    // Protocol 5 (in-band): (buffer, dtype, shape, order).
    const [data, dt, shape, order] = args as [Buffer, Dtype, Value[], Value];
    return {
      kind: 'ndarray',
      shape: shape.map(Number),
      dtype: (dt.order === '=' ? '<' : dt.order) + dt.descr.replace(/^[<>|=]/, ''),
      fortranOrder: String(order) === 'F',
      data: Buffer.from(data),
    } satisfies PickledArray;
  }
  if (isGlobal(fn, ['_codecs'], 'encode')) return Buffer.from(String(args[0]), 'latin1');
  if (isGlobal(fn, ['__builtin__', 'builtins'], 'bytearray')) return Buffer.from(args[0] as Buffer);
  const g = fn as Global;
  throw new GbmError(
    `${source}: the pickle calls ${g.module}.${g.name}, which a data file has no reason to (refused).`,
    hooks?.refusalFix ?? 'use the official archive; pickles can run code, so only numpy arrays, lists and dicts are read.',
  );
}

function build(obj: Value, state: Value, source: string, hooks?: PickleHooks): Value {
  const hooked = hooks?.build?.(obj, state);
  if (hooked !== undefined) return hooked;
  const o = obj as { kind?: string };
  if (o?.kind === 'dtype') {
    const st = state as Value[];
    (obj as Dtype).order = Buffer.isBuffer(st[1]) ? st[1].toString('latin1') : String(st[1]);
    return obj;
  }
  if (o?.kind === 'ndarray') {
    // (version, shape, dtype, is_fortran, rawdata) as numpy's ndarray.__setstate__ takes it.
    const st = state as Value[];
    const [shape, dtype, fortran, raw] = st.length === 5 ? st.slice(1) : st;
    const dt = dtype as Dtype;
    const a = obj as PickledArray;
    a.shape = (shape as Value[]).map(Number);
    a.dtype = (dt.order === '=' ? '<' : dt.order) + dt.descr.replace(/^[<>|=]/, '');
    a.fortranOrder = !!fortran;
    if (!Buffer.isBuffer(raw)) throw new GbmError(`${source}: a numpy array holds Python objects, not raw numbers.`, 'use the official archive.');
    a.data = raw;
    return obj;
  }
  throw new GbmError(`${source}: the pickle sets the state of an unexpected object.`, 'use the official archive.');
}

function key(k: Value): string {
  return Buffer.isBuffer(k) ? k.toString('latin1') : String(k);
}

/**
 * Read a Python pickle (protocols 0-5 as written by Python 2's cPickle and Python 3) holding dicts, lists,
 * strings, numbers and numpy arrays: what the CIFAR archives and most research data pickles contain. Only numpy's
 * array reconstruction is ever "called"; any other global is refused, so a pickle cannot run code here.
 */
export function unpickle(buf: Buffer, source: string, hooks?: PickleHooks): Unpickled {
  const stack: Value[] = [];
  const marks: number[] = [];
  const memo = new Map<number, Value>();
  let pos = 0;
  const fail = (what: string): never => {
    throw new GbmError(`${source}: ${what} at byte ${pos}: not a pickle this kit can read, or truncated.`, 'use the official archive (download it again).');
  };
  const need = (n: number): void => {
    if (pos + n > buf.length) fail('unexpected end of data');
  };
  const u8 = (): number => {
    need(1);
    return buf[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = buf.readUInt16LE(pos);
    pos += 2;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = buf.readInt32LE(pos);
    pos += 4;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = buf.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = Number(buf.readBigUInt64LE(pos));
    pos += 8;
    return v;
  };
  const bytes = (n: number): Buffer => {
    need(n);
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const line = (): string => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    const s = buf.subarray(pos, end).toString('latin1');
    pos = end + 1;
    return s;
  };
  const popMark = (): Value[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK on the stack');
    return stack.splice(m!);
  };
  const top = (): Value => (stack.length ? stack[stack.length - 1] : fail('empty stack'));
  const pop = (): Value => (stack.length ? stack.pop() : fail('empty stack'));
  const setItems = (d: Map<string, Value>, items: Value[]): void => {
    for (let i = 0; i + 1 < items.length; i += 2) d.set(key(items[i]), items[i + 1]);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        u64();
        break; // FRAME
      case 0x2e:
        return pop(); // STOP
      case 0x28:
        marks.push(stack.length);
        break; // MARK
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x4a:
        stack.push(i32());
        break; // BININT
      case 0x49: {
        // INT (protocol 0; "01"/"00" are True/False)
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : parseInt(s, 10));
        break;
      }
      case 0x4c:
        stack.push(parseInt(line().replace(/L$/, ''), 10));
        break; // LONG
      case 0x8a: {
        // LONG1
        const n = u8();
        const b = bytes(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        break;
      }
      case 0x47: {
        need(8);
        stack.push(buf.readDoubleBE(pos));
        pos += 8;
        break;
      } // BINFLOAT
      case 0x46:
        stack.push(parseFloat(line()));
        break; // FLOAT
      case 0x55:
        stack.push(bytes(u8()));
        break; // SHORT_BINSTRING (py2 str)
      case 0x54:
        stack.push(bytes(u32()));
        break; // BINSTRING
      case 0x43:
        stack.push(bytes(u8()));
        break; // SHORT_BINBYTES
      case 0x42:
        stack.push(bytes(u32()));
        break; // BINBYTES
      case 0x8e:
        stack.push(bytes(u64()));
        break; // BINBYTES8
      case 0x96:
        stack.push(Buffer.from(bytes(u64())));
        break; // BYTEARRAY8
      case 0x8c:
        stack.push(bytes(u8()).toString('utf8'));
        break; // SHORT_BINUNICODE
      case 0x58:
        stack.push(bytes(u32()).toString('utf8'));
        break; // BINUNICODE
      case 0x8d:
        stack.push(bytes(u64()).toString('utf8'));
        break; // BINUNICODE8
      case 0x53: {
        // STRING (protocol 0, quoted repr)
        const s = line().trim();
        stack.push(
          Buffer.from(
            s
              .slice(1, -1)
              .replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
              .replace(/\\(.)/g, '$1'),
            'latin1',
          ),
        );
        break;
      }
      case 0x56:
        stack.push(line());
        break; // UNICODE (raw-unicode-escape; ASCII suffices for data keys)
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x70:
        memo.set(parseInt(line(), 10), top());
        break; // PUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
      case 0x6a:
      case 0x67: {
        // BINGET, LONG_BINGET, GET
        const idx = op === 0x68 ? u8() : op === 0x6a ? u32() : parseInt(line(), 10);
        if (!memo.has(idx)) fail(`memo entry ${idx} is missing`);
        stack.push(memo.get(idx));
        break;
      }
      case 0x61: {
        const v = pop();
        (top() as Value[]).push(v);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        (top() as Value[]).push(...items);
        break;
      } // APPENDS
      case 0x73: {
        const v = pop();
        const k = pop();
        (top() as Map<string, Value>).set(key(k), v);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        setItems(top() as Map<string, Value>, items);
        break;
      } // SETITEMS
      case 0x64: {
        const items = popMark();
        const d = new Map<string, Value>();
        setItems(d, items);
        stack.push(d);
        break;
      } // DICT
      case 0x6c:
        stack.push(popMark());
        break; // LIST
      case 0x74:
        stack.push(popMark());
        break; // TUPLE
      case 0x85:
        stack.push([pop()]);
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      } // TUPLE3
      case 0x63: {
        const module = line();
        const name = line();
        stack.push({ kind: 'global', module, name } satisfies Global);
        break;
      } // GLOBAL
      case 0x93: {
        const name = pop();
        const module = pop();
        stack.push({ kind: 'global', module: String(module), name: String(name) } satisfies Global);
        break;
      } // STACK_GLOBAL
      case 0x52: {
        const args = pop() as Value[];
        const fn = pop();
        stack.push(callGlobal(fn, args, source, hooks));
        break;
      } // REDUCE
      case 0x81: {
        const args = pop() as Value[];
        const cls = pop();
        stack.push(callGlobal(cls, args, source, hooks));
        break;
      } // NEWOBJ
      case 0x62: {
        const state = pop();
        stack.push(build(pop(), state, source, hooks));
        break;
      } // BUILD
      case 0x51: {
        // BINPERSID: an object stored outside the pickle (a PyTorch tensor's storage)
        const pid = pop();
        if (!hooks?.persistentLoad) fail('a persistent id (an object stored outside the pickle)');
        stack.push(hooks!.persistentLoad!(pid));
        break;
      }
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    }
  }
}

/** A field of an unpickled dict, or a clear error naming the file and the missing key. */
export function pickleField(obj: Unpickled, name: string, source: string): Value {
  if (!(obj instanceof Map))
    throw new GbmError(`${source}: expected a pickled dict, got ${Array.isArray(obj) ? 'a list' : typeof obj}.`, 'use the official archive.');
  if (!obj.has(name)) throw new GbmError(`${source}: the pickled dict has no "${name}" (keys: ${[...obj.keys()].join(', ')}).`, 'use the official archive.');
  return obj.get(name);
}
