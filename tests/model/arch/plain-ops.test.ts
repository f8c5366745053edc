import { describe, expect, it } from 'vitest';
import { erf, geluErf, geluTanh, silu } from '../../../src/model/arch/activations.js';
import { causalMask, sliceCols } from '../../../src/model/arch/ops.js';
import { PlainOps, plainTensor } from '../../../src/model/arch/plain-ops.js';
import { randTensor, rng } from '../_helpers.js';

const ops = new PlainOps();

describe('PlainOps layout ops', () => {
  it('transpose permutes axes like numpy', () => {
    const x = plainTensor([2, 3, 4], Array.from({ length: 24 }, (_, i) => i));
    const y = ops.transpose(x, [2, 0, 1]); // [4,2,3]
    expect(y.shape).toEqual([4, 2, 3]);
    for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) {
      expect(y.data[c * 6 + a * 3 + b]).toBe(x.data[a * 12 + b * 4 + c]);
    }
    expect(() => ops.transpose(x, [0, 0, 1])).toThrow(RangeError);
  });

  it('sliceRows, concatRows, takeCols, reshape', () => {
    const x = plainTensor([3, 2], [1, 2, 3, 4, 5, 6]);
    expect([...ops.sliceRows(x, 1, 3).data]).toEqual([3, 4, 5, 6]);
    expect(ops.concatRows([x, ops.sliceRows(x, 0, 1)]).shape).toEqual([4, 2]);
    expect([...ops.takeCols(x, [1, 0, 1]).data]).toEqual([2, 1, 2, 4, 3, 4, 6, 5, 6]);
    expect([...sliceCols(ops, x, 1, 2).data]).toEqual([2, 4, 6]);
    expect(ops.reshape(x, [2, 3]).shape).toEqual([2, 3]);
    expect(() => ops.reshape(x, [4, 2])).toThrow(RangeError);
    expect(() => ops.sliceRows(x, 2, 4)).toThrow(RangeError);
    expect(() => ops.takeCols(x, [2])).toThrow(RangeError);
  });
});

describe('PlainOps linear ops', () => {
  const r = rng(7);
  const naive = (a: Float64Array, b: Float64Array, m: number, k: number, n: number, bT: boolean): Float64Array => {
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * (bT ? b[j * k + t] : b[t * n + j]);
      out[i * n + j] = s;
    }
    return out;
  };

  it('matmul, matmulT, bmm and bmmT agree with a naive triple loop', async () => {
    const x = randTensor(r, [3, 5], 1);
    const w = randTensor(r, [5, 4], 1);
    const wt = ops.transpose(w, [1, 0]);
    expect((await ops.matmul(x, w)).data).toEqual(naive(x.data, w.data, 3, 5, 4, false));
    const mt = await ops.matmulT(x, wt);
    expect(mt.shape).toEqual([3, 4]);
    mt.data.forEach((v, i) => expect(v).toBeCloseTo(naive(x.data, w.data, 3, 5, 4, false)[i], 12));
    const a = randTensor(r, [2, 3, 5], 1);
    const b = randTensor(r, [2, 5, 4], 1);
    const bb = await ops.bmm(a, b);
    const bt = await ops.bmmT(a, ops.transpose(b, [0, 2, 1]));
    for (let i = 0; i < 2; i++) {
      const ref = naive(a.data.subarray(i * 15), b.data.subarray(i * 20), 3, 5, 4, false);
      ref.forEach((v, j) => {
        expect(bb.data[i * 12 + j]).toBeCloseTo(v, 12);
        expect(bt.data[i * 12 + j]).toBeCloseTo(v, 12);
      });
    }
    await expect(ops.matmul(x, x)).rejects.toThrow(RangeError);
  });

  it('add/mul broadcast a trailing-suffix operand; mulPublic/addPublic broadcast constants', async () => {
    const x = plainTensor([2, 3], [1, 2, 3, 4, 5, 6]);
    expect([...(await ops.add(x, plainTensor([3], [10, 20, 30]))).data]).toEqual([11, 22, 33, 14, 25, 36]);
    expect([...(await ops.mul(x, x)).data]).toEqual([1, 4, 9, 16, 25, 36]);
    expect([...(await ops.mulPublic(x, Float64Array.of(2))).data]).toEqual([2, 4, 6, 8, 10, 12]);
    expect([...(await ops.addPublic(x, Float64Array.of(1, 0, -1))).data]).toEqual([2, 2, 2, 5, 5, 5]);
    await expect(ops.add(x, plainTensor([2], [1, 2]))).rejects.toThrow(RangeError);
    await expect(ops.mulPublic(x, Float64Array.of(1, 2))).rejects.toThrow(RangeError);
  });
});

describe('PlainOps nonlinear ops', () => {
  it('erf matches reference values to 1e-14', () => {
    const ref: [number, number][] = [
      [0, 0], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [1.5, 0.9661051464753108],
      [2, 0.9953222650189527], [2.5, 0.9995930479825550], [3, 0.9999779095030014], [4, 0.9999999845827421], [-1, -0.8427007929497149],
    ];
    for (const [x, y] of ref) expect(Math.abs(erf(x) - y)).toBeLessThan(1e-14);
  });

  it('GeLU forms and SiLU', async () => {
    expect(geluErf(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(geluTanh(1)).toBeCloseTo(0.8411919906082768, 14);
    expect(Math.abs(geluTanh(0.7) - geluErf(0.7))).toBeLessThan(1e-3);
    expect(silu(2)).toBeCloseTo(2 / (1 + Math.exp(-2)), 15);
    expect(silu(-800)).toBe(-0);
    const x = plainTensor([2], [1, -1]);
    expect((await new PlainOps({ gelu: 'erf' }).gelu(x)).data[0]).toBeCloseTo(0.8413447460685429, 14);
    expect((await ops.gelu(x)).data[0]).toBeCloseTo(0.8411919906082768, 14);
  });

  it('softmax with a causal mask skips masked entries (exact zeros) in every row block', async () => {
    // 2 heads × 2 new queries at offset 1, 3 keys
    const x = plainTensor([4, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1]);
    const y = await ops.softmax(x, causalMask(2, 1));
    const row = (r: number): number[] => [...y.data.subarray(r * 3, r * 3 + 3)];
    const e = (a: number[]): number[] => a.map((v) => Math.exp(v - Math.max(...a)) / a.reduce((s, u) => s + Math.exp(u - Math.max(...a)), 0));
    expect(row(0)[2]).toBe(0);
    row(0).slice(0, 2).forEach((v, i) => expect(v).toBeCloseTo(e([1, 2])[i], 15));
    row(1).forEach((v, i) => expect(v).toBeCloseTo(e([4, 5, 6])[i], 15));
    expect(row(2)[2]).toBe(0);
    row(3).forEach((v) => expect(v).toBeCloseTo(1 / 3, 15));
    await expect(ops.softmax(plainTensor([3, 3]), causalMask(2, 1))).rejects.toThrow(RangeError);
    await expect(ops.softmax(plainTensor([2, 3]), causalMask(2, 2))).rejects.toThrow(RangeError);
  });

  it('layerNorm and rmsNorm per row', async () => {
    const x = plainTensor([2, 4], [1, 2, 3, 4, -1, 0, 0, 1]);
    const g = plainTensor([4], [1, 2, 1, 1]);
    const b = plainTensor([4], [0, 0, 1, 0]);
    const ln = await ops.layerNorm(x, g, b, 0);
    const s = Math.sqrt(1.25);
    [(1 - 2.5) / s, (2 * (2 - 2.5)) / s, (3 - 2.5) / s + 1, (4 - 2.5) / s].forEach((v, i) => expect(ln.data[i]).toBeCloseTo(v, 14));
    const rn = await ops.rmsNorm(x, g, 1e-5);
    const inv = 1 / Math.sqrt(0.5 + 1e-5);
    [-1 * inv, 0, 0, inv].forEach((v, i) => expect(rn.data[4 + i]).toBeCloseTo(v, 14));
  });

  it('argmax (first on ties) and reveal', async () => {
    const x = plainTensor([2, 3], [1, 5, 5, -1, -2, -0.5]);
    expect([...(await ops.reveal(await ops.argmax(x)))]).toEqual([1, 2]);
  });

  it('embedding gathers rows and rejects out-of-range tokens with a RangeError naming token and vocab size', async () => {
    const table = plainTensor([3, 2], [0, 1, 10, 11, 20, 21]);
    expect([...(await ops.embedding([2, 0], table)).data]).toEqual([20, 21, 0, 1]);
    await expect(ops.embedding([1, 3], table)).rejects.toThrow(/token 3 .*vocabulary size 3/);
    await expect(ops.embedding([-1], table)).rejects.toThrow(RangeError);
    await expect(ops.embedding([1.5], table)).rejects.toThrow(RangeError);
  });
});
