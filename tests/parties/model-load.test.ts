/**
 * A party loads stored model shares without blocking its event loop (so heartbeats keep its
 * links alive while a large model loads): the async loader reads the same arrays as the sync
 * one (now resident in the ring arena), reports progress per tensor, lets timers run while it reads, and names a short file.
 */
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ringArena } from '../../src/ring/arena.js';
import { loadModelShares, loadModelSharesAsync, MODEL_FORMAT, modelDir, type LoadProgress } from '../../src/parties/model-store.js';

const bytesOf = (x: BigUint64Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

const dataDir = mkdtempSync(join(tmpdir(), 'triform-load-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A stored model of `count` tensors of n elements (random bytes), written as a party stores it. */
function writeModel(id: string, count: number, n: number): void {
  const dir = modelDir(dataDir, id);
  mkdirSync(dir, { recursive: true });
  const tensors = Array.from({ length: count }, (_, k) => ({ name: `w${k}`, shape: [n / 1024, 1024], file: `t${k}` }));
  for (const t of tensors) {
    for (const s of ['s0', 's1']) {
      const b = Buffer.allocUnsafe(8 * n);
      for (let i = 0; i < b.length; i += 4096) b[i] = (i / 4096 + t.file.length) & 255;
      writeFileSync(join(dir, `${t.file}.${s}`), b);
    }
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: MODEL_FORMAT, modelId: id, party: 0, ring: { ringBits: 64, fracBits: 18 }, createdAt: new Date().toISOString(), tensors }));
}

describe('loading model shares', () => {
  it('async: the same shares as the sync loader, progress per tensor, timers run while it reads', async () => {
    writeModel('m', 6, 1 << 19); // 6 tensors × 2 × 4 MiB
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const progress: LoadProgress[] = [];
    const got = await loadModelSharesAsync(dataDir, 'm', (p) => progress.push(p)).finally(() => clearInterval(timer));
    expect(ticks).toBeGreaterThan(0); // a synchronous load would starve the timer until it returns
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.at(-1)).toMatchObject({ tensors: 6, bytesDone: 6 * 16 * (1 << 19), bytesTotal: 6 * 16 * (1 << 19) });
    const want = loadModelShares(dataDir, 'm');
    for (const [name, t] of want.tensors) {
      const g = got.tensors.get(name);
      expect(g?.shape).toEqual(t.shape);
      expect(bytesOf(g?.s0 as BigUint64Array).equals(bytesOf(t.s0))).toBe(true);
      expect(bytesOf(g?.s1 as BigUint64Array).equals(bytesOf(t.s1))).toBe(true);
      // loaded straight into the ring arena: the first session's products read them in place
      expect(ringArena().isResident(g?.s0 as BigUint64Array) && ringArena().isResident(g?.s1 as BigUint64Array)).toBe(true);
      expect(ringArena().isResident(t.s0)).toBe(false); // the sync loader (tests) leaves them alone
    }
  });

  it('a share file of the wrong size is named', async () => {
    writeModel('short', 1, 1024);
    truncateSync(join(modelDir(dataDir, 'short'), 't0.s1'), 100);
    await expect(loadModelSharesAsync(dataDir, 'short')).rejects.toMatchObject({ code: 'MPC_ERR_SHAPE', message: expect.stringMatching(/tensor 'w0'.*t0\.s1 has 100 bytes, the shape needs 8192/) });
  });
});
