import { describe, expect, it } from 'vitest';
import { addAA, subAA, negA, addAP, mulAP, mulAA, matmulAA, matmulAP, addAPScalar, sumLastA } from '../../src/protocols/arith.js';
import { revealAll } from '../../src/protocols/io.js';
import { EDGE, randomRing, run3 } from './harness.js';

function refMatmul(a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number, transB = false): BigUint64Array {
  const out = new BigUint64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0n;
      for (let k = 0; k < K; k++) s += a[i * K + k] * (transB ? b[j * K + k] : b[k * N + j]);
      out[i * N + j] = s;
    }
  return out;
}

const map2 = (a: BigUint64Array, b: BigUint64Array, f: (x: bigint, y: bigint) => bigint) => BigUint64Array.from(a, (x, i) => BigInt.asUintN(64, f(x, b[i])));

describe('arithmetic ops (exact in Z_2^64)', () => {
  const x = new BigUint64Array([...EDGE, ...randomRing(300, 11)]);
  const y = new BigUint64Array([...EDGE.slice().reverse(), ...randomRing(300, 12)]);
  const n = x.length;

  it('addAA, subAA, negA, addAP, addAPScalar, mulAP, sumLastA are exact', async () => {
    const { results } = await run3([{ data: x, shape: [n] }, { data: y, shape: [n] }], async (p, [a, b]) => ({
      add: await revealAll(p, addAA(p, a, b)),
      sub: await revealAll(p, subAA(p, a, b)),
      neg: await revealAll(p, negA(p, a)),
      addP: await revealAll(p, addAP(p, a, y)),
      addS: await revealAll(p, addAPScalar(p, a, 12345n)),
      mulP: await revealAll(p, mulAP(p, a, y)),
      sum: await revealAll(p, sumLastA(p, { ...a, shape: [1, n] })),
    }));
    const r = results[1];
    expect(r.add).toEqual(map2(x, y, (a, b) => a + b));
    expect(r.sub).toEqual(map2(x, y, (a, b) => a - b));
    expect(r.neg).toEqual(BigUint64Array.from(x, (a) => BigInt.asUintN(64, -a)));
    expect(r.addP).toEqual(map2(x, y, (a, b) => a + b));
    expect(r.addS).toEqual(BigUint64Array.from(x, (a) => BigInt.asUintN(64, a + 12345n)));
    expect(r.mulP).toEqual(map2(x, y, (a, b) => a * b));
    expect(r.sum[0]).toBe(BigInt.asUintN(64, x.reduce((s, v) => s + v, 0n)));
  });

  it('mulAA is exact', async () => {
    const { results } = await run3([{ data: x, shape: [n] }, { data: y, shape: [n] }], async (p, [a, b]) => revealAll(p, await mulAA(p, a, b)));
    for (const r of results) expect(r).toEqual(map2(x, y, (a, b) => a * b));
  });

  it('matmulAA is exact for plain, transposed and batched shapes', async () => {
    const [M, K, N] = [7, 13, 5];
    const a = randomRing(M * K, 21);
    const b = randomRing(K * N, 22);
    const bt = randomRing(N * K, 23);
    const a3 = randomRing(3 * M * K, 24);
    const b3 = randomRing(3 * K * N, 25);
    const { results } = await run3(
      [
        { data: a, shape: [M, K] },
        { data: b, shape: [K, N] },
        { data: bt, shape: [N, K] },
        { data: a3, shape: [3, M, K] },
        { data: b3, shape: [3, K, N] },
      ],
      async (p, [A, B, BT, A3, B3]) => ({
        ab: await revealAll(p, await matmulAA(p, A, B)),
        abt: await revealAll(p, await matmulAA(p, A, BT, true)),
        batched: await revealAll(p, await matmulAA(p, A3, B3)),
        broadcast: await revealAll(p, await matmulAA(p, A3, B)),
        pub: await revealAll(p, matmulAP(p, A, b, [K, N])),
      }),
    );
    const r = results[0];
    expect(r.ab).toEqual(refMatmul(a, b, M, K, N));
    expect(r.abt).toEqual(refMatmul(a, bt, M, K, N, true));
    expect(r.pub).toEqual(refMatmul(a, b, M, K, N));
    for (let i = 0; i < 3; i++) {
      expect(r.batched.subarray(i * M * N, (i + 1) * M * N)).toEqual(refMatmul(a3.subarray(i * M * K), b3.subarray(i * K * N), M, K, N));
      expect(r.broadcast.subarray(i * M * N, (i + 1) * M * N)).toEqual(refMatmul(a3.subarray(i * M * K), b, M, K, N));
    }
  });

  it('rejects mismatched shapes with a RangeError', async () => {
    await expect(run3([{ data: x, shape: [n] }, { data: y.subarray(1), shape: [n - 1] }], async (p, [a, b]) => addAA(p, a, b))).rejects.toThrow(RangeError);
    await expect(run3([{ data: randomRing(6), shape: [2, 3] }, { data: randomRing(6), shape: [2, 3] }], async (p, [a, b]) => matmulAA(p, a, b))).rejects.toThrow(/incompatible shapes/);
  });
});
