/**
 * Smoke test of `npm run bench`: the CLI in-process on gpt2-tiny (1 layer) prints a JSON last
 * line with every headline field, and the bench code path on bert-tiny gives a consistent report:
 * totals are the sum of the per-party bytes, phases add up to the totals, classes add up to their
 * phase, layers and classes never exceed it. Trivial and full weight shares cost the same. Over
 * three party processes (gpt2-tiny), each phase carries every party's CPU time and their sum.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResult } from '../../scripts/bench/format.js';
import { runInProcess } from '../../scripts/bench/in-process.js';
import { buildResult, machine, type BenchResult } from '../../scripts/bench/result.js';
import { checkSpec, DEFAULT_SPEC, type BenchSpec } from '../../scripts/bench/spec.js';

const ROOT = join(import.meta.dirname, '../..');

function checkConsistent(r: BenchResult): void {
  expect(r.totalBytes).toBe(r.bytesSentPerParty.reduce((a, b) => a + b, 0));
  expect(r.totalBytes).toBeGreaterThan(0);
  expect(r.phaseBytesSum).toBe(r.totalBytes);
  expect(r.phaseRoundsSum).toBe(r.rounds);
  expect(r.phases.reduce((t, p) => t + p.bytesTotal, 0)).toBe(r.totalBytes);
  for (const p of r.phases) {
    expect(p.bytesTotal).toBe(p.bytesSent[0] + p.bytesSent[1] + p.bytesSent[2]);
    const classBytes = p.classes.reduce((t, c) => t + c.bytesTotal, 0);
    expect(classBytes).toBe(p.bytesTotal); // every byte is under some op class
    for (const c of p.classes) expect(c.bytesTotal).toBeLessThanOrEqual(p.bytesTotal);
    expect(p.trunc.bytesTotal).toBeLessThanOrEqual(p.bytesTotal);
    const layerBytes = p.layers.reduce((t, l) => t + l.bytesTotal, 0);
    expect(layerBytes + p.outsideLayers.bytesTotal).toBe(p.bytesTotal);
    expect(p.layers.reduce((t, l) => t + l.rounds, 0)).toBeLessThanOrEqual(p.rounds);
    expect(p.lanModelMs).toBeGreaterThanOrEqual(p.ms);
    expect(p.wanModelMs).toBeGreaterThan(p.lanModelMs);
  }
  for (const c of r.classes) expect(c.bytesTotal).toBeLessThanOrEqual(r.totalBytes);
  expect(r.lanModelMs).toBeGreaterThanOrEqual(r.wallMs);
  expect(r.ring.description).toMatch(/Z_2\^64/);
  expect(r.approx.description).toMatch(/gelu/);
  expect(r.peakRssMbPerParty).toHaveLength(3);
  expect(r.profile.byBytes.length).toBeGreaterThan(0);
}

describe('npm run bench (smoke)', () => {
  it('gpt2-tiny via the CLI: JSON last line with the headline fields; prefill + 2 KV-cached decode steps', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', '--model', 'gpt2-tiny', '--prompt-tokens', '4', '--new-tokens', '3', '--in-process', '--json', '--quiet', '--profile'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = out.trim().split('\n');
    const r = JSON.parse(lines[lines.length - 1]) as BenchResult;
    for (const k of ['model', 'promptTokens', 'newTokens', 'totalBytes', 'offlineBytesTotal', 'onlineRounds', 'rounds', 'wallMs', 'peakRssMbPerParty', 'lanModelMs', 'wanModelMs'] as const) expect(r[k], k).toBeDefined();
    // online and offline apart: the comparisons' dealt material is offline, the rounds are online
    expect(r.offlineBytesTotal).toBeGreaterThan(0);
    expect(r.onlineRounds).toBe(r.rounds);
    for (const p of r.phases) expect({ on: p.onlineRounds, off: p.offlineBytesTotal > 0 }).toEqual({ on: p.rounds, off: true });
    expect(r).toMatchObject({ model: 'gpt2-tiny', promptTokens: 4, newTokens: 3, mode: 'in-process' });
    expect(r.phases.map((p) => p.name)).toEqual(['prefill', 'decode1', 'decode2']);
    expect(r.phases.map((p) => p.context)).toEqual([4, 5, 6]);
    expect(r.phases[0].layers.map((l) => l.name)).toEqual(['layer0']);
    expect(r.classes.map((c) => c.name)).toEqual(expect.arrayContaining(['embedding', 'layerNorm', 'matmul', 'attention', 'gelu', 'lmHead']));
    // in-process the CPU time is the one process's, once per phase (no per-party split)
    for (const p of r.phases) expect({ cpu: (p.cpuMs ?? 0) > 0, per: p.cpuMsPerParty }).toEqual({ cpu: true, per: undefined });
    checkConsistent(r);
  }, 20_000);

  it('gpt2-tiny over three party processes: per-party CPU time per phase sums to the phase figure, and the table shows it', () => {
    const json = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', '--model', 'gpt2-tiny', '--prompt-tokens', '4', '--new-tokens', '2', '--quiet', '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = json.trim().split('\n');
    const r = JSON.parse(lines[lines.length - 1]) as BenchResult;
    expect(r.mode).toBe('network');
    expect(r.phases.map((p) => p.name)).toEqual(['prefill', 'decode1']);
    for (const p of r.phases) {
      const per = p.cpuMsPerParty as number[];
      expect(per).toHaveLength(3);
      for (const c of per) expect(c).toBeGreaterThan(0);
      expect(p.cpuMs).toBeCloseTo(per.reduce((a, b) => a + b, 0), 0);
    }
    checkConsistent(r);
    const text = formatResult(r);
    expect(text).toMatch(/client s {2}CPU s {2}cores/);
    expect(text).toMatch(/CPU s: the three party processes during the phase .*Per party P0 \/ P1 \/ P2: prefill [\d.]+ \/ [\d.]+ \/ [\d.]+; decode1 /);
  }, 60_000);

  it('bert-tiny: one encoder pass with per-layer scopes; trivial and full shares cost the same', async () => {
    const spec = (shares: BenchSpec['shares']) => checkSpec({ ...DEFAULT_SPEC, model: 'bert-tiny', promptTokens: 8, newTokens: 0, shares });
    const a = buildResult(spec('trivial'), await runInProcess(spec('trivial')), machine());
    const b = buildResult(spec('full'), await runInProcess(spec('full')), machine());
    checkConsistent(a);
    expect(a.phases.map((p) => p.name)).toEqual(['encode']);
    expect(a.phases[0].layers.map((l) => l.name)).toEqual(['layer0']);
    expect(a.phases[0].layers[0].bytesTotal).toBeGreaterThan(a.phases[0].outsideLayers.bytesTotal);
    expect(b.bytesSentPerParty).toEqual(a.bytesSentPerParty);
    expect(b.rounds).toBe(a.rounds);
    expect(formatResult(a, { detail: true, profile: true })).toMatch(/Per layer — encode/);
    const text = formatResult(a);
    expect(text.split("\n")[0]).toMatch(/^bert-tiny 8: [\d.]+ (kB|MB) total \(\+ [\d.]+ (kB|MB) offline\), \d+ online rounds, [\d.]+ s here; LAN [\d.]+ s, WAN [\d.]+ s \(modelled\)$/);
    expect(text).not.toMatch(/Per layer —/); // behind --detail
    expect(text).toMatch(/trivial shares: /);
    expect(Number.isInteger(a.rounds) && a.phases.every((p) => Number.isInteger(p.rounds))).toBe(true);
  }, 20_000);

  it('gpt2-tiny --check-ranges: a rangeCheck class per layer and before the output; every other class costs what it costs unchecked', async () => {
    const spec = (checkRanges: boolean) => checkSpec({ ...DEFAULT_SPEC, model: 'gpt2-tiny', promptTokens: 4, newTokens: 2, checkRanges });
    const plain = buildResult(spec(false), await runInProcess(spec(false)), machine());
    const checked = buildResult(spec(true), await runInProcess(spec(true)), machine());
    checkConsistent(checked);
    expect(checked.checkRanges).toBe(true);
    const rc = checked.classes.find((c) => c.name === 'rangeCheck');
    expect(rc?.rounds).toBeGreaterThan(0);
    expect(checked.totalBytes).toBe(plain.totalBytes + checked.phases.reduce((t, p) => t + (p.classes.find((c) => c.name === 'rangeCheck')?.bytesTotal ?? 0), 0) + checked.phases.reduce((t, p) => t + (p.classes.find((c) => c.name === 'output')?.bytesTotal ?? 0), 0));
    for (const c of plain.classes) if (c.name !== 'output') expect(checked.classes.find((d) => d.name === c.name)?.bytesTotal, c.name).toBe(c.bytesTotal);
    expect(formatResult(checked, {})).toMatch(/checked mode/);
  }, 20_000);

  it('gpt2-tiny --trunc-rounds 2: the softmax and norm chains on the dealer truncation take more online rounds and fewer offline bytes than the default (1)', async () => {
    const spec = (truncRounds?: 1 | 2) => checkSpec({ ...DEFAULT_SPEC, model: 'gpt2-tiny', promptTokens: 4, newTokens: 1, ...(truncRounds ? { truncRounds } : {}) });
    const one = buildResult(spec(), await runInProcess(spec()), machine());
    const two = buildResult(spec(2), await runInProcess(spec(2)), machine());
    checkConsistent(two);
    expect(two.approx.config.softmax.truncRounds).toBe(2);
    expect(one.approx.config.norm.truncRounds).toBe(1);
    expect(two.rounds).toBeGreaterThan(one.rounds);
    expect(two.offlineBytesTotal).toBeLessThan(one.offlineBytesTotal);
    expect(() => checkSpec({ ...DEFAULT_SPEC, model: 'gpt2-tiny', promptTokens: 4, newTokens: 1, truncRounds: 3 as 1 })).toThrow();
  }, 20_000);
});
