/**
 * andEval / andDeal (the dealt AND gates' local work): the WebAssembly kernels and the JS
 * reference against a direct evaluation of the definition on u64 words (BigInt), on random
 * programs (one-wire products, products of 2…8 wires, odd and even W for the SIMD tail).
 */
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/ring/kernels.js';
import type { RingKernels } from '../../src/ring/kernels.js';
import { wasmKernels } from '../../src/ring/wasm-kernels.js';

const ONES = (1n << 64n) - 1n;

/** Deterministic xorshift words. */
function words(n: number, seed: number): BigUint64Array {
  let s = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= (s << 13n) & ONES;
    s ^= s >> 7n;
    s ^= (s << 17n) & ONES;
    out[i] = s;
  }
  return out;
}

interface Case {
  W: number;
  nWires: number;
  nOpen: number;
  nSets: number;
  outputs: number;
  prog: Int32Array;
}

/** A random program: `outputs` outputs with 1–3 products each, products of 1 or 2…maxT wires. */
function randomCase(seed: number, W: number, maxT: number): Case {
  let s = seed;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  const nWires = 12, nOpen = 9, nSets = 40, outputs = 7;
  const prog: number[] = [];
  for (let o = 0; o < outputs; o++) {
    for (let k = 1 + rnd(3); k > 0; k--) {
      if (rnd(4) === 0) {
        prog.push(o, rnd(nWires), 0);
        continue;
      }
      const t = 2 + rnd(maxT - 1);
      prog.push(o, -1, t);
      for (let j = 0; j < t; j++) prog.push(rnd(nOpen));
      for (let m = 1; m < 1 << t; m++) prog.push((m & (m - 1)) === 0 ? rnd(nOpen) : rnd(nSets));
    }
  }
  return { W, nWires, nOpen, nSets, outputs, prog: Int32Array.from(prog) };
}

/** The definition, word by word. */
function direct(c: Case, wires: BigUint64Array, d: BigUint64Array, mask: BigUint64Array, dealt: BigUint64Array, pub: boolean): BigUint64Array {
  const { W, prog } = c;
  const out = new BigUint64Array(c.outputs * W);
  const plane = (a: BigUint64Array, i: number, e: number): bigint => a[i * W + e];
  for (let i = 0; i < prog.length; ) {
    const o = prog[i], single = prog[i + 1], t = prog[i + 2];
    i += 3;
    if (single >= 0) {
      for (let e = 0; e < W; e++) out[o * W + e] ^= plane(wires, single, e);
      continue;
    }
    const slots = Array.from(prog.subarray(i, i + t));
    const src = Array.from(prog.subarray(i + t, i + t + (1 << t) - 1)); // src for m = 1 … 2^t − 1
    i += t + (1 << t) - 1;
    for (let e = 0; e < W; e++) {
      let acc = 0n;
      for (let m = 0; m < 1 << t; m++) {
        let term = ONES;
        for (let j = 0; j < t; j++) if (!(m & (1 << j))) term &= plane(d, slots[j], e);
        if (m === 0) term = pub ? term : 0n;
        else term &= plane((m & (m - 1)) === 0 ? mask : dealt, src[m - 1], e);
        acc ^= term;
      }
      out[o * W + e] ^= acc;
    }
  }
  return out;
}

const IMPLS: [string, RingKernels][] = [
  ['wasm', wasmKernels],
  ['js', jsKernels],
];

describe.each(IMPLS)('andEval (%s)', (_, k) => {
  for (const [W, maxT, seed] of [
    [1, 2, 1],
    [3, 4, 2],
    [4, 6, 3],
    [5, 8, 4],
  ] as const) {
    for (const pub of [true, false]) {
      it(`W=${W}, products of up to ${maxT} wires, public term ${pub}: equals the definition`, () => {
        const c = randomCase(seed, W, maxT);
        const wires = words(c.nWires * W, seed + 10);
        const d = words(c.nOpen * W, seed + 20);
        const mask = words(c.nOpen * W, seed + 30);
        const dealt = words(c.nSets * W, seed + 40);
        const out = words(c.outputs * W, seed + 50); // overwritten, whatever it held
        k.andEval(out, wires, d, mask, dealt, c.prog, W, pub);
        expect(out).toEqual(direct(c, wires, d, mask, dealt, pub));
      });
    }
  }
});

describe.each(IMPLS)('andDeal (%s)', (_, k) => {
  for (const W of [1, 2, 7]) {
    it(`W=${W}: out plane j ^= the AND of its set's planes`, () => {
      const r = words(8 * W, W + 100);
      const setList = [[0, 1], [2, 5, 7], [1, 3, 4, 6], [0, 1, 2, 3, 4, 5, 6, 7]];
      const sets = Int32Array.from(setList.flatMap((s) => [s.length, ...s]));
      const before = words(setList.length * W, W + 200);
      const out = before.slice();
      k.andDeal(out, r, sets, W);
      const want = before.slice();
      setList.forEach((s, j) => {
        for (let e = 0; e < W; e++) want[j * W + e] ^= s.reduce((v, i) => v & r[i * W + e], ONES);
      });
      expect(out).toEqual(want);
    });
  }
});
