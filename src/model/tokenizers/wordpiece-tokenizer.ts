/**
 * BERT WordPiece tokenizer (HF BertTokenizer / BertTokenizerFast with do_lower_case=True):
 *
 * 1. basic tokenization: drop NUL, U+FFFD and control characters (Unicode category C*, except
 *    \t \n \r), map whitespace (White_Space) to ' ', put spaces around CJK ideographs, lowercase,
 *    strip accents (NFD, then drop nonspacing marks Mn), split on whitespace and isolate every
 *    punctuation character (ASCII symbols 33-47, 58-64, 91-96, 123-126 and Unicode P*);
 * 2. WordPiece: greedy longest-match-first per word, continuation pieces prefixed "##"; a word
 *    with an unmatched position, or longer than 100 characters, becomes [UNK].
 * `encode` wraps the ids in [CLS] … [SEP] unless `addSpecial: false`.
 *
 * Vocabulary sources: vocab.txt (one token per line, id = line number) or a GGUF vocabulary
 * (tokenizer.ggml.model "bert"), whose llama.cpp "phantom space" form ("▁word" for word-initial
 * pieces, bare text for continuations, [X] for specials) is mapped back to "word" / "##text".
 */
import { readFileSync } from 'node:fs';
import { ModelFileError } from '../errors.js';
import type { GgufVocab } from '../formats/gguf-vocab.js';

export interface WordPieceOptions {
  readonly lowercase?: boolean; // default true (uncased vocabularies such as bge)
  readonly stripAccents?: boolean; // default = lowercase
  readonly maxInputCharsPerWord?: number; // default 100
}

const CONTROL = /^\p{C}$/u;
const WHITESPACE = /^[\s\p{Zs}]$/u;
const PUNCT = /^\p{P}$/u;
const MN = /\p{Mn}/gu;

function isPunct(cp: number, ch: string): boolean {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return PUNCT.test(ch);
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export class WordPieceTokenizer {
  readonly vocab: ReadonlyMap<string, number>;
  readonly tokens: readonly string[]; // id -> token ("##" form)
  readonly clsId: number;
  readonly sepId: number;
  readonly unkId: number;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;
  private readonly maxChars: number;

  constructor(tokens: readonly string[], opts: WordPieceOptions = {}, special: { cls?: number; sep?: number; unk?: number } = {}) {
    this.tokens = tokens;
    const vocab = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (!vocab.has(t)) vocab.set(t, i);
    });
    this.vocab = vocab;
    const id = (name: string, given: number | undefined): number => {
      const v = given ?? vocab.get(name);
      if (v === undefined) throw new RangeError(`WordPiece vocabulary has no ${name}`);
      return v;
    };
    this.clsId = id('[CLS]', special.cls);
    this.sepId = id('[SEP]', special.sep);
    this.unkId = id('[UNK]', special.unk);
    this.lowercase = opts.lowercase ?? true;
    this.stripAccents = opts.stripAccents ?? this.lowercase;
    this.maxChars = opts.maxInputCharsPerWord ?? 100;
  }

  /** vocab.txt: one token per line. */
  static fromVocabTxt(path: string, opts?: WordPieceOptions): WordPieceTokenizer {
    const lines = readFileSync(path, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return new WordPieceTokenizer(lines.map((l) => l.replace(/\r$/, '')), opts);
  }

  /** A GGUF vocabulary with tokenizer.ggml.model = "bert" (phantom-space form). */
  static fromGguf(v: GgufVocab, opts?: WordPieceOptions): WordPieceTokenizer {
    if (v.model !== 'bert') throw new ModelFileError('MODEL_ERR_HEADER', v.file, `tokenizer model ${v.model} is not bert (WordPiece)`);
    const tokens = v.tokens.map((t) => {
      if (t.startsWith('\u2581')) return t.slice(1);
      if (t.startsWith('[') && t.endsWith(']')) return t;
      return '##' + t;
    });
    return new WordPieceTokenizer(tokens, opts, { cls: v.special.cls, sep: v.special.separator, unk: v.special.unknown });
  }

  /** BERT basic tokenization: the words and punctuation marks of `text`. */
  basicTokenize(text: string): string[] {
    let s = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      if (cp === 0 || cp === 0xfffd) continue;
      if (ch === '\t' || ch === '\n' || ch === '\r' || WHITESPACE.test(ch)) s += ' ';
      else if (CONTROL.test(ch)) continue;
      else if (isCjk(cp)) s += ` ${ch} `;
      else s += ch;
    }
    if (this.lowercase) s = s.toLowerCase();
    if (this.stripAccents) s = s.normalize('NFD').replace(MN, '');
    const out: string[] = [];
    for (const word of s.split(' ')) {
      let cur = '';
      for (const ch of word) {
        if (WHITESPACE.test(ch)) {
          if (cur) out.push(cur);
          cur = '';
        } else if (isPunct(ch.codePointAt(0) as number, ch)) {
          if (cur) out.push(cur);
          out.push(ch);
          cur = '';
        } else {
          cur += ch;
        }
      }
      if (cur) out.push(cur);
    }
    return out;
  }

  /** WordPiece ids of one basic token. */
  private wordPiece(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.maxChars) return [this.unkId];
    const ids: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        found = this.vocab.get(sub);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }

  /** Token ids, wrapped in [CLS] … [SEP] unless addSpecial is false. */
  encode(text: string, opts: { addSpecial?: boolean } = {}): number[] {
    const ids: number[] = [];
    for (const w of this.basicTokenize(text)) ids.push(...this.wordPiece(w));
    return opts.addSpecial ?? true ? [this.clsId, ...ids, this.sepId] : ids;
  }

  /** Tokens joined with spaces, "##" continuations glued, [CLS]/[SEP]/[PAD] dropped. */
  decode(ids: readonly number[]): string {
    const words: string[] = [];
    for (const id of ids) {
      const t = this.tokens[id];
      if (t === undefined) throw new RangeError(`WordPiece: token ${id} is out of range for vocabulary size ${this.tokens.length}`);
      if (t === '[CLS]' || t === '[SEP]' || t === '[PAD]') continue;
      if (t.startsWith('##') && words.length > 0) words[words.length - 1] += t.slice(2);
      else words.push(t);
    }
    return words.join(' ');
  }
}
