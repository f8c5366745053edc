/**
 * Benchmark weights: seeded synthetic values at a real model's shapes, turned into replicated
 * shares by the parties themselves, one tensor at a time (communication does not depend on the
 * weight values, and no model owner upload is needed).
 *
 * Two ways to hold the shares; both give the protocols the SAME bytes and rounds (the ops treat
 * every share alike and never branch on values):
 *
 * - 'trivial': a sharing of the public encoded value c = encode(w): x_0 = c, x_1 = x_2 = 0
 *   (P0 holds (c, 0), P1 (0, 0), P2 (0, c); see publicShare in src/protocols/io.ts). Cheapest in
 *   memory: the zero components are views of one zero buffer (never written, so mostly not
 *   resident), and in-process P0 and P2 share c. Peak RSS therefore UNDER-states a deployment's
 *   weight memory (which holds two full u64 components per tensor).
 * - 'full': a real-looking 2-of-3 sharing x_0 = PRG(s_0), x_1 = PRG(s_1), x_2 = c − x_0 − x_1 with
 *   public bench seeds, so every party holds two full-size random u64 components per tensor
 *   (deployment-like memory; P0 does not even need w).
 *
 * Neither is secure — the bench seeds are public — which is fine: this is a cost benchmark.
 * Weight shares are read-only inputs of the protocol ops, so sharing buffers is safe.
 */
import { createHash } from 'node:crypto';
import type { PartyId } from '../../src/protocols/channel.js';
import type { AShare } from '../../src/protocols/share.js';
import { aShare } from '../../src/protocols/share.js';
import { makeResident } from '../../src/protocols/resident.js';
import type { RingConfig } from '../../src/ring/config.js';
import { encode } from '../../src/ring/fixed-point.js';
import type { RingKernels } from '../../src/ring/kernels.js';
import { Prg } from '../../src/ring/prg.js';
import { defaultKernels } from '../../src/ring/default-kernels.js';
import { modelTensorShapes, syntheticTensor, type ModelShape } from '../../src/model/arch/model-shapes.js';
import type { ModelWeights } from '../../src/model/arch/weights.js';

export type ShareMode = 'trivial' | 'full';
export const SHARE_MODES: readonly ShareMode[] = ['trivial', 'full'];

export type BenchWeights = ModelWeights<ModelShape['config'], AShare>;

export interface BuildOptions {
  mode: ShareMode;
  cfg: RingConfig;
  /** Seed of the synthetic values (and of the 'full' share streams). */
  seed: number;
  kernels?: RingKernels;
  /** Called after each tensor (progress; lets the event loop breathe for heartbeats). */
  onTensor?: (name: string, index: number, count: number) => void;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Largest element count of any tensor of the shape. */
function largestTensor(shapes: Map<string, readonly number[]>): number {
  let m = 0;
  for (const s of shapes.values()) m = Math.max(m, size(s));
  return m;
}

function encoded(name: string, shape: readonly number[], o: BuildOptions): BigUint64Array {
  return encode(syntheticTensor(name, shape, o.seed).data, o.cfg, name); // the float64 copy dies here
}

function streamPrg(seed: number, name: string, j: 0 | 1): Prg {
  return new Prg(createHash('sha256').update(`triform-bench-${seed}-${j}-${name}`).digest().subarray(0, 16));
}

/** x_0, x_1 from the public bench streams; x_2 = c − x_0 − x_1 (only when c is given). */
function fullComponents(name: string, n: number, o: BuildOptions, c: BigUint64Array | null): [BigUint64Array, BigUint64Array, BigUint64Array | null] {
  const k = o.kernels ?? defaultKernels();
  const x0 = streamPrg(o.seed, name, 0).ring(n);
  const x1 = streamPrg(o.seed, name, 1).ring(n);
  if (!c) return [x0, x1, null];
  const x2 = new BigUint64Array(n);
  k.sub(x2, c, x0);
  k.sub(x2, x2, x1);
  return [x0, x1, x2];
}

const breathe = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One party's weight shares, built tensor by tensor (networked parties: each builds its own). */
export async function buildPartyWeights(shape: ModelShape, id: PartyId, o: BuildOptions): Promise<BenchWeights> {
  const shapes = modelTensorShapes(shape);
  const tensors = new Map<string, AShare>();
  const zeros = o.mode === 'trivial' ? new BigUint64Array(largestTensor(shapes)) : null;
  let i = 0;
  for (const [name, sh] of shapes) {
    const n = size(sh);
    if (o.mode === 'trivial') {
      const z = (zeros as BigUint64Array).subarray(0, n);
      if (id === 1) tensors.set(name, aShare(sh, z, z));
      else {
        const c = encoded(name, sh, o);
        tensors.set(name, id === 0 ? aShare(sh, c, z) : aShare(sh, z, c));
      }
    } else {
      const [x0, x1, x2] = fullComponents(name, n, o, id === 0 ? null : encoded(name, sh, o));
      if (id === 0) tensors.set(name, aShare(sh, x0, x1));
      else if (id === 1) tensors.set(name, aShare(sh, x1, x2 as BigUint64Array));
      else tensors.set(name, aShare(sh, x2 as BigUint64Array, x0));
    }
    // into the ring arena now (weight setup), as a party loading stored shares does
    // (model-store.ts), not at the first product of the measured prefill
    await makeResident(tensors.get(name) as AShare);
    o.onTensor?.(name, i++, shapes.size);
    await breathe();
  }
  return { config: shape.config, tensors };
}

/** The three parties' weight shares in one process; components are shared between parties. */
export async function buildLocalWeights(shape: ModelShape, o: BuildOptions): Promise<[BenchWeights, BenchWeights, BenchWeights]> {
  const shapes = modelTensorShapes(shape);
  const maps = [new Map<string, AShare>(), new Map<string, AShare>(), new Map<string, AShare>()];
  const zeros = o.mode === 'trivial' ? new BigUint64Array(largestTensor(shapes)) : null;
  let i = 0;
  for (const [name, sh] of shapes) {
    const n = size(sh);
    const c = encoded(name, sh, o);
    if (o.mode === 'trivial') {
      const z = (zeros as BigUint64Array).subarray(0, n);
      maps[0].set(name, aShare(sh, c, z));
      maps[1].set(name, aShare(sh, z, z));
      maps[2].set(name, aShare(sh, z, c));
    } else {
      const [x0, x1, x2] = fullComponents(name, n, o, c);
      maps[0].set(name, aShare(sh, x0, x1));
      maps[1].set(name, aShare(sh, x1, x2 as BigUint64Array));
      maps[2].set(name, aShare(sh, x2 as BigUint64Array, x0));
    }
    o.onTensor?.(name, i++, shapes.size);
    await breathe();
  }
  const out: BenchWeights[] = maps.map((tensors) => ({ config: shape.config, tensors }));
  return [out[0], out[1], out[2]];
}
