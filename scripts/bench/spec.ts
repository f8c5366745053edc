/**
 * What one benchmark run is (BenchSpec, validated with zod: it also travels as the params of the
 * 'bench/model' party program) and the network models used to turn measured cost into time.
 */
import { z } from 'zod';
import { MODEL_SHAPE_NAMES, modelShape, type ModelShape, type ModelShapeName } from '../../src/model/arch/model-shapes.js';
import { approxConfig, DEFAULT_APPROX_CONFIG, PUMA_APPROX_CONFIG, type ApproxConfig } from '../../src/approx/index.js';
import { ringConfig, type RingConfig } from '../../src/ring/config.js';

export const benchSpecSchema = z
  .object({
    model: z.enum(MODEL_SHAPE_NAMES as [ModelShapeName, ...ModelShapeName[]]),
    /** GPT-2: prompt length; BERT: sequence length. */
    promptTokens: z.number().int().min(1).max(4096),
    /** GPT-2: tokens to generate (1 = prefill only); BERT: ignored (0). */
    newTokens: z.number().int().min(0).max(1024),
    /** 'logits': the client receives the last logits; 'token': secure argmax, the client gets the id. */
    output: z.enum(['logits', 'token']),
    /** How the parties hold the synthetic weights (see weights.ts): same bytes and rounds either way. */
    shares: z.enum(['trivial', 'full']),
    seed: z.number().int().min(0).max(2 ** 31),
    /** Approximation preset: ours ('default') or exactly PUMA's ('puma'). */
    approx: z.enum(['default', 'puma']),
    fracBits: z.number().int().min(1).max(40),
    /** Checked mode (SecureOps checkRanges 'layer'): one secure range check per layer. */
    checkRanges: z.boolean().default(false),
    /** Truncation protocol of the softmax and norm chains (softmax/norm.truncRounds); absent: the preset's. */
    truncRounds: z.union([z.literal(1), z.literal(2)]).optional(),
    /** A fused norm → matmul's products of at most this many elements truncate in 1 round (approx truncRound1UpTo); absent: the preset's. */
    truncRound1UpTo: z.number().int().min(0).max(2 ** 30).optional(),
    /** Tuples for the 1-round truncations made at the start of each decode step from the previous step's claims (src/protocols/tuple-pool.ts). */
    tuplePool: z.boolean().optional(),
  })
  .strict();

export type BenchSpec = z.infer<typeof benchSpecSchema>;

export const DEFAULT_SPEC: Omit<BenchSpec, 'model' | 'promptTokens' | 'newTokens'> = {
  output: 'logits',
  shares: 'trivial',
  seed: 1,
  approx: 'default',
  fracBits: 18,
  checkRanges: false,
};

export function specShape(spec: BenchSpec): ModelShape {
  return modelShape(spec.model);
}

export function specApprox(spec: BenchSpec): ApproxConfig {
  const tr = spec.truncRounds;
  const upTo = spec.truncRound1UpTo;
  return approxConfig(
    { ...(tr ? { softmax: { truncRounds: tr }, norm: { truncRounds: tr } } : {}), ...(upTo !== undefined ? { truncRound1UpTo: upTo } : {}) },
    spec.approx === 'puma' ? PUMA_APPROX_CONFIG : DEFAULT_APPROX_CONFIG,
  );
}

export function specRing(spec: BenchSpec): RingConfig {
  return ringConfig({ fracBits: spec.fracBits });
}

/** Checks the spec against the model's context; returns it with BERT's newTokens forced to 0. */
export function checkSpec(spec: BenchSpec): BenchSpec {
  const s = benchSpecSchema.parse(spec);
  const shape = modelShape(s.model);
  if (shape.arch === 'bert') {
    if (s.promptTokens > shape.config.maxPositionEmbeddings) throw new RangeError(`${s.model}: ${s.promptTokens} tokens exceed ${shape.config.maxPositionEmbeddings} positions`);
    return { ...s, newTokens: 0 };
  }
  if (s.newTokens < 1) throw new RangeError('--new-tokens must be at least 1 for a GPT-2 model');
  const last = s.promptTokens + s.newTokens - 1;
  if (last > shape.config.nPositions) throw new RangeError(`${s.model}: ${s.promptTokens} + ${s.newTokens} − 1 positions exceed the context ${shape.config.nPositions}`);
  return s;
}

/** Phase labels of a run, in order (meter top-level scopes). */
export function specPhases(spec: BenchSpec): string[] {
  if (specShape(spec).arch === 'bert') return ['encode'];
  return ['prefill', ...Array.from({ length: spec.newTokens - 1 }, (_, i) => `decode${i + 1}`)];
}

/** A synthetic prompt (the values do not matter for cost; the client alone knows them). */
export function syntheticPrompt(n: number, vocab: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 7919 + 13) % vocab);
}

export interface NetworkModel {
  readonly name: string;
  readonly bitsPerSecond: number;
  readonly rttMs: number;
}

/** PUMA's evaluation network and a WAN. */
export const LAN: NetworkModel = Object.freeze({ name: 'PUMA LAN (5 Gbps, 1 ms RTT)', bitsPerSecond: 5e9, rttMs: 1 });
export const WAN: NetworkModel = Object.freeze({ name: 'WAN (100 Mbps, 40 ms RTT)', bitsPerSecond: 100e6, rttMs: 40 });

/**
 * Modelled time = compute + rounds · RTT + bytes / bandwidth, where compute is the measured wall
 * time and bytes the MOST bytes sent by one party (its two outgoing links share its uplink; the
 * three parties send in parallel).
 */
export function modelMs(net: NetworkModel, computeMs: number, rounds: number, maxPartyBytes: number): number {
  return computeMs + rounds * net.rttMs + ((maxPartyBytes * 8) / net.bitsPerSecond) * 1000;
}
