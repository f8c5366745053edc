/**
 * Network shaping of party↔party links (off by default): `--net lan` (PUMA's 5 Gbps, 1 ms RTT),
 * `--net wan` (100 Mbps, 40 ms RTT) or `--net rtt=MS,mbps=N`. The kernel's netem is not available
 * on our machines, so each SecureLink to a peer party shapes its own sending direction:
 *
 * - a sealed message of B bytes occupies the direction for B·8 / bandwidth (queued messages wait
 *   for the link to be free: serialisation), then arrives RTT/2 later (propagation);
 * - "arrives" = handed to the WebSocket at that time; loopback adds ~nothing;
 * - order is kept (delivery times are non-decreasing), so AEAD counters stay in sequence.
 *
 * So a ping-pong takes RTT per round trip, a transfer of S bytes takes S·8/bandwidth + RTT/2, and
 * a protocol round in which all parties send at once costs RTT/2 plus the serialisation of the
 * largest message. The wake-ups come from NetClock (worker thread, sub-millisecond); the shaped
 * bytes are the real encrypted frames (AEAD tags and headers included).
 *
 * Limitation: delivery runs on the SENDER's event loop (a kernel would send while the process
 * computes), so a party that computes synchronously right after sending delays its own messages
 * until it yields. Most ops await their receives right after sending; where concurrent branches
 * (forks) compute between another branch's send and the next yield, measured times are somewhat
 * pessimistic.
 *
 * The setting is a public parameter of a session: the three parties must agree (checked when a
 * session starts, see sessions.ts) and it is logged.
 */
import { MpcError } from '../protocols/errors.js';
import { netClock, nowMs, type NetClock, type Wakeable } from './net-clock.js';

export interface NetShape {
  /** Round-trip time in ms (each direction delays by rttMs / 2). */
  readonly rttMs: number;
  /** Bandwidth of each direction of each link, in Mbit/s (10^6 bit/s). */
  readonly mbps: number;
}

/** PUMA's evaluation network and a WAN (the same figures as the bench's modelled times). */
export const NET_PRESETS: Readonly<Record<'lan' | 'wan', NetShape>> = Object.freeze({
  lan: Object.freeze({ rttMs: 1, mbps: 5000 }),
  wan: Object.freeze({ rttMs: 40, mbps: 100 }),
});

export const NET_USAGE = "--net off|lan|wan|rtt=MS,mbps=N (lan = 5 Gbps, 1 ms RTT; wan = 100 Mbps, 40 ms RTT)";

/** Parse a `--net` value; undefined / '' / 'off' / 'none' → null (no shaping). Throws MPC_ERR_CONFIG. */
export function parseNet(s: string | undefined): NetShape | null {
  const v = (s ?? '').trim().toLowerCase();
  if (v === '' || v === 'off' || v === 'none') return null;
  if (v === 'lan' || v === 'wan') return NET_PRESETS[v];
  const fields = new Map<string, number>();
  for (const part of v.split(',')) {
    const m = /^(rtt|mbps)=(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (!m || fields.has(m[1])) throw new MpcError('MPC_ERR_CONFIG', `bad --net '${s}': expected ${NET_USAGE}`);
    fields.set(m[1], Number(m[2]));
  }
  const rttMs = fields.get('rtt');
  const mbps = fields.get('mbps');
  if (rttMs === undefined || mbps === undefined) throw new MpcError('MPC_ERR_CONFIG', `bad --net '${s}': give both rtt=MS and mbps=N`);
  if (!(rttMs >= 0 && rttMs <= 10_000)) throw new MpcError('MPC_ERR_CONFIG', `--net rtt must be in [0, 10000] ms, got ${rttMs}`);
  if (!(mbps > 0 && mbps <= 1e6)) throw new MpcError('MPC_ERR_CONFIG', `--net mbps must be in (0, 1e6], got ${mbps}`);
  return Object.freeze({ rttMs, mbps });
}

/** Canonical text of a setting ('off' or 'rtt=1,mbps=5000'): what parties compare. */
export function netTag(n: NetShape | null | undefined): string {
  return n ? `rtt=${n.rttMs},mbps=${n.mbps}` : 'off';
}

/** Human description: 'shaped: 5 Gbps, 1 ms RTT (lan)' or 'not shaped'. */
export function describeNet(n: NetShape | null | undefined): string {
  if (!n) return 'not shaped';
  const bw = n.mbps >= 1000 ? `${n.mbps / 1000} Gbps` : `${n.mbps} Mbps`;
  const preset = (Object.keys(NET_PRESETS) as ('lan' | 'wan')[]).find((k) => netTag(NET_PRESETS[k]) === netTag(n));
  return `shaped: ${bw}, ${n.rttMs} ms RTT${preset ? ` (${preset})` : ''}`;
}

/** Throws MPC_ERR_CONFIG when a peer (or the client) announced another setting than ours. */
export function checkNetAgreement(mine: NetShape | null | undefined, theirs: unknown, who: string): void {
  if (theirs === undefined) return; // an older peer or a client that does not say
  if (theirs !== netTag(mine)) throw new MpcError('MPC_ERR_CONFIG', `network shaping differs: ${who} uses --net ${String(theirs)}, this party ${netTag(mine)}`);
}

interface InFlight {
  at: number;
  bytes: number;
  deliver: () => void;
}

/**
 * One shaped direction: `send(bytes, deliver)` calls `deliver` when the message would arrive.
 * `queuedBytes` are sent but not yet delivered (the link counts them against its high-water mark).
 */
export class LinkShaper implements Wakeable {
  private readonly q: InFlight[] = [];
  private head = 0;
  private freeAt = 0;
  private stopped = false;
  queuedBytes = 0;

  constructor(
    readonly net: NetShape,
    private readonly clock: NetClock = netClock(),
  ) {
    clock.add(this);
  }

  send(bytes: number, deliver: () => void): void {
    if (this.stopped) return;
    const now = nowMs();
    this.freeAt = Math.max(now, this.freeAt) + (bytes * 8) / (this.net.mbps * 1e3);
    this.q.push({ at: this.freeAt + this.net.rttMs / 2, bytes, deliver });
    this.queuedBytes += bytes;
    if (this.q.length - this.head === 1) this.clock.rearm();
  }

  nextDeadline(): number {
    return this.head < this.q.length ? this.q[this.head].at : Infinity;
  }

  onWake(now: number): void {
    while (this.head < this.q.length && this.q[this.head].at <= now) {
      const m = this.q[this.head++];
      this.queuedBytes -= m.bytes;
      m.deliver();
      if (this.stopped) return;
    }
    if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Drop everything in flight (the link closed). */
  stop(): void {
    this.stopped = true;
    this.q.length = 0;
    this.head = 0;
    this.queuedBytes = 0;
    this.clock.remove(this);
  }
}
