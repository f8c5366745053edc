/**
 * Arithmetic ops on replicated shares: local linear ops, mulAA and matmulAA (1 round each:
 * local cross terms + zero-share, sent to the previous party).
 */
import type { Shape } from '../ring/tensor.js';
import { assertSameShape, sizeOf } from '../ring/tensor.js';
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import type { AShare } from './share.js';
import { aShare } from './share.js';

export function addAA(p: Party, x: AShare, y: AShare): AShare {
  assertSameShape('addAA', x.shape, y.shape);
  const n = x.s0.length;
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  p.k.add(s0, x.s0, y.s0);
  p.k.add(s1, x.s1, y.s1);
  return aShare(x.shape, s0, s1);
}

export function subAA(p: Party, x: AShare, y: AShare): AShare {
  assertSameShape('subAA', x.shape, y.shape);
  const n = x.s0.length;
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  p.k.sub(s0, x.s0, y.s0);
  p.k.sub(s1, x.s1, y.s1);
  return aShare(x.shape, s0, s1);
}

export function negA(p: Party, x: AShare): AShare {
  const n = x.s0.length;
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  p.k.neg(s0, x.s0);
  p.k.neg(s1, x.s1);
  return aShare(x.shape, s0, s1);
}

/** x + c for a public ring tensor c of the same size (c is added to x_0, held by P0 and P2). */
export function addAP(p: Party, x: AShare, c: BigUint64Array): AShare {
  if (c.length !== x.s0.length) throw new RangeError(`addAP: public has ${c.length} elements, share ${x.s0.length}`);
  const s0 = x.s0.slice();
  const s1 = x.s1.slice();
  if (p.id === 0) p.k.add(s0, s0, c);
  if (p.id === 2) p.k.add(s1, s1, c);
  return aShare(x.shape, s0, s1);
}

/** x + c for a public scalar c. */
export function addAPScalar(p: Party, x: AShare, c: bigint): AShare {
  const s0 = x.s0.slice();
  const s1 = x.s1.slice();
  if (p.id === 0) p.k.addScalar(s0, s0, c);
  if (p.id === 2) p.k.addScalar(s1, s1, c);
  return aShare(x.shape, s0, s1);
}

/** c − x for a public scalar c. */
export function rsubAPScalar(p: Party, c: bigint, x: AShare): AShare {
  return addAPScalar(p, negA(p, x), c);
}

/** Elementwise x ⊙ c for a public ring tensor c (no truncation). */
export function mulAP(p: Party, x: AShare, c: BigUint64Array): AShare {
  if (c.length !== x.s0.length) throw new RangeError(`mulAP: public has ${c.length} elements, share ${x.s0.length}`);
  const n = x.s0.length;
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  p.k.mul(s0, x.s0, c);
  p.k.mul(s1, x.s1, c);
  return aShare(x.shape, s0, s1);
}

/** x · c for a public scalar c (no truncation). */
export function mulAPScalar(p: Party, x: AShare, c: bigint): AShare {
  const n = x.s0.length;
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  p.k.mulScalar(s0, x.s0, c);
  p.k.mulScalar(s1, x.s1, c);
  return aShare(x.shape, s0, s1);
}

/** Local shift left (multiply by 2^s). */
export function shlA(p: Party, x: AShare, s: number): AShare {
  const n = x.s0.length;
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  p.k.shl(s0, x.s0, s);
  p.k.shl(s1, x.s1, s);
  return aShare(x.shape, s0, s1);
}

/** Sum along the last axis: [..., C] → [...] (local). */
export function sumLastA(p: Party, x: AShare): AShare {
  const cols = x.shape[x.shape.length - 1];
  const rows = x.s0.length / cols;
  const s0 = new BigUint64Array(rows);
  const s1 = new BigUint64Array(rows);
  p.k.sumRows(s0, x.s0, rows, cols);
  p.k.sumRows(s1, x.s1, rows, cols);
  return aShare(x.shape.slice(0, -1), s0, s1);
}

/** Party i's local 3-of-3 share z_i of x ⊙ y (cross terms plus a zero-share). */
export function mulLocal(p: Party, x: AShare, y: AShare): BigUint64Array {
  assertSameShape('mulAA', x.shape, y.shape);
  const n = x.s0.length;
  const { k } = p;
  const t = new BigUint64Array(n);
  const z = new BigUint64Array(n);
  k.add(t, y.s0, y.s1);
  k.mul(z, x.s0, t); // x_i (y_i + y_{i+1})
  k.mul(t, x.s1, y.s0); // x_{i+1} y_i
  k.add(z, z, t);
  k.add(z, z, p.prss.zero(n));
  return z;
}

/** Turn 3-of-3 additive shares into replicated ones: send z_i to the previous party. */
export async function reshare(p: Party, z: BigUint64Array, shape: Shape, tag: string): Promise<AShare> {
  const { comm } = p;
  comm.sendU64(comm.prev, tag, z);
  const z1 = await comm.recvU64(comm.next, tag, z.length);
  return aShare(shape, z, z1);
}

/** Elementwise product of two shared tensors (ring, no truncation): 1 round. */
export function mulAA(p: Party, x: AShare, y: AShare): Promise<AShare> {
  return scoped(p, 'mulAA', () => reshare(p, mulLocal(p, x, y), x.shape, 'mulAA'));
}
export const mulAACost = (n: number): OpCost => ({ rounds: 1, bytesTotal: 3 * 8 * n });

export interface MatmulDims {
  batch: number;
  M: number;
  K: number;
  N: number;
  outShape: Shape;
  /** y shared across the batch (2-D y with 3-D x). */
  broadcastY: boolean;
}

/**
 * Shapes of x·y (or x·yᵀ with transB): x [B?, M, K]; y [B?, K, N] or, with transB, [B?, N, K].
 * A 2-D y with a 3-D x is applied to every batch element.
 */
export function matmulDims(xShape: Shape, yShape: Shape, transB: boolean): MatmulDims {
  const bad = () => new RangeError(`matmul: incompatible shapes [${xShape.join(',')}] · [${yShape.join(',')}]${transB ? 'ᵀ' : ''}`);
  if (xShape.length < 2 || xShape.length > 3 || yShape.length < 2 || yShape.length > 3) throw bad();
  const batch = xShape.length === 3 ? xShape[0] : 1;
  if (yShape.length === 3 && (xShape.length !== 3 || yShape[0] !== batch)) throw bad();
  const [M, K] = xShape.slice(-2);
  const [y0, y1] = yShape.slice(-2);
  const [Ky, N] = transB ? [y1, y0] : [y0, y1];
  if (Ky !== K) throw bad();
  const outShape = xShape.length === 3 ? [batch, M, N] : [M, N];
  return { batch, M, K, N, outShape, broadcastY: yShape.length === 2 && batch > 1 };
}

/** out (+)= a·b or a·bᵀ for one batch element, through the kernels. */
export function matmulInto(p: Party, out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, d: MatmulDims, transB: boolean, acc: boolean): void {
  const { k } = p;
  const { batch, M, K, N, broadcastY } = d;
  if (broadcastY) {
    // [B, M, K] · [K, N] is one [B·M, K] · [K, N] product.
    const f = transB ? (acc ? k.matmulTBAcc : k.matmulTB) : acc ? k.matmulAcc : k.matmul;
    f.call(k, out, a, b, batch * M, K, N);
    return;
  }
  for (let bi = 0; bi < batch; bi++) {
    const ao = a.subarray(bi * M * K, (bi + 1) * M * K);
    const bo = b.subarray(bi * K * N, (bi + 1) * K * N);
    const oo = out.subarray(bi * M * N, (bi + 1) * M * N);
    const f = transB ? (acc ? k.matmulTBAcc : k.matmulTB) : acc ? k.matmulAcc : k.matmul;
    f.call(k, oo, ao, bo, M, K, N);
  }
}

/**
 * out (+)= a·b or a·bᵀ for every batch element, through `matmulAsync` when the kernels have it
 * (large products on the ring's worker threads), else the synchronous kernels.
 */
async function matmulIntoAsync(p: Party, out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, d: MatmulDims, transB: boolean, acc: boolean): Promise<void> {
  const { k } = p;
  if (!k.matmulAsync) return matmulInto(p, out, a, b, d, transB, acc);
  const op = transB ? (acc ? 'matmulTBAcc' : 'matmulTB') : acc ? 'matmulAcc' : 'matmul';
  const { batch, M, K, N, broadcastY } = d;
  if (broadcastY) return k.matmulAsync(op, out, a, b, batch * M, K, N);
  for (let bi = 0; bi < batch; bi++) {
    await k.matmulAsync(op, out.subarray(bi * M * N, (bi + 1) * M * N), a.subarray(bi * M * K, (bi + 1) * M * K), b.subarray(bi * K * N, (bi + 1) * K * N), M, K, N);
  }
}

/** Party i's local 3-of-3 share of x·y (or x·yᵀ). */
export async function matmulLocal(p: Party, x: AShare, y: AShare, transB = false): Promise<{ z: BigUint64Array; dims: MatmulDims }> {
  const d = matmulDims(x.shape, y.shape, transB);
  // the zero share is drawn before the first await, so PRSS draws stay in program order at all
  // three parties however long the threaded product takes
  const n = sizeOf(d.outShape);
  const zero = p.prss.zero(n);
  // (x_i + x_{i+1}) y_i + x_i y_{i+1}: the temporary is activation-sized, never weight-sized
  const t = new BigUint64Array(x.s0.length);
  p.k.add(t, x.s0, x.s1);
  const z = new BigUint64Array(n);
  await matmulIntoAsync(p, z, t, y.s0, d, transB, false);
  await matmulIntoAsync(p, z, x.s0, y.s1, d, transB, true);
  p.k.add(z, z, zero);
  return { z, dims: d };
}

/** Matrix product of two shared tensors (ring, no truncation): 1 round, one element per output. */
export function matmulAA(p: Party, x: AShare, y: AShare, transB = false): Promise<AShare> {
  return scoped(p, 'matmulAA', async () => {
    const { z, dims } = await matmulLocal(p, x, y, transB);
    return reshare(p, z, dims.outShape, 'matmulAA');
  });
}
export const matmulAACost = (outElements: number): OpCost => ({ rounds: 1, bytesTotal: 3 * 8 * outElements });

/** Shared x times public w (ring, no truncation): local. */
export function matmulAP(p: Party, x: AShare, w: BigUint64Array, wShape: Shape, transB = false): AShare {
  const d = matmulDims(x.shape, wShape, transB);
  const s0 = new BigUint64Array(sizeOf(d.outShape));
  const s1 = new BigUint64Array(sizeOf(d.outShape));
  matmulInto(p, s0, x.s0, w, d, transB, false);
  matmulInto(p, s1, x.s1, w, d, transB, false);
  return aShare(d.outShape, s0, s1);
}
