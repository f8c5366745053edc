/**
 * Golden test on the real stories260K llama2.c checkpoint (../shared/models/stories260K): greedy
 * decoding from BOS reproduces reference.json exactly, and the first position's top-5 logits match.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newSession } from '../../src/model/arch/causal-lm.js';
import { generate } from '../../src/model/generate.js';
import { Llama } from '../../src/model/arch/llama.js';
import { loadLlama2c } from '../../src/model/formats/llama2c.js';
import { Llama2cTokenizer } from '../../src/model/tokenizers/llama2c-tokenizer.js';
import { PlainOps } from '../../src/model/arch/plain-ops.js';
import { maxAbsDiff, sharedModelFile } from './_helpers.js';

const BIN = sharedModelFile('stories260K/stories260K.bin');
const TOK = sharedModelFile('stories260K/tok512.bin');
const REF = sharedModelFile('stories260K/reference.json');
const have = BIN !== undefined && TOK !== undefined && REF !== undefined;
const title = (t: string): string => (have ? t : `${t} [SKIPPED: ../shared/models/stories260K not found]`);

interface Reference {
  greedy_ids_200: number[];
  pos0_top5: [number, number][];
  pos0_logits_sum: number;
}

describe.skipIf(!have)(title('stories260K (llama2.c) on PlainOps'), () => {
  const ref = have ? (JSON.parse(readFileSync(REF as string, 'utf8')) as Reference) : undefined;
  const weights = have ? loadLlama2c(BIN as string) : undefined;
  const tok = have ? Llama2cTokenizer.load(TOK as string, weights?.config.vocabSize) : undefined;
  const ops = new PlainOps();

  it('loads the header: dim 64, hidden 172, 5 layers, 8 heads, 4 KV heads, vocab 512, ctx 512, tied classifier', () => {
    expect(weights?.config).toMatchObject({
      dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true,
    });
  });

  it('top-5 logits at the first position match reference.json within 1e-3', async () => {
    const model = new Llama(ops, weights!);
    const logits = await ops.reveal(await newSession(model).step(1));
    const top5 = [...logits].map((v, i) => [i, v] as [number, number]).sort((a, b) => b[1] - a[1]).slice(0, 5);
    expect(top5.map((p) => p[0])).toEqual(ref!.pos0_top5.map((p) => p[0]));
    top5.forEach(([, v], i) => expect(Math.abs(v - ref!.pos0_top5[i][1])).toBeLessThan(1e-3));
    expect(Math.abs(logits.reduce((s, v) => s + v, 0) - ref!.pos0_logits_sum)).toBeLessThan(1e-2);
  });

  it('greedy decoding from BOS reproduces the 200 reference ids exactly (logits mode)', async () => {
    const model = new Llama(ops, weights!);
    const out = await generate(model, [1], { maxNewTokens: 199 });
    expect([1, ...out.tokens]).toEqual(ref!.greedy_ids_200);
    expect(out.decodeMs).toHaveLength(198);
  });

  it('token mode (ops.argmax) gives the same greedy ids', async () => {
    const model = new Llama(ops, weights!);
    const out = await generate(model, [1], { maxNewTokens: 60, mode: 'token' });
    expect([1, ...out.tokens]).toEqual(ref!.greedy_ids_200.slice(0, 61));
  });

  it('the reference decodes to the README text; encoding that text gives the reference ids', () => {
    const text = tok!.decode(ref!.greedy_ids_200);
    expect(text.startsWith('Once upon a time, there was a little girl named Lily.')).toBe(true);
    expect(text.startsWith(
      'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.',
    )).toBe(true);
    const ids = tok!.encode('Once upon a time', { bos: true });
    expect(ids[0]).toBe(1);
    expect(ids).toEqual(ref!.greedy_ids_200.slice(0, ids.length));
    const sentence = 'Once upon a time, there was a little girl named Lily.';
    const sIds = tok!.encode(sentence);
    expect(sIds).toEqual(ref!.greedy_ids_200.slice(0, sIds.length));
    expect(tok!.decode(sIds)).toBe(sentence);
  });

  it('the tokenizer round-trips text, including byte-fallback characters, and appends EOS on request', () => {
    for (const s of ['Lily and Ben went to the park.', 'Hello\nworld!  Two  spaces.', 'naïve café 🦙 日本', '']) {
      expect(tok!.decode(tok!.encode(s))).toBe(s);
    }
    const e = tok!.encode('hi', { bos: false, eos: true });
    expect(e.at(-1)).toBe(2);
    expect(e[0]).not.toBe(1);
    expect(tok!.encode('')).toEqual([1]);
  });

  it('KV-cache decoding equals full recomputation on the real model (1e-9)', async () => {
    const model = new Llama(ops, weights!);
    const prompt = ref!.greedy_ids_200.slice(0, 12);
    const s = newSession(model);
    await s.prefill(prompt.slice(0, 5));
    for (let i = 5; i < prompt.length; i++) {
      const inc = await ops.reveal(await s.step(prompt[i]));
      const full = await ops.reveal(await newSession(model).prefill(prompt.slice(0, i + 1)));
      expect(maxAbsDiff(inc, full)).toBeLessThan(1e-9);
    }
  });
});
