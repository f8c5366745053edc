/**
 * FixedOps: the plaintext fixed-point backend of `Ops` — the secure backend's arithmetic without
 * the secret sharing. Every value lives on the 2^−f grid (rounded after each op, as the ring
 * holds it), and the nonlinear ops use the SAME approximations as SecureOps (src/approx: the
 * piecewise GeLU/SiLU polynomials, exp as base(x/2^t)^(2^t) masked below maskBelow, Goldschmidt
 * reciprocal, the rsqrt polynomial after highest-bit normalisation), evaluated in float64. Not
 * emulated: the ±1-ulp randomness of the probabilistic truncation and the approximations'
 * internal scales (a few ulp). So FixedOps separates approximation error from protocol error,
 * and it runs any model on real inputs fast.
 *
 * Every op reports its magnitudes to a RangeMonitor against the bound of its op class
 * (src/approx/bounds.ts): sums of products before truncation, softmax row spreads, norm inputs,
 * variances and outputs, nonlinearity inputs, residual values. `npm run check-model` prints it.
 */
import { expApprox, geluApprox, reciprocalApprox, rsqrtApprox, siluApprox, DEFAULT_APPROX_CONFIG, type ApproxConfig } from '../../approx/index.js';
import { maskedRowLength, type Ops, type SoftmaxMask, type TokenInput, composedResidualLayerNorm, composedPostLayerNorm } from './ops.js';
import { PlainOps, type PlainTensor } from './plain-ops.js';
import type { NormParams } from './ops.js';
import type { RangeMonitor } from './range-monitor.js';
import type { Shape } from './shape.js';
import type { ModelWeights } from './weights.js';

/** round(x·2^f)/2^f elementwise (a new array). */
export function onGrid(xs: ArrayLike<number>, fracBits: number): Float64Array {
  const s = 2 ** fracBits;
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = Math.round(xs[i] * s) / s;
  return out;
}

/** Weights rounded to the grid IN PLACE, each tensor's largest |w| reported as 'weights |w|'. */
export function quantizeWeights<C>(w: ModelWeights<C, PlainTensor>, fracBits: number, monitor: RangeMonitor): ModelWeights<C, PlainTensor> {
  const s = 2 ** fracBits;
  for (const [name, t] of w.tensors) {
    monitor.seeAll('weights |w|', t.data, name);
    for (let i = 0; i < t.data.length; i++) t.data[i] = Math.round(t.data[i] * s) / s;
  }
  return w;
}

export class FixedOps implements Ops<PlainTensor> {
  readonly backend = 'plain-fixed';
  private readonly plain = new PlainOps();
  private readonly path: string[] = [];
  private readonly tables = new Set<PlainTensor>();

  constructor(
    readonly monitor: RangeMonitor,
    readonly fracBits = 18,
    readonly approx: ApproxConfig = DEFAULT_APPROX_CONFIG,
  ) {}

  async scope<R>(label: string, fn: () => Promise<R>): Promise<R> {
    this.path.push(label);
    try {
      return await fn();
    } finally {
      this.path.pop();
    }
  }

  private where(op: string): string {
    return [...this.path, op].join('/');
  }

  private grid(t: PlainTensor): PlainTensor {
    return { data: onGrid(t.data, this.fracBits), shape: t.shape };
  }

  /** Record `row` over t's values and return t on the grid. */
  private truncated(row: string, op: string, t: PlainTensor): PlainTensor {
    this.monitor.seeAll(row, t.data, this.where(op));
    return this.grid(t);
  }

  // ---- layout (exact) --------------------------------------------------------------------------
  shape(x: PlainTensor): Shape {
    return this.plain.shape(x);
  }
  reshape(x: PlainTensor, shape: Shape): PlainTensor {
    return this.plain.reshape(x, shape);
  }
  transpose(x: PlainTensor, perm: readonly number[]): PlainTensor {
    return this.plain.transpose(x, perm);
  }
  sliceRows(x: PlainTensor, start: number, end: number): PlainTensor {
    return this.plain.sliceRows(x, start, end);
  }
  concatRows(xs: readonly PlainTensor[]): PlainTensor {
    return this.plain.concatRows(xs);
  }
  takeCols(x: PlainTensor, cols: readonly number[]): PlainTensor {
    return this.plain.takeCols(x, cols);
  }

  // ---- linear: the exact sum of products is what the truncation sees ----------------------------
  async matmul(x: PlainTensor, w: PlainTensor): Promise<PlainTensor> {
    return this.truncated('matmul |Σ a·b|', 'matmul', await this.plain.matmul(x, w));
  }
  async matmulT(x: PlainTensor, w: PlainTensor): Promise<PlainTensor> {
    const head = this.tables.has(w);
    return this.truncated(head ? 'lmHead |Σ a·b|' : 'matmul |Σ a·b|', head ? 'lmHead' : 'matmul', await this.plain.matmulT(x, w));
  }
  async bmm(a: PlainTensor, b: PlainTensor): Promise<PlainTensor> {
    return this.truncated('attnMatmul |Σ a·b|', 'attnMatmul', await this.plain.bmm(a, b));
  }
  async bmmT(a: PlainTensor, b: PlainTensor): Promise<PlainTensor> {
    return this.truncated('attnMatmul |Σ a·b|', 'attnMatmul', await this.plain.bmmT(a, b));
  }
  async add(a: PlainTensor, b: PlainTensor): Promise<PlainTensor> {
    return this.truncated('add |a + b|', 'add', await this.plain.add(a, b));
  }
  async mul(a: PlainTensor, b: PlainTensor): Promise<PlainTensor> {
    return this.truncated('mul |a·b|', 'mul', await this.plain.mul(a, b));
  }
  async mulPublic(x: PlainTensor, c: Float64Array): Promise<PlainTensor> {
    return this.truncated('mulPublic |x·c|', 'mulPublic', await this.plain.mulPublic(x, onGrid(c, this.fracBits)));
  }
  async addPublic(x: PlainTensor, c: Float64Array): Promise<PlainTensor> {
    return this.truncated('add |a + b|', 'addPublic', await this.plain.addPublic(x, onGrid(c, this.fracBits)));
  }

  // ---- nonlinear: SecureOps' approximations ---------------------------------------------------
  async gelu(x: PlainTensor): Promise<PlainTensor> {
    this.monitor.seeAll('gelu |x|', x.data, this.where('gelu'));
    const v = this.approx.gelu.variant;
    return this.grid({ data: x.data.map((u) => geluApprox(u, v)), shape: x.shape });
  }

  async silu(x: PlainTensor): Promise<PlainTensor> {
    this.monitor.seeAll('silu |x|', x.data, this.where('silu'));
    const v = this.approx.silu.variant;
    return this.grid({ data: x.data.map((u) => siluApprox(u, v)), shape: x.shape });
  }

  /** scale: as SecureOps (a power of two is folded into the exponential's input, exactly). */
  async softmax(x: PlainTensor, mask?: SoftmaxMask, scale = 1): Promise<PlainTensor> {
    const { e, inv } = this.expRows(x, mask, scale, this.where('softmax'));
    const c = x.shape[x.shape.length - 1];
    const s = 2 ** this.fracBits;
    return { data: e.map((v, i) => Math.round(v * inv[Math.floor(i / c)] * s) / s), shape: x.shape };
  }

  /** As SecureOps: N = e·v on the grid (a fixed-point bmm), then each row times its rounded 1/Σe. */
  async attend(q: PlainTensor, k: PlainTensor, v: PlainTensor, mask?: SoftmaxMask, scale = 1): Promise<PlainTensor> {
    const scores = await this.bmmT(q, k); // [B,M,C]
    const [b, m, c] = scores.shape;
    const where = this.where('softmaxMatmul');
    const { e, inv } = this.expRows({ data: scores.data, shape: [b * m, c] }, mask, scale, where);
    const n = await this.bmm({ data: e, shape: [b, m, c] }, v); // [B,M,D] on the grid
    const d = n.shape[2];
    const y = n.data.map((u, i) => u * inv[Math.floor(i / d)]);
    this.monitor.seeAll('softmaxMatmul |N·r|', y, where);
    return this.grid({ data: y, shape: n.shape });
  }

  /** Per row of x [R,C]: e = exp(scale·x − max) on the grid (skipped entries 0) and 1/Σe at f + recipExtraBits. */
  private expRows(x: PlainTensor, mask: SoftmaxMask | undefined, scale: number, where: string): { e: Float64Array; inv: Float64Array } {
    const f = this.fracBits;
    const c = x.shape[x.shape.length - 1];
    const rows = x.data.length / c;
    const out = new Float64Array(x.data.length); // [R,C], skipped entries stay 0
    const inv = new Float64Array(rows);
    const e = this.approx.softmax.exp;
    const s = 2 ** f;
    const sr = 2 ** (f + this.approx.softmax.recipExtraBits);
    for (let r = 0; r < rows; r++) {
      const base = r * c;
      const len = maskedRowLength(mask, r, c);
      let max = -Infinity;
      let min = Infinity;
      for (let j = 0; j < len; j++) {
        max = Math.max(max, x.data[base + j]);
        min = Math.min(min, x.data[base + j]);
      }
      if (len) this.monitor.see('softmax row max − min', max - min, where);
      let sum = 0;
      for (let j = 0; j < len; j++) {
        const v = Math.round(expApprox((x.data[base + j] - max) * scale, e) * s) / s;
        out[base + j] = v;
        sum += v;
      }
      inv[r] = len ? Math.round(reciprocalApprox(sum, this.approx.reciprocal.iterations) * sr) / sr : 0;
    }
    return { e: out, inv };
  }

  async layerNorm(x: PlainTensor, gamma: PlainTensor, beta: PlainTensor, eps: number): Promise<PlainTensor> {
    const d = x.shape[x.shape.length - 1];
    const where = this.where('layerNorm');
    this.monitor.seeAll('layerNorm input |x|', x.data, where);
    const out = new Float64Array(x.data.length); // [M,D]
    const s = 2 ** this.fracBits;
    for (let base = 0; base < x.data.length; base += d) {
      let mean = 0;
      for (let j = 0; j < d; j++) mean += x.data[base + j];
      mean = Math.round((mean / d) * s) / s;
      let v = d * eps;
      for (let j = 0; j < d; j++) v += (x.data[base + j] - mean) ** 2;
      this.monitor.see('layerNorm variance Σ(x−μ)²+D·eps', v, where);
      const r = Math.sqrt(d) * rsqrtApprox(v);
      for (let j = 0; j < d; j++) {
        const y = (x.data[base + j] - mean) * gamma.data[j] * r;
        this.monitor.see('layerNorm |y − β|', y, where);
        out[base + j] = Math.round((y + beta.data[j]) * s) / s;
      }
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
    const where = this.where('rmsNorm');
    const out = new Float64Array(x.data.length); // [M,D]
    const s = 2 ** this.fracBits;
    for (let base = 0; base < x.data.length; base += d) {
      let v = d * eps;
      for (let j = 0; j < d; j++) v += x.data[base + j] ** 2;
      this.monitor.see('rmsNorm variance Σx²+D·eps', v, where);
      const r = Math.sqrt(d) * rsqrtApprox(v);
      for (let j = 0; j < d; j++) {
        const y = x.data[base + j] * gamma.data[j] * r;
        this.monitor.see('rmsNorm |y|', y, where);
        out[base + j] = Math.round(y * s) / s;
      }
    }
    return { data: out, shape: x.shape };
  }

  // ---- norm → matmul: the two ops in sequence (their rounding); the fused output's bound -------
  async normMatmul(x: PlainTensor, norm: NormParams<PlainTensor>, w: PlainTensor, transB = false): Promise<PlainTensor> {
    const h = norm.beta ? await this.layerNorm(x, norm.gamma, norm.beta, norm.eps) : await this.rmsNorm(x, norm.gamma, norm.eps);
    const y = transB ? await this.matmulT(h, w) : await this.matmul(h, w);
    this.monitor.seeAll('normMatmul |y|', y.data, this.where('normMatmul'));
    return y;
  }

  async argmax(x: PlainTensor): Promise<PlainTensor> {
    const v = x.shape[x.shape.length - 1];
    for (let base = 0; base < x.data.length; base += v) {
      let max = -Infinity;
      let min = Infinity;
      for (let j = 0; j < v; j++) {
        max = Math.max(max, x.data[base + j]);
        min = Math.min(min, x.data[base + j]);
      }
      this.monitor.see('argmax row max − min', max - min, this.where('argmax'));
    }
    return this.plain.argmax(x);
  }

  async embedding(tokens: TokenInput, table: PlainTensor): Promise<PlainTensor> {
    this.tables.add(table);
    const y = await this.plain.embedding(tokens, table);
    this.monitor.seeAll('embedding |x|', y.data, this.where('embedding'));
    return y;
  }

  async reveal(x: PlainTensor): Promise<Float64Array> {
    return this.plain.reveal(x);
  }
}
