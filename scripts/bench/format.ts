/**
 * Plain text of a BenchResult for the terminal (stdout): the headline, the phases and totals;
 * with `detail`, per layer and per op class tables (and the profile with `profile`).
 * MB = 10^6 bytes, GB = 10^9.
 */
import type { CostRow, NamedRow, ProfileRow } from './analyze.js';
import { fmtBytes, headline } from './headline.js';
import type { BenchResult } from './result.js';

export const mb = (b: number): string => (b / 1e6).toFixed(b >= 1e8 ? 0 : b >= 1e6 ? 1 : 3);
export const sec = (ms: number): string => (ms / 1000).toFixed(ms >= 100_000 ? 0 : ms >= 10_000 ? 1 : 2);

export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

let shapedRun = false; // a shaped run's wall time already is the network time: no model columns

const costHead = (): string[] => ['P0 MB', 'P1 MB', 'P2 MB', 'total MB', 'offline MB', 'rounds', shapedRun ? 'measured s' : 'wall s', ...(shapedRun ? [] : ['LAN s', 'WAN s'])];

function costCells(r: CostRow): string[] {
  return [mb(r.bytesSent[0]), mb(r.bytesSent[1]), mb(r.bytesSent[2]), mb(r.bytesTotal), mb(r.offlineBytesTotal), String(r.rounds), sec(r.ms), ...(shapedRun ? [] : [sec(r.lanModelMs), sec(r.wanModelMs)])];
}

/** CPU s of a phase and the cores it kept busy on average (CPU ÷ wall); blank when not measured. */
function cpuCells(cpuMs: number | undefined, wallMs: number): string[] {
  if (cpuMs === undefined) return ['', ''];
  return [sec(cpuMs), wallMs > 0 ? (cpuMs / wallMs).toFixed(2) : ''];
}

/** What the CPU columns count, and the per-party split of the phases when the parties are processes. */
function cpuNote(r: BenchResult): string {
  const cores = `this machine has ${r.machine.cores} cores`;
  if (r.rssScope === 'process') return `CPU s: the one process of all three parties during the phase (user + system, all threads); cores = CPU s ÷ wall s (${cores}).`;
  const split = r.phases.filter((p) => p.cpuMsPerParty).map((p) => `${p.name} ${(p.cpuMsPerParty as number[]).map(sec).join(' / ')}`);
  return `CPU s: the three party processes during the phase (user + system, all threads), summed; cores = CPU s ÷ wall s (${cores}, shared with the client). Per party P0 / P1 / P2: ${split.slice(0, 4).join('; ')}${split.length > 4 ? '; …' : ''}.`;
}

/** One sentence on how the parties held the synthetic weights. */
export function sharesNote(shares: string): string {
  return shares === 'full'
    ? 'full shares: every party holds two pseudo-random u64 components per weight, like a deployment.'
    : 'trivial shares: the encoded weight sits in one component and the others are zeros, same bytes and rounds as real shares but less resident memory than a deployment.';
}

function rowsOf(rows: NamedRow[], total?: number): string[][] {
  return rows.map((r) => [r.name, String(r.calls), ...costCells(r), total ? `${((100 * r.bytesTotal) / total).toFixed(1)}%` : '']);
}

function profileTable(rows: ProfileRow[]): string {
  return table(
    ['label (phase/layer stripped)', 'calls', 'self s', 'self MB', 'self rounds', 'incl MB', 'incl rounds'],
    rows.map((r) => [r.label, String(r.calls), sec(r.selfMs), mb(r.selfBytes), String(r.selfRounds), mb(r.bytes), String(r.rounds)]),
  );
}

export function formatResult(r: BenchResult, opts: { detail?: boolean; profile?: boolean; layersOf?: 'first' | 'all' } = {}): string {
  const out: string[] = [];
  shapedRun = r.net !== 'off';
  const COST_HEAD = costHead();
  const maxParty = Math.max(...r.bytesSentPerParty);
  out.push(headline(r));
  out.push('');
  out.push(`== ${r.model}: ${r.description}`);
  out.push(`   ${r.promptTokens} ${r.newTokens ? `prompt tokens → ${r.newTokens} new token(s)` : 'tokens (encoder)'}; mode ${r.mode}; links ${r.netDescription}; output ${r.output}; approx preset ${r.approxPreset}${r.checkRanges ? "; checked mode (range check per layer)" : ""}`);
  out.push(`   ${sharesNote(r.shares)}`);
  out.push('');
  out.push(`Phases (bytes: online party-to-party payload sent by each party, and the offline dealer material; rounds: online; ${shapedRun ? 'measured: slowest party on the shaped links' : 'wall: slowest party; LAN/WAN: modelled'})`);
  const phaseRows = r.phases.map((p) => [p.name, String(p.tokens), String(p.context), ...costCells(p), sec(p.clientMs), ...cpuCells(p.cpuMs, p.ms)]);
  const tot: CostRow = { calls: 1, bytesSent: r.bytesSentPerParty as [number, number, number], bytesTotal: r.totalBytes, offlineBytesTotal: r.offlineBytesTotal, rounds: r.rounds, ms: r.wallMs, lanModelMs: r.lanModelMs, wanModelMs: r.wanModelMs };
  const cpuTotal = r.phases.every((p) => p.cpuMs !== undefined) ? r.phases.reduce((t, p) => t + (p.cpuMs ?? 0), 0) : undefined;
  phaseRows.push(['TOTAL', '', '', ...costCells(tot), sec(r.wallMs), ...cpuCells(cpuTotal, r.phases.reduce((t, p) => t + p.ms, 0))]);
  out.push(table(['phase', 'tokens', 'ctx', ...COST_HEAD, 'client s', 'CPU s', 'cores'], phaseRows));
  out.push(cpuNote(r));
  out.push('');
  if (!opts.detail) {
    out.push(`Totals: ${fmtBytes(r.totalBytes)} online over the three parties (max one party ${fmtBytes(maxParty)}) + ${fmtBytes(r.offlineBytesTotal)} offline, ${r.rounds} online rounds, ${shapedRun ? 'measured' : 'wall'} ${sec(r.wallMs)} s; peak RSS per party ${r.peakRssMbPerParty.map((x) => x.toFixed(0)).join(' / ')} MB${r.rssScope === 'process' ? ' (one process)' : ''}.`);
    if (r.maxLoopDelayMsPerParty) out.push(`Longest event-loop delay per party during the inference (heartbeats wait this long): ${r.maxLoopDelayMsPerParty.join(' / ')} ms.`);
    out.push('Per layer, per op class and the client traffic: add --detail (and --profile for the most expensive ops).');
    return out.join('\n');
  }
  const layerPhases = opts.layersOf === 'all' ? r.phases : r.phases.slice(0, Math.min(2, r.phases.length));
  for (const p of layerPhases) {
    out.push(`Per layer — ${p.name}`);
    const rows = p.layers.map((l) => [l.name, ...costCells(l)]);
    rows.push(['outside layers', ...costCells(p.outsideLayers)]);
    out.push(table(['layer', ...COST_HEAD], rows));
    out.push('');
  }
  for (const p of r.phases.slice(0, Math.min(2, r.phases.length))) {
    out.push(`Per op class — ${p.name}`);
    out.push(table(['class', 'calls', ...COST_HEAD, '% bytes'], [...rowsOf(p.classes, p.bytesTotal), ['(of which truncation)', String(p.trunc.calls), ...costCells(p.trunc), `${((100 * p.trunc.bytesTotal) / Math.max(1, p.bytesTotal)).toFixed(1)}%`]]));
    out.push('');
  }
  if (r.phases.length > 1) {
    out.push('Per op class — all phases');
    out.push(table(['class', 'calls', ...COST_HEAD, '% bytes'], [...rowsOf(r.classes, r.totalBytes), ['(of which truncation)', String(r.trunc.calls), ...costCells(r.trunc), `${((100 * r.trunc.bytesTotal) / Math.max(1, r.totalBytes)).toFixed(1)}%`]]));
    out.push('');
  }
  out.push('(of which truncation) = explicit truncA plus the fused truncation of fMatmul/fMul, already inside the classes above.');
  out.push(`Totals: ${(r.totalBytes / 1e9).toFixed(3)} GB over the three parties (max one party ${mb(maxParty)} MB), ${r.rounds} rounds, wall ${sec(r.wallMs)} s; Σ phases ${mb(r.phaseBytesSum)} MB / ${r.phaseRoundsSum} rounds.`);
  if (!shapedRun) out.push(`Modelled: ${r.networks.lan.name} ${sec(r.lanModelMs)} s; ${r.networks.wan.name} ${sec(r.wanModelMs)} s  (= compute + rounds·RTT + max party bytes / bandwidth; compute = ${r.networks.compute}).`);
  const rss = r.peakRssMbPerParty.map((x) => x.toFixed(0)).join(' / ');
  out.push(`Peak RSS ${r.rssScope === 'process' ? '(one process, all three parties)' : 'per party P0 / P1 / P2'}: ${rss} MB (during inference: ${r.peakRssRunMbPerParty.map((x) => x.toFixed(0)).join(' / ')} MB; after weights: ${r.rssAfterSetupMbPerParty.map((x) => x.toFixed(0)).join(' / ')} MB).`);
  out.push(`Client↔party payload per party: in ${r.clientBytesInPerParty.map(mb).join(' / ')} MB, out ${r.clientBytesOutPerParty.map(mb).join(' / ')} MB (not in the totals).`);
  if (r.sealedBytesSentPerParty) {
    const msgs = r.framesSentPerParty && r.messagesSentPerParty ? `, in ${r.messagesSentPerParty.join(' / ')} sealed messages carrying ${r.framesSentPerParty.join(' / ')} frames` : '';
    out.push(`On the wire (sealed frames incl. headers and AEAD tags) per party: ${r.sealedBytesSentPerParty.map(mb).join(' / ')} MB${msgs}.`);
  }
  if (r.maxLoopDelayMsPerParty) out.push(`Longest event-loop delay per party during the inference (heartbeats wait this long): ${r.maxLoopDelayMsPerParty.join(' / ')} ms.`);
  out.push(`Weight setup per party: ${r.setupMsPerParty.map(sec).join(' / ')} s (not in wall time). Load average ${r.machine.loadavg1m} → ${r.loadavg1mEnd}.`);
  if (opts.profile) {
    out.push('');
    out.push('Profile: ten most expensive labels by time (exclusive of nested labels, summed over phases and layers)');
    out.push(profileTable(r.profile.byMs));
    out.push('');
    out.push('Profile: by bytes');
    out.push(profileTable(r.profile.byBytes));
    out.push('');
    out.push('Profile: by rounds');
    out.push(profileTable(r.profile.byRounds));
  }
  return out.join('\n');
}
