/**
 * safetensors reader and writer (https://huggingface.co/docs/safetensors).
 *
 * Layout: u64 little-endian N, N bytes of JSON header {name: {dtype, shape, data_offsets:[b,e]},
 * "__metadata__": {string: string}}, then the data region; offsets are relative to its start.
 * The reader validates what the reference implementation does: header length within the file,
 * every tensor's byte size = numel · dtype size, offsets in bounds, and the tensors tiling the data
 * region without holes or overlaps. Values are converted to float64 (F64, F32, F16, BF16) and must
 * be finite. Errors are ModelFileError naming the file and the tensor.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { bf16ToNumber, f16ToNumber, numberToF16 } from './f16.js';
import { ModelFileError } from '../errors.js';
import { plainTensor, type PlainTensor } from '../arch/plain-ops.js';
import { assertFiniteWeights } from '../arch/weights.js';
import type { Shape } from '../arch/shape.js';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };
const MAX_HEADER_BYTES = 100_000_000; // as the reference implementation
const f32 = new Float32Array(1); // scratch for bfloat16 encoding
const u32 = new Uint32Array(f32.buffer);

export interface SafetensorsFile {
  readonly tensors: Map<string, PlainTensor>; // in header order
  readonly dtypes: Map<string, SafetensorsDtype>;
  readonly metadata: Record<string, string>;
}

interface RawEntry {
  dtype?: unknown;
  shape?: unknown;
  data_offsets?: unknown;
}

/** Parses a safetensors file held in memory; `file` is used in error messages. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  if (bytes.length < 8) throw new ModelFileError('MODEL_ERR_TRUNCATED', file, `${bytes.length} bytes, no 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES) throw new ModelFileError('MODEL_ERR_HEADER', file, `header length ${n} exceeds ${MAX_HEADER_BYTES}`);
  if (8 + n > bytes.length) throw new ModelFileError('MODEL_ERR_TRUNCATED', file, `header of ${n} bytes but the file has ${bytes.length} bytes`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new ModelFileError('MODEL_ERR_HEADER', file, `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new ModelFileError('MODEL_ERR_HEADER', file, 'header is not a JSON object');
  }
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new ModelFileError('MODEL_ERR_HEADER', file, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = (raw ?? {}) as RawEntry;
    const bad = (msg: string): never => {
      throw new ModelFileError('MODEL_ERR_HEADER', file, msg, name);
    };
    if (typeof e.dtype !== 'string') bad('missing dtype');
    const dtype = e.dtype as string;
    if (!(dtype in DTYPE_BYTES)) throw new ModelFileError('MODEL_ERR_DTYPE', file, `unsupported dtype ${dtype} (F64, F32, F16, BF16 are read)`, name);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad('shape must be a list of non-negative integers');
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      bad('data_offsets must be [begin, end] with 0 <= begin <= end');
    }
    const shape = e.shape as number[];
    const [begin, end] = off as number[];
    const want = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (end - begin !== want) {
      throw new ModelFileError('MODEL_ERR_SHAPE', file, `data_offsets [${begin},${end}] hold ${end - begin} bytes, ${dtype}[${shape.join(',')}] needs ${want}`, name);
    }
    if (end > dataLen) {
      throw new ModelFileError('MODEL_ERR_TRUNCATED', file, `data ends at byte ${dataStart + end} but the file has ${bytes.length} bytes`, name);
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape, begin, end });
  }
  // The tensors must tile the data region exactly.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor) {
      const msg = e.begin < cursor ? `overlaps the previous tensor (begins at ${e.begin} < ${cursor})` : `hole before the tensor (bytes ${cursor}..${e.begin})`;
      throw new ModelFileError('MODEL_ERR_HEADER', file, msg, e.name);
    }
    cursor = e.end;
  }
  if (cursor !== dataLen) {
    throw new ModelFileError('MODEL_ERR_SIZE', file, `${dataLen - cursor} trailing bytes after the last tensor's data`);
  }
  const tensors = new Map<string, PlainTensor>();
  const dtypes = new Map<string, SafetensorsDtype>();
  for (const e of entries) {
    const data = decode(dv, dataStart + e.begin, e.dtype, (e.end - e.begin) / DTYPE_BYTES[e.dtype]);
    assertFiniteWeights(file, e.name, data);
    tensors.set(e.name, plainTensor(e.shape, data));
    dtypes.set(e.name, e.dtype);
  }
  return { tensors, dtypes, metadata };
}

function decode(dv: DataView, off: number, dtype: SafetensorsDtype, count: number): Float64Array {
  const out = new Float64Array(count);
  switch (dtype) {
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(off + 8 * i, true);
      break;
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(off + 4 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = f16ToNumber(dv.getUint16(off + 2 * i, true));
      break;
    case 'BF16':
      for (let i = 0; i < count; i++) out[i] = bf16ToNumber(dv.getUint16(off + 2 * i, true));
      break;
  }
  return out;
}

export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readFileSync(path), path);
}

export interface TensorToWrite {
  readonly shape: Shape;
  readonly data: ArrayLike<number>;
  readonly dtype?: SafetensorsDtype; // default F32
}

/** Serialises tensors (in the given order) to safetensors bytes; header padded to 8 bytes. */
export function encodeSafetensors(tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let off = 0;
  for (const [name, t] of list) {
    const dtype = t.dtype ?? 'F32';
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new RangeError(`encodeSafetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(',')}]`);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [off, off + n * DTYPE_BYTES[dtype]] };
    off += n * DTYPE_BYTES[dtype];
  }
  let json = JSON.stringify(header);
  const utf8 = new TextEncoder();
  while (utf8.encode(json).length % 8 !== 0) json += ' ';
  const hb = utf8.encode(json);
  const out = new Uint8Array(8 + hb.length + off);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const [, t] of list) {
    const dtype = t.dtype ?? 'F32';
    for (let i = 0; i < t.data.length; i++, p += DTYPE_BYTES[dtype]) {
      const v = t.data[i];
      if (dtype === 'F64') dv.setFloat64(p, v, true);
      else if (dtype === 'F32') dv.setFloat32(p, v, true);
      else if (dtype === 'F16') dv.setUint16(p, numberToF16(v), true);
      else {
        f32[0] = v;
        dv.setUint16(p, u32[0] >>> 16, true); // truncating conversion to bfloat16
      }
    }
  }
  return out;
}

export function writeSafetensors(path: string, tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>, metadata?: Record<string, string>): void {
  writeFileSync(path, encodeSafetensors(tensors, metadata));
}
