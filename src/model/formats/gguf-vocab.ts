/**
 * GGUF (v2/v3) metadata reader and the tokenizer vocabulary it carries (llama.cpp's
 * `tokenizer.ggml.*` keys). Only the key/value section is parsed; tensor data is not needed.
 *
 * Layout: "GGUF", u32 version, u64 tensor_count, u64 kv_count, then kv_count times
 * (string key, u32 type, value) with string = u64 length + UTF-8 bytes, little-endian throughout.
 */
import { readFileSync } from 'node:fs';
import { ModelFileError } from '../errors.js';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

const T = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12 } as const;

class Reader {
  private off = 0;
  private readonly dv: DataView;
  private readonly dec = new TextDecoder('utf-8');

  constructor(private readonly bytes: Uint8Array, private readonly file: string) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, what: string): number {
    if (this.off + n > this.bytes.length) {
      throw new ModelFileError('MODEL_ERR_TRUNCATED', this.file, `file ends at byte ${this.bytes.length} inside ${what} (needs ${this.off + n})`);
    }
    const o = this.off;
    this.off += n;
    return o;
  }

  u32(what: string): number {
    return this.dv.getUint32(this.need(4, what), true);
  }

  u64(what: string): number {
    const v = this.dv.getBigUint64(this.need(8, what), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ModelFileError('MODEL_ERR_HEADER', this.file, `${what}: count ${v} too large`);
    return Number(v);
  }

  str(what: string): string {
    const n = this.u64(what);
    const o = this.need(n, what);
    return this.dec.decode(this.bytes.subarray(o, o + n));
  }

  value(type: number, what: string): GgufValue {
    const dv = this.dv;
    switch (type) {
      case T.U8: return dv.getUint8(this.need(1, what));
      case T.I8: return dv.getInt8(this.need(1, what));
      case T.U16: return dv.getUint16(this.need(2, what), true);
      case T.I16: return dv.getInt16(this.need(2, what), true);
      case T.U32: return dv.getUint32(this.need(4, what), true);
      case T.I32: return dv.getInt32(this.need(4, what), true);
      case T.F32: return dv.getFloat32(this.need(4, what), true);
      case T.BOOL: return dv.getUint8(this.need(1, what)) !== 0;
      case T.STRING: return this.str(what);
      case T.U64: return dv.getBigUint64(this.need(8, what), true);
      case T.I64: return dv.getBigInt64(this.need(8, what), true);
      case T.F64: return dv.getFloat64(this.need(8, what), true);
      case T.ARRAY: {
        const et = this.u32(what);
        const n = this.u64(what);
        if (n > this.bytes.length) throw new ModelFileError('MODEL_ERR_HEADER', this.file, `${what}: array length ${n} exceeds the file size`);
        const out = new Array<GgufValue>(n);
        for (let i = 0; i < n; i++) out[i] = this.value(et, what);
        return out;
      }
      default:
        throw new ModelFileError('MODEL_ERR_DTYPE', this.file, `${what}: unknown GGUF value type ${type}`);
    }
  }
}

export interface GgufMetadata {
  readonly version: number;
  readonly tensorCount: number;
  readonly kv: Map<string, GgufValue>;
}

/** Parses the header and all metadata key/values of a GGUF file held in memory. */
export function parseGgufMetadata(bytes: Uint8Array, file: string): GgufMetadata {
  if (bytes.length < 4 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'GGUF') {
    throw new ModelFileError('MODEL_ERR_HEADER', file, 'not a GGUF file (bad magic)');
  }
  const r = new Reader(bytes.subarray(4), file);
  const version = r.u32('version');
  if (version < 2 || version > 3) throw new ModelFileError('MODEL_ERR_HEADER', file, `GGUF version ${version} (2 and 3 are read)`);
  const tensorCount = r.u64('tensor_count');
  const kvCount = r.u64('kv_count');
  const kv = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = r.str(`key ${i}`);
    kv.set(key, r.value(r.u32(key), key));
  }
  return { version, tensorCount, kv };
}

/** llama.cpp token types (tokenizer.ggml.token_type). */
export const GGUF_TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface GgufVocab {
  readonly file: string;
  readonly model: string; // tokenizer.ggml.model: 'gpt2' (byte-level BPE), 'bert' (WordPiece), 'llama', ...
  readonly pre: string | undefined; // tokenizer.ggml.pre (pre-tokenizer name)
  readonly tokens: readonly string[];
  readonly tokenTypes: readonly number[] | undefined;
  readonly scores: readonly number[] | undefined;
  readonly merges: readonly string[] | undefined; // "a b" pairs, highest priority first
  /** Special ids present in the file: bos, eos, unknown, separator, padding, mask, cls. */
  readonly special: Readonly<Record<string, number>>;
}

/** Reads the tokenizer vocabulary of a GGUF file. */
export function readGgufVocab(path: string): GgufVocab {
  const { kv } = parseGgufMetadata(readFileSync(path), path);
  const get = (k: string): GgufValue | undefined => kv.get(k);
  const model = get('tokenizer.ggml.model');
  if (typeof model !== 'string') throw new ModelFileError('MODEL_ERR_MISSING', path, 'no tokenizer.ggml.model');
  const tokens = get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) {
    throw new ModelFileError('MODEL_ERR_MISSING', path, 'no tokenizer.ggml.tokens string array');
  }
  const numArray = (k: string): number[] | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length !== tokens.length) throw new ModelFileError('MODEL_ERR_HEADER', path, `${k} must have one entry per token`);
    return v.map(Number);
  };
  const merges = get('tokenizer.ggml.merges');
  const special: Record<string, number> = {};
  for (const k of ['bos', 'eos', 'unknown', 'seperator', 'separator', 'padding', 'mask', 'cls']) {
    const v = get(`tokenizer.ggml.${k}_token_id`);
    if (v !== undefined) special[k === 'seperator' ? 'separator' : k] = Number(v);
  }
  const pre = get('tokenizer.ggml.pre');
  return {
    file: path,
    model,
    pre: typeof pre === 'string' ? pre : undefined,
    tokens: tokens as string[],
    tokenTypes: numArray('tokenizer.ggml.token_type'),
    scores: numArray('tokenizer.ggml.scores'),
    merges: Array.isArray(merges) ? merges.map(String) : undefined,
    special,
  };
}
