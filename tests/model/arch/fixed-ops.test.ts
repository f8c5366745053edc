/**
 * FixedOps (the plaintext fixed-point backend) and `npm run check-model`: FixedOps follows the
 * secure backend to within protocol noise (closer than the float64 reference), reproduces
 * stories260K's greedy text, reports magnitudes per op class against their bounds, and the CLI
 * exits 1 when a bound is exceeded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSession } from '../../../src/model/arch/causal-lm.js';
import { FixedOps, quantizeWeights } from '../../../src/model/arch/fixed-ops.js';
import { generate } from '../../../src/model/generate.js';
import { Gpt2 } from '../../../src/model/arch/gpt2.js';
import { Llama } from '../../../src/model/arch/llama.js';
import { loadLlama2c } from '../../../src/model/formats/llama2c.js';
import { PlainOps } from '../../../src/model/arch/plain-ops.js';
import { RangeMonitor } from '../../../src/model/arch/range-monitor.js';
import { generateSecureLocal } from '../../../src/programs/generate.js';
import { DEFAULT_APPROX_CONFIG } from '../../../src/approx/index.js';
import { maxAbsDiff, REPO_ROOT, sharedModelFile, syntheticGpt2, TINY_GPT2 } from '../_helpers.js';

const F = 18;

describe('FixedOps on GPT-2 (tiny synthetic)', () => {
  it('its logits are within 2e-3 of the secure logits (the float64 reference is further off), and every op class is reported', async () => {
    const prompt = [5, 17, 42, 7];
    const w = syntheticGpt2(TINY_GPT2, 5);
    const secure: Float64Array[] = [];
    await generateSecureLocal((ops, ww) => new Gpt2(ops, ww), w, prompt, { maxNewTokens: 1, seed: 3, onLogits: (l) => secure.push(l) });
    const monitor = new RangeMonitor(F, DEFAULT_APPROX_CONFIG);
    const fixedModel = new Gpt2(new FixedOps(monitor, F), quantizeWeights(syntheticGpt2(TINY_GPT2, 5), F, monitor));
    const fixed = await fixedModel.ops.reveal(await newSession(fixedModel).prefill(prompt));
    const plainModel = new Gpt2(new PlainOps(), w);
    const plain = await plainModel.ops.reveal(await newSession(plainModel).prefill(prompt));
    const dFixed = maxAbsDiff(fixed, secure[0]);
    const dPlain = maxAbsDiff(plain, secure[0]);
    console.log(`[fixed-ops] tiny GPT-2 logits: |fixed − secure| ${dFixed.toExponential(2)}, |float64 − secure| ${dPlain.toExponential(2)}`);
    expect(dFixed).toBeLessThan(2e-3);
    expect(dFixed).toBeLessThan(dPlain);
    const seen = monitor.toJSON().map((r) => r.name);
    for (const row of ['weights |w|', 'embedding |x|', 'matmul |Σ a·b|', 'attnMatmul |Σ a·b|', 'lmHead |Σ a·b|', 'add |a + b|', 'softmax row max − min', 'softmaxMatmul |N·r|', 'gelu |x|', 'layerNorm input |x|', 'layerNorm variance Σ(x−μ)²+D·eps', 'layerNorm |y − β|']) {
      expect(seen, row).toContain(row);
    }
    expect(monitor.exceeded()).toEqual([]);
  });

  it('reports the op class, the place and the excess when a bound is exceeded', async () => {
    const monitor = new RangeMonitor(F, DEFAULT_APPROX_CONFIG);
    // D = 128; ln_2: gain 0, bias 1000 → h = 1000; c_fc weights 900 → Σ = 128·1000·900 = 1.15e8 > 2^26
    const w = syntheticGpt2({ ...TINY_GPT2, nEmbd: 128, nInner: 128 }, 5);
    w.tensors.get('h.1.ln_2.weight')!.data.fill(0);
    w.tensors.get('h.1.ln_2.bias')!.data.fill(1000);
    w.tensors.get('h.1.mlp.c_fc.weight')!.data.fill(900);
    const m = new Gpt2(new FixedOps(monitor, F), quantizeWeights(w, F, monitor));
    await newSession(m).prefill([5, 17, 42, 7]);
    const bad = monitor.exceeded();
    expect(bad.map((r) => r.name)).toContain('matmul |Σ a·b|');
    // c_fc's output goes through ln_2's fused row scaling (bound 2^18) in layer 1; the GeLU of it reaches
    // the last c_proj, which runs with ln_f and the LM head after the layers (gpt2.ts)
    expect(bad.find((r) => r.name === 'normMatmul |y|')?.where).toBe('layer1/normMatmul');
    expect(bad.find((r) => r.name === 'matmul |Σ a·b|')?.where).toBe('matmul');
    expect(monitor.table()).toMatch(/matmul \|Σ a·b\| +\| [0-9.e+]+ +\| 6\.71e\+7 +\| EXCEEDED/);
  });
});

const BIN = sharedModelFile('stories260K/stories260K.bin');
const REF = sharedModelFile('stories260K/reference.json');
const have = BIN !== undefined && REF !== undefined;
describe.skipIf(!have)(have ? 'FixedOps and check-model on stories260K' : 'FixedOps and check-model on stories260K [SKIPPED: ../shared/models/stories260K not found]', () => {
  it('FixedOps reproduces the first 32 greedy ids from BOS', async () => {
    const ref = JSON.parse(readFileSync(REF as string, 'utf8')) as { greedy_ids_200: number[] };
    const monitor = new RangeMonitor(F, DEFAULT_APPROX_CONFIG);
    const m = new Llama(new FixedOps(monitor, F), quantizeWeights(loadLlama2c(BIN as string), F, monitor));
    const r = await generate(m, [1], { maxNewTokens: 32, temperature: 0 });
    expect([1, ...r.tokens]).toEqual(ref.greedy_ids_200.slice(0, 33));
    expect(monitor.exceeded()).toEqual([]);
  });

  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/check-model.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });

  it('npm run check-model: exit 0 and a table on the real checkpoint; exit 1 naming weights when ten weights are 1e30', () => {
    const ok = cli(['--model', BIN as string, '--prompt', 'Once upon a time', '--max-tokens', '8']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('", there was a little girl"');
    expect(ok.stdout).toMatch(/\| matmul \|Σ a·b\| +\| [0-9.]+ +\| 6\.71e\+7 +\| [0-9.]+ bits/);
    expect(ok.stdout).toContain('all bounds hold');
    const dir = mkdtempSync(join(tmpdir(), 'triform-check-'));
    try {
      const bytes = Buffer.from(readFileSync(BIN as string));
      for (let i = 100; i < 110; i++) bytes.writeFloatLE(1e30, 28 + 4 * i); // token_embedding_table[100..109]
      writeFileSync(join(dir, 'stories260K.bin'), bytes);
      writeFileSync(join(dir, 'tok512.bin'), readFileSync(join(BIN as string, '..', 'tok512.bin')));
      const bad = cli(['--model', join(dir, 'stories260K.bin'), '--max-tokens', '2', '--json']);
      expect(bad.status, bad.stderr).toBe(1);
      const out = JSON.parse(bad.stdout.trim().split('\n').pop() as string) as { ok: boolean; rows: { name: string; exceeded: boolean; where: string }[] };
      expect(out.ok).toBe(false);
      expect(out.rows.filter((r) => r.exceeded).map((r) => [r.name, r.where])).toContainEqual(['weights |w|', 'token_embedding_table']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
