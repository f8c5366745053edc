/** docs/cost.md from the results of `npm run bench:report`. MB = 10^6 bytes, GB = 10^9 bytes. */
import type { CostRow, PhaseReport } from './analyze.js';
import type { BenchResult } from './result.js';
import type { LlamaBenchResult } from '../bench-llama.js';
import { isShaped, llamaSection, measuredPhase, measuredSection } from './report-measured.js';


/** All party-to-party bytes of a phase: online plus offline (the comparable figure to PUMA's, which has no offline phase). */
const allBytes = (p: { bytesTotal: number; offlineBytesTotal?: number }): number => p.bytesTotal + (p.offlineBytesTotal ?? 0);
export interface PumaFigure {
  label: string;
  seconds: number;
  gb: number;
}

/** PUMA (Dong et al. 2023), Table: sum over the three parties, 3×32 vCPUs, 5 Gbps, 1 ms. */
export const PUMA: Record<string, PumaFigure> = {
  'gpt2-base/32': { label: 'GPT2-base, 32 tokens → 1', seconds: 15.506, gb: 3.774 },
  'gpt2-medium/32': { label: 'GPT2-medium, 32 tokens → 1', seconds: 30.272, gb: 7.059 },
  'bert-base/128': { label: 'BERT-base, 128 tokens', seconds: 33.913, gb: 10.773 },
  'llama-7b/8': { label: 'LLaMA-7B, 8 tokens → 1', seconds: 200.5, gb: 1.794 },
};

/** One scenario of PUMA's table for the chart: ours (LAN measured if run, else LAN model) and PUMA's. */
export interface PumaBar {
  label: string;
  oursGb: number;
  pumaGb: number;
  oursS: number;
  pumaS: number;
  /** How our time was obtained. */
  timeKind: 'LAN measured' | 'LAN model' | 'extrapolated, LAN model';
}

/** The scenarios of PUMA's table that ran, for the chart (docs/cost.svg). */
export function pumaBars(outcomes: ScenarioOutcome[]): PumaBar[] {
  const out: PumaBar[] = [];
  for (const [key, fig] of Object.entries(PUMA)) {
    const [model, tok] = key.split('/');
    const ll = model === 'llama-7b' ? outcomes.find((q) => q.llama && q.llama.promptTokens === Number(tok))?.llama : undefined;
    if (ll) {
      const p = ll.phases[0];
      out.push({ label: `${fig.label} (extrapolated)`, oursGb: allBytes(p) / 1e9, pumaGb: fig.gb, oursS: p.lanModelMs / 1000, pumaS: fig.seconds, timeKind: 'extrapolated, LAN model' });
      continue;
    }
    const o = outcomes.find((d) => d.result && d.result.model === model && d.result.promptTokens === Number(tok) && !d.args.includes('--net'));
    if (!o?.result) continue;
    const p = firstPhase(o.result);
    const meas = measuredPhase(outcomes, model, Number(tok), 'lan');
    out.push({ label: fig.label, oursGb: allBytes(p) / 1e9, pumaGb: fig.gb, oursS: (meas ? meas.ms : p.lanModelMs) / 1000, pumaS: fig.seconds, timeKind: meas ? 'LAN measured' : 'LAN model' });
  }
  return out;
}

export interface ScenarioOutcome {
  id: string;
  args: string[];
  result?: BenchResult;
  llama?: LlamaBenchResult;
  error?: string;
  elapsedMs: number;
}

const gb = (b: number): string => (b / 1e9).toFixed(3);
const mb = (b: number): string => (b / 1e6).toFixed(b >= 1e8 ? 0 : 1);
const s = (ms: number): string => (ms / 1000).toFixed(ms >= 100_000 ? 0 : ms >= 10_000 ? 1 : 2);
const x = (r: number): string => `${r.toFixed(2)}×`;
const ok = (v: boolean): string => (v ? '✅' : '❌');
const rss = (r: BenchResult): string => (r.rssScope === 'process' ? `${r.peakRssMbPerParty[0].toFixed(0)} (one process)` : r.peakRssMbPerParty.map((v) => v.toFixed(0)).join(' / '));

function mdTable(head: string[], rows: string[][], align?: string[]): string {
  const al = align ?? head.map((_, i) => (i === 0 ? ':--' : '--:'));
  return [`| ${head.join(' | ')} |`, `| ${al.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Unshaped runs (the ones with modelled network times). */
const unshaped = (outcomes: ScenarioOutcome[]): BenchResult[] => outcomes.flatMap((o) => (o.result && !isShaped(o.result) ? [o.result] : []));

/** The GPT-2 run to break down: gpt2-base with 32 prompt tokens, else the first with decode steps. */
export function pickGpt2(outcomes: ScenarioOutcome[]): BenchResult | undefined {
  const rs = unshaped(outcomes);
  return rs.find((r) => r.model === 'gpt2-base' && r.promptTokens === 32) ?? rs.find((r) => r.model.startsWith('gpt2') && r.phases.length > 1);
}

/** The BERT run to break down: bert-base with 128 tokens, else the first BERT run. */
export function pickBert(outcomes: ScenarioOutcome[]): BenchResult | undefined {
  const rs = unshaped(outcomes);
  return rs.find((r) => r.model === 'bert-base' && r.promptTokens === 128) ?? rs.find((r) => r.model.startsWith('bert'));
}

/** The phase that corresponds to PUMA's "n tokens → 1" (GPT-2: prefill) or the BERT pass. */
export function firstPhase(r: BenchResult): PhaseReport {
  return r.phases[0];
}

function costCells(c: CostRow): string[] {
  return [mb(c.bytesTotal), mb(Math.max(...c.bytesSent)), String(c.rounds), s(c.ms), s(c.lanModelMs), s(c.wanModelMs)];
}

function breakdown(title: string, p: PhaseReport): string {
  const out = [`#### ${title}`, ''];
  out.push('Per op class (classes are disjoint and add up to the phase; truncation is the part of them spent in truncation protocols):', '');
  const rows = p.classes.map((c) => [c.name, String(c.calls), ...costCells(c), `${((100 * c.bytesTotal) / Math.max(1, p.bytesTotal)).toFixed(1)}%`]);
  rows.push(['*of which truncation*', String(p.trunc.calls), ...costCells(p.trunc), `${((100 * p.trunc.bytesTotal) / Math.max(1, p.bytesTotal)).toFixed(1)}%`]);
  rows.push(['**phase total**', '', ...costCells(p), '100%']);
  out.push(mdTable(['class', 'calls', 'total MB', 'max party MB', 'rounds', 'wall s', 'LAN s', 'WAN s', '% bytes'], rows));
  out.push('', 'Per layer:', '');
  const lrows = p.layers.map((l) => [l.name, ...costCells(l)]);
  lrows.push(['outside layers (embedding, final norm, LM head, output)', ...costCells(p.outsideLayers)]);
  out.push(mdTable(['layer', 'total MB', 'max party MB', 'rounds', 'wall s', 'LAN s', 'WAN s'], lrows));
  return out.join('\n');
}

export function costMarkdown(outcomes: ScenarioOutcome[], meta: { command: string; startedAt: string; totalMs: number }): string {
  const done = outcomes.filter((o) => o.result && !isShaped(o.result)) as (ScenarioOutcome & { result: BenchResult })[];
  const first = done[0]?.result;
  const out: string[] = [];
  out.push('# Cost per token at real model sizes');
  out.push('');
  out.push(`Generated by \`${meta.command}\` (scripts/bench-report.ts) on ${meta.startedAt}; ${(meta.totalMs / 60000).toFixed(1)} min. Do not edit by hand.`);
  out.push('');
  if (first) {
    const m = first.machine;
    out.push(`**Machine:** ${m.cores} × ${m.cpu}, ${m.memGb} GB RAM, node ${m.node}, ${m.os}. **Mode:** ${first.mode === 'network' ? 'three party processes on loopback (authenticated, encrypted WebSocket links), the client in a fourth process' : 'in-process (three parties on one thread, in-memory channel)'}. Load average at the start of each run is in the raw results below: other engineers' jobs share this machine, so **wall times are noisy**; bytes and rounds are exact and deterministic.`);
    out.push('');
    out.push(`**Arithmetic:** ${first.ring.description}. **Approximations (${first.approxPreset}):** ${first.approx.description}.`);
    out.push('');
  }
  out.push('**Method.** Seeded synthetic weights at the real shapes (communication and rounds do not depend on weight values). Each party builds its own weight shares from the seed; the protocol ops treat them exactly like secret shares, so bytes and rounds are identical to a real deployment. `full` shares are pseudo-random 2-of-3 sharings (deployment-like memory: two u64 components per weight per party); `trivial` shares are x₀ = encoded w at P0 and P2 and zeros elsewhere (same bytes and rounds, but a party\'s resident memory is lower than in deployment, and P1 holds only zeros). GPT-2 "n → 1" is the prefill phase (the client receives the last position\'s logits); decode steps reuse the secret-shared KV cache. BERT is one encoder pass; the client receives the [CLS] row.');
  out.push('');
  out.push('**Bytes** are the protocol payload the parties send each other (the Meter), summed over the three parties ("total") or for the busiest party ("max party"); client↔party traffic (the client\'s one-hot input shares and the output shares) is not included and is listed per run below. **Rounds** are the communication depth of the critical path. **Modelled time** = measured wall time (compute; here on 2 shared cores for all three parties) + rounds × RTT + max-party bytes ÷ bandwidth, for PUMA\'s LAN (5 Gbps, 1 ms RTT) and a WAN (100 Mbps, 40 ms RTT).');
  out.push('');
  out.push('## Side by side with PUMA');
  out.push('');
  out.push('PUMA\'s published figures (Dong et al. 2023): runtime and communication summed over the three parties, on 3 × 32 vCPUs with 5 Gbps and 1 ms. Ratio = ours ÷ PUMA (below 1 is better). Our time column "LAN model" adds PUMA\'s network to compute measured on this 2-core machine, where the three parties share the cores; "LAN measured" is the same scenario run on links shaped to 5 Gbps and 1 ms RTT (`--net lan`). The LLaMA-7B row is EXTRAPOLATED from the layers that ran (section below), its time from in-process compute.');
  out.push('');
  const pumaRows: string[][] = [];
  for (const [key, fig] of Object.entries(PUMA)) {
    const [model, tok] = key.split('/');
    const o = done.find((d) => d.result.model === model && d.result.promptTokens === Number(tok));
    const ll = model === 'llama-7b' ? outcomes.find((q) => q.llama && q.llama.promptTokens === Number(tok))?.llama : undefined;
    if (ll) {
      const p = ll.phases[0];
      pumaRows.push([`${fig.label} (**extrapolated** from ${ll.measuredLayers} of ${ll.totalLayers} layers)`, fig.gb.toFixed(3), fig.seconds.toFixed(3), gb(allBytes(p)), x(allBytes(p) / 1e9 / fig.gb), String(p.rounds), `${s(p.computeMs)} (est., in-process)`, s(p.lanModelMs), '—', x(p.lanModelMs / 1000 / fig.seconds), `${(ll.memory.weightSharesBytes / 1e9).toFixed(0)} GB of weight shares (whole model)`]);
      continue;
    }
    if (!o) {
      pumaRows.push([fig.label, fig.gb.toFixed(3), fig.seconds.toFixed(3), '—', '—', '—', '—', '—', '—', '—', '—']);
      continue;
    }
    const p = firstPhase(o.result);
    const meas = measuredPhase(outcomes, model, Number(tok), 'lan');
    pumaRows.push([fig.label, fig.gb.toFixed(3), fig.seconds.toFixed(3), gb(allBytes(p)), x(allBytes(p) / 1e9 / fig.gb), String(p.rounds), s(p.ms), s(p.lanModelMs), meas ? s(meas.ms) : '—', x((meas ? meas.ms : p.lanModelMs) / 1000 / fig.seconds), rss(o.result)]);
  }
  out.push(mdTable(['scenario', 'PUMA GB', 'PUMA s', 'ours GB (online + offline)', 'bytes ratio', 'ours rounds', 'ours wall s (this machine)', 'ours LAN model s', 'ours LAN measured s', 'time ratio (measured if any)', 'peak RSS MB per party'], pumaRows));
  out.push('');
  out.push('GB = 10⁹ bytes (if PUMA\'s GB are 2³⁰ bytes, our byte ratios are 7% lower still). Our bytes here are all the parties\' traffic, online plus offline (the dealer material, which could be sent ahead of the session): PUMA has no offline phase.');
  out.push('');
  const base = pickGpt2(outcomes);
  if (base) {
    const p = base.phases[0];
    const d = base.phases[1];
    out.push(`## Targets (${base.model}, ${base.promptTokens} tokens; the goals are set for GPT2-base 32 → 1)`);
    out.push('');
    const rows: string[][] = [
      [`${p.tokens} → 1: total communication (online + offline)`, '≤ 1.9 GB', `${gb(allBytes(p))} GB`, ok(allBytes(p) <= 1.9e9)],
      [`${p.tokens} → 1: rounds`, '≤ 1,000', String(p.rounds), ok(p.rounds <= 1000)],
      [`${p.tokens} → 1: wall time, all three parties on this 2-core machine`, '≤ 60 s', `${s(p.ms)} s`, ok(p.ms <= 60_000)],
      [`${p.tokens} → 1: peak RSS per party (${base.shares} shares${base.rssScope === 'process' ? ', one process for all three' : ''})`, '≤ 4 GB', `${(Math.max(...base.peakRssMbPerParty) / 1024).toFixed(2)} GB`, ok(Math.max(...base.peakRssMbPerParty) <= 4096)],
    ];
    if (d) {
      rows.push([`decode step with the KV cache at context ${p.context} (${d.name}): communication (online + offline)`, '≤ 60 MB', `${mb(allBytes(d))} MB`, ok(allBytes(d) <= 60e6)]);
      rows.push([`decode step at context ${p.context}: wall time`, '≤ 1.5 s', `${s(d.ms)} s`, ok(d.ms <= 1500)]);
      rows.push([`decode step at context ${p.context}: rounds`, '—', String(d.rounds), '']);
    }
    out.push(mdTable(['target', 'goal', 'measured', ''], rows, [':--', '--:', '--:', ':-:']));
    out.push('');
  }
  out.push('## All scenarios, per phase');
  out.push('');
  const rows: string[][] = [];
  for (const o of outcomes) {
    if (o.llama || (o.result && isShaped(o.result))) continue; // own sections below
    if (!o.result) {
      rows.push([o.id, 'FAILED', o.error?.split('\n')[0]?.slice(0, 120) ?? '', '', '', '', '', '', '', '', '']);
      continue;
    }
    for (const p of o.result.phases) rows.push([o.id, p.name, String(p.tokens), String(p.context), ...costCells(p), mb(p.offlineBytesTotal ?? 0)]);
  }
  out.push(mdTable(['scenario', 'phase', 'tokens', 'context', 'online MB', 'max party MB', 'online rounds', 'wall s', 'LAN s', 'WAN s', 'offline MB'], rows));
  out.push('');
  out.push('Per run:');
  out.push('');
  const runRows = done.map((o) => {
    const r = o.result;
    return [o.id, r.shares, gb(r.totalBytes), String(r.rounds), s(r.wallMs), s(r.lanModelMs), s(r.wanModelMs), rss(r), r.setupMsPerParty.map((v) => s(v)).join(' / '), mb(Math.max(...r.clientBytesInPerParty)), String(r.machine.loadavg1m)];
  });
  out.push(mdTable(['scenario', 'shares', 'total GB', 'rounds', 'wall s', 'LAN s', 'WAN s', 'peak RSS MB per party', 'weight setup s', 'client→party MB per party', 'load avg'], runRows));
  out.push('');
  out.push('Shares: `full` = every party holds two pseudo-random u64 components per weight, like a deployment; `trivial` = the encoded weight sits in one component and the rest are zeros, so bytes and rounds are the same but resident memory is lower than a deployment\'s.');
  out.push('');
  const measured = measuredSection(outcomes);
  if (measured) out.push(measured);
  const llama = llamaSection(outcomes);
  if (llama) out.push(llama);
  out.push('## Breakdowns');
  out.push('');
  out.push('![bytes and time per layer and op class](cost.svg)');
  out.push('');
  if (base) {
    out.push(breakdown(`${base.model}, ${base.promptTokens} tokens → 1 (prefill)`, base.phases[0]));
    out.push('');
    if (base.phases[1]) {
      out.push(breakdown(`${base.model}, first decode step (context ${base.phases[1].context})`, base.phases[1]));
      out.push('');
    }
  }
  const bert = pickBert(outcomes);
  if (bert) {
    out.push(breakdown(`${bert.model}, ${bert.promptTokens} tokens`, bert.phases[0]));
    out.push('');
  }
  if (base) {
    out.push(`## Most expensive ops (${base.model} ${base.promptTokens} → ${base.newTokens}, all phases)`);
    out.push('');
    out.push('Meter labels with the phase and layer stripped, cost exclusive of nested labels, summed over phases and layers.');
    out.push('');
    const prof = (title: string, list: BenchResult['profile']['byMs']) => {
      out.push(`${title}:`, '');
      out.push(mdTable(['label', 'calls', 'self s', 'self MB', 'self rounds', 'incl MB', 'incl rounds'], list.map((p) => [`\`${p.label}\``, String(p.calls), s(p.selfMs), mb(p.selfBytes), String(p.selfRounds), mb(p.bytes), String(p.rounds)])));
      out.push('');
    };
    prof('By bytes', base.profile.byBytes);
    prof('By rounds', base.profile.byRounds);
    prof('By time', base.profile.byMs);
  }
  out.push('## Notes');
  out.push('');
  for (const n of first?.notes ?? []) out.push(`- ${n}`);
  out.push('- In-process runs (`--in-process`) give the same bytes and rounds; their wall time is the three parties\' compute on one thread.');
  out.push('');
  out.push('<details><summary>Raw results (headline fields of every run)</summary>');
  out.push('');
  out.push('```json');
  for (const o of outcomes) {
    if (o.llama) {
      const l = o.llama;
      out.push(JSON.stringify({ id: o.id, model: l.model, extrapolated: true, measuredLayers: l.measuredLayers, totalLayers: l.totalLayers, phases: l.phases.map((p) => ({ name: p.name, bytes: p.bytesTotal, rounds: p.rounds, layerBytes: p.layer.bytesTotal, layerRounds: p.layer.rounds, computeMs: Math.round(p.computeMs) })), memory: l.memory, wallMsThisRun: l.wallMsThisRun, machine: l.machine }));
      continue;
    }
    if (!o.result) {
      out.push(JSON.stringify({ id: o.id, error: o.error?.split('\n')[0] ?? 'failed' }));
      continue;
    }
    const r = o.result;
    out.push(JSON.stringify({ id: o.id, model: r.model, promptTokens: r.promptTokens, newTokens: r.newTokens, totalBytes: r.totalBytes, bytesSentPerParty: r.bytesSentPerParty, rounds: r.rounds, wallMs: r.wallMs, peakRssMbPerParty: r.peakRssMbPerParty, lanModelMs: r.lanModelMs, wanModelMs: r.wanModelMs, net: r.net ?? 'off', mode: r.mode, shares: r.shares, output: r.output, phases: r.phases.map((p) => ({ name: p.name, bytes: p.bytesTotal, rounds: p.rounds, ms: +p.ms.toFixed(1) })), ring: r.ring.config, approx: r.approx.config, machine: r.machine }));
  }
  out.push('```');
  out.push('');
  out.push('</details>');
  out.push('');
  return out.join('\n');
}
