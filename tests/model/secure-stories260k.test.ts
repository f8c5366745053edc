/**
 * The secure backend on the real stories260K checkpoint, three parties in one process: greedy
 * decoding from BOS reproduces the reference ids, every step's secure top-1 equals the plain
 * top-1, and the revealed logits stay within 0.05 of the float64 logits of the same prefix.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newSession } from '../../src/model/arch/causal-lm.js';
import { argmaxOf } from '../../src/model/generate.js';
import { Llama } from '../../src/model/arch/llama.js';
import { loadLlama2c } from '../../src/model/formats/llama2c.js';
import { PlainOps } from '../../src/model/arch/plain-ops.js';
import { generateSecureLocal } from '../../src/programs/generate.js';
import { maxAbsDiff, sharedModelFile } from './_helpers.js';

const BIN = sharedModelFile('stories260K/stories260K.bin');
const REF = sharedModelFile('stories260K/reference.json');
const have = BIN !== undefined && REF !== undefined;
const title = (t: string): string => (have ? t : `${t} [SKIPPED: ../shared/models/stories260K not found]`);

describe.skipIf(!have)(title('stories260K on SecureOps (three parties in memory)'), () => {
  const ref = have ? (JSON.parse(readFileSync(REF as string, 'utf8')) as { greedy_ids_200: number[] }) : undefined;
  const weights = have ? loadLlama2c(BIN as string) : undefined;

  /** The reference ids of `steps` steps from BOS, and the float64 logits of every prefix of them. */
  async function reference(steps: number): Promise<{ ids: number[]; plainLogits: Float64Array[] }> {
    const ids = ref!.greedy_ids_200.slice(0, steps + 1);
    const plain = new Llama(new PlainOps(), weights!);
    const session = newSession(plain);
    const plainLogits: Float64Array[] = [];
    for (let i = 0; i < steps; i++) plainLogits.push(await plain.ops.reveal(await session.step(ids[i])));
    return { ids, plainLogits };
  }

  it('reproduces the first 32 greedy ids from BOS; per step top-1 matches plain and logits are within 0.05', async () => {
    const steps = 32;
    const { ids, plainLogits } = await reference(steps);
    const errs: number[] = [];
    const run = await generateSecureLocal((ops, w) => new Llama(ops, w), weights!, [1], {
      maxNewTokens: steps,
      seed: 7,
      onLogits: (logits, i) => {
        errs.push(maxAbsDiff(logits, plainLogits[i]));
        expect(argmaxOf(logits), `step ${i}`).toBe(argmaxOf(plainLogits[i]));
      },
    });
    expect([1, ...run.result.tokens]).toEqual(ids);
    expect(Math.max(...errs)).toBeLessThan(0.05);
    console.log(`[secure stories260K] ${steps} tokens, max |logit error| ${Math.max(...errs).toFixed(4)}, rounds ${run.cost.rounds}, bytes/party ${(run.cost.bytesTotal / 3 / 1e6).toFixed(1)} MB`);
  });

  it("with the tuple pool: the same greedy ids, every step's top-1 equal to plain, decode steps from the second on served by the pool", async () => {
    const steps = 12;
    const { ids, plainLogits } = await reference(steps);
    const errs: number[] = [];
    const [withPool, without] = await Promise.all([true, false].map((tuplePool) =>
      generateSecureLocal((ops, w) => new Llama(ops, w), weights!, [1], {
        maxNewTokens: steps,
        seed: 7,
        tuplePool,
        onLogits: tuplePool ? (logits, i) => {
          errs.push(maxAbsDiff(logits, plainLogits[i]));
          expect(argmaxOf(logits), `step ${i}`).toBe(argmaxOf(plainLogits[i]));
        } : undefined,
      })));
    expect([1, ...withPool.result.tokens]).toEqual(ids);
    expect(Math.max(...errs)).toBeLessThan(0.05);
    // same online cost; the pool's tuples are metered under 'tuplePool' (offline only)
    expect(withPool.cost.rounds).toBe(without.cost.rounds);
    expect(withPool.cost.bytesTotal).toBe(without.cost.bytesTotal);
    expect(withPool.cost.ops['decode/tuplePool']?.offlineBytesTotal ?? 0).toBeGreaterThan(0);
    expect(without.cost.ops['decode/tuplePool']).toBeUndefined();
  });

  it("'token' mode (secure argmax at the parties) gives the same greedy ids as 'logits' mode", async () => {
    const steps = 6;
    const run = await generateSecureLocal((ops, w) => new Llama(ops, w), weights!, [1], { maxNewTokens: steps, mode: 'token', seed: 8 });
    expect([1, ...run.result.tokens]).toEqual(ref!.greedy_ids_200.slice(0, steps + 1));
  });
});
