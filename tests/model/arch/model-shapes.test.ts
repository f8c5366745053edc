/** Named benchmark shapes: parameter counts of the published models, seeded synthetic weights. */
import { describe, expect, it } from 'vitest';
import { Bert } from '../../../src/model/arch/bert.js';
import { newSession } from '../../../src/model/arch/causal-lm.js';
import { Gpt2 } from '../../../src/model/arch/gpt2.js';
import { MODEL_SHAPES, MODEL_SHAPE_NAMES, modelShape, modelTensorShapes, parameterCount, syntheticTensor, syntheticWeights } from '../../../src/model/arch/model-shapes.js';
import { PlainOps } from '../../../src/model/arch/plain-ops.js';

describe('model shapes', () => {
  it('parameter counts match the published models (GPT-2 tied head; BERT encoder without pooler)', () => {
    expect(parameterCount(modelShape('gpt2-base'))).toBe(124_439_808);
    expect(parameterCount(modelShape('gpt2-medium'))).toBe(354_823_168);
    expect(parameterCount(modelShape('bert-base'))).toBe(109_482_240 - (768 * 768 + 768));
    expect(modelTensorShapes(MODEL_SHAPES['bert-base']).get('encoder.layer.11.intermediate.dense.weight')).toEqual([3072, 768]);
    expect(modelTensorShapes(MODEL_SHAPES['gpt2-medium']).get('h.23.attn.c_attn.weight')).toEqual([1024, 3072]);
  });

  it('lists the names and rejects unknown ones', () => {
    expect(MODEL_SHAPE_NAMES).toEqual(['gpt2-base', 'gpt2-medium', 'gpt2-tiny', 'bert-base', 'bert-tiny']);
    expect(() => modelShape('gpt3')).toThrow(/unknown model shape 'gpt3' \(known: gpt2-base, gpt2-medium/);
  });

  it('synthetic tensors are deterministic per (seed, name) and differ across names and seeds', () => {
    const a = syntheticTensor('h.0.attn.c_attn.weight', [8, 24], 1);
    expect(syntheticTensor('h.0.attn.c_attn.weight', [8, 24], 1).data).toEqual(a.data);
    expect(syntheticTensor('h.1.attn.c_attn.weight', [8, 24], 1).data).not.toEqual(a.data);
    expect(syntheticTensor('h.0.attn.c_attn.weight', [8, 24], 2).data).not.toEqual(a.data);
    const g = syntheticTensor('encoder.layer.0.output.LayerNorm.weight', [64], 1).data;
    expect(Math.min(...g)).toBeGreaterThan(0.85);
    expect(a.data.every((v) => Math.fround(v) === v)).toBe(true);
  });

  it('tiny shapes run: gpt2-tiny prefill and bert-tiny encode give finite outputs', async () => {
    const ops = new PlainOps({ gelu: 'erf' });
    const g = MODEL_SHAPES['gpt2-tiny'];
    const logits = await ops.reveal(await newSession(new Gpt2(new PlainOps(), syntheticWeights(g, 3))).prefill([1, 2, 3, 500]));
    expect(logits).toHaveLength(g.config.vocabSize);
    expect(logits.every(Number.isFinite)).toBe(true);
    const b = MODEL_SHAPES['bert-tiny'];
    const h = await ops.reveal(await new Bert(ops, syntheticWeights(b, 3)).encode([2, 100, 511, 3]));
    expect(h).toHaveLength(4 * b.config.hiddenSize);
    expect(h.every(Number.isFinite)).toBe(true);
  });
});
