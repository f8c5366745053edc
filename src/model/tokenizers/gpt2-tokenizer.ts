/**
 * GPT-2 byte-level BPE (OpenAI's encoder.py, HF GPT2Tokenizer): the text is split by GPT-2's
 * pre-tokenizer regex, each piece's UTF-8 bytes are mapped to printable unicode characters
 * (bytes_to_unicode), and adjacent symbols are merged by merge rank (lowest first, all occurrences
 * of the best pair per round) until no ranked pair remains; results are cached per piece.
 * Special tokens (default "<|endoftext|>") that appear literally in the text are emitted as their
 * id, as HF's tokenizer does.
 *
 * Vocabulary sources: vocab.json + merges.txt (HF), encoder.json + vocab.bpe (OpenAI),
 * tokenizer.json (HF fast), or a GGUF vocabulary (tokenizer.ggml.tokens + merges).
 *
 * Implemented here rather than taken from a library: the maintained JS tokenizer packages either
 * bundle their own OpenAI vocabularies (gpt-tokenizer, js-tiktoken) or read only tokenizer.json
 * (@huggingface/tokenizers); loading the user's vocab/merges files offline needs this ~150 lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from '../errors.js';
import type { GgufVocab } from '../formats/gguf-vocab.js';

/** GPT-2's pre-tokenizer: contractions, letters, numbers, other symbols, whitespace runs. */
export const GPT2_SPLIT_REGEX = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** OpenAI's bytes_to_unicode: byte -> printable character (and its inverse). */
function byteMaps(): { enc: string[]; dec: Map<string, number> } {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const enc = new Array<string>(256);
  const dec = new Map<string, number>();
  bs.forEach((b, i) => {
    enc[b] = String.fromCharCode(cs[i]);
    dec.set(enc[b], b);
  });
  return { enc, dec };
}

const BYTE_MAPS = byteMaps();
const utf8 = new TextEncoder();

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Gpt2Tokenizer {
  private readonly encoder: Map<string, number>; // byte-unicode token -> id
  private readonly decoder: string[]; // id -> byte-unicode token
  private readonly ranks: Map<string, number>; // "a b" -> merge rank
  private readonly cache = new Map<string, number[]>();
  private readonly specials: Map<string, number>;
  private readonly specialRegex: RegExp | undefined;

  /**
   * @param vocab token (byte-unicode form) -> id
   * @param merges "a b" pairs in priority order (first = merged first)
   * @param specials literal strings encoded as one id (default: "<|endoftext|>" if in the vocab)
   */
  constructor(vocab: ReadonlyMap<string, number>, merges: readonly string[], specials?: ReadonlyMap<string, number>) {
    this.encoder = new Map(vocab);
    this.decoder = [];
    for (const [tok, id] of vocab) this.decoder[id] = tok;
    this.ranks = new Map();
    merges.forEach((m, i) => {
      if (!this.ranks.has(m)) this.ranks.set(m, i);
    });
    const eot = vocab.get('<|endoftext|>');
    this.specials = new Map(specials ?? (eot === undefined ? [] : [['<|endoftext|>', eot]]));
    for (const [s, id] of this.specials) this.decoder[id] = s;
    const alts = [...this.specials.keys()].sort((a, b) => b.length - a.length).map(escapeRegex);
    this.specialRegex = alts.length > 0 ? new RegExp(`(${alts.join('|')})`) : undefined;
  }

  get vocabSize(): number {
    return this.decoder.length;
  }

  /** encoder.json/vocab.json text + vocab.bpe/merges.txt text. */
  static fromStrings(vocabJson: string, mergesTxt: string): Gpt2Tokenizer {
    const vocab = new Map(Object.entries(JSON.parse(vocabJson) as Record<string, number>));
    const merges = mergesTxt.split('\n').filter((l) => l.length > 0 && !l.startsWith('#version'));
    return new Gpt2Tokenizer(vocab, merges);
  }

  static fromFiles(vocabPath: string, mergesPath: string): Gpt2Tokenizer {
    return Gpt2Tokenizer.fromStrings(readFileSync(vocabPath, 'utf8'), readFileSync(mergesPath, 'utf8'));
  }

  /** HF tokenizer.json (model.type BPE; merges as "a b" strings or [a, b] pairs). */
  static fromTokenizerJson(path: string): Gpt2Tokenizer {
    const j = JSON.parse(readFileSync(path, 'utf8')) as {
      model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
      added_tokens?: { id: number; content: string; special?: boolean }[];
    };
    if (j.model?.vocab === undefined || j.model.merges === undefined) throw new ModelFileError('MODEL_ERR_MISSING', path, 'no model.vocab / model.merges');
    if (j.model.type !== undefined && j.model.type !== 'BPE') throw new ModelFileError('MODEL_ERR_HEADER', path, `model.type ${j.model.type} is not BPE`);
    const merges = j.model.merges.map((m) => (Array.isArray(m) ? `${m[0]} ${m[1]}` : m));
    const specials = new Map((j.added_tokens ?? []).map((t) => [t.content, t.id] as [string, number]));
    return new Gpt2Tokenizer(new Map(Object.entries(j.model.vocab)), merges, specials);
  }

  /** A tokenizer directory: vocab.json+merges.txt, encoder.json+vocab.bpe, or tokenizer.json. */
  static fromDir(dir: string): Gpt2Tokenizer {
    for (const [v, m] of [['vocab.json', 'merges.txt'], ['encoder.json', 'vocab.bpe']]) {
      if (existsSync(join(dir, v)) && existsSync(join(dir, m))) return Gpt2Tokenizer.fromFiles(join(dir, v), join(dir, m));
    }
    if (existsSync(join(dir, 'tokenizer.json'))) return Gpt2Tokenizer.fromTokenizerJson(join(dir, 'tokenizer.json'));
    throw new ModelFileError('MODEL_ERR_MISSING', dir, 'no vocab.json+merges.txt, encoder.json+vocab.bpe or tokenizer.json');
  }

  /** A GGUF vocabulary with tokenizer.ggml.model = "gpt2". */
  static fromGguf(v: GgufVocab): Gpt2Tokenizer {
    if (v.model !== 'gpt2' || v.merges === undefined) throw new ModelFileError('MODEL_ERR_HEADER', v.file, `tokenizer model ${v.model} is not byte-level BPE with merges`);
    const vocab = new Map<string, number>();
    v.tokens.forEach((t, i) => vocab.set(t, i));
    const specials = new Map<string, number>();
    v.tokens.forEach((t, i) => {
      if (v.tokenTypes?.[i] === 3 || t === '<|endoftext|>') specials.set(t, i); // CONTROL tokens
    });
    return new Gpt2Tokenizer(vocab, v.merges, specials);
  }

  encode(text: string): number[] {
    const out: number[] = [];
    const parts = this.specialRegex === undefined ? [text] : text.split(this.specialRegex);
    parts.forEach((part, i) => {
      if (this.specialRegex !== undefined && i % 2 === 1) {
        out.push(this.specials.get(part) as number);
        return;
      }
      for (const m of part.matchAll(GPT2_SPLIT_REGEX)) {
        for (const id of this.bpe(m[0])) out.push(id);
      }
    });
    return out;
  }

  /** Ids of one pre-tokenized piece. */
  private bpe(piece: string): number[] {
    const hit = this.cache.get(piece);
    if (hit !== undefined) return hit;
    let word = Array.from(utf8.encode(piece), (b) => BYTE_MAPS.enc[b]); // symbols
    while (word.length > 1) {
      let best = Infinity;
      let pair = '';
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < best) {
          best = r;
          pair = `${word[i]} ${word[i + 1]}`;
        }
      }
      if (best === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i < word.length - 1 && `${word[i]} ${word[i + 1]}` === pair) {
          merged.push(word[i] + word[i + 1]);
          i++;
        } else {
          merged.push(word[i]);
        }
      }
      word = merged;
    }
    const ids = word.map((s) => {
      const id = this.encoder.get(s);
      if (id === undefined) throw new RangeError(`GPT-2 tokenizer: symbol ${JSON.stringify(s)} is not in the vocabulary`);
      return id;
    });
    if (this.cache.size < 100_000) this.cache.set(piece, ids);
    return ids;
  }

  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const tok = this.decoder[id];
      if (tok === undefined) throw new RangeError(`GPT-2 tokenizer: token ${id} is out of range for vocabulary size ${this.decoder.length}`);
      if (this.specials.get(tok) === id) {
        bytes.push(...utf8.encode(tok));
        continue;
      }
      for (const ch of tok) {
        const b = BYTE_MAPS.dec.get(ch);
        if (b === undefined) bytes.push(...utf8.encode(ch));
        else bytes.push(b);
      }
    }
    return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
  }
}
