/**
 * Autoregressive generation over a CausalLM<T>: prefill the prompt once, then one KV-cached step
 * per new token.
 *
 * Output modes (DESIGN §6):
 * - 'logits': the client receives the last position's logits (`ops.reveal`) and picks the token
 *   itself: greedy (temperature 0), or temperature / top-p sampling with llama2.c's sampler and a
 *   seeded xorshift* RNG, so a (seed, logits) sequence always gives the same tokens.
 * - 'token': the parties run `ops.argmax` and the client receives only the token id (greedy only;
 *   the model owner's logits stay hidden).
 */
import { newSession, type CausalLM } from './arch/causal-lm.js';

export type OutputMode = 'logits' | 'token';

export interface GenerateOptions {
  readonly maxNewTokens: number;
  readonly mode?: OutputMode; // default 'logits'
  readonly temperature?: number; // 0 (default) = greedy
  readonly topP?: number; // nucleus sampling in (0,1); outside = sample the full distribution
  readonly seed?: number | bigint; // RNG seed for sampling (default 1)
  readonly stopTokens?: readonly number[]; // generation ends after emitting one of these
  readonly onToken?: (token: number, index: number) => void;
}

export interface GenerateResult {
  readonly tokens: number[]; // generated tokens only (not the prompt)
  readonly stoppedBy: 'length' | 'stop' | 'context';
  readonly prefillMs: number;
  readonly decodeMs: number[]; // one entry per decode step
}

/** llama2.c's xorshift* generator: 64-bit state, 32-bit outputs. */
export class XorShiftRng {
  private state: bigint;

  constructor(seed: number | bigint = 1) {
    this.state = BigInt.asUintN(64, BigInt(seed));
    if (this.state === 0n) throw new RangeError('XorShiftRng: seed must be non-zero');
  }

  nextU32(): number {
    let s = this.state;
    s ^= s >> 12n;
    s = BigInt.asUintN(64, s ^ (s << 25n));
    s ^= s >> 27n;
    this.state = s;
    return Number(BigInt.asUintN(64, s * 0x2545f4914f6cdd1dn) >> 32n);
  }

  /** Uniform in [0,1) with 24 bits, like llama2.c's random_f32. */
  nextF32(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }
}

/** Index of the largest value (first on ties). */
export function argmaxOf(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** llama2.c's sampler on plaintext logits. */
export class Sampler {
  private readonly rng: XorShiftRng;

  constructor(readonly temperature = 0, readonly topP = 1, seed: number | bigint = 1) {
    if (!(temperature >= 0)) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
    this.rng = new XorShiftRng(seed);
  }

  sample(logits: ArrayLike<number>): number {
    const n = logits.length;
    if (this.temperature === 0) return argmaxOf(logits);
    const probs = new Float64Array(n); // [V]
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, logits[i] / this.temperature);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += probs[i] = Math.exp(logits[i] / this.temperature - max);
    for (let i = 0; i < n; i++) probs[i] /= sum;
    const coin = this.rng.nextF32();
    if (this.topP <= 0 || this.topP >= 1) {
      let cdf = 0;
      for (let i = 0; i < n; i++) {
        cdf += probs[i];
        if (coin < cdf) return i;
      }
      return n - 1;
    }
    // top-p: keep tokens above a cutoff, sort descending, truncate where the mass exceeds topP.
    const cutoff = (1 - this.topP) / (n - 1);
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (probs[i] >= cutoff) idx.push(i);
    idx.sort((a, b) => probs[b] - probs[a] || a - b);
    let cum = 0;
    let last = idx.length - 1;
    for (let i = 0; i < idx.length; i++) {
      cum += probs[idx[i]];
      if (cum > this.topP) {
        last = i;
        break;
      }
    }
    const r = coin * cum;
    let cdf = 0;
    for (let i = 0; i <= last; i++) {
      cdf += probs[idx[i]];
      if (r < cdf) return idx[i];
    }
    return idx[last];
  }
}

/** Generates up to maxNewTokens tokens after `prompt` (which must be non-empty). */
export async function generate<T>(model: CausalLM<T>, prompt: readonly number[], opts: GenerateOptions): Promise<GenerateResult> {
  const ops = model.ops;
  const mode = opts.mode ?? 'logits';
  const temperature = opts.temperature ?? 0;
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 0) throw new RangeError(`maxNewTokens must be a non-negative integer, got ${opts.maxNewTokens}`);
  if (mode === 'token' && temperature !== 0) throw new RangeError("mode 'token' decodes greedily (secure argmax); use mode 'logits' to sample");
  const sampler = new Sampler(temperature, opts.topP ?? 1, opts.seed ?? 1);
  const stop = new Set(opts.stopTokens ?? []);
  const session = newSession(model);
  const tokens: number[] = [];
  const decodeMs: number[] = [];
  let t0 = performance.now();
  if (opts.maxNewTokens === 0) return { tokens, stoppedBy: 'length', prefillMs: 0, decodeMs };
  let logits = await session.prefill(prompt); // [1, V]
  const pick = async (): Promise<number> => {
    if (mode === 'token') return (await ops.reveal(await ops.argmax(logits)))[0];
    return sampler.sample(await ops.reveal(logits));
  };
  let next = await pick();
  const prefillMs = performance.now() - t0;
  for (;;) {
    tokens.push(next);
    opts.onToken?.(next, tokens.length - 1);
    if (stop.has(next)) return { tokens, stoppedBy: 'stop', prefillMs, decodeMs };
    if (tokens.length >= opts.maxNewTokens) return { tokens, stoppedBy: 'length', prefillMs, decodeMs };
    if (session.position >= model.contextLength) return { tokens, stoppedBy: 'context', prefillMs, decodeMs };
    t0 = performance.now();
    logits = await session.step(next);
    next = await pick();
    decodeMs.push(performance.now() - t0);
  }
}
