/**
 * Prss: all correlated randomness of one party. Seed s_i is shared by P_i and P_{i+1}, so party i
 * holds `prev` (s_{i-1}, shared with P_{i-1}) and `next` (s_i, shared with P_{i+1}); it also has a
 * private PRG. Protocol code never calls a system RNG directly.
 */
import { Prg } from '../ring/prg.js';
import type { RingKernels } from '../ring/kernels.js';
import { defaultKernels } from '../ring/default-kernels.js';

export interface PrssSeeds {
  /** s_{i-1}: shared with the previous party. */
  prev: Uint8Array;
  /** s_i: shared with the next party. */
  next: Uint8Array;
  /** This party's own seed. */
  own: Uint8Array;
}

export class Prss {
  readonly prev: Prg;
  readonly next: Prg;
  readonly own: Prg;

  constructor(
    seeds: PrssSeeds,
    private readonly k: RingKernels = defaultKernels(),
  ) {
    this.prev = new Prg(seeds.prev);
    this.next = new Prg(seeds.next);
    this.own = new Prg(seeds.own);
  }

  /**
   * Independent child randomness for a sub-protocol (e.g. checked mode's range check): every
   * pair derives the same child seed from its shared seed, and the parent streams do not move,
   * so the parent computation draws exactly what it would without the child.
   */
  derive(label: string): Prss {
    return new Prss({ prev: this.prev.deriveSeed(label), next: this.next.deriveSeed(label), own: this.own.deriveSeed(label) }, this.k);
  }

  /** Additive zero-sharing: α_i = F(s_i) − F(s_{i-1}); α_0 + α_1 + α_2 = 0 mod 2^64. */
  zero(n: number): BigUint64Array {
    const a = this.next.ring(n);
    this.k.sub(a, a, this.prev.ring(n));
    return a;
  }

  /** XOR zero-sharing of n 64-bit words: β_i = F(s_i) ⊕ F(s_{i-1}). */
  zeroXor(n: number): BigUint64Array {
    const a = this.next.ring(n);
    const b = this.prev.ring(n);
    const a32 = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
    const b32 = new Uint32Array(b.buffer, b.byteOffset, 2 * n);
    for (let j = 0; j < 2 * n; j++) a32[j] ^= b32[j];
    return a;
  }

  /** Replicated random value: party i gets (r_i, r_{i+1}) = (F(s_{i-1}), F(s_i)). */
  random(n: number): [BigUint64Array, BigUint64Array] {
    return [this.prev.ring(n), this.next.ring(n)];
  }
}

/** Seeds for three parties in one process (in-memory runs and tests), from one master PRG. */
export function localSeeds(master: Prg): [PrssSeeds, PrssSeeds, PrssSeeds] {
  const s = [master.bytes(16), master.bytes(16), master.bytes(16)].map((b) => Uint8Array.from(b));
  const own = [0, 1, 2].map(() => Uint8Array.from(master.bytes(16)));
  return [0, 1, 2].map((i) => ({ prev: s[(i + 2) % 3], next: s[i], own: own[i] })) as [PrssSeeds, PrssSeeds, PrssSeeds];
}
