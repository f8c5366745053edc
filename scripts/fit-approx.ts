/**
 * Offline fits of the improved GeLU and SiLU pieces (src/approx/gelu.ts, silu.ts):
 * `npm run fit-approx`. Prints the coefficients (in x, ascending) and the max error
 * of the whole piecewise function on a 1e-3 grid.
 *
 * Method: discrete minimax (Chebyshev) fits by Lawson's algorithm — iteratively reweighted
 * least squares, w_i ← w_i·|r_i| — with linear equality constraints (continuity at the
 * breakpoints) solved through the KKT system. Breakpoints by grid search on the max error.
 *
 *  GeLU: y = 0 (x < −c) | 0.5x + even₈(x) (|x| ≤ c) | x (x > c); even₈ fits GeLU(x) − x/2
 *        (an even function) on [0, c] with even₈(c) = c/2, which makes y continuous at ±c.
 *  SiLU: y = 0 (x < −a) | T(x) (−a ≤ x < −c) | 0.5x + even₈(x) (|x| ≤ c) | x + T(−x) (c < x ≤ a)
 *        | x (x > a), using SiLU(x) = x + SiLU(−x); T quartic with T(−a) = 0 and
 *        even₈(c) = c/2 + T(−c), continuous everywhere.
 */
import { geluRef, siluRef } from '../src/approx/reference.js';
import { polyAt } from '../src/approx/piecewise.js';
import { command, parse } from './cli.js';

parse(command('fit-approx', 'Offline minimax fits of the GeLU and SiLU pieces; prints coefficients and max errors.'));

/** Solve A x = b (dense, partial pivoting). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

/**
 * Minimax fit of f on xs with basis functions (powers of x/scale), subject to equality
 * constraints Σ_k c_k·basis_k(x_e) = v_e. Returns coefficients of the basis.
 */
function minimax(f: (x: number) => number, powers: number[], xs: number[], eqs: { x: number; v: number }[], scale: number, iters = 3000): number[] {
  const B = (x: number) => powers.map((k) => (x / scale) ** k);
  const rows = xs.map(B);
  const ys = xs.map(f);
  let w = xs.map(() => 1 / xs.length);
  const m = powers.length;
  const e = eqs.length;
  let c: number[] = new Array(m).fill(0);
  for (let it = 0; it < iters; it++) {
    const K: number[][] = Array.from({ length: m + e }, () => new Array(m + e).fill(0));
    const rhs: number[] = new Array(m + e).fill(0);
    rows.forEach((r, i) => {
      for (let a = 0; a < m; a++) {
        rhs[a] += w[i] * r[a] * ys[i];
        for (let b = 0; b < m; b++) K[a][b] += w[i] * r[a] * r[b];
      }
    });
    eqs.forEach((q, j) => {
      const r = B(q.x);
      for (let a = 0; a < m; a++) {
        K[m + j][a] = r[a];
        K[a][m + j] = r[a];
      }
      rhs[m + j] = q.v;
    });
    c = solve(K, rhs).slice(0, m);
    const res = rows.map((r, i) => Math.abs(r.reduce((s, v, k) => s + v * c[k], 0) - ys[i]));
    const tot = res.reduce((s, v, i) => s + v * w[i], 0);
    w = w.map((v, i) => (v * res[i]) / tot);
  }
  return c;
}

/** Basis coefficients of powers of x/scale → coefficients of powers of x (dense). */
function toX(c: number[], powers: number[], scale: number): number[] {
  const out = new Array(Math.max(...powers) + 1).fill(0);
  powers.forEach((k, i) => (out[k] += c[i] / scale ** k));
  return out;
}

const grid = (lo: number, hi: number, n: number) => Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);

function maxErr(f: (x: number) => number, ref: (x: number) => number, lo: number, hi: number): number {
  let m = 0;
  for (let i = Math.round(lo * 1000); i <= Math.round(hi * 1000); i++) m = Math.max(m, Math.abs(f(i / 1000) - ref(i / 1000)));
  return m;
}

const EVEN = [0, 2, 4, 6, 8];

function fitGelu(c: number) {
  const h = (x: number) => geluRef(x) - 0.5 * x;
  const e = toX(minimax(h, EVEN, grid(0, c, 600), [{ x: c, v: c / 2 }], c, 1500), EVEN, c);
  e[1] += 0.5;
  const y = (x: number) => (x < -c ? 0 : x <= c ? polyAt(e, x) : x);
  return { c, mid: e, err: maxErr(y, geluRef, -8, 8) };
}

function fitSilu(a: number, c: number) {
  const tP = [0, 1, 2, 3, 4];
  const T = toX(minimax(siluRef, tP, grid(-a, -c, 400), [{ x: -a, v: 0 }], a, 800), tP, a);
  const h = (x: number) => siluRef(x) - 0.5 * x;
  const E = toX(minimax(h, EVEN, grid(0, c, 600), [{ x: c, v: c / 2 + polyAt(T, -c) }], c, 1500), EVEN, c);
  E[1] += 0.5;
  const R = T.map((v: number, k: number) => (k % 2 ? -v : v)); // T(−x)
  R[1] += 1;
  const y = (x: number) => (x < -a ? 0 : x < -c ? polyAt(T, x) : x <= c ? polyAt(E, x) : x <= a ? polyAt(R, x) : x);
  return { a, c, left: T, mid: E, right: R, err: maxErr(y, siluRef, -12, 12) };
}

const fmt = (c: number[]) => `[${c.map((v) => (v === 0 ? '0' : v.toPrecision(17))).join(', ')}]`;

let bestG = fitGelu(3);
for (let c = 2.9; c <= 3.301; c += 0.02) {
  const r = fitGelu(Number(c.toFixed(2)));
  if (r.err < bestG.err) bestG = r;
}
console.log(`GeLU improved: c = ${bestG.c}, max |err| on [−8, 8] = ${bestG.err.toExponential(3)}`);
console.log(`  mid = ${fmt(bestG.mid)}`);

let bestS = fitSilu(10, 3);
for (const a of [9, 9.5, 10, 10.5, 11]) {
  for (let c = 2.5; c <= 4.001; c += 0.25) {
    const r = fitSilu(a, Number(c.toFixed(2)));
    if (r.err < bestS.err) bestS = r;
  }
}
console.log(`SiLU improved: a = ${bestS.a}, c = ${bestS.c}, max |err| on [−12, 12] = ${bestS.err.toExponential(3)}`);
console.log(`  left  = ${fmt(bestS.left)}`);
console.log(`  mid   = ${fmt(bestS.mid)}`);
console.log(`  right = ${fmt(bestS.right)}`);
