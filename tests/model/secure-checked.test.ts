/**
 * Checked mode end to end (SecureOps checkRanges): on in-range data the revealed logits are
 * bit-identical to an unchecked run with the same seeds, one range check runs per layer (or per
 * op); a model whose activations leave the fixed-point range aborts with MPC_ERR_RANGE naming
 * the layer / op, where the unchecked run silently returns wrong logits.
 */
import { describe, expect, it } from 'vitest';
import { newSession } from '../../src/model/arch/causal-lm.js';
import { Gpt2 } from '../../src/model/arch/gpt2.js';
import { Llama } from '../../src/model/arch/llama.js';
import { loadLlama2c } from '../../src/model/formats/llama2c.js';
import { PlainOps, plainTensor } from '../../src/model/arch/plain-ops.js';
import { generateSecureLocal } from '../../src/programs/generate.js';
import type { SecureOps } from '../../src/model/secure-ops.js';
import { rangeCheckCost, type RangeChecker } from '../../src/protocols/range-check.js';
import { maxAbsDiff, sharedModelFile, syntheticGpt2, TINY_GPT2 } from './_helpers.js';

const prompt = [5, 17, 42, 7];

async function logitsOf(weights: ReturnType<typeof syntheticGpt2>, checkRanges: false | 'layer' | 'op', steps = 2) {
  const out: Float64Array[] = [];
  const ops: SecureOps[] = [];
  const run = await generateSecureLocal((o, w) => (ops.push(o as SecureOps), new Gpt2(o, w)), weights, prompt, { maxNewTokens: steps, prssSeed: '11', checkRanges, onLogits: (l) => out.push(l) });
  return { out, run, checker: ops[0].party.rangeCheck as RangeChecker | undefined };
}

describe('checked mode on GPT-2 (tiny synthetic, three parties in memory)', () => {
  const weights = syntheticGpt2(TINY_GPT2, 5);

  it("in range: 'layer' and 'op' checks give bit-identical logits to unchecked; one check per layer / per op", async () => {
    const plain = await logitsOf(weights, false);
    const layer = await logitsOf(weights, 'layer');
    const op = await logitsOf(weights, 'op');
    expect(layer.out).toEqual(plain.out);
    expect(op.out).toEqual(plain.out);
    const ops = layer.run.cost.ops;
    for (const phase of ['prefill', 'decode']) {
      for (let l = 0; l < TINY_GPT2.nLayer; l++) expect(ops[`${phase}/layer${l}/rangeCheck`]?.calls, `${phase} layer ${l}`).toBe(1);
      expect(ops[`${phase}/output/rangeCheck`]?.calls, `${phase} output`).toBe(1); // final norm + LM head, before the reveal
    }
    // every check's measured cost is its declaration for the number of values it checked: bytes
    // exactly; rounds exactly or one less (msb's first round, P0 → P1, may overlap the idle
    // second round of the layer's last truncation when P0 dealt it, as in _fused.ts)
    const log = layer.checker?.log ?? [];
    expect(log.map((e) => e.group)).toEqual(['prefill/layer0', 'prefill/layer1', 'prefill/output', 'decode/layer0', 'decode/layer1', 'decode/output']);
    for (const { group, elements } of log) {
      const m = ops[`${group}/rangeCheck`];
      const declared = rangeCheckCost(elements);
      expect(m.bytesTotal, group).toBe(declared.bytesTotal);
      expect(m.rounds, group).toBeLessThanOrEqual(declared.rounds);
      expect(m.rounds, group).toBeGreaterThanOrEqual(declared.rounds - 1);
    }
    expect(plain.run.cost.ops['prefill/layer0/rangeCheck']).toBeUndefined();
    // 'op' mode: a check after each op with checked values (ln_1 fused with c_attn — in later layers also with the
    // previous layer's MLP c_proj —, c_proj fused with ln_2 and c_fc, q·kᵀ, mulPublic, softmax·V per layer; GeLU has
    // none: its comparisons and selections are exact and its polynomials' stray lanes are discarded)
    expect(op.run.cost.ops['prefill/layer0/rangeCheck']?.calls).toBe(5);
  });

  // D = 128; a norm with gain 0 and bias 1000 → h = 1000; the next matmul's weights c → outputs 128 000·c
  const D = 128;
  const cfg = { ...TINY_GPT2, nEmbd: D, nInner: 128 };
  const outOfRange = (ln: string, wName: string, cols: number, c: number) => {
    const big = new Map(syntheticGpt2(cfg, 5).tensors);
    big.set(`h.0.${ln}.weight`, plainTensor([D], new Float64Array(D)));
    big.set(`h.0.${ln}.bias`, plainTensor([D], new Float64Array(D).fill(1000)));
    big.set(`h.0.${wName}.weight`, plainTensor([D, cols], new Float64Array(cols * D).fill(c)));
    return { config: cfg, tensors: big };
  };
  // layer 0's MLP c_proj, whose residual add runs in layer 1's first op: ln_2 → 0, c_fc's bias 1000 → GeLU 1000,
  // c_proj's weights ±1000 by column → ±1.28e8 ∈ [2^26, 2^27): the sum's truncation input (scale 2f) beyond 2^62
  const mlpOut = (() => {
    const big = new Map(syntheticGpt2(cfg, 5).tensors);
    big.set('h.0.ln_2.weight', plainTensor([D], new Float64Array(D)));
    big.set('h.0.ln_2.bias', plainTensor([D], new Float64Array(D)));
    big.set('h.0.mlp.c_fc.bias', plainTensor([128], new Float64Array(128).fill(1000)));
    big.set('h.0.mlp.c_proj.weight', plainTensor([128, D], Float64Array.from({ length: 128 * D }, (_, i) => (i % 2 ? 1000 : -1000))));
    return { config: cfg, tensors: big };
  })();
  const cases = [
    // the matmul's product bound at scale 2f
    ['a matmul output beyond real 2^26', mlpOut, "'prefill/layer1'", "'prefill/layer1/layerNorm+matmul'"],
    // ln_1 → c_attn (normMatmul, fused): c = 3 → q, k, v = 384 000 ∈ [2^18, 2^19), the final row scaling's bound at scale f + sP
    ['a fused norm → matmul output beyond real 2^18', outOfRange('ln_1', 'attn.c_attn', 3 * D, 3), "'prefill/layer0'", "'prefill/layer0/layerNorm+matmul'"],
  ] as const;
  for (const [what, w, layerWhere, opWhere] of cases) {
    it(`out of range: ${what} aborts with MPC_ERR_RANGE naming the layer / op (the unchecked run is silently wrong)`, async () => {
      const plainModel = new Gpt2(new PlainOps(), w);
      const ref = await plainModel.ops.reveal(await newSession(plainModel).prefill(prompt));
      expect(ref.every(Number.isFinite)).toBe(true);
      const unchecked = await logitsOf(w, false, 1);
      expect(maxAbsDiff(unchecked.out[0], ref)).toBeGreaterThan(1); // silent garbage without the check
      for (const [mode, where] of [['layer', layerWhere], ['op', opWhere]] as const) {
        const err = await logitsOf(w, mode, 1).then(
          () => null,
          (e: unknown) => e as { code?: string; message?: string },
        );
        expect(err?.code, mode).toBe('MPC_ERR_RANGE');
        expect(err?.message, mode).toContain(where);
      }
    });
  }
});

const BIN = sharedModelFile('stories260K/stories260K.bin');
describe.skipIf(!BIN)(BIN ? 'checked mode on stories260K' : 'checked mode on stories260K [SKIPPED: ../shared/models/stories260K not found]', () => {
  it('4 greedy steps from BOS: checked logits bit-identical to unchecked', async () => {
    const weights = loadLlama2c(BIN as string);
    const run = async (checkRanges: false | 'layer') => {
      const out: Float64Array[] = [];
      await generateSecureLocal((ops, w) => new Llama(ops, w), weights, [1], { maxNewTokens: 4, prssSeed: '9', checkRanges, onLogits: (l) => out.push(l) });
      return out;
    };
    expect(await run('layer')).toEqual(await run(false));
  });
});
