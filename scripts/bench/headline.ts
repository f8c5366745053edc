/**
 * The one line a person reads first, per scenario, and units that fit the number:
 *
 *   gpt2-base 32→1: 956 MB total, 1668 rounds, 19.1 s here; LAN 21.3 s, WAN 112 s (modelled)
 *   gpt2-base 32→1 at --net lan (5 Gbps, 1 ms RTT): 956 MB total, 1668 rounds, 22.8 s measured
 *
 * Bytes: B, kB, MB, GB (powers of 10, three significant digits); seconds likewise.
 */
import type { CostRow, PhaseReport } from './analyze.js';
import type { BenchResult } from './result.js';

export function fmtBytes(b: number): string {
  const units: [number, string][] = [
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [u, name] of units) if (b >= u) return `${sig3(b / u)} ${name}`;
  return `${Math.round(b)} B`;
}

export function fmtSec(ms: number): string {
  return `${sig3(ms / 1000)} s`;
}

/** Three significant digits, no exponent: 956, 35.2, 1.21, 0.0423; 1234 stays 1234. */
function sig3(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** 'gpt2-base 32→1', 'bert-base 128'. */
export function scenarioName(r: Pick<BenchResult, 'model' | 'promptTokens' | 'newTokens'>): string {
  return r.newTokens ? `${r.model} ${r.promptTokens}→${r.newTokens}` : `${r.model} ${r.promptTokens}`;
}

/** Mean of the decode phases (bytes, rounds, ms and modelled times), or null without decode steps. */
export function meanDecode(r: BenchResult): CostRow | null {
  const d = r.phases.filter((p) => p.name.startsWith('decode'));
  if (d.length === 0) return null;
  const mean = (f: (p: PhaseReport) => number) => d.reduce((t, p) => t + f(p), 0) / d.length;
  return {
    calls: d.length,
    bytesSent: [0, 1, 2].map((i) => mean((p) => p.bytesSent[i])) as [number, number, number],
    bytesTotal: mean((p) => p.bytesTotal),
    offlineBytesTotal: mean((p) => p.offlineBytesTotal),
    rounds: Math.round(mean((p) => p.rounds)),
    ms: mean((p) => p.ms),
    lanModelMs: mean((p) => p.lanModelMs),
    wanModelMs: mean((p) => p.wanModelMs),
  };
}

function part(c: CostRow, shaped: boolean, what: string): string {
  const time = shaped ? `${fmtSec(c.ms)} measured` : `${fmtSec(c.ms)} here; LAN ${fmtSec(c.lanModelMs)}, WAN ${fmtSec(c.wanModelMs)} (modelled)`;
  const offline = c.offlineBytesTotal ? ` (+ ${fmtBytes(c.offlineBytesTotal)} offline)` : '';
  return `${fmtBytes(c.bytesTotal)} ${what}${offline}, ${c.rounds} online rounds, ${time}`;
}

/** The headline of one run (first line of `npm run bench`). */
export function headline(r: BenchResult): string {
  const shaped = r.net !== 'off';
  const name = `${scenarioName(r)}${shaped ? ` at --net ${r.netDescription}` : ''}`;
  const first = r.phases[0];
  const dec = meanDecode(r);
  if (!dec) return `${name}: ${part(first, shaped, 'total')}`;
  return `${name}: prefill ${part(first, shaped, 'total')}; decode ${part(dec, shaped, 'per token')}`;
}
