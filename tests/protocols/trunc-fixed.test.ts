import { describe, expect, it } from 'vitest';
import { truncA } from '../../src/protocols/trunc.js';
import { fMul, fMatmul, fMulPublic, fMulScalar } from '../../src/protocols/fixed.js';
import { revealAll } from '../../src/protocols/io.js';
import { encode as encodeFixed, decode as decodeFixed } from '../../src/ring/fixed-point.js';
import { DEFAULT_RING_CONFIG } from '../../src/ring/config.js';
import { randomSigned, run3, signed } from './harness.js';

const cfg = DEFAULT_RING_CONFIG;
const ulp = 2 ** -cfg.fracBits;

describe('truncation', () => {
  it('truncA(x, d) − floor(x / 2^d) ∈ {0, 1} over the valid range [−2^62, 2^62)', async () => {
    const edges = [0n, 1n, -1n, (1n << 62n) - 1n, -(1n << 62n), (1n << 40n) + 7n, -(1n << 40n) - 7n, (1n << 61n), -(1n << 61n) + 1n].map((v) => BigInt.asUintN(64, v));
    const x = new BigUint64Array([...edges, ...randomSigned(20000, 61, 5), ...randomSigned(2000, 30, 6)]);
    for (const d of [1, 18, 40]) {
      const { results } = await run3([{ data: x, shape: [x.length] }], async (p, [a]) => {
        const outs = [];
        for (let rep = 0; rep < 3; rep++) outs.push(await revealAll(p, await truncA(p, a, d))); // dealer rotates over P0, P1, P2
        return outs;
      }, `trunc-${d}`);
      for (const out of results[0]) {
        let errs = 0;
        for (let i = 0; i < x.length; i++) {
          const want = signed(x[i]) >> BigInt(d);
          const diff = signed(out[i]) - want;
          if (diff !== 0n && diff !== 1n) errs++;
        }
        expect(errs).toBe(0);
      }
    }
  });
});

describe('fixed-point multiplication', () => {
  const n = 5000;
  const xf = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 100);
  const yf = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.3) * 50);
  const xe = encodeFixed(xf, cfg, 'x');
  const ye = encodeFixed(yf, cfg, 'y');
  const xq = decodeFixed(xe, cfg);
  const yq = decodeFixed(ye, cfg);

  it('fMul, fMulPublic, fMulScalar are within 1 ulp of the product of the encoded inputs', async () => {
    const { results } = await run3([{ data: xe, shape: [n] }, { data: ye, shape: [n] }], async (p, [a, b]) => ({
      mul: decodeFixed(await revealAll(p, await fMul(p, a, b)), cfg),
      sq: decodeFixed(await revealAll(p, await fMul(p, a, a)), cfg),
      pub: decodeFixed(await revealAll(p, await fMulPublic(p, a, yf)), cfg),
      sc: decodeFixed(await revealAll(p, await fMulScalar(p, a, -0.125)), cfg),
    }));
    const r = results[2];
    for (let i = 0; i < n; i++) {
      expect(Math.abs(r.mul[i] - xq[i] * yq[i])).toBeLessThanOrEqual(ulp * 1.0001);
      expect(Math.abs(r.sq[i] - xq[i] * xq[i])).toBeLessThanOrEqual(ulp * 1.0001);
      expect(Math.abs(r.pub[i] - xq[i] * yq[i])).toBeLessThanOrEqual(ulp * 1.0001);
      expect(Math.abs(r.sc[i] - xq[i] * -0.125)).toBeLessThanOrEqual(ulp * 1.0001);
    }
  });

  it('fMatmul (plain and transposed) is within 1 ulp of the exact product of the encoded inputs', async () => {
    const [M, K, N] = [9, 64, 11];
    const af = Float64Array.from({ length: M * K }, (_, i) => Math.sin(i) * 3);
    const bf = Float64Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.7) * 2);
    const ae = encodeFixed(af, cfg, 'a');
    const be = encodeFixed(bf, cfg, 'b');
    const aq = decodeFixed(ae, cfg);
    const bq = decodeFixed(be, cfg);
    const bt = new Float64Array(N * K);
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) bt[j * K + k] = bf[k * N + j];
    const { results } = await run3([{ data: ae, shape: [M, K] }, { data: be, shape: [K, N] }, { data: encodeFixed(bt, cfg, 'bt'), shape: [N, K] }], async (p, [A, B, BT]) => ({
      ab: decodeFixed(await revealAll(p, await fMatmul(p, A, B)), cfg),
      abt: decodeFixed(await revealAll(p, await fMatmul(p, A, BT, true)), cfg),
    }));
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += aq[i * K + k] * bq[k * N + j];
        expect(Math.abs(results[0].ab[i * N + j] - s)).toBeLessThanOrEqual(ulp * 1.0001);
        expect(Math.abs(results[0].abt[i * N + j] - s)).toBeLessThanOrEqual(ulp * 1.0001);
      }
  });
});
