/**
 * SecureOps: the `Ops` backend on replicated shares. One instance per computing party; the same
 * model code runs at the three parties in lock-step. Linear ops are protocol ops (fixed-point
 * matmul with fused truncation), nonlinear ops are PUMA's approximations from src/approx, layout
 * ops are free public index maps, and the client supplies one-hot inputs and receives outputs.
 *
 * Every op runs under a meter label naming its class (matmul, softmax, gelu, ...), so the cost
 * of a forward pass can be broken down per op class.
 */
import type { Party } from '../protocols/context.js';
import type { AShare } from '../protocols/share.js';
import { aShare, concatA, reshapeA } from '../protocols/share.js';
import { addAA, addAP, matmulAA, mulAP, shlA } from '../protocols/arith.js';
import { fMatmul, fMul } from '../protocols/fixed.js';
import { truncA } from '../protocols/trunc.js';
import { makeResident } from '../protocols/resident.js';
import { encode } from '../ring/fixed-point.js';
import { gelu, silu, softmax, layerNorm, rmsNorm, raggedArgmax, type ApproxConfig, approxConfig } from '../approx/index.js';
import type { ClientPort } from './client-port.js';
import { checkMask, maskedRowLength, type Ops, type SoftmaxMask } from './ops.js';
import { fmtShape, isSuffixShape, numel, type Shape } from './_shape.js';
import { gather, takeColsMap, tile, tileF64, transposeMap } from './layout.js';

export interface SecureOpsOptions {
  approx?: Partial<ApproxConfig>;
}

export class SecureOps implements Ops<AShare> {
  readonly backend = 'secure';
  readonly approx: ApproxConfig;
  /** Embedding tables seen so far: a matmulT against one of them is the (tied) LM head. */
  private readonly tables = new Set<AShare>();

  constructor(
    readonly party: Party,
    readonly client: ClientPort,
    opts: SecureOpsOptions = {},
  ) {
    this.approx = approxConfig(opts.approx);
  }

  scope<T>(label: string, fn: () => Promise<T>): Promise<T> {
    return this.party.meter.scope(label, fn);
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
    return this.scope('matmul', () => fMatmul(this.party, x, w));
  }

  async matmulT(x: AShare, w: AShare): Promise<AShare> {
    this.checkMatmul('matmulT', x, w, 2);
    await makeResident(w);
    return this.scope(this.tables.has(w) ? 'lmHead' : 'matmul', () => fMatmul(this.party, x, w, true));
  }

  bmm(a: AShare, b: AShare): Promise<AShare> {
    this.checkMatmul('bmm', a, b, 3);
    return this.scope('attnMatmul', () => fMatmul(this.party, a, b));
  }

  bmmT(a: AShare, b: AShare): Promise<AShare> {
    this.checkMatmul('bmmT', a, b, 3);
    return this.scope('attnMatmul', () => fMatmul(this.party, a, b, true));
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
    return this.scope('mul', () => fMul(this.party, a, bb));
  }

  mulPublic(x: AShare, c: Float64Array): Promise<AShare> {
    const cc = tileF64(c, x.s0.length);
    return this.scope('mulPublic', async () => {
      if (cc.every((v) => Number.isInteger(v))) return mulAP(this.party, x, BigUint64Array.from(cc, (v) => BigInt.asUintN(64, BigInt(v))));
      return truncA(this.party, mulAP(this.party, x, encode(cc, this.party.cfg, 'public multiplier')));
    });
  }

  async addPublic(x: AShare, c: Float64Array): Promise<AShare> {
    return addAP(this.party, x, encode(tileF64(c, x.s0.length), this.party.cfg, 'public addend'));
  }

  // ---- nonlinear -----------------------------------------------------------------------------------
  gelu(x: AShare): Promise<AShare> {
    return gelu(this.party, x, this.approx);
  }

  silu(x: AShare): Promise<AShare> {
    return silu(this.party, x, this.approx);
  }

  softmax(x: AShare, mask?: SoftmaxMask): Promise<AShare> {
    const cols = x.shape[x.shape.length - 1];
    const rows = x.s0.length / cols;
    let rowLengths: Int32Array | undefined;
    if (mask) {
      checkMask(mask, rows, cols);
      rowLengths = new Int32Array(rows);
      for (let r = 0; r < rows; r++) rowLengths[r] = maskedRowLength(mask, r, cols);
    }
    return softmax(this.party, x, this.approx, rowLengths);
  }

  layerNorm(x: AShare, gamma: AShare, beta: AShare, eps: number): Promise<AShare> {
    return layerNorm(this.party, x, gamma, beta, eps, this.approx);
  }

  rmsNorm(x: AShare, gamma: AShare, eps: number): Promise<AShare> {
    return rmsNorm(this.party, x, gamma, eps, this.approx);
  }

  /** Secure argmax; the index is returned as a fixed-point value so `reveal` decodes it. */
  argmax(x: AShare): Promise<AShare> {
    const V = x.shape[x.shape.length - 1];
    const rows = x.s0.length / V;
    return this.scope('argmax', async () => {
      const { index } = await raggedArgmax(this.party, x, new Array<number>(rows).fill(V), this.approx.softmax.maxArity);
      return reshapeA(shlA(this.party, index, this.party.cfg.fracBits), x.shape.slice(0, -1));
    });
  }

  /**
   * The client one-hot encodes its tokens and shares the rows; onehot [n,V] · table [V,D] needs no
   * truncation (the one-hot is an integer matrix). Token values are not known here, only n.
   */
  async embedding(tokens: readonly number[], table: AShare): Promise<AShare> {
    this.tables.add(table);
    await makeResident(table);
    return this.scope('embedding', async () => {
      const onehot = await this.client.input('onehot', [tokens.length, table.shape[0]]);
      return matmulAA(this.party, onehot, table);
    });
  }

  /** Sends this party's share to the client; the party itself learns nothing (empty result). */
  async reveal(x: AShare): Promise<Float64Array> {
    await this.scope('output', () => this.client.output('output', x));
    return new Float64Array(0);
  }
}
