/**
 * ApproxConfig: every knob of the nonlinear approximations in one typed, validated, frozen object
 * (CrypTen keeps its approximation knobs in one config the same way). Printed with the ring
 * config at session start and stored with benchmark results.
 *
 * Two presets:
 * - DEFAULT_APPROX_CONFIG: our defaults. `exp` is PUMA's (1 + x/2^5)^(2^5); softmax uses a
 *   degree-4 Taylor base with 3 squarings (same rounds and bytes as PUMA's exp, ~25x smaller
 *   softmax error, see docs/approx.md); GeLU and SiLU use our refitted piecewise polynomials.
 * - PUMA_APPROX_CONFIG: exactly the PUMA paper's choices everywhere (for comparisons).
 */

/** exp(x) for x ≤ 0 as base(x/2^t)^(2^t), base = degree-d Taylor polynomial of e^y (d = 1: PUMA). */
export interface ExpConfig {
  /** Degree of the Taylor base 1 + y + … + y^d/d! (1 = PUMA's 1 + x/2^t). */
  readonly degree: 1 | 2 | 3 | 4;
  /** Number of squarings t. */
  readonly t: number;
  /** Inputs below this are masked to exp = 0 (PUMA: −14). */
  readonly maskBelow: number;
}

export type GeluVariant = 'puma' | 'improved';
export type SiluVariant = 'puma' | 'improved';

export interface ApproxConfig {
  /** fExp (x ≤ 0). */
  readonly exp: ExpConfig;
  readonly reciprocal: {
    /** Goldschmidt iterations after the initial guess w = 2.9142 − 2c (PUMA/SPU: 2). */
    readonly iterations: number;
  };
  readonly gelu: { readonly variant: GeluVariant };
  readonly silu: { readonly variant: SiluVariant };
  readonly softmax: {
    /** exp used inside softmax (after subtracting the row max, inputs are ≤ 0). */
    readonly exp: ExpConfig;
    /** Extra fractional bits of the per-row reciprocal 1/Σ before the final multiply. */
    readonly recipExtraBits: number;
    /**
     * Largest group of the row-max tournament (src/protocols/max.ts): 2 is PUMA's binary
     * tree (10 rounds per halving); larger groups trade comparisons for rounds.
     */
    readonly maxArity: number;
    /**
     * Rows up to this length are reduced in ONE level, all pairs compared at once (0: off):
     * fewest rounds where rows are short (decode and prefill attention at short contexts), at
     * (L − 1)/2 comparisons per entry; longer rows keep the maxArity tournament, whose bytes grow
     * more slowly.
     */
    readonly oneLevelUpTo: number;
    /**
     * Truncation protocol of the row-wise chains: the exp, the per-row reciprocal and the final
     * normalisation (1: one online round against jointly made tuples, src/protocols/trunc-round1.ts;
     * 2: the dealer truncation). The scores' truncation and e·V, which run beside other work and
     * are large, always take 2.
     */
    readonly truncRounds: 1 | 2;
  };
  readonly norm: {
    /**
     * Bound on |x| of LayerNorm/RMSNorm inputs (sizes the mean's truncation; inputs beyond it
     * overflow). The variance needs Σ_d (x_d − mean)^2 < 2^(61 − 2f) as well (see docs).
     */
    readonly inputBound: number;
    /**
     * Truncation protocol of LayerNorm/RMSNorm's chain (centring, variance, the rsqrt's
     * normalisation, polynomial and table): 1 or 2 rounds, as softmax.truncRounds. A fused
     * norm → matmul keeps 2 for its matmul products ([M, N]: large, and the matmul on G·B runs beside
     * the polynomial).
     */
    readonly truncRounds: 1 | 2;
  };
  /**
   * A fused norm → matmul's [M, N] products (G·B·W and the row scaling) of at most this many
   * elements truncate in ONE round against jointly made tuples, started at the norm's start,
   * instead of the dealer's two; larger ones keep the dealer (0: never). (GeLU's powers and plain
   * matmuls stay on the dealer: their tuples would be needed at once, and on shaped WAN links the
   * wait for them cost more than the round saved.) The tuples cost ≈ 106 B more per element than the dealer's material (129.5 B
   * offline against 16, 24 B online against 32), while a round costs what a party sends in one
   * round trip: 625 kB on the PUMA LAN (1 ms, 5 Gbps), 500 kB on the WAN (40 ms, 100 Mbps). With
   * the extra bytes spread over three senders, one round saved is worth them up to ≈ 14 k elements;
   * 8192 keeps a margin. It shortens the decode step (one row: every product is small) and leaves
   * the prefill's large products on the dealer, where the tuples' bytes would outweigh a round.
   */
  readonly truncRound1UpTo: number;
}

/** Truncation rounds of a fused norm → matmul's products, `n` elements, under `cfg` (truncRound1UpTo). */
export const productTruncRounds = (n: number, cfg: Pick<ApproxConfig, 'truncRound1UpTo'>): 1 | 2 => (n <= cfg.truncRound1UpTo ? 1 : 2);

export const PUMA_EXP: ExpConfig = Object.freeze({ degree: 1, t: 5, maskBelow: -14 });
export const TAYLOR4_EXP: ExpConfig = Object.freeze({ degree: 4, t: 3, maskBelow: -14 });

function freezeDeep<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o as Record<string, unknown>)) freezeDeep(v);
    Object.freeze(o);
  }
  return o;
}

export const DEFAULT_APPROX_CONFIG: ApproxConfig = freezeDeep({
  exp: { ...PUMA_EXP },
  reciprocal: { iterations: 2 },
  gelu: { variant: 'improved' },
  silu: { variant: 'improved' },
  softmax: { exp: { ...TAYLOR4_EXP }, recipExtraBits: 14, maxArity: 16, oneLevelUpTo: 64, truncRounds: 1 },
  norm: { inputBound: 4096, truncRounds: 1 },
  truncRound1UpTo: 8192,
} satisfies ApproxConfig);

export const PUMA_APPROX_CONFIG: ApproxConfig = freezeDeep({
  exp: { ...PUMA_EXP },
  reciprocal: { iterations: 2 },
  gelu: { variant: 'puma' },
  silu: { variant: 'puma' },
  softmax: { exp: { ...PUMA_EXP }, recipExtraBits: 14, maxArity: 2, oneLevelUpTo: 0, truncRounds: 2 },
  norm: { inputBound: 4096, truncRounds: 2 },
  truncRound1UpTo: 0,
} satisfies ApproxConfig);

/** Partial overrides per section (a Partial<ApproxConfig> is one too). */
export interface ApproxOverrides {
  readonly exp?: Partial<ExpConfig>;
  readonly reciprocal?: Partial<ApproxConfig['reciprocal']>;
  readonly gelu?: Partial<ApproxConfig['gelu']>;
  readonly silu?: Partial<ApproxConfig['silu']>;
  readonly softmax?: { readonly exp?: Partial<ExpConfig>; readonly recipExtraBits?: number; readonly maxArity?: number; readonly oneLevelUpTo?: number; readonly truncRounds?: 1 | 2 };
  readonly norm?: Partial<ApproxConfig['norm']>;
  readonly truncRound1UpTo?: number;
}

function aInt(label: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${label} must be an integer, got ${String(v)}`);
  if (v < lo || v > hi) throw new RangeError(`${label} must be in [${lo}, ${hi}], got ${v}`);
  return v;
}

function aOneOf<T extends string>(label: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new RangeError(`${label} must be one of ${allowed.join(', ')}, got ${String(v)}`);
  return v as T;
}

/** The Taylor base Σ_{k≤d} y^k/k! must stay positive on [maskBelow/2^t, 0] (else the even power lies). */
export function validateExp(label: string, e: ExpConfig): ExpConfig {
  aInt(`${label}.degree`, e.degree, 1, 4);
  aInt(`${label}.t`, e.t, 1, 10);
  if (typeof e.maskBelow !== 'number' || !Number.isFinite(e.maskBelow) || e.maskBelow >= 0 || e.maskBelow < -64) {
    throw new RangeError(`${label}.maskBelow must be a finite number in [−64, 0), got ${String(e.maskBelow)}`);
  }
  const lo = e.maskBelow / 2 ** e.t;
  for (let i = 0; i <= 1000; i++) {
    const y = (lo * i) / 1000;
    let term = 1;
    let base = 1;
    for (let k = 1; k <= e.degree; k++) {
      term *= y / k;
      base += term;
    }
    if (!(base > 0)) {
      throw new RangeError(`${label}: the degree-${e.degree} base of exp is not positive at x = ${(y * 2 ** e.t).toFixed(3)} (t = ${e.t}); raise t or maskBelow`);
    }
  }
  return e;
}

/** Check a full config; throws TypeError/RangeError naming the offending field. */
export function validateApproxConfig(c: ApproxConfig): ApproxConfig {
  validateExp('exp', c.exp);
  validateExp('softmax.exp', c.softmax.exp);
  aInt('reciprocal.iterations', c.reciprocal.iterations, 0, 6);
  aOneOf('gelu.variant', c.gelu.variant, ['puma', 'improved'] as const);
  aOneOf('silu.variant', c.silu.variant, ['puma', 'improved'] as const);
  aInt('softmax.recipExtraBits', c.softmax.recipExtraBits, 0, 20);
  aInt('softmax.maxArity', c.softmax.maxArity, 2, 64);
  aInt('softmax.oneLevelUpTo', c.softmax.oneLevelUpTo, 0, 128);
  aInt('softmax.truncRounds', c.softmax.truncRounds, 1, 2);
  aInt('norm.truncRounds', c.norm.truncRounds, 1, 2);
  aInt('truncRound1UpTo', c.truncRound1UpTo, 0, 2 ** 30);
  const b = c.norm.inputBound;
  if (typeof b !== 'number' || !Number.isFinite(b) || b < 1 || b > 2 ** 30) throw new RangeError(`norm.inputBound must be in [1, 2^30], got ${String(b)}`);
  return c;
}

/** A validated, frozen config: `base` (default: DEFAULT_APPROX_CONFIG) with `over` applied. */
export function approxConfig(over: ApproxOverrides = {}, base: ApproxConfig = DEFAULT_APPROX_CONFIG): ApproxConfig {
  const c: ApproxConfig = {
    exp: { ...base.exp, ...over.exp },
    reciprocal: { ...base.reciprocal, ...over.reciprocal },
    gelu: { ...base.gelu, ...over.gelu },
    silu: { ...base.silu, ...over.silu },
    softmax: {
      ...base.softmax,
      ...over.softmax,
      exp: { ...base.softmax.exp, ...over.softmax?.exp },
    },
    norm: { ...base.norm, ...over.norm },
    truncRound1UpTo: over.truncRound1UpTo ?? base.truncRound1UpTo,
  };
  return freezeDeep(validateApproxConfig(c));
}

export function describeApproxConfig(c: ApproxConfig): string {
  const e = (x: ExpConfig) => `deg ${x.degree}, t=${x.t}, mask<${x.maskBelow}`;
  return [
    `exp(${e(c.exp)})`,
    `softmax.exp(${e(c.softmax.exp)}) recip+${c.softmax.recipExtraBits}b max-groups≤${c.softmax.maxArity}${c.softmax.oneLevelUpTo ? ` (one level ≤${c.softmax.oneLevelUpTo})` : ''} trunc ${c.softmax.truncRounds}-round`,
    `reciprocal Goldschmidt×${c.reciprocal.iterations}`,
    `gelu ${c.gelu.variant}`,
    `silu ${c.silu.variant}`,
    `norm |x|≤${c.norm.inputBound} trunc ${c.norm.truncRounds}-round`,
    `norm→matmul products ≤${c.truncRound1UpTo} trunc 1-round`,
  ].join('; ');
}
