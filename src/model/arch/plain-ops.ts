/**
 * PlainOps: the float64 reference backend of `Ops`. Exact math (no approximations): the fidelity
 * reference the secure backend is measured against.
 *
 * GeLU: by default the tanh form 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x³))), which is what HF
 * GPT-2 uses ("gelu_new"); `{ gelu: 'erf' }` selects the exact 0.5x(1 + erf(x/sqrt2)) (BERT).
 * Tensors are immutable by convention: ops never write to their inputs, and `reshape` shares data.
 */
import { geluErf, geluTanh, silu } from './activations.js';
import {
  assertPermutation, assertRank, fmtShape, isSuffixLength, isSuffixShape, numel, sameShape, stridesOf,
  type Shape,
} from './shape.js';
import { checkMask, checkTokens, maskedRowLength, tokenIds, type Ops, type SoftmaxMask, type TokenInput, composedResidualLayerNorm, composedPostLayerNorm } from './ops.js';
import type { NormParams } from './ops.js';

export interface PlainTensor {
  readonly data: Float64Array; // [prod(shape)], row-major
  readonly shape: Shape;
}

/** A plain tensor over `data` (copied from a plain array; a Float64Array is used as is). */
export function plainTensor(shape: Shape, data?: ArrayLike<number>): PlainTensor {
  const n = numel(shape);
  const d = data === undefined ? new Float64Array(n) : data instanceof Float64Array ? data : Float64Array.from(data);
  if (d.length !== n) throw new RangeError(`plainTensor: shape ${fmtShape(shape)} needs ${n} values, got ${d.length}`);
  return { data: d, shape: [...shape] };
}

export type GeluForm = 'tanh' | 'erf';

export interface PlainOpsOptions {
  /** GeLU form: 'tanh' (default, HF GPT-2 "gelu_new") or 'erf' (exact). */
  readonly gelu?: GeluForm;
}

export class PlainOps implements Ops<PlainTensor> {
  readonly backend = 'plain-f64';
  readonly geluForm: GeluForm;

  scope<R>(_label: string, fn: () => Promise<R>): Promise<R> {
    return fn();
  }

  constructor(opts: PlainOpsOptions = {}) {
    this.geluForm = opts.gelu ?? 'tanh';
  }

  // ---- layout ----------------------------------------------------------------------------------

  shape(x: PlainTensor): Shape {
    return x.shape;
  }

  reshape(x: PlainTensor, shape: Shape): PlainTensor {
    if (numel(shape, 'reshape') !== x.data.length) throw new RangeError(`reshape: ${fmtShape(x.shape)} -> ${fmtShape(shape)}`);
    return { data: x.data, shape: [...shape] };
  }

  transpose(x: PlainTensor, perm: readonly number[]): PlainTensor {
    const rank = x.shape.length;
    assertPermutation('transpose', perm, rank);
    const outShape = perm.map((p) => x.shape[p]);
    const inStrides = stridesOf(x.shape);
    const st = perm.map((p) => inStrides[p]); // input stride of each output axis
    const out = new Float64Array(x.data.length);
    const idx = new Array<number>(rank).fill(0);
    let src = 0;
    for (let o = 0; o < out.length; o++) {
      out[o] = x.data[src];
      for (let a = rank - 1; a >= 0; a--) {
        idx[a]++;
        src += st[a];
        if (idx[a] < outShape[a]) break;
        src -= st[a] * idx[a];
        idx[a] = 0;
      }
    }
    return { data: out, shape: outShape };
  }

  sliceRows(x: PlainTensor, start: number, end: number): PlainTensor {
    const m = x.shape[0];
    if (x.shape.length < 1 || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > m || start >= end) {
      throw new RangeError(`sliceRows: rows ${start}..${end} of ${fmtShape(x.shape)}`);
    }
    const row = x.data.length / m;
    return { data: x.data.slice(start * row, end * row), shape: [end - start, ...x.shape.slice(1)] };
  }

  concatRows(xs: readonly PlainTensor[]): PlainTensor {
    if (xs.length === 0) throw new RangeError('concatRows: no tensors');
    const tail = xs[0].shape.slice(1);
    let rows = 0;
    for (const t of xs) {
      if (!sameShape(t.shape.slice(1), tail)) throw new RangeError(`concatRows: ${fmtShape(t.shape)} vs ${fmtShape(xs[0].shape)}`);
      rows += t.shape[0];
    }
    const out = new Float64Array(rows * numel(tail));
    let off = 0;
    for (const t of xs) {
      out.set(t.data, off);
      off += t.data.length;
    }
    return { data: out, shape: [rows, ...tail] };
  }

  takeCols(x: PlainTensor, cols: readonly number[]): PlainTensor {
    const n = x.shape[x.shape.length - 1];
    for (const c of cols) {
      if (!Number.isInteger(c) || c < 0 || c >= n) throw new RangeError(`takeCols: column ${c} out of range for ${fmtShape(x.shape)}`);
    }
    const rows = x.data.length / n;
    const k = cols.length;
    const out = new Float64Array(rows * k);
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      for (let j = 0; j < k; j++) out[r * k + j] = x.data[base + cols[j]];
    }
    return { data: out, shape: [...x.shape.slice(0, -1), k] };
  }

  // ---- linear ----------------------------------------------------------------------------------

  async matmul(x: PlainTensor, w: PlainTensor): Promise<PlainTensor> {
    assertRank('matmul x', x.shape, 2);
    assertRank('matmul w', w.shape, 2);
    const [m, k] = x.shape;
    const [k2, n] = w.shape;
    if (k !== k2) throw new RangeError(`matmul: ${fmtShape(x.shape)} · ${fmtShape(w.shape)}`);
    const out = new Float64Array(m * n); // [M,N]
    mmInto(out, 0, x.data, 0, w.data, 0, m, k, n);
    return { data: out, shape: [m, n] };
  }

  async matmulT(x: PlainTensor, w: PlainTensor): Promise<PlainTensor> {
    assertRank('matmulT x', x.shape, 2);
    assertRank('matmulT w', w.shape, 2);
    const [m, k] = x.shape;
    const [n, k2] = w.shape;
    if (k !== k2) throw new RangeError(`matmulT: ${fmtShape(x.shape)} · ${fmtShape(w.shape)}ᵀ`);
    const out = new Float64Array(m * n); // [M,N]
    mmTInto(out, 0, x.data, 0, w.data, 0, m, k, n);
    return { data: out, shape: [m, n] };
  }

  async bmm(a: PlainTensor, b: PlainTensor): Promise<PlainTensor> {
    assertRank('bmm a', a.shape, 3);
    assertRank('bmm b', b.shape, 3);
    const [bs, m, k] = a.shape;
    const [bs2, k2, n] = b.shape;
    if (bs !== bs2 || k !== k2) throw new RangeError(`bmm: ${fmtShape(a.shape)} · ${fmtShape(b.shape)}`);
    const out = new Float64Array(bs * m * n); // [B,M,N]
    for (let i = 0; i < bs; i++) mmInto(out, i * m * n, a.data, i * m * k, b.data, i * k * n, m, k, n);
    return { data: out, shape: [bs, m, n] };
  }

  async bmmT(a: PlainTensor, b: PlainTensor): Promise<PlainTensor> {
    assertRank('bmmT a', a.shape, 3);
    assertRank('bmmT b', b.shape, 3);
    const [bs, m, k] = a.shape;
    const [bs2, n, k2] = b.shape;
    if (bs !== bs2 || k !== k2) throw new RangeError(`bmmT: ${fmtShape(a.shape)} · ${fmtShape(b.shape)}ᵀ`);
    const out = new Float64Array(bs * m * n); // [B,M,N]
    for (let i = 0; i < bs; i++) mmTInto(out, i * m * n, a.data, i * m * k, b.data, i * n * k, m, k, n);
    return { data: out, shape: [bs, m, n] };
  }

  async add(a: PlainTensor, b: PlainTensor): Promise<PlainTensor> {
    if (!isSuffixShape(a.shape, b.shape)) throw new RangeError(`add: ${fmtShape(b.shape)} does not broadcast over ${fmtShape(a.shape)}`);
    return { data: zipCyclic(a.data, b.data, (u, v) => u + v), shape: a.shape };
  }

  async mul(a: PlainTensor, b: PlainTensor): Promise<PlainTensor> {
    if (!isSuffixShape(a.shape, b.shape)) throw new RangeError(`mul: ${fmtShape(b.shape)} does not broadcast over ${fmtShape(a.shape)}`);
    return { data: zipCyclic(a.data, b.data, (u, v) => u * v), shape: a.shape };
  }

  async mulPublic(x: PlainTensor, c: Float64Array): Promise<PlainTensor> {
    if (!isSuffixLength(x.shape, c.length)) throw new RangeError(`mulPublic: ${c.length} constants do not broadcast over ${fmtShape(x.shape)}`);
    return { data: zipCyclic(x.data, c, (u, v) => u * v), shape: x.shape };
  }

  async addPublic(x: PlainTensor, c: Float64Array): Promise<PlainTensor> {
    if (!isSuffixLength(x.shape, c.length)) throw new RangeError(`addPublic: ${c.length} constants do not broadcast over ${fmtShape(x.shape)}`);
    return { data: zipCyclic(x.data, c, (u, v) => u + v), shape: x.shape };
  }

  // ---- nonlinear -------------------------------------------------------------------------------

  async gelu(x: PlainTensor): Promise<PlainTensor> {
    const f = this.geluForm === 'erf' ? geluErf : geluTanh;
    return { data: x.data.map(f), shape: x.shape };
  }

  async silu(x: PlainTensor): Promise<PlainTensor> {
    return { data: x.data.map(silu), shape: x.shape };
  }

  async softmax(x: PlainTensor, mask?: SoftmaxMask, scale = 1): Promise<PlainTensor> {
    if (scale !== 1) x = { data: x.data.map((v) => v * scale), shape: x.shape };
    const c = x.shape[x.shape.length - 1];
    const rows = x.data.length / c;
    if (mask !== undefined) checkMask(mask, rows, c);
    const out = new Float64Array(x.data.length); // [R,C], masked entries stay 0
    for (let r = 0; r < rows; r++) {
      const base = r * c;
      const len = maskedRowLength(mask, r, c);
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, x.data[base + j]);
      let sum = 0;
      for (let j = 0; j < len; j++) {
        const e = Math.exp(x.data[base + j] - max);
        out[base + j] = e;
        sum += e;
      }
      for (let j = 0; j < len; j++) out[base + j] /= sum;
    }
    return { data: out, shape: x.shape };
  }

  /** bmmT, softmax, bmm (see Ops.attend). */
  async attend(q: PlainTensor, k: PlainTensor, v: PlainTensor, mask?: SoftmaxMask, scale = 1): Promise<PlainTensor> {
    const scores = await this.bmmT(q, k); // [B,M,C]
    const [b, m, c] = scores.shape;
    const att = await this.softmax({ data: scores.data, shape: [b * m, c] }, mask, scale);
    return this.bmm({ data: att.data, shape: [b, m, c] }, v); // [B,M,D]
  }

  async layerNorm(x: PlainTensor, gamma: PlainTensor, beta: PlainTensor, eps: number): Promise<PlainTensor> {
    const d = x.shape[x.shape.length - 1];
    checkNormParam('layerNorm gamma', gamma, d);
    checkNormParam('layerNorm beta', beta, d);
    const out = new Float64Array(x.data.length); // [M,D]
    for (let base = 0; base < x.data.length; base += d) {
      let mean = 0;
      for (let j = 0; j < d; j++) mean += x.data[base + j];
      mean /= d;
      let v = 0;
      for (let j = 0; j < d; j++) v += (x.data[base + j] - mean) ** 2;
      const inv = 1 / Math.sqrt(v / d + eps);
      for (let j = 0; j < d; j++) out[base + j] = (x.data[base + j] - mean) * inv * gamma.data[j] + beta.data[j];
    }
    return { data: out, shape: x.shape };
  }

  async residualLayerNorm(x: PlainTensor, h: PlainTensor, w: PlainTensor, bias: PlainTensor, gamma: PlainTensor, beta: PlainTensor, eps: number, next?: PlainTensor, nextTransB = false): Promise<[PlainTensor, PlainTensor]> {
    return composedResidualLayerNorm(this, x, h, w, bias, gamma, beta, eps, next, nextTransB);
  }

  async postLayerNorm(x: PlainTensor, h: PlainTensor, w: PlainTensor, bias: PlainTensor, gamma: PlainTensor, beta: PlainTensor, eps: number): Promise<PlainTensor> {
    return composedPostLayerNorm(this, x, h, w, bias, gamma, beta, eps);
  }

  async rmsNorm(x: PlainTensor, gamma: PlainTensor, eps: number): Promise<PlainTensor> {
    const d = x.shape[x.shape.length - 1];
    checkNormParam('rmsNorm gamma', gamma, d);
    const out = new Float64Array(x.data.length); // [M,D]
    for (let base = 0; base < x.data.length; base += d) {
      let ss = 0;
      for (let j = 0; j < d; j++) ss += x.data[base + j] ** 2;
      const inv = 1 / Math.sqrt(ss / d + eps);
      for (let j = 0; j < d; j++) out[base + j] = gamma.data[j] * (inv * x.data[base + j]);
    }
    return { data: out, shape: x.shape };
  }

  // ---- norm → matmul: the two ops in sequence -------------------------------------------------
  async normMatmul(x: PlainTensor, norm: NormParams<PlainTensor>, w: PlainTensor, transB = false): Promise<PlainTensor> {
    const h = norm.beta ? await this.layerNorm(x, norm.gamma, norm.beta, norm.eps) : await this.rmsNorm(x, norm.gamma, norm.eps);
    return transB ? this.matmulT(h, w) : this.matmul(h, w);
  }

  async argmax(x: PlainTensor): Promise<PlainTensor> {
    assertRank('argmax', x.shape, 2);
    const [r, v] = x.shape;
    const out = new Float64Array(r); // [R]
    for (let i = 0; i < r; i++) {
      let best = 0;
      for (let j = 1; j < v; j++) if (x.data[i * v + j] > x.data[i * v + best]) best = j;
      out[i] = best;
    }
    return { data: out, shape: [r] };
  }

  async embedding(input: TokenInput, table: PlainTensor): Promise<PlainTensor> {
    const tokens = tokenIds('embedding', input);
    assertRank('embedding table', table.shape, 2);
    const [vocab, d] = table.shape;
    checkTokens(tokens, vocab);
    const out = new Float64Array(tokens.length * d); // [n,D]
    tokens.forEach((t, i) => out.set(table.data.subarray(t * d, (t + 1) * d), i * d));
    return { data: out, shape: [tokens.length, d] };
  }

  async reveal(x: PlainTensor): Promise<Float64Array> {
    return x.data.slice();
  }
}

/** out[o + i*n + j] = Σ_k a[ao + i*k + t] · b[bo + t*n + j]  (a [m,k], b [k,n]). */
function mmInto(out: Float64Array, o: number, a: Float64Array, ao: number, b: Float64Array, bo: number, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const orow = o + i * n;
    for (let t = 0; t < k; t++) {
      const av = a[ao + i * k + t];
      const brow = bo + t * n;
      for (let j = 0; j < n; j++) out[orow + j] += av * b[brow + j];
    }
  }
}

/** out[o + i*n + j] = Σ_t a[ao + i*k + t] · b[bo + j*k + t]  (a [m,k], b [n,k]). */
function mmTInto(out: Float64Array, o: number, a: Float64Array, ao: number, b: Float64Array, bo: number, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const arow = ao + i * k;
    for (let j = 0; j < n; j++) {
      const brow = bo + j * k;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[arow + t] * b[brow + t];
      out[o + i * n + j] = s;
    }
  }
}

function zipCyclic(a: Float64Array, b: Float64Array, f: (u: number, v: number) => number): Float64Array {
  const out = new Float64Array(a.length);
  const bl = b.length;
  for (let i = 0; i < a.length; i++) out[i] = f(a[i], b[i % bl]);
  return out;
}

function checkNormParam(label: string, p: PlainTensor, d: number): void {
  if (p.data.length !== d) throw new RangeError(`${label}: expected [${d}], got ${fmtShape(p.shape)}`);
}
