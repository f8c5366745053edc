/**
 * Meter: bytes sent/received and communication rounds per op, under nested labels
 * ('layer3/attn/softmax/exp'). Every record is inclusive of nested scopes.
 *
 * Rounds are measured with a Lamport-style depth: a frame carries its sender's depth d and a
 * receiver's depth becomes max(own, d + 1). An op's rounds are the growth of the largest depth
 * across the three parties between its start and its end (see `mergeMeters`).
 *
 * Online and offline. A frame is *offline* when its content is DATA-INDEPENDENT: a function of
 * the parties' PRSS seeds and of other offline frames only, never of any party's data. Two kinds:
 *   - dealer material: correlated randomness one party derives from its seeds alone for a later
 *     online step (truncation corrections, dealt AND sets; Comm.sendU64Offline);
 *   - interactive preprocessing: a whole sub-protocol run on random values (the 1-round
 *     truncation's tuples, trunc-tuple.ts) in an offline context (Party.offline), whose Comm
 *     sends every frame as offline.
 * Offline bytes are counted apart (`offlineBytesSent`), and receiving an offline frame does not
 * raise the receiver's (online) depth: nothing online waits for data to produce them, so they are
 * never on the online critical path. In this implementation tuples are produced on demand right
 * before the op that consumes them (same session, same links); a deployment could produce them
 * ahead of the session, which is what the split models. `bytesSent`/`bytesRecv` and `depth` are
 * the online figures; `offlineDepth` is a separate Lamport depth over offline frames only (the
 * offline rounds of interactive preprocessing; dealer frames add at most 1).
 */
export interface MeterRecord {
  calls: number;
  /** Wall time inside the scope, summed over calls (includes waiting for peers). */
  ms: number;
  bytesSent: number;
  bytesRecv: number;
  /** Offline (dealer) bytes, not in bytesSent/bytesRecv. */
  offlineBytesSent: number;
  offlineBytesRecv: number;
  /** Depth at the start and end of each call (aligned by call index across parties). */
  starts: number[];
  ends: number[];
}

interface OpenScope {
  path: string;
  t0: number;
  bytesSent: number;
  bytesRecv: number;
  offlineBytesSent: number;
  offlineBytesRecv: number;
  start: number;
}

export class Meter {
  readonly records: Map<string, MeterRecord>;
  private readonly stack: OpenScope[] = [];
  /** The ancestors' scopes open when this meter was forked (see bump). */
  private readonly inherited: OpenScope[];
  bytesSent = 0;
  bytesRecv = 0;
  offlineBytesSent = 0;
  offlineBytesRecv = 0;
  /** Communication depth of this party (rounds on its critical path so far). */
  private d = 0;
  /** Depth over offline frames only (see the file comment). */
  private od = 0;

  /**
   * A child meter of a forked context: it shares the parent's records, its scopes nest under
   * `base`, its bytes are added to the parent's open scopes and totals, and its depth starts at
   * the parent's and raises the parent's as it grows (so after the branches join, the parent is
   * at the maximum depth of its branches, and their rounds overlap instead of adding).
   */
  constructor(
    private readonly parent: Meter | null = null,
    private readonly base = '',
    records = new Map<string, MeterRecord>(),
    /** An offline child (Meter.offline) or a lazy fork (context.ts lazyFork): its depth never raises the parent's. */
    private readonly detached = false,
  ) {
    this.records = records;
    this.inherited = parent ? [...parent.inherited, ...parent.stack] : [];
    if (parent) {
      this.d = parent.depth;
      this.od = parent.offlineDepth;
    }
  }

  get offlineDepth(): number {
    return this.od;
  }

  set offlineDepth(v: number) {
    this.od = v;
    if (this.parent && v > this.parent.offlineDepth) this.parent.offlineDepth = v;
  }

  get depth(): number {
    return this.d;
  }

  set depth(v: number) {
    this.d = v;
    if (this.parent && !this.detached && v > this.parent.depth) this.parent.depth = v;
  }

  /**
   * The meter of a forked branch (see the constructor). It opens a scope `label` under the
   * current path; `branches()` closes it when the branch resolves, so the branch has a record of
   * its own ('gelu/segments') and its inner records never interleave with a sibling's.
   */
  fork(label: string, detached = false): Meter {
    const child = new Meter(this, this.path, this.records, detached);
    child.enter(label);
    return child;
  }

  /**
   * The meter of an offline context (Party.offline): it shares the records, nests under the
   * current path and adds its bytes to the parent's open scopes, like a fork; its online depth
   * is detached from the parent's (an offline context sends only offline frames, so it never
   * moves anyway), and its offline depth raises the parent's. No scope is opened here.
   */
  offline(): Meter {
    return new Meter(this, this.path, this.records, true);
  }

  get path(): string {
    return this.stack.length ? this.stack[this.stack.length - 1].path : this.base;
  }

  enter(label: string): void {
    const parent = this.path;
    this.stack.push({ path: parent ? `${parent}/${label}` : label, t0: performance.now(), bytesSent: 0, bytesRecv: 0, offlineBytesSent: 0, offlineBytesRecv: 0, start: this.depth });
  }

  exit(): void {
    const s = this.stack.pop();
    if (!s) throw new Error('Meter.exit without enter');
    let r = this.records.get(s.path);
    if (!r) {
      r = { calls: 0, ms: 0, bytesSent: 0, bytesRecv: 0, offlineBytesSent: 0, offlineBytesRecv: 0, starts: [], ends: [] };
      this.records.set(s.path, r);
    }
    r.calls++;
    r.ms += performance.now() - s.t0;
    r.bytesSent += s.bytesSent;
    r.bytesRecv += s.bytesRecv;
    r.offlineBytesSent += s.offlineBytesSent;
    r.offlineBytesRecv += s.offlineBytesRecv;
    r.starts.push(s.start);
    r.ends.push(this.depth);
  }

  async scope<T>(label: string, fn: () => Promise<T>): Promise<T> {
    this.enter(label);
    try {
      return await fn();
    } finally {
      this.exit();
    }
  }

  /**
   * Add bytes to this meter's open scopes, to the ancestors' scopes that were open when this
   * meter was forked (a lazily joined branch outlives its parent's later scopes, which must not
   * get its bytes; for a branch awaited at once they are the same scopes), and to every total.
   */
  private bump(key: 'bytesSent' | 'bytesRecv' | 'offlineBytesSent' | 'offlineBytesRecv', bytes: number): void {
    for (const s of this.stack) s[key] += bytes;
    for (const s of this.inherited) s[key] += bytes;
    for (let m: Meter | null = this; m; m = m.parent) m[key] += bytes;
  }

  onSend(bytes: number): void {
    this.bump('bytesSent', bytes);
  }

  onRecv(bytes: number, senderDepth: number): void {
    this.bump('bytesRecv', bytes);
    if (senderDepth + 1 > this.depth) this.depth = senderDepth + 1;
  }

  /** An offline (dealer) frame sent: its bytes only, the depth is not carried (file comment). */
  onSendOffline(bytes: number): void {
    this.bump('offlineBytesSent', bytes);
  }

  /**
   * An offline frame received: bytes, and the offline depth (sender's offline depth + 1); the
   * receiver's online depth does not move.
   */
  onRecvOffline(bytes: number, senderOfflineDepth = 0): void {
    this.bump('offlineBytesRecv', bytes);
    if (senderOfflineDepth + 1 > this.offlineDepth) this.offlineDepth = senderOfflineDepth + 1;
  }

  /** A plain-object snapshot (what a party reports to the client). */
  snapshot(): MeterSnapshot {
    const records: Record<string, MeterRecord> = {};
    for (const [k, v] of this.records) records[k] = { ...v, starts: [...v.starts], ends: [...v.ends] };
    return { bytesSent: this.bytesSent, bytesRecv: this.bytesRecv, offlineBytesSent: this.offlineBytesSent, offlineBytesRecv: this.offlineBytesRecv, depth: this.depth, records };
  }

  reset(): void {
    this.records.clear();
    this.bytesSent = 0;
    this.bytesRecv = 0;
    this.offlineBytesSent = 0;
    this.offlineBytesRecv = 0;
  }
}

export interface MeterSnapshot {
  bytesSent: number;
  bytesRecv: number;
  /** Absent in snapshots from parties that predate the online/offline split (read as 0). */
  offlineBytesSent?: number;
  offlineBytesRecv?: number;
  depth: number;
  records: Record<string, MeterRecord>;
}

export interface OpCostMeasured {
  calls: number;
  /** Wall time of the slowest party, summed over calls. */
  ms: number;
  /** Bytes sent by each party. */
  bytesSent: [number, number, number];
  /** Sum over the three parties. */
  bytesTotal: number;
  /** Offline (dealer) bytes summed over the parties, not in bytesTotal. */
  offlineBytesTotal: number;
  rounds: number;
}

export interface MergedCost {
  /** Online bytes sent by each party. */
  bytesSent: [number, number, number];
  bytesTotal: number;
  offlineBytesSent: [number, number, number];
  offlineBytesTotal: number;
  rounds: number;
  ops: Record<string, OpCostMeasured>;
}

/** Combine the three parties' meters: bytes add up, rounds follow the slowest party per call. */
export function mergeMeters(meters: readonly (Meter | MeterSnapshot)[]): MergedCost {
  if (meters.length !== 3) throw new RangeError(`mergeMeters needs 3 meters, got ${meters.length}`);
  const snaps = meters.map((m) => (m instanceof Meter ? m.snapshot() : m));
  const labels = new Set<string>();
  for (const s of snaps) for (const k of Object.keys(s.records)) labels.add(k);
  const ops: Record<string, OpCostMeasured> = {};
  for (const label of labels) {
    const recs = snaps.map((s) => s.records[label]);
    const calls = Math.max(...recs.map((r) => r?.calls ?? 0));
    let rounds = 0;
    for (let c = 0; c < calls; c++) {
      let start = 0;
      let end = 0;
      for (const r of recs) {
        if (!r || c >= r.calls) continue;
        start = Math.max(start, r.starts[c]);
        end = Math.max(end, r.ends[c]);
      }
      rounds += Math.max(0, end - start);
    }
    const bytesSent = recs.map((r) => r?.bytesSent ?? 0) as [number, number, number];
    const offlineBytesTotal = recs.reduce((t, r) => t + (r?.offlineBytesSent ?? 0), 0);
    const ms = Math.max(...recs.map((r) => r?.ms ?? 0));
    ops[label] = { calls, ms, bytesSent, bytesTotal: bytesSent[0] + bytesSent[1] + bytesSent[2], offlineBytesTotal, rounds };
  }
  const bytesSent = snaps.map((s) => s.bytesSent) as [number, number, number];
  const offlineBytesSent = snaps.map((s) => s.offlineBytesSent ?? 0) as [number, number, number];
  return {
    bytesSent,
    bytesTotal: bytesSent[0] + bytesSent[1] + bytesSent[2],
    offlineBytesSent,
    offlineBytesTotal: offlineBytesSent[0] + offlineBytesSent[1] + offlineBytesSent[2],
    rounds: Math.max(...snaps.map((s) => s.depth)),
    ops,
  };
}
