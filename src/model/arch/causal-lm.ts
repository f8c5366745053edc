/**
 * What the decoder architectures share: the KV cache and the prefill/step session API.
 *
 * The cache keeps, per layer, the keys and values of every position seen so far as T handles of
 * shape [t, KVD], appended with the free `concatRows`. A decode step therefore runs the network on
 * ONE new position: cost per token does not grow with a recomputation of the prefix.
 */
import { countOf, type Ops, type TokenInput } from './ops.js';

export class KVCache<T> {
  readonly keys: (T | undefined)[]; // per layer: [t, KVD]
  readonly values: (T | undefined)[]; // per layer: [t, KVD]
  /** Number of positions stored (= absolute position of the next token). */
  length = 0;

  constructor(nLayers: number) {
    this.keys = new Array<T | undefined>(nLayers).fill(undefined);
    this.values = new Array<T | undefined>(nLayers).fill(undefined);
  }

  /** Appends this call's k, v [n, KVD] of layer l and returns the full K, V [length+n, KVD]. */
  append(ops: Ops<T>, layer: number, k: T, v: T): { k: T; v: T } {
    const pk = this.keys[layer];
    const pv = this.values[layer];
    const kk = pk === undefined ? k : ops.concatRows([pk, k]);
    const vv = pv === undefined ? v : ops.concatRows([pv, v]);
    this.keys[layer] = kk;
    this.values[layer] = vv;
    return { k: kk, v: vv };
  }
}

/** A decoder-only language model written against Ops<T>. */
export interface CausalLM<T> {
  readonly ops: Ops<T>;
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly nLayers: number;
  /**
   * Runs tokens at positions cache.length.. through the network, appends their keys/values to the
   * cache and returns the logits of the LAST position, [1,V]. Does not advance cache.length.
   * Ids on the plaintext backends, a count at the parties (see `TokenInput`).
   */
  forward(tokens: TokenInput, cache: KVCache<T>): Promise<T>;
}

/** One generation: prefill the prompt once, then one `step` per new token. */
export class DecodeSession<T> {
  readonly cache: KVCache<T>;
  private failed: unknown = undefined;

  constructor(readonly model: CausalLM<T>) {
    this.cache = new KVCache<T>(model.nLayers);
  }

  /** Absolute position of the next token. */
  get position(): number {
    return this.cache.length;
  }

  /** Processes tokens (at least one: ids, or a count at the parties) and returns the logits of the last one, [1,V]. */
  async prefill(tokens: TokenInput): Promise<T> {
    if (this.failed !== undefined) throw new Error('decode session is unusable after a failed forward pass', { cause: this.failed });
    const n = countOf(tokens);
    if (n === 0) throw new RangeError('prefill: empty token list');
    const end = this.cache.length + n;
    if (end > this.model.contextLength) {
      throw new RangeError(`prefill: position ${end - 1} exceeds the context length ${this.model.contextLength}`);
    }
    try {
      const logits = await this.model.forward(tokens, this.cache);
      this.cache.length = end;
      return logits;
    } catch (e) {
      // An error before any append (e.g. a token out of range) leaves the cache intact; after a
      // partial append some layers hold keys of positions that never completed.
      const ops = this.model.ops;
      const intact = this.cache.keys.every((k) => (k === undefined ? 0 : ops.shape(k)[0]) === this.cache.length);
      if (!intact) this.failed = e;
      throw e;
    }
  }

  /** Processes one token at the next position; returns its logits [1,V]. */
  step(token: number): Promise<T> {
    return this.prefill([token]);
  }
}

/** A fresh decoding session with an empty KV cache. */
export function newSession<T>(model: CausalLM<T>): DecodeSession<T> {
  return new DecodeSession(model);
}
