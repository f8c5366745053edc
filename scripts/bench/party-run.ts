/**
 * The two sides of one benchmark inference, independent of the transport:
 *
 * - `runPartyPhases`: what each computing party runs on its shares. GPT-2 goes through the real
 *   generation loop (partyGenerate: prefill, then one KV-cached decode step per new token), with
 *   each decode step metered under its own label (decode1, decode2, …). BERT runs one encoder
 *   pass under 'encode' and opens the [CLS] row to the client.
 * - `runClientPhases`: the client's side (one-hot inputs, outputs), on the client's ends of the
 *   client link.
 *
 * Both run in memory (in-process.ts, runInMemory) and as the 'bench/model' party program.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Party } from '../../src/protocols/context.js';
import type { AShare } from '../../src/protocols/share.js';
import { reconstruct, sendShares, type ClientLink, type ClientLinks } from '../../src/protocols/client-link.js';
import { Gpt2 } from '../../src/model/arch/gpt2.js';
import { Bert } from '../../src/model/arch/bert.js';
import { tokenCount } from '../../src/model/arch/ops.js';
import type { Gpt2Weights } from '../../src/model/formats/gpt2-checkpoint.js';
import type { BertWeights } from '../../src/model/formats/bert-checkpoint.js';
import { clientGenerate, oneHot, partyGenerate } from '../../src/programs/generate.js';
import { BenchOps } from './bench-ops.js';
import { specApprox, specRing, specShape, syntheticPrompt, type BenchSpec } from './spec.js';
import type { BenchWeights } from './weights.js';

export type Progress = (msg: string) => void;

/** CPU time (ms, user + system, every thread of this process) spent during each phase, by phase name. */
export type PhaseCpuMs = Record<string, number>;

/** fn under the meter scope `phase`, adding the process's CPU time meanwhile to cpu[phase]. */
async function timedPhase<T>(party: Party, cpu: PhaseCpuMs, phase: string, fn: () => Promise<T>): Promise<T> {
  const c0 = process.cpuUsage();
  try {
    return await party.meter.scope(phase, fn);
  } finally {
    const d = process.cpuUsage(c0);
    cpu[phase] = (cpu[phase] ?? 0) + (d.user + d.system) / 1000;
  }
}

/**
 * The party's side of one run; `progress` (give it to one party only) hears phases and layers.
 * Returns the process's CPU time per phase: in-process that is all three parties together.
 */
export async function runPartyPhases(party: Party, client: ClientLink, spec: BenchSpec, weights: BenchWeights, progress?: Progress): Promise<PhaseCpuMs> {
  const cpu: PhaseCpuMs = {};
  const shape = specShape(spec);
  const nLayers = shape.arch === 'gpt2' ? shape.config.nLayer : shape.config.numHiddenLayers;
  let phase = shape.arch === 'gpt2' ? 'prefill' : 'encode';
  const onLayer = progress ? (l: number) => progress(`${phase}: layer ${l + 1}/${nLayers}`) : undefined;
  const ops = new BenchOps(party, client, { approx: specApprox(spec), checkRanges: spec.checkRanges }, onLayer);
  if (shape.arch === 'gpt2') {
    const model = new Gpt2(ops, weights as Gpt2Weights<AShare>);
    let step = 0;
    const meter = {
      scope<T>(label: string, fn: () => Promise<T>): Promise<T> {
        phase = label === 'decode' ? `decode${++step}` : label;
        progress?.(`${phase}: start`);
        return timedPhase(party, cpu, phase, fn);
      },
    };
    await partyGenerate(model, client, { promptTokens: spec.promptTokens, maxNewTokens: spec.newTokens, mode: spec.output, ...(spec.tuplePool ? { tuplePoolOn: party } : {}) }, meter);
    return cpu;
  }
  const model = new Bert(ops, weights as BertWeights<AShare>);
  progress?.('encode: start');
  await timedPhase(party, cpu, 'encode', async () => {
    const h = await model.encode(tokenCount(spec.promptTokens)); // [n, D]; token values are the client's
    await ops.reveal(ops.sliceRows(h, 0, 1)); // the [CLS] row, what a classification head reads
  });
  return cpu;
}

/** The client's side; returns the client-observed time of each phase (input sent → output in). */
export async function runClientPhases(links: ClientLinks, spec: BenchSpec): Promise<number[]> {
  const shape = specShape(spec);
  if (shape.arch === 'gpt2') {
    const c = shape.config;
    const r = await clientGenerate(links, syntheticPrompt(spec.promptTokens, c.vocabSize), {
      vocabSize: c.vocabSize,
      contextLength: c.nPositions,
      ring: specRing(spec),
      maxNewTokens: spec.newTokens,
      mode: spec.output,
      temperature: 0,
    });
    return [r.prefillMs, ...r.decodeMs];
  }
  const c = shape.config;
  const t0 = performance.now();
  sendShares(links, 'onehot', oneHot(syntheticPrompt(spec.promptTokens, c.vocabSize), c.vocabSize), [spec.promptTokens, c.vocabSize]);
  await reconstruct(links, 'output', c.hiddenSize);
  return [performance.now() - t0];
}

/** Samples this process's RSS (MB) while running; `stop()` returns the peak seen. */
export function rssSampler(everyMs = 50): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  t.unref();
  return {
    stop() {
      clearInterval(t);
      return Math.max(peak, process.memoryUsage.rss()) / 2 ** 20;
    },
  };
}

/** Event-loop delay from now to stop(): the longest wait (ms) beyond the 10 ms sampling interval. */
export function loopDelaySampler(resolutionMs = 10): { stop(): number } {
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  return {
    stop() {
      h.disable();
      return Math.max(0, h.max / 1e6 - resolutionMs);
    },
  };
}

/** Lifetime peak RSS of this process (MB). */
export const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;
