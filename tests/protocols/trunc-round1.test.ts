/**
 * The 1-round truncation (trunc-round1.ts, tuples from trunc-tuple.ts): exact error bound
 * y − ⌊x / 2^d⌋ ∈ {0, 1, 2} against a BigInt reference over random and edge inputs, replicated
 * and 3-of-3 additive input, shapes kept; the tuples themselves; the flag's scoping.
 */
import { describe, expect, it } from 'vitest';
import { truncA, truncAdditive } from '../../src/protocols/trunc.js';
import { fMul, fMatmul, fMulScalar } from '../../src/protocols/fixed.js';
import { withTruncRounds, type Party } from '../../src/protocols/context.js';
import { revealAll } from '../../src/protocols/io.js';
import { mulLocal } from '../../src/protocols/arith.js';
import { truncTuple } from '../../src/protocols/trunc-tuple.js';
import { prefetchTuples } from '../../src/protocols/trunc-round1.js';
import { aShare, type AShare } from '../../src/protocols/share.js';
import { enableRangeCheck, flushRangeCheck } from '../../src/protocols/range-check.js';
import { isMpcError } from '../../src/protocols/errors.js';
import { randomSigned, run3, signed } from './harness.js';

const EDGES = [0n, 1n, -1n, 2n, -2n, (1n << 62n) - 1n, -(1n << 62n), (1n << 62n) - 2n, -(1n << 62n) + 1n, 1n << 61n, -(1n << 61n), (1n << 61n) - 1n, (1n << 40n) + 7n, -(1n << 40n) - 7n].map((v) => BigInt.asUintN(64, v));

/** Histogram of y − ⌊x / 2^d⌋ (keys as strings); anything outside {0, 1, 2} is a failure. */
function errors(x: BigUint64Array, y: BigUint64Array, d: number): Map<string, number> {
  const h = new Map<string, number>();
  for (let i = 0; i < x.length; i++) {
    const e = (signed(y[i]) - (signed(x[i]) >> BigInt(d))).toString();
    h.set(e, (h.get(e) ?? 0) + 1);
  }
  return h;
}

function expectBound(h: Map<string, number>): void {
  for (const key of h.keys()) expect(['0', '1', '2']).toContain(key);
}

describe('1-round truncation', () => {
  it('prefetched tuples: the same results and costs as tuples made on demand; a truncation that does not match the queue throws', async () => {
    const x = new BigUint64Array([...EDGES, ...randomSigned(500, 50, 21)]);
    const prog = (prefetch: boolean) => async (p: Party, [a]: AShare[]) =>
      withTruncRounds(p, 1, async () => {
        if (prefetch) prefetchTuples(p, [[x.length, 18], [x.length, 30]]);
        const y1 = await truncA(p, a, 18);
        const y2 = await truncA(p, a, 30);
        return [await revealAll(p, y1), await revealAll(p, y2)];
      });
    const ahead = await run3([{ data: x, shape: [x.length] }], prog(true), 'pf-1');
    const onDemand = await run3([{ data: x, shape: [x.length] }], prog(false), 'pf-2');
    for (const [i, d] of [18, 30].entries()) {
      expectBound(errors(x, ahead.results[0][i], d));
      for (const r of ahead.results) expect(r[i]).toEqual(ahead.results[0][i]);
    }
    expect(ahead.cost.rounds).toBe(onDemand.cost.rounds);
    expect(ahead.cost.rounds).toBeGreaterThan(0);
    expect(ahead.cost.offlineBytesTotal).toBeGreaterThan(0);
    expect(ahead.cost.bytesTotal).toBe(onDemand.cost.bytesTotal);
    expect(ahead.cost.offlineBytesTotal).toBe(onDemand.cost.offlineBytesTotal);
    await expect(
      run3([{ data: x, shape: [x.length] }], async (p, [a]) => withTruncRounds(p, 1, async () => {
        prefetchTuples(p, [[x.length, 20]]);
        return truncA(p, a, 18);
      }), 'pf-3'),
    ).rejects.toThrow(/prefetched tuple for \d+ elements at 20 bits, used for \d+ at 18/);
  });


  it('truncA: y − ⌊x/2^d⌋ ∈ {0, 1, 2} over [−2^62, 2^62), 10^4 elements, d = 1, 18, 40, 62', async () => {
    const x = new BigUint64Array([...EDGES, ...randomSigned(8000, 61, 11), ...randomSigned(2000, 30, 12), ...randomSigned(200, 3, 13)]);
    for (const d of [1, 18, 40, 62]) {
      const { results, cost } = await run3([{ data: x, shape: [x.length] }], async (p, [a]) =>
        withTruncRounds(p, 1, async () => revealAll(p, await truncA(p, a, d))),
      `t1-${d}`);
      expect(results[0]).toEqual(results[1]);
      const h = errors(x, results[0], d);
      expectBound(h);
      if (d === 18 || d === 40) expect(h.get('2') ?? 0).toBeGreaterThan(0); // the bound is reached (at d = 1 it cannot be)
      expect(cost.ops.truncA.rounds).toBe(1);
    }
  });

  it('shape is kept; p.truncRounds is restored after withTruncRounds (also on error)', async () => {
    const x = randomSigned(2 * 3 * 5, 40, 3);
    const { results } = await run3([{ data: x, shape: [2, 3, 5] }], async (p, [a]) => {
      const y = await withTruncRounds(p, 1, () => truncA(p, a, 18));
      const after = p.truncRounds;
      await expect(withTruncRounds(p, 1, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      const forked = await withTruncRounds(p, 1, async () => p.fork('f').truncRounds);
      return { shape: y.shape, after, again: p.truncRounds, forked };
    });
    expect(results[0]).toEqual({ shape: [2, 3, 5], after: 2, again: 2, forked: 1 });
  });

  it('truncAdditive on a 3-of-3 product and fMul / fMatmul / fMulScalar: same bound against the exact product', async () => {
    const n = 4000;
    const xs = randomSigned(n, 30, 21);
    const ys = randomSigned(n, 30, 22);
    const { results } = await run3([{ data: xs, shape: [n] }, { data: ys, shape: [n] }], async (p, [a, b]) =>
      withTruncRounds(p, 1, async () => ({
        add: await revealAll(p, await truncAdditive(p, mulLocal(p, a, b), [n], 18, 'add')),
        mul: await revealAll(p, await fMul(p, a, b)),
        sc: await revealAll(p, await fMulScalar(p, a, -0.125)),
      })),
    );
    const prod = BigUint64Array.from(xs, (v, i) => BigInt.asUintN(64, signed(v) * signed(ys[i])));
    expectBound(errors(prod, results[0].add, 18));
    expectBound(errors(prod, results[0].mul, 18));
    const scaled = BigUint64Array.from(xs, (v) => BigInt.asUintN(64, signed(v) * -(1n << 15n))); // −0.125 at f = 18
    expectBound(errors(scaled, results[0].sc, 18));

    const [M, K, N] = [4, 16, 3];
    const A = randomSigned(M * K, 25, 23);
    const B = randomSigned(K * N, 25, 24);
    const mm = await run3([{ data: A, shape: [M, K] }, { data: B, shape: [K, N] }], async (p, [a, b]) => withTruncRounds(p, 1, async () => {
      const y = await fMatmul(p, a, b);
      return { shape: y.shape, v: await revealAll(p, y) };
    }));
    expect(mm.results[0].shape).toEqual([M, N]);
    const ref = new BigUint64Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0n;
        for (let t = 0; t < K; t++) s += signed(A[i * K + t]) * signed(B[t * N + j]);
        ref[i * N + j] = BigInt.asUintN(64, s);
      }
    expectBound(errors(ref, mm.results[0].v, 18));
  });

  it('tuples: R ∈ {r′ − 1, r′} with r′ = (r mod 2^63) >> d, M = 2^(63−d)·msb(r), r spread over the ring (d = 1, 18, 31, 32, 62)', async () => {
    const n = 3000;
    for (const d of [1, 18, 31, 32, 62]) {
      const { results } = await run3([], async (p) => {
        const q = p.offline('t');
        const t = await truncTuple(q, n, d);
        const open = (s: { s0: BigUint64Array; s1: BigUint64Array }) => revealAll(p, aShare([n], s.s0, s.s1));
        return { r: await open(t.r), R: await open(t.R), M: await open(t.M) };
      }, `tuple-${d}`);
      const { r, R, M } = results[0];
      let low = 0;
      let top = 0;
      for (let i = 0; i < n; i++) {
        const rl = (r[i] & ((1n << 63n) - 1n)) >> BigInt(d);
        expect([rl, BigInt.asUintN(64, rl - 1n)]).toContain(R[i]);
        if (R[i] !== rl) low++;
        expect(M[i]).toBe(BigInt.asUintN(64, (r[i] >> 63n) << BigInt(63 - d)));
        top += Number(r[i] >> 63n);
      }
      if (d > 1) expect(low).toBeGreaterThan(n / 4); // the dropped carry is ~1/2 likely
      expect(Math.abs(top - n / 2)).toBeLessThan(n / 10);
    }
  });

  it('attack sanity: c minus what each party knows of r tells x = +2^61 from x = −2^61 no better than chance', async () => {
    // Each party's best unmasking of c = x + 2^62 + r is c − 2^62 − (its addend of r): x + b at
    // P0, x + a at P1 and P2. Its top bits must be ~uniform for both secrets. Control: had the
    // unknown addend only 63 bits (the tempting shortcut of a 63-bit r), the same statistic
    // separates the secrets (P(msb) ≈ 3/4 vs 1/4).
    const n = 4000;
    const frac = async (secret: bigint) => {
      const x = new BigUint64Array(n).fill(BigInt.asUintN(64, secret));
      const { results } = await run3([{ data: x, shape: [n] }], async (p, [a]) => {
        const q = p.offline('t');
        const t = await truncTuple(q, n, 18);
        const s0 = new BigUint64Array(n);
        const s1 = new BigUint64Array(n);
        p.k.add(s0, a.s0, t.r.s0);
        p.k.add(s1, a.s1, t.r.s1);
        const c = await revealAll(p, aShare([n], s0, s1)); // the same opening: P_i sends x_i + r_i to P_{i+1}
        const known = new BigUint64Array(n);
        if (p.id === 0) p.k.add(known, t.r.s0, t.r.s1);
        else known.set(p.id === 1 ? t.r.s1 : t.r.s0);
        const unknown = new BigUint64Array(n); // for the control only
        p.k.sub(unknown, c, known);
        p.k.sub(unknown, unknown, x);
        let msb = 0;
        let control = 0;
        for (let i = 0; i < n; i++) {
          msb += Number((c[i] - known[i] - (1n << 62n)) >> 63n & 1n);
          control += Number(BigInt.asUintN(64, x[i] + (1n << 62n) + (unknown[i] & ((1n << 63n) - 1n))) >> 63n);
        }
        return [msb / n, control / n];
      }, `attack-${secret}`);
      return results;
    };
    const A = await frac(1n << 61n);
    const B = await frac(-(1n << 61n));
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(A[i][0] - 0.5)).toBeLessThan(0.05);
      expect(Math.abs(B[i][0] - 0.5)).toBeLessThan(0.05);
      expect(A[i][1] - B[i][1]).toBeGreaterThan(0.4); // the control distinguisher works
    }
  });

  it('checked mode records the 1-round input: in range passes with outputs identical to unchecked; 2^62 and −2^62 − 1 abort', async () => {
    const ok = [-(1n << 62n), (1n << 62n) - 1n, 0n, -1n, 1n << 61n].map((v) => BigInt.asUintN(64, v));
    const prog = (check: boolean) => async (p: Party, [a]: AShare[]) => {
      if (check) enableRangeCheck(p);
      const y = await withTruncRounds(p, 1, () => truncA(p, a));
      const out = await revealAll(p, y);
      if (!check) return { out };
      try {
        await flushRangeCheck(p, 'g');
        return { out };
      } catch (e) {
        return { out, e };
      }
    };
    const x = new BigUint64Array(ok);
    const plain = await run3([{ data: x, shape: [x.length] }], prog(false), 'rc1');
    const checked = await run3([{ data: x, shape: [x.length] }], prog(true), 'rc1');
    expect(checked.results[0]).toEqual(plain.results[0]);
    for (const bad of [1n << 62n, -(1n << 62n) - 1n]) {
      const xb = new BigUint64Array([...ok, BigInt.asUintN(64, bad)]);
      const r = await run3([{ data: xb, shape: [xb.length] }], prog(true), `rc1-${bad}`);
      for (const res of r.results) {
        expect(isMpcError((res as { e?: unknown }).e)).toBe(true);
        expect(((res as { e: { code: string } }).e).code).toBe('MPC_ERR_RANGE');
      }
    }
  });
});
