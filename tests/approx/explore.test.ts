import { it } from 'vitest';
import { fReciprocal } from '../../src/approx/reciprocal.js';
import { run, onGrid } from './_harness.js';
function rel(got: Float64Array, want: number[], x: Float64Array, absTol = 0, sc = 1) {
  let m = 0, at = 0;
  for (let i = 0; i < got.length; i++) { const e = Math.max(0, Math.abs(got[i] / sc - want[i]) - absTol) / Math.abs(want[i]); if (e > m) { m = e; at = x[i]; } }
  return { m, at };
}
it('explore', async () => {
  const n = 5001;
  const xr = onGrid(Array.from({ length: n }, (_, i) => 0.01 * Math.pow(1e5, i / (n - 1))).flatMap((v) => [v, -v]));
  const r = await run([{ data: xr, shape: [xr.length] }], (p, [X]) => fReciprocal(p, X));
  console.log('recip', rel(r.y, Array.from(xr, (v) => 1 / v), xr), rel(r.y, Array.from(xr, (v) => 1 / v), xr, 2 ** -18));
  const r2 = await run([{ data: xr, shape: [xr.length] }], (p, [X]) => fReciprocal(p, X, { outScale: 30, minAbs: 0.005 }));
  console.log('recip30', rel(r2.y, Array.from(xr, (v) => 1 / v), xr, 0, 4096));
});
