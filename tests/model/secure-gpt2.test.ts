/**
 * GPT-2 on SecureOps: a seeded synthetic checkpoint written in HF safetensors layout loads, and
 * the secure logits of every step agree with the float64 logits along the same tokens.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSession } from '../../src/model/arch/causal-lm.js';
import { argmaxOf } from '../../src/model/generate.js';
import { Gpt2 } from '../../src/model/arch/gpt2.js';
import { gpt2ConfigJson, gpt2TensorsToWrite, loadGpt2Checkpoint } from '../../src/model/formats/gpt2-checkpoint.js';
import { PlainOps } from '../../src/model/arch/plain-ops.js';
import { encodeSafetensors } from '../../src/model/formats/safetensors.js';
import { generateSecureLocal } from '../../src/programs/generate.js';
import { maxAbsDiff, syntheticGpt2, TINY_GPT2 } from './_helpers.js';

describe('GPT-2 on SecureOps (three parties in memory)', () => {
  it('a synthetic HF checkpoint loads; secure logits are within 0.05 of float64 at every step; same greedy ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'triform-gpt2-'));
    try {
      const w0 = syntheticGpt2(TINY_GPT2, 5);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(gpt2ConfigJson(w0.config)));
      writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(gpt2TensorsToWrite(w0), { format: 'pt' }));
      const weights = loadGpt2Checkpoint(dir);
      const prompt = [5, 17, 42, 7];
      const steps = 6;
      const secure: Float64Array[] = [];
      const run = await generateSecureLocal((ops, w) => new Gpt2(ops, w), weights, prompt, { maxNewTokens: steps, seed: 3, onLogits: (l) => secure.push(l) });
      const plain = new Gpt2(new PlainOps(), weights);
      const s = newSession(plain);
      const ref = [await plain.ops.reveal(await s.prefill(prompt))];
      for (const t of run.result.tokens.slice(0, -1)) ref.push(await plain.ops.reveal(await s.step(t)));
      expect(secure).toHaveLength(steps);
      const errs = secure.map((l, i) => maxAbsDiff(l, ref[i]));
      expect(Math.max(...errs)).toBeLessThan(0.05);
      expect(run.result.tokens).toEqual(ref.map((l) => argmaxOf(l)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
