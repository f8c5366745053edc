/**
 * The model owner's weight range check (src/model/weight-range.ts) at the encoding boundary:
 * shareWeightsLocal and the share-model CLI (uploadModel: tests/parties/upload-range.test.ts) reject |w| > WEIGHT_LIMIT and NaN/Inf,
 * naming tensor and element, instead of clamping them into silent garbage.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFileError } from '../../src/model/errors.js';
import { loadLlama2c } from '../../src/model/formats/llama2c.js';
import { plainTensor } from '../../src/model/arch/plain-ops.js';
import { shareWeightsLocal } from '../../src/model/secure-weights.js';
import { checkWeightRange, WEIGHT_LIMIT } from '../../src/model/weight-range.js';
import { DEFAULT_RING_CONFIG } from '../../src/ring/config.js';
import { REPO_ROOT, sharedModelFile } from './_helpers.js';

function errorOf(fn: () => unknown): ModelFileError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ModelFileError) return e;
    throw e;
  }
  return undefined;
}

describe('checkWeightRange', () => {
  it('accepts ±WEIGHT_LIMIT, rejects beyond it and NaN/Inf, naming tensor and element', () => {
    expect(WEIGHT_LIMIT).toBe(1024);
    expect(errorOf(() => checkWeightRange('f', 't', [0, 1024, -1024, 3.5]))).toBeUndefined();
    const e = errorOf(() => checkWeightRange('f.bin', 'layers.0.wq', [0, 1, -1024.5, 2e6, 1]));
    expect(e?.code).toBe('MODEL_ERR_RANGE');
    expect(e?.message).toContain("tensor 'layers.0.wq'");
    expect(e?.message).toContain('element 2 is -1024.5');
    expect(e?.message).toContain('2 elements of 5');
    expect(errorOf(() => checkWeightRange('f', 't', [0, NaN]))?.code).toBe('MODEL_ERR_NONFINITE');
    expect(errorOf(() => checkWeightRange('f', 't', [-Infinity]))?.message).toContain('element 0 is -Infinity');
    expect(errorOf(() => checkWeightRange('f', 't', [5], 4))?.code).toBe('MODEL_ERR_RANGE');
  });

  it('shareWeightsLocal rejects before encoding (no clamping)', () => {
    const w = { config: {}, tensors: new Map([['a', plainTensor([2], [1, 2])], ['b', plainTensor([3], [0, 1e30, 0])]]) };
    const e = errorOf(() => shareWeightsLocal(w, DEFAULT_RING_CONFIG));
    expect(e?.code).toBe('MODEL_ERR_RANGE');
    expect(e?.message).toContain("tensor 'b': element 1 is 1e+30");
  });
});

const BIN = sharedModelFile('stories260K/stories260K.bin');
describe.skipIf(!BIN)(BIN ? 'stories260K with ten weights of 1e30' : 'stories260K with ten weights of 1e30 [SKIPPED: ../shared/models/stories260K not found]', () => {
  it('loads (finite float32), but shareWeightsLocal and npm run share-model reject it with MODEL_ERR_RANGE, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'triform-range-'));
    try {
      const bytes = Buffer.from(readFileSync(BIN as string));
      for (let i = 100; i < 110; i++) bytes.writeFloatLE(1e30, 28 + 4 * i); // token_embedding_table[100..109]
      const bad = join(dir, 'stories260K.bin');
      writeFileSync(bad, bytes);
      const w = loadLlama2c(bad);
      const e = errorOf(() => shareWeightsLocal(w, DEFAULT_RING_CONFIG));
      expect(e?.code).toBe('MODEL_ERR_RANGE');
      expect(e?.message).toMatch(/tensor 'token_embedding_table': element 100 is 1\.00000\d*e\+30.*10 elements of 32768/);
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/share-model.ts'), '--model', bad, '--config', join(dir, 'none.json'), '--json'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { ok: boolean; error: { code: string; message: string } };
      expect(out.ok).toBe(false);
      expect(out.error.code).toBe('MODEL_ERR_RANGE');
      expect(out.error.message).toContain("tensor 'token_embedding_table': element 100");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
