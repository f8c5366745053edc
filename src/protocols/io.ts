/**
 * Getting values in and out of the replicated sharing: input by a party, splitting by an
 * external client, reveal to all or to one party.
 */
import { defaultKernels } from '../ring/default-kernels.js';
import type { Prg } from '../ring/prg.js';
import type { Shape } from '../ring/tensor.js';
import { sizeOf } from '../ring/tensor.js';
import type { PartyId } from './channel.js';
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import type { AShare } from './share.js';
import { aShare } from './share.js';

/**
 * Party `owner` secret-shares `x` (others pass null). x_{o} = F(s_{o-1}) (known to the owner and
 * its previous party), x_{o+1} = x − x_o (sent to the next party), x_{o+2} = 0.
 */
export function shareInput(p: Party, owner: PartyId, x: BigUint64Array | null, shape: Shape): Promise<AShare> {
  return scoped(p, 'shareInput', async () => {
    const n = sizeOf(shape);
    const { k, comm } = p;
    if (p.id === owner) {
      if (!x || x.length !== n) throw new RangeError(`shareInput: owner must pass ${n} values for shape [${shape.join(',')}]`);
      const xo = p.prss.prev.ring(n);
      const xo1 = new BigUint64Array(n);
      k.sub(xo1, x, xo);
      comm.sendU64(comm.next, 'shareInput', xo1);
      return aShare(shape, xo, xo1);
    }
    if (p.id === (owner + 1) % 3) {
      const xo1 = await comm.recvU64(comm.prev, 'shareInput', n);
      return aShare(shape, xo1, new BigUint64Array(n));
    }
    const xo = p.prss.next.ring(n);
    return aShare(shape, new BigUint64Array(n), xo);
  });
}
export const shareInputCost = (n: number): OpCost => ({ rounds: 1, bytesTotal: 8 * n });

/**
 * An external client's split of x into three replicated shares: element i of the result is
 * party i's pair (x_i, x_{i+1}). Uses the client's own PRG.
 */
export function splitShares(x: BigUint64Array, prg: Prg): [[BigUint64Array, BigUint64Array], [BigUint64Array, BigUint64Array], [BigUint64Array, BigUint64Array]] {
  const n = x.length;
  const x0 = prg.ring(n);
  const x1 = prg.ring(n);
  const x2 = new BigUint64Array(n);
  const k = defaultKernels(); // x2 = x − x0 − x1 in the ring (a BigInt loop held a 1 Mi-element upload chunk ~0.3 s)
  k.sub(x2, x, x0);
  k.sub(x2, x2, x1);
  return [
    [x0, x1],
    [x1, x2],
    [x2, x0],
  ];
}

/** Reveal x to every party (each receives the one share it lacks from its previous party). */
export function revealAll(p: Party, x: AShare): Promise<BigUint64Array> {
  return scoped(p, 'reveal', async () => {
    const n = x.s0.length;
    const { comm, k } = p;
    comm.sendU64(comm.next, 'reveal', x.s0); // x_i is the share the next party lacks
    const missing = await comm.recvU64(comm.prev, 'reveal', n);
    const out = new BigUint64Array(n);
    k.add(out, x.s0, x.s1);
    k.add(out, out, missing);
    return out;
  });
}
export const revealAllCost = (n: number): OpCost => ({ rounds: 1, bytesTotal: 3 * 8 * n });

/** Reveal x to party `to` only; the others return null. */
export function revealTo(p: Party, x: AShare, to: PartyId): Promise<BigUint64Array | null> {
  return scoped(p, 'revealTo', async () => {
    const n = x.s0.length;
    const { comm, k } = p;
    if (p.id === (to + 1) % 3) comm.sendU64(to, 'revealTo', x.s1);
    if (p.id !== to) return null;
    const missing = await comm.recvU64(comm.next, 'revealTo', n);
    const out = new BigUint64Array(n);
    k.add(out, x.s0, x.s1);
    k.add(out, out, missing);
    return out;
  });
}
export const revealToCost = (n: number): OpCost => ({ rounds: 1, bytesTotal: 8 * n });

/** A public tensor as a (trivial) share: x_0 = c, x_1 = x_2 = 0. */
export function publicShare(p: Party, c: BigUint64Array, shape: Shape): AShare {
  const n = sizeOf(shape);
  const z = new BigUint64Array(n);
  if (p.id === 0) return aShare(shape, c.slice(), z);
  if (p.id === 2) return aShare(shape, z, c.slice());
  return aShare(shape, z, new BigUint64Array(n));
}
