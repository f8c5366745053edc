/**
 * llama2.c `tokenizer.bin`: int32 max_token_length, then per token: float32 score, int32 byte
 * length, the bytes. Encoding follows run.c's `encode`: optional BOS (1), a dummy-prefix " " token
 * for non-empty text, one token per UTF-8 code point with <0xNN> byte fallback (id = byte + 3),
 * then repeatedly merge the adjacent pair whose concatenation is a vocabulary entry with the
 * highest score (first such pair on ties); optional EOS (2). Decoding follows run.c's `decode`:
 * the leading space of a piece right after BOS is dropped and <0xNN> pieces become raw bytes.
 *
 * Pieces are handled as byte strings (one JS char per byte, 0..255) so lookups are byte-exact.
 */
import { readFileSync } from 'node:fs';
import { ModelFileError } from '../errors.js';

export const LLAMA2C_BOS = 1;
export const LLAMA2C_EOS = 2;

const utf8 = new TextEncoder();

/** bytes -> byte string (each char code = one byte). */
function toByteString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

export class Llama2cTokenizer {
  /** Pieces as byte strings, index = token id. */
  readonly pieces: readonly string[];
  readonly scores: Float32Array; // [V]
  readonly maxTokenLength: number;
  private readonly lookup: Map<string, number>;

  constructor(pieces: readonly string[], scores: Float32Array, maxTokenLength: number) {
    if (pieces.length !== scores.length) throw new RangeError(`tokenizer: ${pieces.length} pieces but ${scores.length} scores`);
    this.pieces = pieces;
    this.scores = scores;
    this.maxTokenLength = maxTokenLength;
    this.lookup = new Map();
    // First occurrence wins, like a binary search over llama2.c's sorted vocab with unique strings.
    pieces.forEach((p, i) => {
      if (!this.lookup.has(p)) this.lookup.set(p, i);
    });
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  /** Parses tokenizer.bin; `vocabSize` (from the model header) is checked when given. */
  static parse(bytes: Uint8Array, file: string, vocabSize?: number): Llama2cTokenizer {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 4) throw new ModelFileError('MODEL_ERR_TRUNCATED', file, 'no max_token_length header');
    const maxLen = dv.getInt32(0, true);
    if (maxLen <= 0) throw new ModelFileError('MODEL_ERR_HEADER', file, `max_token_length ${maxLen} must be positive`);
    const pieces: string[] = [];
    const scores: number[] = [];
    let off = 4;
    while (off < bytes.length && (vocabSize === undefined || pieces.length < vocabSize)) {
      const id = pieces.length;
      if (off + 8 > bytes.length) throw new ModelFileError('MODEL_ERR_TRUNCATED', file, `record of token ${id} cut at byte ${off}`);
      const score = dv.getFloat32(off, true);
      const len = dv.getInt32(off + 4, true);
      if (len < 0 || len > maxLen) throw new ModelFileError('MODEL_ERR_HEADER', file, `token ${id}: length ${len} outside 0..${maxLen}`);
      if (!Number.isFinite(score)) throw new ModelFileError('MODEL_ERR_NONFINITE', file, `token ${id}: score is ${score}`);
      if (off + 8 + len > bytes.length) throw new ModelFileError('MODEL_ERR_TRUNCATED', file, `bytes of token ${id} cut at byte ${bytes.length}`);
      pieces.push(toByteString(bytes.subarray(off + 8, off + 8 + len)));
      scores.push(score);
      off += 8 + len;
    }
    if (vocabSize !== undefined && pieces.length !== vocabSize) {
      throw new ModelFileError('MODEL_ERR_TRUNCATED', file, `${pieces.length} tokens, the model needs ${vocabSize}`);
    }
    if (off !== bytes.length) throw new ModelFileError('MODEL_ERR_SIZE', file, `${bytes.length - off} trailing bytes after ${pieces.length} tokens`);
    return new Llama2cTokenizer(pieces, Float32Array.from(scores), maxLen);
  }

  static load(path: string, vocabSize?: number): Llama2cTokenizer {
    return Llama2cTokenizer.parse(readFileSync(path), path, vocabSize);
  }

  /** run.c `encode(text, bos, eos)`. */
  encode(text: string, opts: { bos?: boolean; eos?: boolean } = {}): number[] {
    const bos = opts.bos ?? true;
    const eos = opts.eos ?? false;
    const tokens: number[] = [];
    if (bos) tokens.push(LLAMA2C_BOS);
    const bytes = utf8.encode(text);
    if (bytes.length > 0) this.pushPiece(tokens, ' ');
    // One token per UTF-8 code point (up to 4 bytes), byte fallback if the code point is unknown.
    let i = 0;
    while (i < bytes.length) {
      let j = i + 1;
      while (j < bytes.length && (bytes[j] & 0xc0) === 0x80 && j - i < 4) j++;
      this.pushPiece(tokens, toByteString(bytes.subarray(i, j)));
      i = j;
    }
    // Greedy merges: best-scoring adjacent pair that is itself a piece, until none is left.
    for (;;) {
      let bestScore = -1e10;
      let bestId = -1;
      let bestIdx = -1;
      for (let k = 0; k < tokens.length - 1; k++) {
        const id = this.lookup.get(this.pieces[tokens[k]] + this.pieces[tokens[k + 1]]);
        if (id !== undefined && this.scores[id] > bestScore) {
          bestScore = this.scores[id];
          bestId = id;
          bestIdx = k;
        }
      }
      if (bestIdx < 0) break;
      tokens.splice(bestIdx, 2, bestId);
    }
    if (eos) tokens.push(LLAMA2C_EOS);
    return tokens;
  }

  private pushPiece(tokens: number[], piece: string): void {
    const id = this.lookup.get(piece);
    if (id !== undefined) {
      tokens.push(id);
      return;
    }
    for (let k = 0; k < piece.length; k++) tokens.push(piece.charCodeAt(k) + 3); // <0xNN> tokens start at id 3
  }

  /** run.c `decode(prev, token)`: the bytes this token prints after `prev`. */
  decodePiece(prev: number, token: number): Uint8Array {
    if (!Number.isInteger(token) || token < 0 || token >= this.pieces.length) {
      throw new RangeError(`decode: token ${token} is out of range for vocabulary size ${this.pieces.length}`);
    }
    let piece = this.pieces[token];
    if (prev === LLAMA2C_BOS && piece.startsWith(' ')) piece = piece.slice(1);
    const m = /^<0x([0-9A-Fa-f]{2})>/.exec(piece);
    if (m) return Uint8Array.of(parseInt(m[1], 16));
    return Uint8Array.from(piece, (ch) => ch.charCodeAt(0));
  }

  /**
   * Text of a token sequence as llama2.c prints it (BOS/EOS print nothing; a token right after BOS
   * loses its leading space; byte tokens are reassembled into UTF-8).
   */
  decode(ids: readonly number[]): string {
    const parts: Uint8Array[] = [];
    let prev = -1;
    for (const id of ids) {
      if (id !== LLAMA2C_BOS && id !== LLAMA2C_EOS) parts.push(this.decodePiece(prev, id));
      prev = id;
    }
    const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    return new TextDecoder('utf-8').decode(all);
  }
}
