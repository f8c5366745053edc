/**
 * Checked mode inside src/approx: the norms test their variance bound (2^(61−2f) = 2^25 at f = 18)
 * and the lanes discarded exactly (GeLU's off-segment polynomials, exp's base below the mask) are
 * not tested. Inputs are
 * shared by an outside client (splitShares: all three components random).
 */
import { describe, expect, it } from 'vitest';
import { fRmsNorm } from '../../src/approx/norm.js';
import { fGelu } from '../../src/approx/gelu.js';
import { fSoftmax } from '../../src/approx/softmax.js';
import { makeLocalParties, runOn } from '../../src/protocols/local.js';
import { splitShares } from '../../src/protocols/io.js';
import { aShare } from '../../src/protocols/share.js';
import { enableRangeCheck, flushRangeCheck } from '../../src/protocols/range-check.js';
import { DEFAULT_RING_CONFIG } from '../../src/ring/config.js';
import { encode } from '../../src/ring/fixed-point.js';
import { Prg } from '../../src/ring/prg.js';

async function checked(inputs: { data: number[]; shape: number[] }[], op: Parameters<typeof runOn>[2] extends (p: infer P) => unknown ? (p: P, xs: ReturnType<typeof aShare>[]) => Promise<unknown> : never): Promise<string[]> {
  const prg = new Prg(new Uint8Array(16).fill(3));
  const parts = inputs.map((x) => splitShares(encode(Float64Array.from(x.data), DEFAULT_RING_CONFIG, 'x'), prg));
  const { parties, hub } = makeLocalParties({ seed: 'approx-range' });
  const { results } = await runOn(parties, hub, async (p) => {
    enableRangeCheck(p);
    await op(p, parts.map((pt, j) => aShare(inputs[j].shape, pt[p.id][0], pt[p.id][1])));
    try {
      await flushRangeCheck(p, 'group');
      return 'pass';
    } catch (e) {
      return `${(e as { code?: string }).code}: ${(e as Error).message}`;
    }
  });
  return results;
}

describe('checked mode in the approximations', () => {
  it('RMSNorm: Σx² + D·eps just below 2^25 passes, just above aborts naming rmsNorm/variance', async () => {
    const gamma = { data: [1, 1, 1, 1], shape: [4] };
    const ok = await checked([{ data: [2800, -2800, 2800, 2800], shape: [1, 4] }, gamma], (p, [x, g]) => fRmsNorm(p, x, g, 1e-5)); // 3.14e7
    expect(ok).toEqual(['pass', 'pass', 'pass']);
    const bad = await checked([{ data: [3000, -3000, 3000, 3000], shape: [1, 4] }, gamma], (p, [x, g]) => fRmsNorm(p, x, g, 1e-5)); // 3.6e7 > 2^25
    for (const r of bad) expect(r).toMatch(/^MPC_ERR_RANGE: .*rmsNorm\/variance/);
  });

  it('GeLU on |x| up to 1e6 (polynomial lanes overflow, then are discarded): no false alarm', async () => {
    const ok = await checked([{ data: [-1e6, -50, -3, 0, 2.5, 40, 1e6], shape: [7] }], (p, [x]) => fGelu(p, x));
    expect(ok).toEqual(['pass', 'pass', 'pass']);
  });

  it("softmax with a logit 5000 below the row max (exp's base overflows below the mask, then is zeroed): no false alarm", async () => {
    const ok = await checked([{ data: [0, -5000, 3, 1], shape: [1, 4] }], (p, [x]) => fSoftmax(p, x));
    expect(ok).toEqual(['pass', 'pass', 'pass']);
  });
});
