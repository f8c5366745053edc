/**
 * `infer --in-process --seed S` (generateSecureLocal with the sampling seed): the parties' PRSS
 * seeds come from the OS CSPRNG, never from the user's sampling seed, so two runs with the same
 * --seed use different masks (while sampling stays reproducible).
 */
import { describe, expect, it, vi } from 'vitest';
import type { Party } from '../../src/protocols/context.js';
import type { LocalOptions } from '../../src/protocols/local.js';

const made: { opts: LocalOptions; parties: [Party, Party, Party] }[] = [];
vi.mock('../../src/protocols/local.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/protocols/local.js')>();
  return {
    ...real,
    makeLocalParties: (opts: LocalOptions = {}) => {
      const r = real.makeLocalParties(opts);
      made.push({ opts, parties: r.parties });
      return r;
    },
  };
});

const { generateSecureLocal } = await import('../../src/programs/generate.js');
const { syntheticModel } = await import('../../src/model/formats/checkpoint.js');

describe('in-process runs', () => {
  it('two runs with the same --seed use different PRSS seeds and sample the same tokens', async () => {
    const m = syntheticModel(1);
    // what scripts/infer.ts passes for `--in-process --seed 5 --temperature 0.8`
    const opts = { maxNewTokens: 2, mode: 'logits' as const, temperature: 0.8, topP: 0.9, seed: 5, stopTokens: m.stopTokens };
    const runs = [];
    for (let i = 0; i < 2; i++) runs.push(await generateSecureLocal((ops, w) => m.create(ops, w), m.weights, [1], opts));
    expect(made).toHaveLength(2);
    for (const x of made) expect(x.opts.seed).toBeUndefined();
    // after identical work, identical seeds would give identical next PRSS words at every party
    const words = made.map((x) => x.parties.map((p) => `${p.prss.next.ring(2).join(',')}|${p.prss.prev.ring(2).join(',')}`));
    for (let id = 0; id < 3; id++) expect(words[0][id]).not.toBe(words[1][id]);
    expect(runs[0].result.tokens).toEqual(runs[1].result.tokens);
  });
});
