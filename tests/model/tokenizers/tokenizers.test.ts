/**
 * Tokenizer vectors from llama.cpp (../shared/models/tokenizers/*.gguf.inp/.out): GPT-2 byte-level
 * BPE (vocabulary from gpt2-encoder.json + gpt2-vocab.bpe, and from the GGUF) and BERT WordPiece
 * (bge vocabulary from the GGUF). The .out vectors are token ids WITHOUT special tokens.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Llama2cTokenizer } from '../../../src/model/tokenizers/llama2c-tokenizer.js';
import { readGgufVocab } from '../../../src/model/formats/gguf-vocab.js';
import { Gpt2Tokenizer } from '../../../src/model/tokenizers/gpt2-tokenizer.js';
import { WordPieceTokenizer } from '../../../src/model/tokenizers/wordpiece-tokenizer.js';
import { sharedModelFile } from '../_helpers.js';

/** llama.cpp's test-tokenizer-0 format: strings separated by "\n__ggml_vocab_test__\n". */
function readVectors(inp: string, out: string): { text: string; ids: number[] }[] {
  const texts = readFileSync(inp, 'utf8').split('\n__ggml_vocab_test__\n');
  if (texts.at(-1) === '') texts.pop();
  const lines = readFileSync(out, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (texts.length !== lines.length) throw new Error(`${inp}: ${texts.length} strings but ${out} has ${lines.length} lines`);
  return texts.map((text, i) => ({ text, ids: lines[i].trim() === '' ? [] : lines[i].trim().split(/\s+/).map(Number) }));
}

const SKIP = '[SKIPPED: ../shared/models/tokenizers not found]';
const tmp = mkdtempSync(join(tmpdir(), 'triform-tok-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const G_INP = sharedModelFile('tokenizers/ggml-vocab-gpt-2.gguf.inp');
const G_OUT = sharedModelFile('tokenizers/ggml-vocab-gpt-2.gguf.out');
const G_GGUF = sharedModelFile('tokenizers/ggml-vocab-gpt-2.gguf');
const G_ENC = sharedModelFile('tokenizers/gpt2-encoder.json');
const G_BPE = sharedModelFile('tokenizers/gpt2-vocab.bpe');
const haveGpt2 = [G_INP, G_OUT, G_GGUF, G_ENC, G_BPE].every((p) => p !== undefined);

describe.skipIf(!haveGpt2)(`GPT-2 byte-level BPE ${haveGpt2 ? '' : SKIP}`, () => {
  const vectors = haveGpt2 ? readVectors(G_INP as string, G_OUT as string) : [];
  const fromJson = haveGpt2 ? Gpt2Tokenizer.fromFiles(G_ENC as string, G_BPE as string) : undefined;
  const fromGguf = haveGpt2 ? Gpt2Tokenizer.fromGguf(readGgufVocab(G_GGUF as string)) : undefined;

  it('has the 46 llama.cpp vectors', () => expect(vectors).toHaveLength(46));

  it.each(vectors.map((v, i) => [i, v] as const))('vector %i (encoder.json + vocab.bpe): ids match and decode round-trips', (_, v) => {
    expect(fromJson!.encode(v.text)).toEqual(v.ids);
    expect(fromJson!.decode(v.ids)).toBe(v.text);
  });

  it('the GGUF vocabulary (tokens + merges) gives the same ids on all vectors', () => {
    for (const v of vectors) expect(fromGguf!.encode(v.text)).toEqual(v.ids);
  });

  it('encodes <|endoftext|> as the special id 50256 and knows the vocabulary size', () => {
    expect(fromJson!.encode('Hello<|endoftext|> world')).toEqual([15496, 50256, 995]);
    expect(fromJson!.vocabSize).toBe(50257);
    expect(fromJson!.decode([15496, 50256])).toBe('Hello<|endoftext|>');
  });

  it('loads the same vocabulary from an HF tokenizer.json and from a vocab.json + merges.txt directory', () => {
    const vocab = JSON.parse(readFileSync(G_ENC as string, 'utf8')) as Record<string, number>;
    const merges = readFileSync(G_BPE as string, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    writeFileSync(join(tmp, 'tokenizer.json'), JSON.stringify({
      model: { type: 'BPE', vocab, merges: merges.map((m) => m.split(' ')) },
      added_tokens: [{ id: 50256, content: '<|endoftext|>', special: true }],
    }));
    const a = Gpt2Tokenizer.fromDir(tmp);
    for (const v of vectors.slice(0, 20)) expect(a.encode(v.text)).toEqual(v.ids);
    writeFileSync(join(tmp, 'vocab.json'), readFileSync(G_ENC as string));
    writeFileSync(join(tmp, 'merges.txt'), readFileSync(G_BPE as string));
    const b = Gpt2Tokenizer.fromDir(tmp);
    for (const v of vectors.slice(20)) expect(b.encode(v.text)).toEqual(v.ids);
  });
});

const B_INP = sharedModelFile('tokenizers/ggml-vocab-bert-bge.gguf.inp');
const B_OUT = sharedModelFile('tokenizers/ggml-vocab-bert-bge.gguf.out');
const B_GGUF = sharedModelFile('tokenizers/ggml-vocab-bert-bge.gguf');
const haveBert = [B_INP, B_OUT, B_GGUF].every((p) => p !== undefined);

describe.skipIf(!haveBert)(`BERT WordPiece (bge) ${haveBert ? '' : SKIP}`, () => {
  const vectors = haveBert ? readVectors(B_INP as string, B_OUT as string) : [];
  const vocab = haveBert ? readGgufVocab(B_GGUF as string) : undefined;
  const tok = haveBert ? WordPieceTokenizer.fromGguf(vocab!) : undefined;

  it('reads the GGUF vocabulary: 30522 tokens, [CLS] 101, [SEP] 102, [UNK] 100', () => {
    expect(vocab!.model).toBe('bert');
    expect(vocab!.tokens).toHaveLength(30522);
    expect(vocab!.special).toMatchObject({ cls: 101, separator: 102, unknown: 100, padding: 0, mask: 103 });
    expect([tok!.clsId, tok!.sepId, tok!.unkId]).toEqual([101, 102, 100]);
  });

  it('has the 46 llama.cpp vectors', () => expect(vectors).toHaveLength(46));

  it.each(vectors.map((v, i) => [i, v] as const))('vector %i: ids match (without specials) and [CLS] … [SEP] wrap them', (_, v) => {
    expect(tok!.encode(v.text, { addSpecial: false })).toEqual(v.ids);
    expect(tok!.encode(v.text)).toEqual([101, ...v.ids, 102]);
  });

  it('lowercases, strips accents, splits punctuation and CJK characters', () => {
    expect(tok!.basicTokenize('Führer, naïve!  我想')).toEqual(['fuhrer', ',', 'naive', '!', '我', '想']);
    expect(tok!.decode(tok!.encode('Hello, World!'))).toBe('hello , world !');
  });

  it('loads the same vocabulary from a vocab.txt ("##" continuation form)', () => {
    const path = join(tmp, 'vocab.txt');
    writeFileSync(path, tok!.tokens.join('\n') + '\n');
    const t2 = WordPieceTokenizer.fromVocabTxt(path);
    for (const v of vectors) expect(t2.encode(v.text, { addSpecial: false })).toEqual(v.ids);
  });
});

describe('llama2.c tokenizer.bin reader rejects malformed files', () => {
  it('truncated record, bad length and wrong token count name the file', () => {
    const rec = (score: number, piece: string): number[] => {
      const b = new Uint8Array(8 + piece.length);
      new DataView(b.buffer).setFloat32(0, score, true);
      new DataView(b.buffer).setInt32(4, piece.length, true);
      b.set(new TextEncoder().encode(piece), 8);
      return [...b];
    };
    // ids: 0 'x', 1 (BOS slot) ' ', 2 'a', 3 'b', 4 'ab', 5 ' ab'
    const pieces: [number, string][] = [[0, 'x'], [0, ' '], [-1, 'a'], [-2, 'b'], [1, 'ab'], [2, ' ab']];
    const file = Uint8Array.from([4, 0, 0, 0, ...pieces.flatMap(([sc, p]) => rec(sc, p))]);
    const t = Llama2cTokenizer.parse(file, 'tok.bin');
    expect(t.vocabSize).toBe(6);
    expect(t.encode('ab')).toEqual([1, 5]);
    expect(t.encode('ba', { bos: false })).toEqual([1, 3, 2]);
    expect(t.decode(t.encode('ab'))).toBe('ab');
    expect(() => Llama2cTokenizer.parse(file.subarray(0, file.length - 1), 'tok.bin')).toThrow(/tok\.bin: bytes of token 5 cut/);
    expect(() => Llama2cTokenizer.parse(file, 'tok.bin', 7)).toThrow(/tok\.bin: 6 tokens, the model needs 7/);
    const bad = file.slice();
    new DataView(bad.buffer).setInt32(8, 99, true);
    expect(() => Llama2cTokenizer.parse(bad, 'tok.bin')).toThrow(/tok\.bin: token 0: length 99 outside 0\.\.4/);
  });
});

describe('GGUF reader rejects malformed files', () => {
  it('bad magic and truncation are named with the file', async () => {
    const { parseGgufMetadata } = await import('../../../src/model/formats/gguf-vocab.js');
    expect(() => parseGgufMetadata(new TextEncoder().encode('GGML....'), 'x.gguf')).toThrow(/x\.gguf: not a GGUF file/);
    const b = new Uint8Array(24);
    b.set(new TextEncoder().encode('GGUF'));
    new DataView(b.buffer).setUint32(4, 3, true);
    new DataView(b.buffer).setBigUint64(16, 5n, true); // 5 key/values promised, none present
    expect(() => parseGgufMetadata(b, 'y.gguf')).toThrow(/y\.gguf: file ends at byte/);
  });
});
