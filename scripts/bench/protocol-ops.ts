/**
 * The op table of `npm run bench:protocols`, shared by its two transports: three parties in one
 * process over the in-memory channel, and three party processes over encrypted WebSocket links
 * (the 'bench/ops' party program, registered by scripts/bench/party-main.ts).
 *
 * Inputs are consistent replicated shares of public bench values: x_0, x_1 from per-input PRG
 * seeds and x_2 = v − x_0 − x_1, so each party computes its own pair without communication.
 * Ring ops get 40-bit random values; fixed-point ops values in the range the approximation is
 * built for (exp: [−14, 0); reciprocal: [1, 100); rsqrt: [0.5, 1000); fMul: ±8).
 */
import { barrier } from '../../src/protocols/barrier.js';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fExp, fReciprocal, fRsqrt } from '../../src/approx/index.js';
import type { ProgramDef } from '../../src/parties/program-table.js';
import { mulAA } from '../../src/protocols/arith.js';
import { mulA1B } from '../../src/protocols/bitmul.js';
import type { Party } from '../../src/protocols/context.js';
import { fMatmul, fMul } from '../../src/protocols/fixed.js';
import { msb } from '../../src/protocols/msb.js';
import { aShare, type AShare } from '../../src/protocols/share.js';
import { truncA } from '../../src/protocols/trunc.js';
import { encode } from '../../src/ring/fixed-point.js';
import { Prg } from '../../src/ring/prg.js';

/** Default element count of the elementwise ops (fMatmul is fixed at 128×768 · 768×768). */
export const N = 1 << 20;

type Range = 'int40' | [number, number];

interface OpSpec {
  elements: number;
  shapes: number[][];
  ranges: Range[];
  prepare?: (p: Party, xs: AShare[]) => Promise<unknown>;
  run: (p: Party, xs: AShare[], prep: unknown) => Promise<unknown>;
}

export const OP_NAMES = ['mulAA', 'truncA', 'msb', 'mulA1B', 'fMatmul', 'fMul', 'exp', 'reciprocal', 'rsqrt'] as const;
export type OpName = (typeof OP_NAMES)[number];

/** The op table with `n` elements per elementwise op. */
export function opTable(n = N): Record<OpName, OpSpec> {
  return {
    mulAA: { elements: n, shapes: [[n], [n]], ranges: ['int40', 'int40'], run: (p, [a, b]) => mulAA(p, a, b) },
    truncA: { elements: n, shapes: [[n]], ranges: ['int40'], run: (p, [a]) => truncA(p, a) },
    msb: { elements: n, shapes: [[n]], ranges: ['int40'], run: (p, [a]) => msb(p, a) },
    mulA1B: { elements: n, shapes: [[n], [n]], ranges: ['int40', 'int40'], prepare: (p, [a]) => msb(p, a), run: (p, [, b], bits) => mulA1B(p, bits as Awaited<ReturnType<typeof msb>>, b) },
    fMatmul: { elements: 128 * 768, shapes: [[128, 768], [768, 768]], ranges: [[-4, 4], [-0.1, 0.1]], run: (p, [a, b]) => fMatmul(p, a, b) },
    fMul: { elements: n, shapes: [[n], [n]], ranges: [[-8, 8], [-8, 8]], run: (p, [a, b]) => fMul(p, a, b) },
    exp: { elements: n, shapes: [[n]], ranges: [[-14, 0]], run: (p, [a]) => fExp(p, a) },
    reciprocal: { elements: n, shapes: [[n]], ranges: [[1, 100]], run: (p, [a]) => fReciprocal(p, a) },
    rsqrt: { elements: n, shapes: [[n]], ranges: [[0.5, 1000]], run: (p, [a]) => fRsqrt(p, a) },
  };
}

const prgOf = (op: string, j: number, k: number): Prg => new Prg(createHash('sha256').update(`triform-bench-ops/${op}/${j}/${k}`).digest().subarray(0, 16));

/** Party p's replicated share of input j of `op` (no communication). */
function inputShare(p: Party, op: string, j: number, shape: number[], range: Range): AShare {
  const n = shape.reduce((a, b) => a * b, 1);
  let v: BigUint64Array;
  if (range === 'int40') {
    v = prgOf(op, j, 9).ring(n);
    for (let i = 0; i < n; i++) v[i] &= (1n << 40n) - 1n;
  } else {
    const u = prgOf(op, j, 8).ring(n);
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = range[0] + ((range[1] - range[0]) * Number(u[i] >> 11n)) / 2 ** 53;
    v = encode(x, p.cfg, `${op}[${j}]`);
  }
  const x0 = prgOf(op, j, 0).ring(n);
  const x1 = prgOf(op, j, 1).ring(n);
  const comp = (i: number): BigUint64Array => {
    if (i === 0) return x0;
    if (i === 1) return x1;
    const x2 = new BigUint64Array(n);
    for (let e = 0; e < n; e++) x2[e] = v[e] - x0[e] - x1[e];
    return x2;
  };
  return aShare(shape, comp(p.id), comp((p.id + 1) % 3));
}

/**
 * At one party: build the inputs, run the op once to warm up (JIT, wasm memory), reset the meter,
 * then time one metered run under the label `op`. Returns this party's ms.
 */
export async function timeOp(p: Party, op: OpName, n = N): Promise<number> {
  const spec = opTable(n)[op];
  const xs = spec.shapes.map((sh, j) => inputShare(p, op, j, sh, spec.ranges[j]));
  const prep = spec.prepare ? await spec.prepare(p, xs) : null;
  await spec.run(p, xs, prep);
  await barrier(p, 'bench/barrier'); // a common start: ops like msb leave the parties at staggered depths
  p.meter.reset();
  const t0 = performance.now();
  await p.meter.scope(op, () => spec.run(p, xs, prep));
  return performance.now() - t0;
}

export const BENCH_OPS_PROGRAM = 'bench/ops';

/** The party program: time one op of the table; returns this party's ms (cost comes from its meter). */
export const benchOpsProgram: ProgramDef<{ op: OpName; elements: number }, { party: number; ms: number }> = {
  name: BENCH_OPS_PROGRAM,
  description: 'time one protocol op of the bench:protocols table at this party',
  params: z.object({ op: z.enum(OP_NAMES), elements: z.number().int().min(1).max(1 << 24) }).strict(),
  async run(p, _session, { op, elements }) {
    return { party: p.id, ms: await timeOp(p, op, elements) };
  },
};
