/**
 * `Ops<T>`: the tensor operations the transformer is written against, once. Backends: `PlainOps`
 * (float64 reference, `plain-ops.ts`), `FixedOps` (plaintext fixed point, `fixed-ops.ts`) and
 * `SecureOps` (replicated shares, `../secure-ops.ts`, on top of `src/approx`).
 *
 * Rules the model code follows so that the secure backend is efficient:
 * - Layout ops (shape, reshape, transpose, sliceRows, concatRows, takeCols) are synchronous and
 *   free on shares: each party applies the same public index map to both of its components.
 * - Everything else is async. One call handles a whole tensor; attention puts ALL heads through one
 *   `attend` (q·kᵀ, softmax, ·V). No op is called inside a loop over heads or positions.
 * - The model awaits every op before issuing the next one (never two ops in flight at once), so a
 *   backend may assume strictly sequential calls on one session.
 * - Weights are handles of type T (see `weights.ts`); the activations never leave T except through
 *   `reveal` (and `argmax` + `reveal` in token mode).
 *
 * Fixed-point note for SecureOps (f fractional bits): the ops whose exact result carries 2f
 * fractional bits and therefore need a truncation are matmul, matmulT, bmm, bmmT, mul and
 * mulPublic (unless every constant is an integer). add, addPublic and all layout ops are exact and
 * local. `embedding` multiplies by an integer one-hot matrix: no truncation.
 *
 * Broadcasting (add, mul, mulPublic, addPublic): the second operand is broadcast over the LEADING
 * axes of the first, numpy-style: its shape must equal a trailing suffix of the first operand's
 * shape (a bias [N] over [M,N]). For a public Float64Array `c` this means c.length is 1 (scalar) or
 * the element count of a trailing suffix of x's shape; element i of x meets c[i % c.length].
 */
import type { Shape } from './shape.js';

export type { Shape } from './shape.js';

/**
 * Public causal mask for `softmax(x [R,C], mask)`.
 *
 * The R rows are `R / queryLen` blocks of `queryLen` consecutive query positions (e.g. heads ×
 * positions flattened). Row r is the query at absolute position p = offset + (r mod queryLen) and
 * attends only to key columns c ≤ p. Masked entries are SKIPPED (the secure side never computes
 * them) and their output is exactly 0. Requires R % queryLen == 0 and offset + queryLen ≤ C; in the
 * models C = offset + queryLen (cached keys + new keys).
 */
export interface CausalMask {
  readonly kind: 'causal';
  /** Query positions per block of rows (the number of new positions in this forward call). */
  readonly queryLen: number;
  /** Absolute position of the first query (= number of keys already in the KV cache). */
  readonly offset: number;
}

export type SoftmaxMask = CausalMask;

export function causalMask(queryLen: number, offset: number): CausalMask {
  if (!Number.isInteger(queryLen) || queryLen < 1) throw new RangeError(`causal mask: queryLen must be a positive integer, got ${queryLen}`);
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`causal mask: offset must be a non-negative integer, got ${offset}`);
  return Object.freeze({ kind: 'causal', queryLen, offset });
}

/** Number of unmasked (leading) columns of row r: columns 0..len-1 are kept, the rest skipped. */
export function maskedRowLength(mask: SoftmaxMask | undefined, r: number, cols: number): number {
  if (mask === undefined) return cols;
  return mask.offset + (r % mask.queryLen) + 1;
}

/** Validates a mask against softmax input [R,C]; throws RangeError naming the mismatch. */
export function checkMask(mask: SoftmaxMask, rows: number, cols: number): void {
  if (mask.kind !== 'causal') throw new RangeError(`softmax: unknown mask kind ${String((mask as { kind: unknown }).kind)}`);
  if (rows % mask.queryLen !== 0) throw new RangeError(`softmax: ${rows} rows are not blocks of queryLen ${mask.queryLen}`);
  if (mask.offset + mask.queryLen > cols) {
    throw new RangeError(`softmax: causal mask offset ${mask.offset} + queryLen ${mask.queryLen} exceeds ${cols} columns`);
  }
}

/**
 * The tokens of one forward call, as a backend receives them. The plaintext backends get the ids.
 * The computing parties never know them: the client one-hot encodes its tokens and shares [n, V],
 * so a party gets only the count n, which is public like every shape.
 */
export type TokenInput = readonly number[] | TokenCount;

/** n tokens whose ids only the client knows. */
export interface TokenCount {
  readonly count: number;
}

/** A token count for the parties' side of a forward call; throws RangeError unless n is an integer ≥ 0. */
export function tokenCount(n: number): TokenCount {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`token count must be a non-negative integer, got ${n}`);
  return Object.freeze({ count: n });
}

export function isTokenCount(tokens: TokenInput): tokens is TokenCount {
  return !Array.isArray(tokens);
}

/** Number of tokens (positions) of a forward call, ids or count. */
export function countOf(tokens: TokenInput): number {
  return isTokenCount(tokens) ? tokens.count : tokens.length;
}

/** The ids of a plaintext backend's input; throws TypeError when it got only a count. */
export function tokenIds(label: string, tokens: TokenInput): readonly number[] {
  if (isTokenCount(tokens)) throw new TypeError(`${label}: this backend needs token ids, got only a count (${tokens.count})`);
  return tokens;
}

/** The parameters of `normMatmul`'s norm: LayerNorm when beta is given, RMSNorm otherwise. */
export interface NormParams<T> {
  readonly gamma: T; // [D]
  readonly beta?: T; // [D]
  readonly eps: number;
}

export interface Ops<T> {
  /** Backend name for logs and test titles ('plain-f64', 'secure', ...). */
  readonly backend: string;

  /**
   * Runs `fn` under a cost label ('layer3', 'attn', 'mlp'): SecureOps meters the bytes and rounds
   * of everything inside under that nested label; PlainOps just runs it.
   */
  scope<R>(label: string, fn: () => Promise<R>): Promise<R>;

  // ---- layout: synchronous, free on shares --------------------------------------------------
  shape(x: T): Shape;
  /** Same elements, new shape (same element count). */
  reshape(x: T, shape: Shape): T;
  /** Permute axes: out.shape[i] = x.shape[perm[i]]. e.g. [n,H,hs] -perm [1,0,2]-> [H,n,hs]. */
  transpose(x: T, perm: readonly number[]): T;
  /** x [M, ...] -> [end-start, ...]: rows start..end-1 of axis 0 (public positions). */
  sliceRows(x: T, start: number, end: number): T;
  /** [M_i, ...] (same trailing shape) -> [sum M_i, ...]: concatenation along axis 0 (KV cache). */
  concatRows(xs: readonly T[]): T;
  /**
   * x [..., N] -> [..., cols.length]: out[..., j] = x[..., cols[j]], public indices on the last
   * axis (column slices such as splitting c_attn into q,k,v; RoPE's pair swap). Repeats allowed.
   */
  takeCols(x: T, cols: readonly number[]): T;

  // ---- linear -----------------------------------------------------------------------------------
  /** x [M,K] · w [K,N] -> [M,N]   (GPT-2 Conv1D layout, x·W). */
  matmul(x: T, w: T): Promise<T>;
  /** x [M,K] · w [N,K]ᵀ -> [M,N]  (llama2.c [out,in] layout; tied LM head x·Eᵀ). */
  matmulT(x: T, w: T): Promise<T>;
  /** a [B,M,K] · b [B,K,N] -> [B,M,N], one matmul per batch entry, all in one call. */
  bmm(a: T, b: T): Promise<T>;
  /** a [B,M,K] · b [B,N,K]ᵀ -> [B,M,N] (attention scores q·kᵀ for all heads at once). */
  bmmT(a: T, b: T): Promise<T>;
  /** a + b; b's shape is a's shape or a trailing suffix of it (bias [N] over [M,N]). */
  add(a: T, b: T): Promise<T>;
  /** a ⊙ b elementwise; b's shape is a's shape or a trailing suffix of it. */
  mul(a: T, b: T): Promise<T>;
  /** x ⊙ c with public constants c (broadcast, see header): RoPE tables, 1/sqrt(d). */
  mulPublic(x: T, c: Float64Array): Promise<T>;
  /** x + c with public constants c (broadcast, see header). */
  addPublic(x: T, c: Float64Array): Promise<T>;

  // ---- nonlinear --------------------------------------------------------------------------------
  /** GeLU elementwise (PlainOps: tanh form by default, see plain-ops.ts; SecureOps: PUMA). */
  gelu(x: T): Promise<T>;
  /** SiLU x·sigmoid(x) elementwise. */
  silu(x: T): Promise<T>;
  /**
   * Row softmax over the last axis of scale·x [..., C] (scale: a public positive number, default
   * 1; attention's 1/√d_head); mask is public and its entries are skipped.
   */
  softmax(x: T, mask?: SoftmaxMask, scale?: number): Promise<T>;
  /**
   * Scaled dot-product attention per batch entry (all heads in one call):
   *   q [B,M,K], k [B,C,K], v [B,C,D] -> [B,M,D] = softmax(scale · q kᵀ) v,
   * the softmax over the last axis of the scores [B,M,C] with mask over their B·M rows. Same value
   * as bmmT, softmax, bmm; SecureOps normalises after the product (src/approx/softmax-matmul.ts)
   * so that att·V runs beside the softmax's reciprocal.
   */
  attend(q: T, k: T, v: T, mask?: SoftmaxMask, scale?: number): Promise<T>;
  /** x [M,D] -> (x - mean) / sqrt(var + eps) ⊙ gamma [D] + beta [D], per row. */
  layerNorm(x: T, gamma: T, beta: T, eps: number): Promise<T>;
  /**
   * Residual add, then LayerNorm of the sum (pre-LN blocks: GPT-2's c_proj → ln_2):
   * x' = x + h·w + bias (x [M,D], h [M,K], w [K,D], bias [D]) -> [x', layerNorm(x', gamma, beta, eps)].
   * Equal to add/matmul/layerNorm; SecureOps fuses the matmul's truncation with the row mean's
   * (src/approx/residual-norm.ts: 2 rounds fewer). With `next` [D,N] the second result is
   * layerNorm(x')·next [M,N] (the LayerNorm fused with that matmul as in `normMatmul`), or
   * ·nextᵀ with next [N,D] and nextTransB (the tied LM head).
   */
  residualLayerNorm(x: T, h: T, w: T, bias: T, gamma: T, beta: T, eps: number, next?: T, nextTransB?: boolean): Promise<[T, T]>;
  /** Post-LN (BERT): layerNorm(x + h·wᵀ + bias) with w [D,K] (matmulT layout); fused like residualLayerNorm. */
  postLayerNorm(x: T, h: T, w: T, bias: T, gamma: T, beta: T, eps: number): Promise<T>;
  /** x [M,D] -> x / sqrt(mean(x²) + eps) ⊙ gamma [D], per row. */
  rmsNorm(x: T, gamma: T, eps: number): Promise<T>;
  // ---- norm → matmul (one op so that SecureOps can fuse them) ---------------------------------
  /**
   * norm(x) · w, or · wᵀ with transB: LayerNorm (norm.beta given) or RMSNorm of x [M,D] with
   * norm.gamma [D], then w [D,N] (or [N,D]) -> [M,N]. Exactly `layerNorm`/`rmsNorm` then
   * `matmul`/`matmulT` in the plaintext backends; SecureOps fuses them (the per-row 1/σ commutes
   * with the matmul: 2 rounds fewer, src/approx/norm-matmul.ts). For a norm whose output feeds
   * only this matmul (GPT-2's ln_1 → c_attn and ln_f → LM head, LLaMA's attention norm).
   */
  normMatmul(x: T, norm: NormParams<T>, w: T, transB?: boolean): Promise<T>;
  /** x [R,V] -> [R]: index of the row maximum (first on ties), as a value handle. */
  argmax(x: T): Promise<T>;
  /**
   * n tokens and table [V,D] -> [n,D], row i = table[token i].
   * Plaintext backends take the ids (TypeError on a bare count) and throw RangeError naming the
   * token and the vocabulary size when one is out of range. SecureOps takes the count only
   * (TypeError on ids: a party never holds them): the client one-hot encodes and shares [n,V],
   * the parties compute onehot·table.
   */
  embedding(tokens: TokenInput, table: T): Promise<T>;
  /** Open x to the client: its values as float64, row-major. */
  reveal(x: T): Promise<Float64Array>;
}

/** Public index list start..end-1 for `takeCols`. */
export function range(start: number, end: number): number[] {
  const out = new Array<number>(Math.max(0, end - start));
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

/** Columns start..end-1 of the last axis (free on shares). */
export function sliceCols<T>(ops: Ops<T>, x: T, start: number, end: number): T {
  return ops.takeCols(x, range(start, end));
}

/** Checks a token list against a vocabulary size, as every `embedding` implementation must. */
export function checkTokens(tokens: readonly number[], vocabSize: number): void {
  if (tokens.length === 0) throw new RangeError('embedding: empty token list');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
      throw new RangeError(`embedding: token ${t} at index ${i} is out of range for vocabulary size ${vocabSize}`);
    }
  }
}

/**
 * residualLayerNorm and postLayerNorm as the plain ops they fuse (x + h·w + bias, then layerNorm or
 * normMatmul): what every plaintext backend does.
 */
export async function composedResidualLayerNorm<T>(ops: Ops<T>, x: T, h: T, w: T, bias: T, gamma: T, beta: T, eps: number, next?: T, nextTransB = false): Promise<[T, T]> {
  const sum = await ops.add(x, await ops.add(await ops.matmul(h, w), bias));
  if (next) return [sum, await ops.normMatmul(sum, { gamma, beta, eps }, next, nextTransB)];
  return [sum, await ops.layerNorm(sum, gamma, beta, eps)];
}

export async function composedPostLayerNorm<T>(ops: Ops<T>, x: T, h: T, w: T, bias: T, gamma: T, beta: T, eps: number): Promise<T> {
  return ops.layerNorm(await ops.add(x, await ops.add(await ops.matmulT(h, w), bias)), gamma, beta, eps);
}
