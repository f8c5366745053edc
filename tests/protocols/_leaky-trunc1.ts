/**
 * TEST ONLY: the 1-round truncation's opening of a 3-of-3 additive input WITHOUT its fresh
 * zero-sharing (w_i = z_i + r_i + 2^62·[i = 0]). P_{i−1} holds r_i's seed, so it reads z_i off
 * w_i: with raw mulA1BAdditive outputs (z_1 = b·u − ρ1, ρ1 known to P2) that is b·u. The view
 * suite must flag it (views.test.ts), which shows it would see a missing mask in trunc-round1.ts.
 */
import type { Party } from '../../src/protocols/context.js';
import { truncTuple } from '../../src/protocols/trunc-tuple.js';

export async function leakyOpenAdditive(p: Party, z: BigUint64Array, bits: number): Promise<BigUint64Array> {
  const { k, comm } = p;
  const n = z.length;
  const q = p.offline('leaky');
  const t = await truncTuple(q, n, bits);
  const w = new BigUint64Array(n);
  k.add(w, z, t.r.s0);
  if (p.id === 0) k.addScalar(w, w, 1n << 62n);
  comm.sendU64(comm.next, 'leaky/open1', w);
  comm.sendU64(comm.prev, 'leaky/open1', w);
  const c = new BigUint64Array(n);
  k.add(c, w, await comm.recvU64(comm.next, 'leaky/open1', n));
  k.add(c, c, await comm.recvU64(comm.prev, 'leaky/open1', n));
  return c;
}
