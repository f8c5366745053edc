/**
 * Protocol matmuls with the ring's worker threads on (setRingThreads(2)): every party's output
 * shares of matmulAA and fMatmul (plain, transposed, batched, broadcast) are bit-identical to one
 * thread, and the revealed ring product equals the BigInt reference. The three in-process parties
 * share one pool (their calls interleave in its queue).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { matmulAA } from '../../src/protocols/arith.js';
import { fMatmul } from '../../src/protocols/fixed.js';
import { revealAll } from '../../src/protocols/io.js';
import { closeRingThreads, setRingThreads } from '../../src/ring/threads.js';
import { randomRing, run3 } from './harness.js';

/** Entry [i, j] of a·b by BigInt (sampled: the full reference would take seconds). */
function refEntry(a: BigUint64Array, b: BigUint64Array, K: number, N: number, i: number, j: number): bigint {
  let s = 0n;
  for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
  return BigInt.asUintN(64, s);
}

const [M, K, N] = [24, 160, 600]; // 2.3 M multiply-adds: above the pool threshold
const x = randomRing(M * K, 31), y = randomRing(K * N, 32), yT = randomRing(N * K, 33);
const xb = randomRing(2 * M * K, 34), yb = randomRing(2 * K * N, 35);

function program() {
  return run3(
    [
      { data: x, shape: [M, K] },
      { data: y, shape: [K, N] },
      { data: yT, shape: [N, K] },
      { data: xb, shape: [2, M, K] },
      { data: yb, shape: [2, K, N] },
    ],
    async (p, [a, b, bT, ab, bb]) => {
      const ring = await matmulAA(p, a, b);
      const fixed = await fMatmul(p, a, b);
      const fixedT = await fMatmul(p, a, bT, true);
      const batched = await matmulAA(p, ab, bb);
      const broadcast = await matmulAA(p, ab, b);
      return { shares: [ring, fixed, fixedT, batched, broadcast].map((s) => [s.s0, s.s1]), ring: await revealAll(p, ring) };
    },
    'threads',
  );
}

describe('protocol matmuls on ring worker threads', () => {
  afterAll(() => closeRingThreads());

  it('shares are bit-identical to one thread at every party; the ring product is exact', async () => {
    setRingThreads(1);
    const one = await program();
    setRingThreads(2);
    const two = await program();
    const bytes = (a: BigUint64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < 3; i++) {
      const [o, t] = [one.results[i].shares.flat(), two.results[i].shares.flat()];
      expect(t.length).toBe(o.length);
      o.forEach((share, k) => expect(bytes(t[k]).equals(bytes(share)), `party ${i} share ${k}`).toBe(true));
    }
    for (let t = 0; t < 300; t++) {
      const i = (t * 7) % M, j = (t * 131) % N;
      expect(two.results[0].ring[i * N + j]).toBe(refEntry(x, y, K, N, i, j));
    }
  });
});
