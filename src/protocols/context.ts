/**
 * Party: everything one computing party needs to run protocol ops — its id, its Comm (transport
 * plus meter), its correlated randomness, the ring configuration and the ring kernels.
 */
import type { RingConfig } from '../ring/config.js';
import type { RingKernels } from '../ring/kernels.js';
import type { PartyId } from './channel.js';
import type { Comm } from './comm.js';
import type { Meter } from './meter.js';
import type { Prss } from './prss.js';

export interface Party {
  readonly id: PartyId;
  readonly comm: Comm;
  readonly prss: Prss;
  readonly cfg: RingConfig;
  readonly meter: Meter;
  readonly k: RingKernels;
  /** Lock-step counter that rotates the dealer role of truncation among the parties. */
  truncCalls: number;
}

/** Run `fn` under a meter label (nested labels give paths like 'layer0/attn/softmax'). */
export function scoped<T>(p: Party, label: string, fn: () => Promise<T>): Promise<T> {
  return p.meter.scope(label, fn);
}

/** Declared cost of an op as a function of its element count: rounds and bytes summed over the three parties. */
export interface OpCost {
  rounds: number;
  bytesTotal: number;
}
