/**
 * Max and argmax along the last axis by a tournament tree: ⌈log2 C⌉ levels, each one batched
 * comparison (msb) and one mux (mulA1B) for all rows and pairs. Ties keep the lower index,
 * like llama2.c's argmax.
 */
import type { Shape } from '../ring/tensor.js';
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import { addAA, subAA } from './arith.js';
import { notBits, concatBits } from './bool.js';
import { publicShare } from './io.js';
import { mulA1B, mulA1BCost } from './bitmul.js';
import { msb, msbCost } from './msb.js';
import type { AShare } from './share.js';
import { aShare, concatA, splitA } from './share.js';

/** Columns [c0, c0 + 2·pairs) split into even (left) and odd (right) columns; the tail column kept. */
function pairUp(x: AShare, rows: number, cols: number): { lo: AShare; hi: AShare; tail: AShare | null; pairs: number } {
  const pairs = Math.floor(cols / 2);
  const take = (off: number, stride: number, count: number): AShare => {
    const s0 = new BigUint64Array(rows * count);
    const s1 = new BigUint64Array(rows * count);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < count; c++) {
        s0[r * count + c] = x.s0[r * cols + off + c * stride];
        s1[r * count + c] = x.s1[r * cols + off + c * stride];
      }
    }
    return aShare([rows, count], s0, s1);
  };
  return {
    lo: take(0, 2, pairs),
    hi: take(1, 2, pairs),
    tail: cols % 2 ? take(cols - 1, 1, 1) : null,
    pairs,
  };
}

function joinCols(a: AShare, b: AShare | null, rows: number): AShare {
  if (!b) return a;
  const ca = a.shape[1];
  const cols = ca + 1;
  const s0 = new BigUint64Array(rows * cols);
  const s1 = new BigUint64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    s0.set(a.s0.subarray(r * ca, (r + 1) * ca), r * cols);
    s1.set(a.s1.subarray(r * ca, (r + 1) * ca), r * cols);
    s0[r * cols + ca] = b.s0[r];
    s1[r * cols + ca] = b.s1[r];
  }
  return aShare([rows, cols], s0, s1);
}

async function tournament(p: Party, x: AShare, withIndex: boolean): Promise<{ max: AShare; index: AShare | null }> {
  const cols = x.shape[x.shape.length - 1];
  if (!cols) throw new RangeError('max of an empty axis');
  const rows = x.s0.length / cols;
  const outShape: Shape = x.shape.slice(0, -1);
  let v = aShare([rows, cols], x.s0, x.s1);
  let idx: AShare | null = null;
  if (withIndex) {
    const ids = new BigUint64Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) ids[r * cols + c] = BigInt(c);
    idx = publicShare(p, ids, [rows, cols]);
  }
  let width = cols;
  while (width > 1) {
    const { lo, hi, tail, pairs } = pairUp(v, rows, width);
    // keep lo when lo >= hi  ⇔  not (lo − hi < 0)
    const keepLo = notBits(p, await msb(p, subAA(p, lo, hi)));
    let m: AShare;
    if (idx) {
      const ip = pairUp(idx, rows, width);
      const both = await mulA1B(p, concatBits([keepLo, keepLo]), concatA([subAA(p, lo, hi), subAA(p, ip.lo, ip.hi)]));
      const [dv, di] = splitA(both, [[rows, pairs], [rows, pairs]]);
      m = addAA(p, hi, dv);
      idx = joinCols(addAA(p, ip.hi, di), ip.tail, rows);
    } else {
      m = addAA(p, hi, await mulA1B(p, keepLo, subAA(p, lo, hi)));
    }
    v = joinCols(m, tail, rows);
    width = v.shape[1];
  }
  return {
    max: aShare(outShape, v.s0, v.s1),
    index: idx ? aShare(outShape, idx.s0, idx.s1) : null,
  };
}

/** Max along the last axis: [..., C] → [...]. */
export function maxLast(p: Party, x: AShare): Promise<AShare> {
  return scoped(p, 'max', async () => (await tournament(p, x, false)).max);
}

/** Argmax along the last axis (index as a shared integer, not fixed point) and the max. */
export function argmaxLast(p: Party, x: AShare): Promise<{ index: AShare; max: AShare }> {
  return scoped(p, 'argmax', async () => {
    const r = await tournament(p, x, true);
    return { index: r.index as AShare, max: r.max };
  });
}

/** Declared cost of maxLast over `rows` rows of `cols` columns (argmax muxes twice the elements). */
export function maxCost(rows: number, cols: number, withIndex = false): OpCost {
  let rounds = 0;
  let bytesTotal = 0;
  let width = cols;
  while (width > 1) {
    const pairs = Math.floor(width / 2);
    const m = msbCost(rows * pairs);
    const x = mulA1BCost(rows * pairs * (withIndex ? 2 : 1));
    rounds += m.rounds + x.rounds;
    bytesTotal += m.bytesTotal + x.bytesTotal;
    width -= pairs;
  }
  return { rounds, bytesTotal };
}
