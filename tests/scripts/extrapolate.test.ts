/**
 * The LLaMA-7B extrapolation (bytes and rounds = outside + L × one layer, exact; refuses layers
 * that differ) and the bench's units.
 */
import { describe, expect, it } from 'vitest';
import type { CostRow, PhaseReport } from '../../scripts/bench/analyze.js';
import { extrapolatePhase, memoryEstimate } from '../../scripts/bench/extrapolate.js';
import { fmtBytes, fmtSec } from '../../scripts/bench/headline.js';
import { LLAMA_7B, llamaParameterCount } from '../../scripts/bench/llama.js';

const row = (b: [number, number, number], rounds: number, ms: number): CostRow => ({ calls: 1, bytesSent: b, bytesTotal: b[0] + b[1] + b[2], offlineBytesTotal: 0, rounds, ms, lanModelMs: 0, wanModelMs: 0 });

function phase(layers: CostRow[], outside: CostRow): PhaseReport {
  const tot = (f: (r: CostRow) => number) => f(outside) + layers.reduce((t, l) => t + f(l), 0);
  const b: [number, number, number] = [0, 1, 2].map((i) => tot((r) => r.bytesSent[i])) as [number, number, number];
  return { name: 'prefill', tokens: 8, context: 8, clientMs: 0, ...row(b, tot((r) => r.rounds), tot((r) => r.ms)), layers: layers.map((l, i) => ({ name: `layer${i}`, ...l })), outsideLayers: outside, classes: [], trunc: row([0, 0, 0], 0, 0), layerClasses: [] };
}

describe('extrapolatePhase', () => {
  it('whole model = outside + L × one layer, exactly, for bytes and rounds', () => {
    const p = phase([row([10, 20, 30], 7, 100), row([10, 20, 30], 7, 120)], row([1, 2, 3], 5, 50));
    const e = extrapolatePhase(p, 32);
    expect(e.bytesSent).toEqual([1 + 320, 2 + 640, 3 + 960]);
    expect(e.bytesTotal).toBe(6 + 32 * 60);
    expect(e.rounds).toBe(5 + 32 * 7);
    expect(e.computeMs).toBeCloseTo(50 + 32 * 110);
    expect(e.measuredLayers).toBe(2);
    expect(e.wanModelMs).toBeGreaterThan(e.lanModelMs);
  });

  it('refuses layers that do not cost the same', () => {
    const p = phase([row([10, 20, 30], 7, 100), row([10, 20, 31], 7, 100)], row([1, 2, 3], 5, 50));
    expect(() => extrapolatePhase(p, 32)).toThrow(/not identical/);
  });

  it('LLaMA-7B has 6.74 B parameters; replicated shares need 16 B each per party', () => {
    const n = llamaParameterCount(LLAMA_7B);
    expect(n / 1e9).toBeCloseTo(6.738, 2);
    const m = memoryEstimate(n, 202_383_360, 32, 4096, 9);
    expect(m.weightSharesBytes).toBe(16 * n);
    expect(m.seededWeightBytes).toBe(8 * n);
  });
});

describe('units', () => {
  it('picks kB / MB / GB and seconds with three significant digits', () => {
    expect(fmtBytes(512)).toBe('512 B');
    expect(fmtBytes(35_200_000)).toBe('35.2 MB');
    expect(fmtBytes(956_000_000)).toBe('956 MB');
    expect(fmtBytes(1_206_000_000)).toBe('1.21 GB');
    expect(fmtBytes(745_000)).toBe('745 kB');
    expect(fmtSec(19_100)).toBe('19.1 s');
    expect(fmtSec(112_000)).toBe('112 s');
    expect(fmtSec(420)).toBe('0.420 s');
  });
});
