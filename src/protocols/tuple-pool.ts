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
 *
 * Segments. The first phase of a kind has no record, but its program repeats inside: a model's
 * layers. The model marks each repeat (beginSegment/endSegment on the phase root, around a layer;
 * SecureOps does it for every `layerN` scope), and the pool records each segment's claims relative
 * to where it began (forks of the root from its first fork on, the root's own claims from its
 * claim count then). In a phase that asks for it (generate's decode steps; only the first has no
 * record), once the last segment of a class is known to run the program of those after it (the
 * phase before ran the same program in all its segments from that index on, or the last two
 * segments of this phase agree: same relative claims, bits and lengths, forks and root claims),
 * the current segment and the rest of the class (as many as the phase before had) get their
 * tuples at once, from the last segment's claims shifted by its stride, without headroom (a
 * phase's segments have the same sizes). GPT-2's layer 0 differs from the others, so its first
 * decode step serves layers 2–11 from the pool. A misprediction only wastes tuples: a claim that
 * finds no fitting slot makes its own. A segment's record is taken when the segment's work has
 * resolved, so it holds the same claims at the three parties (in every phase, since the next
 * phase reads the pattern) as long as every claim of a segment is made by work the segment
 * awaits; a claim from a context forked in a segment that has ended would break that, so it
 * throws (a fault of the program, not of the data: every test that runs a model with the pool
 * would show it).
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

/**
 * Elements per generated chunk: the first of a make is small, so that the first claims wait only
 * for it, and each next one twice the last, up to POOL_CHUNK.
 */
export const POOL_FIRST_CHUNK = 1 << 12;
export const POOL_CHUNK = 1 << 15;

/** Elements reserved for a recorded entry of n: room for the next step's longer context. */
export const poolCapacity = (n: number): number => n + Math.max(64, Math.ceil(n / 8));

const slice = (p: TuplePair, off: number, n: number): TuplePair => ({ s0: p.s0.subarray(off, off + n), s1: p.s1.subarray(off, off + n) });

/** A stream under a fork of the root: its fork index and the rest (".3", "~1", …). */
const forkOf = /^(\d+)(.*)$/;

/** Natural order of stream keys ("2.10" after "2.9"). */
function compareKeys(a: string, b: string): number {
  const x = a.split(/[.~#]/), y = b.split(/[.~#]/);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = Number(x[i] || -1) - Number(y[i] || -1);
    if (d) return d;
  }
  return x.length - y.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** A repeat within a phase (a model layer) whose claims predict the ones after it. */
interface Segment {
  readonly cls: string;
  /** The root's fork count and claim count at its start. */
  readonly forkBase: number;
  readonly claimBase: number;
  /** The same at its end (Infinity while open). */
  forkEnd: number;
  claimEnd: number;
  /** Its claims, keyed relative to its start (see segmentKey). */
  readonly record: Map<string, TuplePlan>;
}

/** Two segments that ran the same program: the same relative claims, bits and lengths, the same forks and root claims. */
function sameProgram(a: Segment, b: Segment): boolean {
  if (a.forkEnd - a.forkBase !== b.forkEnd - b.forkBase || a.claimEnd - a.claimBase !== b.claimEnd - b.claimBase || a.record.size !== b.record.size) return false;
  for (const [key, plan] of a.record) {
    const other = b.record.get(key);
    if (!other || other.length !== plan.length || plan.some(([, bits], i) => other[i][1] !== bits)) return false;
  }
  return true;
}

export class TuplePool {
  private kind = '';
  private root: Party | null = null;
  /** This phase predicts its segments (see the file comment). */
  private predict = false;
  private open: Segment | null = null;
  /** This phase's ended segments, in order. */
  private ended: Segment[] = [];
  /** Classes whose segments this phase has already predicted. */
  private predicted = new Set<string>();
  /** Per class in the phase before: how many segments, and from which one on they all ran the same program. */
  private lastCounts = new Map<string, number>();
  private lastPeriodic = new Map<string, number>();
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
   * phase of this kind. Without one, and with `segments`, the phase predicts its segments.
   */
  beginPhase(root: Party, kind: string, segments = false): void {
    if (this.kind) {
      this.lastRecord.set(this.kind, this.record);
      this.endSegment(this.root as Party);
      this.lastCounts = new Map();
      this.lastPeriodic = new Map();
      for (const cls of new Set(this.ended.map((e) => e.cls))) {
        const segs = this.ended.filter((e) => e.cls === cls);
        let from = segs.length - 1;
        while (from > 0 && sameProgram(segs[from - 1], segs[from])) from--;
        this.lastCounts.set(cls, segs.length);
        if (from < segs.length - 1) this.lastPeriodic.set(cls, from); // at least two alike
      }
    }
    this.kind = kind;
    this.root = root;
    this.base = root.forkCount;
    this.record = new Map();
    this.slots = new Map();
    this.counters = new WeakMap();
    this.stats = { made: 0, taken: 0, hits: 0, misses: 0 };
    this.open = null;
    this.ended = [];
    this.predicted = new Set();
    const prev = this.lastRecord.get(kind);
    this.predict = segments && !prev;
    if (prev) this.make(root, prev);
  }

  /**
   * A segment of class `cls` starts on the phase root (every party at the same point; one still
   * open ends here). In a predicting phase, once the last segment of the class is known to run the
   * program of those after it (it ran the same as the one before it, or the phase before ran the
   * same program in all its segments from that index on), this one and the rest of the class (as
   * many as the phase before had) get their tuples now, from the last one's claims shifted to
   * where each will start.
   */
  beginSegment(root: Party, cls: string): void {
    if (root !== this.root) return;
    this.endSegment(root);
    const seg: Segment = { cls, forkBase: root.forkCount, claimBase: this.counters.get(root) ?? 0, forkEnd: Infinity, claimEnd: Infinity, record: new Map() };
    this.open = seg;
    const segs = this.ended.filter((e) => e.cls === cls);
    const b = segs[segs.length - 1], a = segs[segs.length - 2];
    if (!this.predict || !b || this.predicted.has(cls) || seg.forkBase !== b.forkEnd || seg.claimBase !== b.claimEnd) return;
    const periodic = segs.length - 1 >= (this.lastPeriodic.get(cls) ?? Infinity) || (a !== undefined && sameProgram(a, b));
    if (!periodic) return;
    this.predicted.add(cls);
    const left = Math.max(1, (this.lastCounts.get(cls) ?? 0) - segs.length); // this one and those after it
    const forkStride = b.forkEnd - b.forkBase, claimStride = b.claimEnd - b.claimBase;
    const shifted = new Map<string, TuplePlan>();
    for (let j = 0; j < left; j++) {
      const forkBase = seg.forkBase + j * forkStride, claimBase = seg.claimBase + j * claimStride;
      for (const [key, plan] of b.record) shifted.set(this.phaseKeyOf(key, forkBase, claimBase), plan);
    }
    this.make(root, shifted, false); // a phase's segments have the same sizes: no headroom
  }

  /** The open segment ends (call when its work has resolved). */
  endSegment(root: Party): void {
    const seg = this.open;
    if (!seg || root !== this.root) return;
    seg.forkEnd = root.forkCount;
    seg.claimEnd = this.counters.get(root) ?? 0;
    this.ended.push(seg);
    this.open = null;
  }

  /** A segment-relative key (from segmentKey) as the phase key it has in a segment starting at (forkBase, claimBase). */
  private phaseKeyOf(key: string, forkBase: number, claimBase: number): string {
    const at = key.lastIndexOf('#');
    const head = key.slice(0, at), k = Number(key.slice(at + 1));
    if (head === '') return `#${k + claimBase}`;
    const m = forkOf.exec(head) as RegExpExecArray;
    return `${Number(m[1]) + forkBase - this.base}${m[2]}#${k}`;
  }

  /** The claim's key relative to the open segment, or null when it is not one of the segment's. */
  private segmentKey(p: Party, m: RegExpExecArray | null, k: number): string | null {
    const seg = this.open;
    if (!m) return seg && p === this.root ? `#${k - seg.claimBase}` : null;
    const f = Number(m[1]);
    if (seg && f >= seg.forkBase) return `${f - seg.forkBase}${m[2]}#${k}`;
    const ended = this.ended.find((c) => f >= c.forkBase && f < c.forkEnd);
    if (ended) throw new Error(`tuple pool: a claim on stream ${p.stream} after its segment '${ended.cls}' ended (a segment must await every claim of its contexts)`);
    return null;
  }

  /** The slots for every recorded claim: per bits value, chunks made one after another on one offline context. */
  private make(root: Party, prev: Map<string, TuplePlan>, headroom = true): void {
    const keys = [...prev.keys()].sort(compareKeys);
    const byBits = new Map<number, { key: string; i: number; cap: number }[]>();
    for (const key of keys) {
      (prev.get(key) as TuplePlan).forEach(([n, bits], i) => {
        const list = byBits.get(bits) ?? [];
        byBits.set(bits, list);
        list.push({ key, i, cap: headroom ? poolCapacity(n) : n });
      });
    }
    const slots = new Map<string, Slot[]>(keys.map((k) => [k, []]));
    for (const [k, v] of slots) this.slots.set(k, v); // filled below, chunk by chunk
    for (const bits of [...byBits.keys()].sort((a, b) => a - b)) {
      const q = root.offline('tuplePool');
      let chain: Promise<unknown> = Promise.resolve();
      let pending: { key: string; i: number; cap: number; offset: number }[] = [];
      let size = 0;
      let limit = POOL_FIRST_CHUNK;
      const flush = () => {
        const n = size;
        const chunk = chain.then(() => scoped(q, 'tuplePool', () => truncTuple(q, n, bits)));
        chunk.catch(() => undefined); // a failure surfaces where a claim uses it
        chain = chunk.catch(() => undefined);
        for (const e of pending) (slots.get(e.key) as Slot[])[e.i] = { bits, cap: e.cap, offset: e.offset, chunk };
        this.stats.made += n;
        pending = [];
        size = 0;
        limit = Math.min(POOL_CHUNK, 2 * limit);
      };
      for (const e of byBits.get(bits) as { key: string; i: number; cap: number }[]) {
        pending.push({ ...e, offset: size });
        size += e.cap;
        if (size >= limit) flush();
      }
      if (size > 0) flush();
    }
  }

  /** This claim's key: p's stream relative to the phase's first fork of the root (m: the stream split by forkOf), and its index in p. */
  private keyOf(p: Party, m: RegExpExecArray | null, k: number): string {
    const rel = m ? `${Number(m[1]) - this.base}${m[2]}` : p.stream;
    return `${rel}#${k}`;
  }

  /** Record a claim of p for `plan`; its pooled tuples when a slot fits, else null (make them on demand). */
  claim(p: Party, plan: TuplePlan): PendingTuple[] | null {
    const k = this.counters.get(p) ?? 0;
    this.counters.set(p, k + 1);
    const m = forkOf.exec(p.stream); // [stream, the root's fork index, the rest]; null on the root's own stream and its offline streams
    const key = this.keyOf(p, m, k);
    this.record.set(key, plan);
    const segKey = this.segmentKey(p, m, k);
    if (segKey !== null && this.open) this.open.record.set(segKey, plan);
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
