/**
 * Softmax on rows of every length 1..512 (logits uniform in ±30), full rows of several widths,
 * causal masks (skipped entries exactly 0, never computed), and the ragged max tree (exact).
 */
import { describe, expect, it } from 'vitest';
import { fSoftmax, fSoftmaxCost, causalRowLengths } from '../../src/approx/softmax.js';
import { raggedMax, raggedMaxCost } from '../../src/protocols/max.js';
import { PUMA_APPROX_CONFIG } from '../../src/approx/config.js';
import { softmaxRef } from '../../src/approx/reference.js';
import { revealAll, shareInput } from '../../src/protocols/io.js';
import { runLocal } from '../../src/protocols/local.js';
import { decode, encode } from '../../src/ring/fixed-point.js';
import { DEFAULT_APPROX_CONFIG } from '../../src/approx/config.js';
import { errStats, expectCost, onGrid, run, softmaxSlack, uniform } from './_harness.js';

describe('softmax, logits uniform in [−30, 30]', () => {
  it('a public 2^−3 scale folded into the exponential (inputShift 3) = softmax(x/8), at the cost of shift 0', async () => {
    const R = 16;
    const C = 40;
    const x = onGrid(uniform(R * C, -200, 200, 5)); // raw attention scores; softmax sees x/8 ∈ [−25, 25]
    const ref = softmaxRef(x.map((v) => v / 8), R, C);
    for (const cfg of [undefined, PUMA_APPROX_CONFIG]) {
      const { y, cost } = await run([{ data: x, shape: [R, C] }], (p, [X]) => fSoftmax(p, X, { inputShift: 3 }, cfg));
      // the same approximation on x/8 handed over at scale f (PUMA's degree-1 exp is the coarser one)
      const base = await run([{ data: onGrid(x.map((v) => v / 8)), shape: [R, C] }], (p, [X]) => fSoftmax(p, X, {}, cfg));
      const e = errStats(y, ref);
      expect(e.maxAbs, `at element ${e.argMax}`).toBeLessThanOrEqual(Math.max(2e-3, errStats(base.y, ref).maxAbs + 5e-4));
      expectCost(cost, 'softmax', fSoftmaxCost(R, C, undefined, cfg, 18, 3), softmaxSlack(new Array(R).fill(C), (cfg ?? DEFAULT_APPROX_CONFIG).softmax.maxArity));
      expect(fSoftmaxCost(R, C, undefined, cfg, 18, 3)).toEqual(fSoftmaxCost(R, C, undefined, cfg));
    }
  });

  it('rows of every length 1..512 (ragged, packed): max |error| ≤ 2e-3, skipped entries exactly 0', async () => {
    const R = 512;
    const C = 512;
    const lens = Int32Array.from({ length: R }, (_, r) => r + 1);
    const x = onGrid(uniform(R * C, -30, 30, 11));
    const { y, cost } = await run([{ data: x, shape: [R, C] }], (p, [X]) => fSoftmax(p, X, { rowLengths: lens }));
    const ref = softmaxRef(x, R, C, lens);
    const e = errStats(y, ref);
    expect(e.maxAbs, `at element ${e.argMax}`).toBeLessThanOrEqual(2e-3);
    for (let r = 0; r < R; r++) for (let c = lens[r]; c < C; c++) expect(y[r * C + c]).toBe(0);
    for (let r = 0; r < R; r += 37) {
      let s = 0;
      for (let c = 0; c < lens[r]; c++) s += y[r * C + c];
      expect(Math.abs(s - 1)).toBeLessThan(2e-3);
    }
    expectCost(cost, 'softmax', fSoftmaxCost(R, C, lens), softmaxSlack(lens));
  });

  for (const [R, C] of [
    [64, 1],
    [64, 2],
    [32, 7],
    [16, 64],
    [8, 512],
  ] as const) {
    it(`full rows [${R}, ${C}]: max |error| ≤ 2e-3`, async () => {
      const x = onGrid(uniform(R * C, -30, 30, R + C));
      const { y, cost } = await run([{ data: x, shape: [R, C] }], (p, [X]) => fSoftmax(p, X));
      expect(errStats(y, softmaxRef(x, R, C)).maxAbs).toBeLessThanOrEqual(2e-3);
      expectCost(cost, 'softmax', fSoftmaxCost(R, C), softmaxSlack(new Array(R).fill(C)));
    });
  }

  it('causal mask blocks (4 heads × 16 queries after 20 cached keys) and empty rows', async () => {
    const H = 4;
    const q = 16;
    const C = 36;
    const lens = causalRowLengths(H * q, C, q, 20);
    lens[5] = 0; // an empty row outputs zeros
    const x = onGrid(uniform(H * q * C, -30, 30, 3));
    const { y, cost } = await run([{ data: x, shape: [H, q, C] }], (p, [X]) => fSoftmax(p, X, { rowLengths: lens }));
    expect(errStats(y, softmaxRef(x, H * q, C, lens)).maxAbs).toBeLessThanOrEqual(2e-3);
    expect(Array.from(y.subarray(5 * C, 6 * C)).every((v) => v === 0)).toBe(true);
    expectCost(cost, 'softmax', fSoftmaxCost(H * q, C, lens), softmaxSlack(lens));
    // a causal softmax moves far fewer bytes than a full one
    expect(fSoftmaxCost(512, 512, causalRowLengths(512, 512, 512, 0)).bytesTotal).toBeLessThan(0.6 * fSoftmaxCost(512, 512).bytesTotal);
  });

  it("PUMA's exp (1 + x/32)^32 inside softmax: ~10x larger error (documented)", async () => {
    const R = 16;
    const C = 64;
    const x = onGrid(uniform(R * C, -30, 30, 9));
    const { y } = await run([{ data: x, shape: [R, C] }], (p, [X]) => fSoftmax(p, X, {}, PUMA_APPROX_CONFIG));
    const e = errStats(y, softmaxRef(x, R, C)).maxAbs;
    expect(e).toBeGreaterThan(5e-3);
    expect(e).toBeLessThan(0.04);
  });

  it('rejects bad row lengths', async () => {
    await expect(run([{ data: [1, 2, 3, 4], shape: [2, 2] }], (p, [X]) => fSoftmax(p, X, { rowLengths: [1, 3] }))).rejects.toThrow(RangeError);
  });
});

describe('ragged max', () => {
  it('exact row maxima of packed rows of lengths 1..40 (ties, negatives), one msbPair + mulA1BPair per level', async () => {
    const lens = Array.from({ length: 40 }, (_, i) => ((i * 7) % 40) + 1);
    const N = lens.reduce((a, b) => a + b, 0);
    const v = uniform(N, -1000, 1000, 4).map((t, i) => (i % 5 === 0 ? 7 : t));
    const enc = encode(v, { ringBits: 64, fracBits: 18 }, 'v');
    const { results, cost } = await runLocal(async (p) => {
      const X = await shareInput(p, 0, p.id === 0 ? enc : null, [N]);
      p.meter.reset();
      const m = await raggedMax(p, X, lens);
      return decode(await revealAll(p, m), p.cfg);
    });
    let o = 0;
    lens.forEach((len, r) => {
      const row = decode(enc.subarray(o, o + len), { ringBits: 64, fracBits: 18 });
      expect(results[0][r]).toBe(Math.max(...row));
      o += len;
    });
    expect(cost.ops['max'].bytesTotal).toBe(raggedMaxCost(lens).bytesTotal);
    expect(raggedMaxCost(lens).rounds).toBe(4 * Math.ceil(Math.log2(40)) + 2); // per binary level msbPair 4 (later ones msbPairOfSum 3) + an additive selection 1; the last selection 2
  });
});
