/**
 * The benchmark result: the JSON object `npm run bench -- --json` prints as its last line and
 * `npm run bench:report` collects. Flat headline fields first (model, promptTokens, newTokens,
 * totalBytes, rounds, wallMs, peakRssMbPerParty, lanModelMs, wanModelMs), then the breakdowns and
 * the configuration it was measured with (ring, approximations, machine).
 */
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { describeApproxConfig, type ApproxConfig } from '../../src/approx/index.js';
import { describeRingConfig, type RingConfig } from '../../src/ring/config.js';
import { parameterCount } from '../../src/model/arch/model-shapes.js';
import { analyze, top, type Analysis, type CostRow, type NamedRow, type PhaseReport, type ProfileRow } from './analyze.js';
import type { RawRun } from './raw.js';
import { netTag, NET_PRESETS, type NetShape } from '../../src/parties/net-shaper.js';
import { LAN, WAN, specApprox, specRing, specShape, type BenchSpec, type NetworkModel } from './spec.js';

export interface Machine {
  cpu: string;
  cores: number;
  memGb: number;
  freeMemGb: number;
  node: string;
  os: string;
  date: string;
  loadavg1m: number;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model?.trim() ?? '?',
    cores: cpus().length,
    memGb: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemGb: +(freemem() / 2 ** 30).toFixed(1),
    node: process.version,
    os: `${platform()} ${release()}`,
    date: new Date().toISOString(),
    loadavg1m: +loadavg()[0].toFixed(2),
  };
}

export interface BenchResult {
  model: string;
  promptTokens: number;
  newTokens: number;
  /** Online bytes (party to party, summed over the parties). */
  totalBytes: number;
  /** Offline (dealer) bytes: correlated randomness that depends on no data. */
  offlineBytesTotal: number;
  /** Online rounds (= rounds; offline frames never add to the depth). */
  onlineRounds: number;
  rounds: number;
  wallMs: number;
  peakRssMbPerParty: number[];
  lanModelMs: number;
  wanModelMs: number;
  /** Link shaping of the run ('off', or 'rtt=1,mbps=5000'): with shaping, wallMs is the measured time on that network. */
  net: string;
  netDescription: string;
  // ---- more detail ----
  mode: RawRun['mode'];
  shares: BenchSpec['shares'];
  output: BenchSpec['output'];
  approxPreset: BenchSpec['approx'];
  /** Checked mode (one secure range check per layer) was on. */
  checkRanges: boolean;
  description: string;
  parameters: number;
  bytesSentPerParty: number[];
  /** Σ phases (should equal totalBytes / rounds). */
  phaseBytesSum: number;
  phaseRoundsSum: number;
  /** Peak RSS during the inference only (sampled), and after building the weights. */
  peakRssRunMbPerParty: number[];
  rssAfterSetupMbPerParty: number[];
  /** 'process': in-process, the three numbers are the one shared process. */
  rssScope: RawRun['rssScope'];
  setupMsPerParty: number[];
  clientBytesInPerParty: number[];
  clientBytesOutPerParty: number[];
  sealedBytesSentPerParty?: number[];
  /** Networked: tensor frames and sealed messages per party, whole run (small frames sent together share a message). */
  framesSentPerParty?: number[];
  messagesSentPerParty?: number[];
  /** Networked: each party's longest event-loop delay (ms) during the inference. */
  maxLoopDelayMsPerParty?: number[];
  networks: { lan: NetworkModel; wan: NetworkModel; bytes: string; compute: string };
  phases: PhaseReport[];
  classes: NamedRow[];
  trunc: CostRow;
  profile: { byMs: ProfileRow[]; byBytes: ProfileRow[]; byRounds: ProfileRow[] };
  ring: { config: RingConfig; description: string };
  approx: { config: ApproxConfig; description: string };
  machine: Machine;
  loadavg1mEnd: number;
  notes: string[];
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** 'lan (5 Gbps, 1 ms RTT)', 'rtt=10,mbps=300 (300 Mbps, 10 ms RTT)' or 'off'. */
export function netLabel(net: NetShape | null): string {
  if (!net) return 'off';
  const preset = (Object.keys(NET_PRESETS) as ('lan' | 'wan')[]).find((k) => netTag(NET_PRESETS[k]) === netTag(net));
  const bw = net.mbps >= 1000 ? `${net.mbps / 1000} Gbps` : `${net.mbps} Mbps`;
  return `${preset ?? netTag(net)} (${bw}, ${net.rttMs} ms RTT)`;
}

/** A phase's CPU time: summed over the party processes, or the one process in-process. */
function phaseCpu(raw: RawRun, phase: string): { cpuMs: number; cpuMsPerParty?: number[] } {
  const per = raw.cpuMsByPhase.map((c) => r1(c[phase] ?? 0));
  return raw.rssScope === 'process' ? { cpuMs: per[0] } : { cpuMs: r1(per.reduce((a, b) => a + b, 0)), cpuMsPerParty: per };
}

export function buildResult(spec: BenchSpec, raw: RawRun, m: Machine, net: NetShape | null = null): BenchResult {
  const a: Analysis = analyze(spec, raw);
  const shape = specShape(spec);
  const ring = specRing(spec);
  const approx = specApprox(spec);
  const notes = [
    'Weights: seeded synthetic values at the real shapes; communication and rounds do not depend on weight values.',
    spec.shares === 'trivial'
      ? 'Shares: trivial sharing of the public encoded weights (x0 = w at P0 and P2, zeros elsewhere); the protocol ops treat them exactly like secret shares (same bytes and rounds), but resident memory is below a deployment (one zero component is never touched).'
      : 'Shares: full-size pseudo-random replicated shares from public bench seeds (deployment-like memory; same bytes and rounds as real shares).',
    raw.mode === 'in-process'
      ? 'In-process: the three parties share one JavaScript thread of this machine, so wall time is the sum of their compute; peak RSS is the one process holding all three parties.'
      : 'Network: three party processes on loopback (encrypted WebSocket links) sharing this machine\'s cores; peak RSS is per party process.',
    ...(net ? [`Links between the parties shaped to ${netLabel(net)} (src/parties/net-shaper.ts): wall times are MEASURED on that network; the LAN/WAN model columns do not apply to a shaped run.`] : []),
    'Timings are noisy: other jobs run on this machine concurrently (see loadavg).',
    'Bytes: protocol payload between the parties (Meter); client↔party traffic (one-hot inputs, outputs) is listed separately.',
  ];
  return {
    model: spec.model,
    promptTokens: spec.promptTokens,
    newTokens: spec.newTokens,
    totalBytes: raw.cost.bytesTotal,
    offlineBytesTotal: raw.cost.offlineBytesTotal ?? 0,
    onlineRounds: raw.cost.rounds,
    rounds: raw.cost.rounds,
    wallMs: r1(raw.wallMs),
    peakRssMbPerParty: raw.peakRssMb.map(r1),
    lanModelMs: r1(a.total.lanModelMs),
    wanModelMs: r1(a.total.wanModelMs),
    net: netTag(net),
    netDescription: netLabel(net),
    mode: raw.mode,
    shares: spec.shares,
    output: spec.output,
    approxPreset: spec.approx,
    checkRanges: spec.checkRanges,
    description: shape.description,
    parameters: parameterCount(shape),
    bytesSentPerParty: [...raw.cost.bytesSent],
    phaseBytesSum: a.phaseSum.bytesTotal,
    phaseRoundsSum: a.phaseSum.rounds,
    peakRssRunMbPerParty: raw.peakRssRunMb.map(r1),
    rssAfterSetupMbPerParty: raw.rssAfterSetupMb.map(r1),
    rssScope: raw.rssScope,
    setupMsPerParty: raw.setupMs.map(r1),
    clientBytesInPerParty: [...raw.clientBytesIn],
    clientBytesOutPerParty: [...raw.clientBytesOut],
    ...(raw.sealedBytesSent ? { sealedBytesSentPerParty: [...raw.sealedBytesSent] } : {}),
    ...(raw.framesSent && raw.messagesSent ? { framesSentPerParty: [...raw.framesSent], messagesSentPerParty: [...raw.messagesSent] } : {}),
    ...(raw.maxLoopDelayMs ? { maxLoopDelayMsPerParty: raw.maxLoopDelayMs.map(Math.round) } : {}),
    networks: {
      lan: LAN,
      wan: WAN,
      bytes: 'the most bytes sent by one party (its two outgoing links share its uplink)',
      compute: raw.mode === 'in-process' ? 'measured wall time in-process (three parties on one thread, no network)' : 'measured wall time over loopback (three processes on this machine)',
    },
    phases: a.phases.map((ph) => ({ ...ph, onlineRounds: ph.rounds, ...phaseCpu(raw, ph.name) })),
    classes: a.classes,
    trunc: a.trunc,
    profile: { byMs: top(a.profile, (r) => r.selfMs), byBytes: top(a.profile, (r) => r.selfBytes), byRounds: top(a.profile, (r) => r.selfRounds) },
    ring: { config: ring, description: describeRingConfig(ring) },
    approx: { config: approx, description: describeApproxConfig(approx) },
    machine: m,
    loadavg1mEnd: +loadavg()[0].toFixed(2),
    notes,
  };
}
