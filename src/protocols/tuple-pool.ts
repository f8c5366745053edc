/**
 * Truncation tuples made ahead of the step that uses them (trunc-round1.ts's 1-round truncation).
 *
 * A session's phases of one kind (its decode steps) run the same program: the same contexts claim
 * tuples at the same points, with sizes that grow at most slowly with the context. So the pool
 * records every claim of a phase (key: the claiming context's stream relative to the phase's
 * first fork, and the claim's index within that context; value: its [elements, bits] plan), and
 * at the start of the next phase of the same kind makes tuples for all recorded claims at once,
 * with headroom, in chunks that follow the recorded program order. A claim whose key, bits and
 * sizes fit a slot takes that slot's tuples (slices of a chunk); any other claim makes its own on
 * demand, as without a pool. The three parties record the same claims, so they agree on every hit
 * and miss and on every slice; no slice is handed out twice (a slot is removed when taken), and a
 * tuple is used once, so the masks stay fresh. Generation is truncTuple itself (same messages,
 * metered under 'tuplePool' on offline contexts of the phase root).
 */
import type { Party } from './context.js';
import { scoped } from './context.js';
import type { Channel } from './channel.js';
import type { PendingTuple, TruncTuple, TuplePair, TuplePlan } from './trunc-tuple.js';
import { truncTuple } from './trunc-tuple.js';

/** One claimed entry's share of a chunk. */
interface Slot {
  readonly bits: number;
  readonly cap: number;
  readonly offset: number;
  readonly chunk: Promise<TruncTuple>;
}

/** Elements per generated chunk (the first claims wait only for the first chunks). */
export const POOL_CHUNK = 1 << 15;

/** Elements reserved for a recorded entry of n: room for the next step's longer context. */
export const poolCapacity = (n: number): number => n + Math.max(64, Math.ceil(n / 8));

const slice = (p: TuplePair, off: number, n: number): TuplePair => ({ s0: p.s0.subarray(off, off + n), s1: p.s1.subarray(off, off + n) });

/** Natural order of stream keys ("2.10" after "2.9"). */
function compareKeys(a: string, b: string): number {
  const x = a.split(/[.~#]/), y = b.split(/[.~#]/);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = Number(x[i] || -1) - Number(y[i] || -1);
    if (d) return d;
  }
  return x.length - y.length || (a < b ? -1 : a > b ? 1 : 0);
}

export class TuplePool {
  private kind = '';
  private base = 0;
  private record = new Map<string, TuplePlan>();
  private readonly lastRecord = new Map<string, Map<string, TuplePlan>>();
  private slots = new Map<string, Slot[]>();
  private counters = new WeakMap<Party, number>();
  /** This phase so far (for benches and tests): tuple elements made ahead and taken, claims served (hits) and made on demand (misses). */
  stats = { made: 0, taken: 0, hits: 0, misses: 0 };

  /**
   * A new phase on `root` (every party at the same point): keep the last phase's record for its
   * kind and start making the tuples this phase's claims will want, from the record of the last
   * phase of this kind.
   */
  beginPhase(root: Party, kind: string): void {
    if (this.kind) this.lastRecord.set(this.kind, this.record);
    this.kind = kind;
    this.base = root.forkCount;
    this.record = new Map();
    this.slots = new Map();
    this.counters = new WeakMap();
    this.stats = { made: 0, taken: 0, hits: 0, misses: 0 };
    const prev = this.lastRecord.get(kind);
    if (prev) this.make(root, prev);
  }

  /** The slots for every recorded claim: per bits value, chunks made one after another on one offline context. */
  private make(root: Party, prev: Map<string, TuplePlan>): void {
    const keys = [...prev.keys()].sort(compareKeys);
    const byBits = new Map<number, { key: string; i: number; cap: number }[]>();
    for (const key of keys) {
      (prev.get(key) as TuplePlan).forEach(([n, bits], i) => {
        const list = byBits.get(bits) ?? [];
        byBits.set(bits, list);
        list.push({ key, i, cap: poolCapacity(n) });
      });
    }
    const slots = new Map<string, Slot[]>(keys.map((k) => [k, []]));
    for (const bits of [...byBits.keys()].sort((a, b) => a - b)) {
      const q = root.offline('tuplePool');
      let chain: Promise<unknown> = Promise.resolve();
      let pending: { key: string; i: number; cap: number; offset: number }[] = [];
      let size = 0;
      const flush = () => {
        const n = size;
        const chunk = chain.then(() => scoped(q, 'tuplePool', () => truncTuple(q, n, bits)));
        chunk.catch(() => undefined); // a failure surfaces where a claim uses it
        chain = chunk.catch(() => undefined);
        for (const e of pending) (slots.get(e.key) as Slot[])[e.i] = { bits, cap: e.cap, offset: e.offset, chunk };
        this.stats.made += n;
        pending = [];
        size = 0;
      };
      for (const e of byBits.get(bits) as { key: string; i: number; cap: number }[]) {
        pending.push({ ...e, offset: size });
        size += e.cap;
        if (size >= POOL_CHUNK) flush();
      }
      if (size > 0) flush();
    }
    this.slots = slots;
  }

  /** This claim's key: p's stream relative to the phase's first fork of the root, and its index in p. */
  private keyOf(p: Party): string {
    const k = this.counters.get(p) ?? 0;
    this.counters.set(p, k + 1);
    const m = /^(\d+)(.*)$/.exec(p.stream);
    const rel = m ? `${Number(m[1]) - this.base}${m[2]}` : p.stream;
    return `${rel}#${k}`;
  }

  /** Record a claim of p for `plan`; its pooled tuples when a slot fits, else null (make them on demand). */
  claim(p: Party, plan: TuplePlan): PendingTuple[] | null {
    const key = this.keyOf(p);
    this.record.set(key, plan);
    const s = this.slots.get(key);
    if (!s || s.length !== plan.length || !plan.every(([n, bits], i) => s[i] && s[i].bits === bits && n <= s[i].cap)) {
      this.stats.misses++;
      return null;
    }
    this.slots.delete(key);
    this.stats.hits++;
    return plan.map(([n, bits], i) => {
      this.stats.taken += n;
      const { offset, chunk } = s[i];
      return { n, bits, tuple: chunk.then((t): TruncTuple => ({ n, bits, r: slice(t.r, offset, n), R: slice(t.R, offset, n), M: slice(t.M, offset, n) })) };
    });
  }
}

const pools = new WeakMap<Channel, TuplePool>();

/** The session's pool (one per channel), if enabled. */
export const tuplePoolOf = (p: Party): TuplePool | undefined => pools.get(p.comm.channel);

/** Enable the pool for root's session (all parties alike: whether the pool is on is a public session setting). */
export function enableTuplePool(root: Party): TuplePool {
  let pool = pools.get(root.comm.channel);
  if (!pool) pools.set(root.comm.channel, (pool = new TuplePool()));
  return pool;
}
