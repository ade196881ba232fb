/**
 * A reader of PyTorch `torch.save` files (the zip format of PyTorch ≥ 1.6) holding a state dict:
 * tensors by name. Small and strict on purpose: it reads the zip's central directory (stored or
 * deflated entries), unpickles `<archive>/data.pkl` with the subset of the pickle protocol
 * (protocols 2–5) `torch.save` writes for a dict of tensors, and reads each tensor's storage
 * `<archive>/data/<key>` (little-endian) through its offset, shape and strides. Only plain tensor
 * rebuilds (`torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`) and an `OrderedDict` are
 * constructed; any other Python object is refused, so a file can never run code.
 */
import { inflateRawSync } from 'node:zlib';
import { ensure, fail } from '../core/errors.ts';

/** A tensor of a state dict, as float64 values (row-major) and its shape. */
export interface TorchTensor {
  dtype: string;
  shape: number[];
  values: Float64Array;
}

/** Entries of a zip archive by name. */
export function readZip(bytes: Uint8Array, source: string): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--)
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) fail(`${source} is not a zip archive (a PyTorch file saved by torch.save since PyTorch 1.6)`);
  const entries = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  const dec = new TextDecoder();
  for (let e = 0; e < entries; e++) {
    ensure(at + 46 <= bytes.length && view.getUint32(at, true) === 0x02014b50, `${source}: damaged zip central directory`);
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = dec.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    ensure(local + 30 <= bytes.length && view.getUint32(local, true) === 0x04034b50, `${source}: damaged zip entry '${name}'`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    ensure(start + compressed <= bytes.length, `${source}: zip entry '${name}' runs past the end of the file`);
    const raw = bytes.subarray(start, start + compressed);
    if (method === 0) out.set(name, raw);
    else if (method === 8) out.set(name, new Uint8Array(inflateRawSync(raw)));
    else fail(`${source}: zip entry '${name}' uses compression method ${method}; only stored and deflated entries are supported`);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** A Python global a pickle names (module.name). */
interface PyGlobal {
  kind: 'global';
  module: string;
  name: string;
}
/** A storage a tensor points into (from the persistent id). */
interface StorageRef {
  kind: 'storage';
  dtype: string;
  key: string;
}
/** A tensor rebuild: storage, offset (elements), shape, strides. */
interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

const MARK = Symbol('mark');

/**
 * Unpickles the subset of pickle `torch.save` writes for a state dict. `persistent` resolves
 * persistent ids (storages); globals other than the tensor rebuilds, OrderedDict and storage types
 * are refused.
 */
export function unpickle(bytes: Uint8Array, source: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder();
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const need = (n: number) => ensure(pos + n <= bytes.length, `${source}: truncated pickle`);
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const str = (n: number) => (need(n), (pos += n), dec.decode(bytes.subarray(pos - n, pos)));
  const line = () => {
    const end = bytes.indexOf(10, pos);
    ensure(end >= 0, `${source}: truncated pickle`);
    const s = dec.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const popMark = (): unknown[] => {
    const m = stack.lastIndexOf(MARK);
    ensure(m >= 0, `${source}: malformed pickle (no mark)`);
    const items = stack.splice(m);
    return items.slice(1);
  };
  const setItems = (target: unknown, items: unknown[]) => {
    ensure(target instanceof Map, `${source}: malformed pickle (items set on a non-dict)`);
    for (let i = 0; i < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const call = (fn: unknown, args: unknown): unknown => {
    const g = fn as PyGlobal;
    const a = args as unknown[];
    ensure(g?.kind === 'global' && Array.isArray(a), `${source}: malformed pickle (call of a non-global)`);
    const full = `${g.module}.${g.name}`;
    if (full === 'collections.OrderedDict') return new Map();
    if (full === 'torch._utils._rebuild_tensor_v2' || full === 'torch._utils._rebuild_tensor') {
      const [storage, offset, shape, stride] = a as [StorageRef, number, number[], number[]];
      ensure(storage?.kind === 'storage', `${source}: a tensor without a storage`);
      return { kind: 'tensor', storage, offset, shape: [...shape], stride: [...stride] } satisfies TensorRef;
    }
    if (full === 'torch._utils._rebuild_parameter') return a[0];
    fail(`${source}: the pickle calls ${full}, which a state dict of tensors does not need; refusing to read it`);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        need(8);
        pos += 8;
        break;
      case 0x2e: // STOP
        return stack.pop();
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push(stack.splice(-1));
        break;
      case 0x86: // TUPLE2
        stack.push(stack.splice(-2));
        break;
      case 0x87: // TUPLE3
        stack.push(stack.splice(-3));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), stack[stack.length - 1]);
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), stack[stack.length - 1]);
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, stack[stack.length - 1]);
        break;
      case 0x68: // BINGET
        stack.push(memo.get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memo.get(u32()));
        break;
      case 0x58: // BINUNICODE
        stack.push(str(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(str(u8()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(str(u8()));
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = u8();
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]);
        if (n > 0 && bytes[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        stack.push(Number(v));
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push({ kind: 'global', module, name } satisfies PyGlobal);
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = stack.pop() as string;
        const module = stack.pop() as string;
        stack.push({ kind: 'global', module, name } satisfies PyGlobal);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = stack.pop();
        const fn = stack.pop();
        stack.push(call(fn, args));
        break;
      }
      case 0x62: // BUILD: state of an object (e.g. a state dict's _metadata); not needed
        stack.pop();
        break;
      case 0x51: {
        // BINPERSID: ('storage', storage type, key, location, numel)
        const pid = stack.pop() as unknown[];
        ensure(Array.isArray(pid) && pid[0] === 'storage', `${source}: unsupported persistent id`);
        const type = pid[1] as PyGlobal;
        stack.push({ kind: 'storage', dtype: type.name, key: String(pid[2]) } satisfies StorageRef);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = stack.pop();
        const k = stack.pop();
        setItems(stack[stack.length - 1], [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(stack[stack.length - 1], items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = stack.pop();
        (stack[stack.length - 1] as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        (stack[stack.length - 1] as unknown[]).push(...items);
        break;
      }
      case 0x30: // POP
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(stack[stack.length - 1]);
        break;
      default:
        fail(`${source}: pickle opcode 0x${op.toString(16)} at byte ${pos - 1} is not supported by the state-dict reader`);
    }
  }
}

const STORAGE_TYPES: Record<string, { bytes: number; read: (v: DataView, at: number) => number }> = {
  FloatStorage: { bytes: 4, read: (v, at) => v.getFloat32(at, true) },
  DoubleStorage: { bytes: 8, read: (v, at) => v.getFloat64(at, true) },
  HalfStorage: { bytes: 2, read: (v, at) => halfToFloat(v.getUint16(at, true)) },
  LongStorage: { bytes: 8, read: (v, at) => Number(v.getBigInt64(at, true)) },
  IntStorage: { bytes: 4, read: (v, at) => v.getInt32(at, true) },
};

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Reads the state dict of a PyTorch file (`torch.save(model.state_dict(), f)`): tensors by name in
 * file order. Anything else is a one-line error naming `source`.
 */
export function readTorchStateDict(bytes: Uint8Array, source: string): Map<string, TorchTensor> {
  const zip = readZip(bytes, source);
  const pkl = [...zip.keys()].find((k) => k.endsWith('/data.pkl') || k === 'data.pkl');
  if (!pkl) fail(`${source} holds no data.pkl: not a file written by torch.save`);
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const order = zip.get(`${prefix}byteorder`);
  if (order) ensure(new TextDecoder().decode(order).trim() === 'little', `${source}: big-endian tensors are not supported`);
  const root = unpickle(zip.get(pkl)!, source);
  if (!(root instanceof Map)) fail(`${source} does not hold a state dict (a dict of tensors) but a pickled ${typeof root}`);
  const out = new Map<string, TorchTensor>();
  for (const [name, t] of root) {
    const tensor = t as TensorRef;
    if (tensor?.kind !== 'tensor') fail(`${source}: entry '${String(name)}' is not a tensor`);
    const type = STORAGE_TYPES[tensor.storage.dtype];
    if (!type) fail(`${source}: tensor '${String(name)}' has storage type ${tensor.storage.dtype}, which is not supported`);
    const data = zip.get(`${prefix}data/${tensor.storage.key}`);
    if (!data) fail(`${source}: storage ${tensor.storage.key} of tensor '${String(name)}' is missing`);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const size = tensor.shape.reduce((a, b) => a * b, 1);
    const values = new Float64Array(size);
    const idx = new Array<number>(tensor.shape.length).fill(0);
    for (let i = 0; i < size; i++) {
      let el = tensor.offset;
      for (let d = 0; d < idx.length; d++) el += idx[d] * tensor.stride[d];
      ensure((el + 1) * type.bytes <= data.length, `${source}: tensor '${String(name)}' reads past its storage`);
      values[i] = type.read(view, el * type.bytes);
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < tensor.shape[d]) break;
        idx[d] = 0;
      }
    }
    out.set(String(name), { dtype: tensor.storage.dtype, shape: tensor.shape, values });
  }
  return out;
}
