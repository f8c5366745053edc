/**
 * SecureOps: the `Ops` backend on replicated shares. One instance per computing party; the same
 * model code runs at the three parties in lock-step. Linear ops are protocol ops (fixed-point
 * matmul with fused truncation), nonlinear ops are PUMA's approximations from src/approx, layout
 * ops are free public index maps, and the client supplies one-hot inputs and receives outputs.
 *
 * Every op runs under a meter label naming its class (matmul, softmax, gelu, ...), so the cost
 * of a forward pass can be broken down per op class.
 */
import { recvShare, sendShare, type ClientLink } from '../protocols/client-link.js';
import type { Party } from '../protocols/context.js';
import type { AShare } from '../protocols/share.js';
import { aShare, concatA, reshapeA } from '../protocols/share.js';
import { addAA, addAP, matmulAA, mulAP, shlA } from '../protocols/arith.js';
import { fMatmul, fMul } from '../protocols/fixed.js';
import { truncA } from '../protocols/trunc.js';
import { enableRangeCheck, flushRangeCheck } from '../protocols/range-check.js';
import { makeResident } from '../protocols/resident.js';
import { tuplePoolOf } from '../protocols/tuple-pool.js';
import { encode } from '../ring/fixed-point.js';
import { gelu, silu, softmax, softmaxMatmul, attention, layerNorm, rmsNorm, residualLayerNorm, type ApproxConfig, approxConfig } from '../approx/index.js';
import { raggedArgmax } from '../protocols/max.js';
import { checkMask, isTokenCount, maskedRowLength, type Ops, type SoftmaxMask, type TokenInput } from './arch/ops.js';
import { fmtShape, isSuffixShape, numel, type Shape } from './arch/shape.js';
import { gather, takeColsMap, tile, tileF64, transposeMap } from './layout.js';
import { normMatmul } from '../approx/index.js';
import type { NormParams } from './arch/ops.js';

/**
 * Checked mode (src/protocols/range-check.ts): every truncation input and the norms' variance
 * sums are range-checked by a batched secure comparison; an out-of-range value aborts the
 * session with MPC_ERR_RANGE. 'layer': one check per model layer (and one before each output),
 * naming the layer; 'op': one check per Ops call, naming the op (more rounds). Leakage: one bit
 * per check, "out of range: yes/no".
 */
export type CheckRanges = false | 'layer' | 'op';

export interface SecureOpsOptions {
  approx?: Partial<ApproxConfig>;
  /** Checked mode (default false); `true` means 'layer'. */
  checkRanges?: CheckRanges | true;
}

const LAYER_SCOPE = /^layer\d+$/;

export class SecureOps implements Ops<AShare> {
  readonly backend = 'secure';
  readonly approx: ApproxConfig;
  /** Embedding tables seen so far: a matmulT against one of them is the (tied) LM head. */
  private readonly tables = new Set<AShare>();

  readonly checkRanges: CheckRanges;

  constructor(
    readonly party: Party,
    /** This party's end of the client link: one-hot inputs in, output shares out. */
    readonly client: ClientLink,
    opts: SecureOpsOptions = {},
  ) {
    this.approx = approxConfig(opts.approx);
    this.checkRanges = opts.checkRanges === true ? 'layer' : (opts.checkRanges ?? false);
    if (this.checkRanges) enableRangeCheck(party);
  }

  scope<T>(label: string, fn: () => Promise<T>): Promise<T> {
    if (!LAYER_SCOPE.test(label)) return this.party.meter.scope(label, fn);
    return this.party.meter.scope(label, async () => {
      // a layer is a segment of the tuple pool's (tuple-pool.ts): a first phase serves its layers from the layer before's claims
      const pool = tuplePoolOf(this.party);
      pool?.beginSegment(this.party, 'layer');
      const out = await fn();
      pool?.endSegment(this.party);
      if (this.checkRanges === 'layer') await flushRangeCheck(this.party, this.where()); // one check per layer, metered as 'rangeCheck' inside it
      return out;
    });
  }

  /** The current meter path plus `label` (names the group of a range check). */
  private where(label?: string): string {
    const path = this.party.meter.path;
    return [path, label].filter(Boolean).join('/') || 'model';
  }

  /** An op that may truncate, range-checked on its own in 'op' mode. */
  private async checked<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const out = await fn();
    if (this.checkRanges === 'op') await flushRangeCheck(this.party, this.where(label));
    return out;
  }

  // ---- layout (free) ------------------------------------------------------------------------------
  shape(x: AShare): Shape {
    return x.shape;
  }

  reshape(x: AShare, shape: Shape): AShare {
    return reshapeA(x, shape);
  }

  transpose(x: AShare, perm: readonly number[]): AShare {
    const { map, outShape } = transposeMap(x.shape, perm);
    return aShare(outShape, gather(x.s0, map), gather(x.s1, map));
  }

  sliceRows(x: AShare, start: number, end: number): AShare {
    const rows = x.shape[0];
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= rows)) {
      throw new RangeError(`sliceRows: [${start}, ${end}) out of range for ${fmtShape(x.shape)}`);
    }
    const w = numel(x.shape) / rows;
    return aShare([end - start, ...x.shape.slice(1)], x.s0.slice(start * w, end * w), x.s1.slice(start * w, end * w));
  }

  concatRows(xs: readonly AShare[]): AShare {
    if (xs.length === 0) throw new RangeError('concatRows: nothing to concatenate');
    const tail = xs[0].shape.slice(1);
    for (const x of xs) if (!isSuffixShape(x.shape, tail) || x.shape.length !== tail.length + 1) throw new RangeError(`concatRows: ${fmtShape(x.shape)} does not match [*,${tail.join(',')}]`);
    const rows = xs.reduce((t, x) => t + x.shape[0], 0);
    return reshapeA(concatA(xs), [rows, ...tail]);
  }

  takeCols(x: AShare, cols: readonly number[]): AShare {
    const { map, outShape } = takeColsMap(x.shape, cols);
    return aShare(outShape, gather(x.s0, map), gather(x.s1, map));
  }

  // ---- linear --------------------------------------------------------------------------------------
  private checkMatmul(label: string, x: AShare, w: AShare, rank: number): void {
    if (x.shape.length !== rank || w.shape.length !== rank) throw new RangeError(`${label}: expected rank-${rank} operands, got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
  }

  /** `w` of matmul/matmulT and the embedding table are model weights: made resident (see resident.ts). */
  async matmul(x: AShare, w: AShare): Promise<AShare> {
    this.checkMatmul('matmul', x, w, 2);
    await makeResident(w);
    return this.checked('matmul', () => this.scope('matmul', () => fMatmul(this.party, x, w)));
  }

  async matmulT(x: AShare, w: AShare): Promise<AShare> {
    this.checkMatmul('matmulT', x, w, 2);
    await makeResident(w);
    const label = this.tables.has(w) ? 'lmHead' : 'matmul';
    return this.checked(label, () => this.scope(label, () => fMatmul(this.party, x, w, true)));
  }

  bmm(a: AShare, b: AShare): Promise<AShare> {
    this.checkMatmul('bmm', a, b, 3);
    return this.checked('attnMatmul', () => this.scope('attnMatmul', () => fMatmul(this.party, a, b)));
  }

  bmmT(a: AShare, b: AShare): Promise<AShare> {
    this.checkMatmul('bmmT', a, b, 3);
    return this.checked('attnMatmul', () => this.scope('attnMatmul', () => fMatmul(this.party, a, b, true)));
  }

  private broadcast(label: string, a: AShare, b: AShare): AShare {
    if (!isSuffixShape(a.shape, b.shape)) throw new RangeError(`${label}: ${fmtShape(b.shape)} does not broadcast over ${fmtShape(a.shape)}`);
    return aShare(a.shape, tile(b.s0, a.s0.length), tile(b.s1, a.s0.length));
  }

  async add(a: AShare, b: AShare): Promise<AShare> {
    return addAA(this.party, a, this.broadcast('add', a, b));
  }

  mul(a: AShare, b: AShare): Promise<AShare> {
    const bb = this.broadcast('mul', a, b);
    return this.checked('mul', () => this.scope('mul', () => fMul(this.party, a, bb)));
  }

  mulPublic(x: AShare, c: Float64Array): Promise<AShare> {
    const cc = tileF64(c, x.s0.length);
    return this.checked('mulPublic', () => this.scope('mulPublic', async () => {
      if (cc.every((v) => Number.isInteger(v))) return mulAP(this.party, x, BigUint64Array.from(cc, (v) => BigInt.asUintN(64, BigInt(v))));
      return truncA(this.party, mulAP(this.party, x, encode(cc, this.party.cfg, 'public multiplier')));
    }));
  }

  async addPublic(x: AShare, c: Float64Array): Promise<AShare> {
    return addAP(this.party, x, encode(tileF64(c, x.s0.length), this.party.cfg, 'public addend'));
  }

  // ---- nonlinear -----------------------------------------------------------------------------------
  gelu(x: AShare): Promise<AShare> {
    return this.checked('gelu', () => gelu(this.party, x, this.approx));
  }

  silu(x: AShare): Promise<AShare> {
    return this.checked('silu', () => silu(this.party, x, this.approx));
  }

  /**
   * A power-of-two scale 2^−s (s ∈ [0, 16]) is folded into the exponential's input scale for
   * free; any other scale costs a fixed-point multiply first.
   */
  async softmax(x: AShare, mask?: SoftmaxMask, scale = 1): Promise<AShare> {
    const a = await this.softmaxArgs(x, mask, scale);
    return this.checked('softmax', () => softmax(this.party, a.x, this.approx, a.rowLengths, a.shift));
  }

  /**
   * With a power-of-two scale (folded into the exp): one op, class 'attention'
   * (src/approx/attention.ts: q·kᵀ, its row max started before the scores' truncation, softmax·V
   * normalised after the product). Any other scale: q·kᵀ (attnMatmul), the scale's multiply
   * (mulPublic), then softmax·V (softmaxMatmul, src/approx/softmax-matmul.ts).
   */
  async attend(q: AShare, k: AShare, v: AShare, mask?: SoftmaxMask, scale = 1): Promise<AShare> {
    const shift = -Math.log2(scale);
    if (Number.isInteger(shift) && shift >= 0 && shift <= 16) {
      this.checkMatmul('attend', q, k, 3);
      const rows = q.shape[0] * q.shape[1];
      const rowLengths = this.maskRows(mask, rows, k.shape[1]);
      return this.checked('attention', () => attention(this.party, q, k, v, this.approx, rowLengths, shift));
    }
    const scores = await this.bmmT(q, k); // [B,M,C]
    const [b, m, c] = scores.shape;
    const a = await this.softmaxArgs(reshapeA(scores, [b * m, c]), mask, scale);
    return this.checked('softmaxMatmul', () => softmaxMatmul(this.party, reshapeA(a.x, [b, m, c]), v, this.approx, a.rowLengths, a.shift));
  }

  /** The mask's kept columns per row of a [rows, cols] softmax (undefined: no mask). */
  private maskRows(mask: SoftmaxMask | undefined, rows: number, cols: number): Int32Array | undefined {
    if (!mask) return undefined;
    checkMask(mask, rows, cols);
    const rowLengths = new Int32Array(rows);
    for (let r = 0; r < rows; r++) rowLengths[r] = maskedRowLength(mask, r, cols);
    return rowLengths;
  }

  /** x [R,C] scaled (unless the scale folds into the exp as a shift) and the mask's row lengths. */
  private async softmaxArgs(x: AShare, mask: SoftmaxMask | undefined, scale: number): Promise<{ x: AShare; rowLengths?: Int32Array; shift: number }> {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`softmax: scale must be a positive number, got ${scale}`);
    const shift = -Math.log2(scale);
    const folds = Number.isInteger(shift) && shift >= 0 && shift <= 16;
    if (!folds) x = await this.mulPublic(x, Float64Array.of(scale));
    const cols = x.shape[x.shape.length - 1];
    const rowLengths = this.maskRows(mask, x.s0.length / cols, cols);
    return { x, ...(rowLengths ? { rowLengths } : {}), shift: folds ? shift : 0 };
  }

  /**
   * The matmul's weight is made resident as in matmul; its product is metered under 'matmul', the rest under 'layerNorm'
   * (with `next`: its row scaling under 'matmul' too, as in normMatmul).
   */
  async residualLayerNorm(x: AShare, h: AShare, w: AShare, bias: AShare, gamma: AShare, beta: AShare, eps: number, next?: AShare, nextTransB = false): Promise<[AShare, AShare]> {
    this.checkMatmul('residualLayerNorm', h, w, 2);
    await makeResident(w);
    if (next) await makeResident(next);
    const nextLabel = next && this.tables.has(next) ? 'lmHead' : 'matmul';
    const opts = next ? { next, nextTransB, nextLabel } : {};
    const [sum, y] = await this.checked(next ? `layerNorm+${nextLabel}` : 'layerNorm', () => residualLayerNorm(this.party, x, h, w, bias, gamma, beta, eps, opts, this.approx));
    return [sum as AShare, y];
  }

  async postLayerNorm(x: AShare, h: AShare, w: AShare, bias: AShare, gamma: AShare, beta: AShare, eps: number): Promise<AShare> {
    this.checkMatmul('postLayerNorm', h, w, 2);
    await makeResident(w);
    return (await this.checked('layerNorm', () => residualLayerNorm(this.party, x, h, w, bias, gamma, beta, eps, { keepSum: false, transB: true }, this.approx)))[1];
  }

  layerNorm(x: AShare, gamma: AShare, beta: AShare, eps: number): Promise<AShare> {
    return this.checked('layerNorm', () => layerNorm(this.party, x, gamma, beta, eps, this.approx));
  }

  rmsNorm(x: AShare, gamma: AShare, eps: number): Promise<AShare> {
    return this.checked('rmsNorm', () => rmsNorm(this.party, x, gamma, eps, this.approx));
  }

  // ---- norm → matmul, fused (src/approx/norm-matmul.ts) ---------------------------------------
  /**
   * The norm is metered as 'layerNorm'/'rmsNorm' (including the matmul on G·B, which runs beside
   * the rsqrt's polynomial), the final row scaling as 'matmul', or 'lmHead' against an embedding
   * table.
   */
  async normMatmul(x: AShare, norm: NormParams<AShare>, w: AShare, transB = false): Promise<AShare> {
    this.checkMatmul('normMatmul', x, w, 2);
    await makeResident(w);
    const out = transB && this.tables.has(w) ? 'lmHead' : 'matmul';
    return this.checked(`${norm.beta ? 'layerNorm' : 'rmsNorm'}+${out}`, () => normMatmul(this.party, x, norm, w, transB, out, this.approx));
  }

  /** Secure argmax; the index is returned as a fixed-point value so `reveal` decodes it. */
  argmax(x: AShare): Promise<AShare> {
    const V = x.shape[x.shape.length - 1];
    const rows = x.s0.length / V;
    return this.scope('argmax', async () => {
      await flushRangeCheck(this.party, this.where()); // never select from unchecked values
      const { index } = await raggedArgmax(this.party, x, new Array<number>(rows).fill(V), this.approx.softmax.maxArity);
      return reshapeA(shlA(this.party, index, this.party.cfg.fracBits), x.shape.slice(0, -1));
    });
  }

  /**
   * The client one-hot encodes its tokens and shares the rows; onehot [n,V] · table [V,D] needs no
   * truncation (the one-hot is an integer matrix). Token values are not known here, only n.
   */
  async embedding(tokens: TokenInput, table: AShare): Promise<AShare> {
    if (!isTokenCount(tokens)) throw new TypeError('SecureOps.embedding: a computing party gets a token count (tokenCount(n)), never token ids');
    this.tables.add(table);
    await makeResident(table);
    return this.scope('embedding', async () => {
      const onehot = await recvShare(this.client, 'onehot', [tokens.count, table.shape[0]]);
      return matmulAA(this.party, onehot, table);
    });
  }

  /** Sends this party's share to the client; the party itself learns nothing (empty result). */
  async reveal(x: AShare): Promise<Float64Array> {
    await this.scope('output', async () => {
      await flushRangeCheck(this.party, this.where()); // nothing unchecked leaves the parties
      sendShare(this.client, 'output', x);
    });
    return new Float64Array(0);
  }
}
