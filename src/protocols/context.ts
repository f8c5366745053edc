/**
 * Party: everything one computing party needs to run protocol ops — its id, its Comm (transport
 * plus meter, on one message stream), its correlated randomness, the ring configuration, the ring
 * kernels and the rotation of the truncation dealer. Built only by its constructor, for the
 * in-memory runs (src/protocols/local.ts) and the networked sessions (src/parties/sessions.ts).
 *
 * fork(label) gives a child context for a sub-computation that runs concurrently with its
 * siblings (`await Promise.all([a(p.fork('a')), b(p.fork('b'))])`), as SPU's PrgState::fork and
 * MP-SPDZ's branch():
 *   - its own message stream on every link (stream id = parent stream + fork index), so the
 *     branches' frames never mix whatever order they arrive in; tags are checked per stream;
 *   - its own PRSS: child seeds are the next 16 bytes of each of the parent's three streams, so
 *     both holders of a seed derive the same child seed, and the child's draws never overlap the
 *     parent's (the parent's streams just move on by one block);
 *   - its own dealer rotation (starting at the fork index, so siblings spread the dealer load);
 *   - a child meter (see Meter.fork): bytes add into the parent's open scopes, the parent's depth
 *     becomes the maximum of its branches' depths, records go under `parentPath/label`
 *     (`branches()` below forks, runs and closes the branch scopes in one call).
 * Forks must be created in the same order at the three parties (they are: protocol code is
 * deterministic given public shapes), and concurrently running siblings need distinct labels.
 *
 * offline(label) gives a child context for DATA-INDEPENDENT preprocessing run on demand (the
 * 1-round truncation's tuples, trunc-tuple.ts): its own message stream (`<parent>~<index>`, so
 * it never mixes with the parent's or a fork's frames), PRSS derived by hashing (Prss.derive:
 * the parent's streams do not move, so they stay in lock-step whatever the child draws), a Comm
 * that sends every frame as an offline frame and a meter (Meter.offline) whose bytes count as
 * offline in the parent's open scopes and which never raises the parent's online depth.
 *
 * truncRounds selects the truncation protocol of truncA / truncAdditive and everything built on
 * them (fMul, fMatmul, fMulPublic, …): 2 (default, dealer-based, trunc.ts) or 1 (tuple-based,
 * trunc-round1.ts). Children (fork, offline, sidecar) inherit it when created; withTruncRounds
 * scopes it.
 */
import type { RingConfig } from '../ring/config.js';
import type { RingKernels } from '../ring/kernels.js';
import type { Channel, PartyId } from './channel.js';
import { Comm } from './comm.js';
import { Meter } from './meter.js';
import { Prss } from './prss.js';

export interface PartyInit {
  id: PartyId;
  channel: Channel;
  prss: Prss;
  cfg: RingConfig;
  k: RingKernels;
  meter?: Meter;
  /** Message stream of this context ('' = the session's root stream). */
  stream?: string;
  /** First dealer of the truncation rotation. */
  dealer?: number;
  /** Every frame of this context is offline (Party.offline). */
  offline?: boolean;
}

export class Party {
  readonly id: PartyId;
  readonly comm: Comm;
  readonly prss: Prss;
  readonly cfg: RingConfig;
  readonly meter: Meter;
  readonly k: RingKernels;
  readonly stream: string;
  private readonly channel: Channel;
  private dealerCalls: number;
  private forks = 0;
  private offlines = 0;
  /** Rounds of the truncation (see the file comment): 2 = dealer-based (default), 1 = tuple-based. */
  truncRounds: 1 | 2 = 2;
  /** Checked mode (range-check.ts): when set, every truncation records its input here. */
  rangeCheck?: RangeSink;

  constructor(init: PartyInit) {
    this.id = init.id;
    this.channel = init.channel;
    this.prss = init.prss;
    this.cfg = init.cfg;
    this.k = init.k;
    this.meter = init.meter ?? new Meter();
    this.stream = init.stream ?? '';
    this.dealerCalls = init.dealer ?? 0;
    this.comm = new Comm(this.channel, this.meter, this.stream, init.offline === true);
  }

  /** Forks made so far (the stream index the next fork gets). */
  get forkCount(): number {
    return this.forks;
  }

  /** The dealer of the next truncation (lock-step at the three parties). */
  nextDealer(): PartyId {
    return (this.dealerCalls++ % 3) as PartyId;
  }

  /**
   * Make P0 the dealer of the next truncation (the rotation is a public lock-step counter, so all
   * parties skip to the same value). Used before a truncation whose result feeds an msb: the
   * dealer is idle in the truncation's second round and msb's first round is P0 → P1 alone, so
   * with P0 as dealer that round overlaps and the pair costs one round less (MSB_AFTER_P0_TRUNC
   * in src/approx's cost functions).
   */
  dealNextToP0(): void {
    this.dealerCalls += (3 - (this.dealerCalls % 3)) % 3;
  }

  /** A child context for a concurrent branch (see the file comment). */
  fork(label: string, detached = false): Party {
    const index = this.forks++;
    const child = new Prss(
      { prev: this.prss.prev.bytes(16).slice(), next: this.prss.next.bytes(16).slice(), own: this.prss.own.bytes(16).slice() },
      this.k,
    );
    const p = new Party({
      id: this.id,
      channel: this.channel,
      prss: child,
      cfg: this.cfg,
      k: this.k,
      meter: this.meter.fork(label, detached),
      stream: this.stream ? `${this.stream}.${index}` : `${index}`,
      dealer: index,
      offline: this.comm.offlineOnly,
    });
    p.truncRounds = this.truncRounds;
    // checked mode: the branch records into its own slot, taken in fork order (deterministic)
    if (this.rangeCheck) p.rangeCheck = this.rangeCheck.branch(p);
    return p;
  }

  /**
   * A side context for an auxiliary protocol run between this context's ops, never concurrently
   * with them (checked mode's range check): same stream and meter, PRSS derived by hashing
   * (Prss.derive), so this context's random streams, dealer rotation and fork numbering are
   * untouched and its results do not change.
   */
  sidecar(label: string): Party {
    const p = new Party({ id: this.id, channel: this.channel, prss: this.prss.derive(label), cfg: this.cfg, k: this.k, meter: this.meter, stream: this.stream, offline: this.comm.offlineOnly });
    p.truncRounds = this.truncRounds;
    return p;
  }

  /**
   * A child context for data-independent preprocessing (see the file comment). Its meter opens
   * no scope: run its work under `scoped(child, label, …)`. It records no range checks.
   */
  offline(label: string): Party {
    const index = this.offlines++;
    const p = new Party({
      id: this.id,
      channel: this.channel,
      prss: this.prss.derive(`\0offline#${index}\0${label}`),
      cfg: this.cfg,
      k: this.k,
      meter: this.meter.offline(),
      stream: `${this.stream}~${index}`,
      offline: true,
    });
    p.truncRounds = this.truncRounds;
    return p;
  }
}

/**
 * Run `fn` with p.truncRounds = `rounds` (restored afterwards, also on error). Contexts forked
 * inside inherit it. Do not run other ops on `p` concurrently with `fn`: they would see the flag.
 */
export async function withTruncRounds<T>(p: Party, rounds: 1 | 2, fn: () => Promise<T>): Promise<T> {
  const before = p.truncRounds;
  p.truncRounds = rounds;
  try {
    return await fn();
  } finally {
    p.truncRounds = before;
  }
}

/**
 * Where truncations report their inputs in checked mode (src/protocols/range-check.ts). `s0, s1`
 * are this party's replicated share of x + 2^62 (x the truncation input); x is in range
 * (|x| < 2^62) iff its msb is 0. `branch()` gives a forked context its own sink.
 */
export interface RangeSink {
  recordTrunc(tag: string, s0: BigUint64Array, s1: BigUint64Array): void;
  branch(child: Party): RangeSink;
}

/** Run `fn` under a meter label (nested labels give paths like 'layer0/attn/softmax'). */
export function scoped<T>(p: Party, label: string, fn: () => Promise<T>): Promise<T> {
  return p.meter.scope(label, fn);
}

/**
 * Run independent branches concurrently on forks of `p`; resolves with their results in order.
 * Each branch is metered under `parentPath/label` (its record closes when it resolves).
 */
export function branches<T extends readonly unknown[]>(p: Party, fns: { [K in keyof T]: readonly [string, (q: Party) => Promise<T[K]>] }): Promise<T> {
  const forks = fns.map(([label]) => p.fork(label));
  return Promise.all(
    fns.map(async ([, fn], i) => {
      const v = await fn(forks[i]);
      forks[i].meter.exit();
      return v;
    }),
  ) as unknown as Promise<T>;
}

/**
 * A branch whose result is consumed later, by one op of the caller's (not at a join): `fn` runs
 * on a fork whose depth does not raise the caller's while it runs; `take(consumer)` awaits the
 * result and raises the consumer's depth to the branch's (the consumer depends on it from then
 * on). The caller's other work meanwhile overlaps it, as a branch of `branches` would.
 */
export class LazyBranch<T> {
  readonly value: Promise<T>;
  constructor(
    private readonly q: Party,
    fn: (q: Party) => Promise<T>,
  ) {
    this.value = fn(q).then((v) => {
      q.meter.exit();
      return v;
    });
  }

  async take(consumer: Party): Promise<T> {
    const v = await this.value;
    if (this.q.meter.depth > consumer.meter.depth) consumer.meter.depth = this.q.meter.depth;
    return v;
  }
}

/** Start `fn` on a lazily joined fork of p (see LazyBranch). */
export const lazyBranch = <T>(p: Party, label: string, fn: (q: Party) => Promise<T>): LazyBranch<T> => new LazyBranch(p.fork(label, true), fn);

/**
 * Declared cost of an op as a function of its element count: online rounds, online bytes summed
 * over the three parties, and offline (data-independent: dealer material or interactive
 * preprocessing) bytes (absent = 0; see Meter for the split).
 */
export interface OpCost {
  rounds: number;
  bytesTotal: number;
  offlineBytesTotal?: number;
}

/** Cost of ops run one after the other: rounds and bytes add. */
export function addCosts(...cs: OpCost[]): OpCost {
  return withOffline(
    cs.reduce((t, c) => t + c.rounds, 0),
    cs.reduce((t, c) => t + c.bytesTotal, 0),
    cs.reduce((t, c) => t + (c.offlineBytesTotal ?? 0), 0),
  );
}

/** Cost of branches run concurrently (Party.fork): rounds are the longest branch, bytes add. */
export function parCosts(...cs: OpCost[]): OpCost {
  return withOffline(
    Math.max(0, ...cs.map((c) => c.rounds)),
    cs.reduce((t, c) => t + c.bytesTotal, 0),
    cs.reduce((t, c) => t + (c.offlineBytesTotal ?? 0), 0),
  );
}

function withOffline(rounds: number, bytesTotal: number, offlineBytesTotal: number): OpCost {
  return offlineBytesTotal ? { rounds, bytesTotal, offlineBytesTotal } : { rounds, bytesTotal };
}

export const NO_COST: OpCost = Object.freeze({ rounds: 0, bytesTotal: 0 });
