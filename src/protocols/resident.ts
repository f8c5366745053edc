/**
 * Resident weight shares: `makeResident(w)` moves both arrays of a long-lived share (a model
 * weight) into the ring arena once (src/ring/arena.ts), so every later product with it reads the
 * weight in place instead of copying it into wasm memory per call — for a decode step's M = 1
 * products the copy cost as much as the multiply-adds. The share object is updated in place (same
 * values, arena-backed arrays), so the ordinary arrays can be collected; shares that do not fit
 * the arena's budget stay as they are. Values, results, bytes and rounds do not change.
 *
 * A networked party makes its weights resident as it loads them (src/parties/model-store.ts; the
 * bench's weight builder likewise), so the copy — 2 GB of fresh pages per GPT-2-base party — is
 * part of loading, not of the first session's prefill; SecureOps calls it again at first use
 * (a no-op then), which covers in-process runs.
 */
import { adoptResident } from '../ring/threads.js';
import type { AShare } from './share.js';

const seen = new WeakSet<AShare>();

export async function makeResident(w: AShare): Promise<void> {
  if (seen.has(w)) return;
  seen.add(w);
  const mut = w as { s0: BigUint64Array; s1: BigUint64Array };
  const same = w.s1 === w.s0;
  const s0 = await adoptResident(w.s0);
  if (s0 !== null) mut.s0 = s0;
  const s1 = same ? s0 : await adoptResident(w.s1);
  if (s1 !== null) mut.s1 = s1;
}
