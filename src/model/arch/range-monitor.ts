/**
 * RangeMonitor: the largest magnitude seen per op class against its fixed-point bound (from
 * src/approx/bounds.ts and the weight limit), collected by FixedOps (fixed-ops.ts) while a model
 * runs on real inputs, and printed by `npm run check-model` as a table.
 */
import { rangeBounds, type ApproxConfig } from '../../approx/index.js';
import { WEIGHT_LIMIT } from '../weight-range.js';

export interface RangeRow {
  /** Op class and quantity ('matmul |Σ a·b|', 'layerNorm variance', …). */
  readonly name: string;
  /** Largest magnitude seen (real). */
  max: number;
  readonly bound: number;
  /** Where the largest value was seen (scope path), for the report. */
  where: string;
  count: number;
}

/** The rows every report shows, in order, with their bounds. */
function rowsFor(fracBits: number, approx: ApproxConfig): [string, number][] {
  const b = rangeBounds(fracBits, approx);
  return [
    ['weights |w|', WEIGHT_LIMIT],
    ['embedding |x|', b.value],
    ['matmul |Σ a·b|', b.product],
    ['attnMatmul |Σ a·b|', b.product],
    ['lmHead |Σ a·b|', b.product],
    ['mul |a·b|', b.product],
    ['mulPublic |x·c|', b.product],
    ['add |a + b|', b.value],
    ['softmax row max − min', b.softmaxSpread],
    ['softmaxMatmul |N·r|', b.softmaxMatmulOutput],
    ['gelu |x|', b.value],
    ['silu |x|', b.value],
    ['layerNorm input |x|', b.normInput],
    ['layerNorm variance Σ(x−μ)²+D·eps', b.normVariance],
    ['layerNorm |y − β|', b.normOutput],
    ['rmsNorm variance Σx²+D·eps', b.normVariance],
    ['rmsNorm |y|', b.normOutput],
    ['normMatmul |y|', b.normMatmulOutput],
    ['argmax row max − min', b.softmaxSpread],
  ];
}

export class RangeMonitor {
  readonly rows = new Map<string, RangeRow>();

  constructor(fracBits: number, approx: ApproxConfig) {
    for (const [name, bound] of rowsFor(fracBits, approx)) this.rows.set(name, { name, max: 0, bound, where: '', count: 0 });
  }

  /** Record |v| for the row `name` (seen at `where`). */
  see(name: string, v: number, where: string): void {
    const r = this.rows.get(name);
    if (!r) throw new RangeError(`RangeMonitor: unknown row '${name}'`);
    r.count++;
    const a = Math.abs(v);
    if (a > r.max || Number.isNaN(a)) {
      r.max = Number.isNaN(a) ? Infinity : a;
      r.where = where;
    }
  }

  /** Record the largest |x| of an array. */
  seeAll(name: string, xs: ArrayLike<number>, where: string): void {
    let m = 0;
    for (let i = 0; i < xs.length; i++) {
      const a = Math.abs(xs[i]);
      if (!(a <= m)) m = a; // NaN propagates
    }
    this.see(name, m, where);
  }

  /** Rows whose largest value reached or passed the bound. */
  exceeded(): RangeRow[] {
    return [...this.rows.values()].filter((r) => r.count > 0 && !(r.max < r.bound));
  }

  /** The report table (rows never seen are listed as '—'). */
  table(): string {
    const fmt = (v: number) => (v === 0 ? '0' : v >= 1e4 || v < 1e-3 ? v.toExponential(2) : v.toPrecision(4));
    const head = ['op class', 'largest |value| seen', 'bound', 'headroom', 'where'];
    const lines = [...this.rows.values()].map((r) => {
      if (!r.count) return [r.name, '—', fmt(r.bound), '—', ''];
      const room = r.max > 0 ? Math.log2(r.bound / r.max) : Infinity;
      const headroom = !(r.max < r.bound) ? `EXCEEDED ×${fmt(r.max / r.bound)}` : room === Infinity ? '∞' : `${room.toFixed(1)} bits (×${fmt(r.bound / r.max)})`;
      return [r.name, fmt(r.max), fmt(r.bound), headroom, r.where];
    });
    const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const row = (c: string[]) => `| ${c.map((x, i) => x.padEnd(w[i])).join(' | ')} |`;
    return [row(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...lines.map(row)].join('\n');
  }

  toJSON(): { name: string; max: number; bound: number; where: string; exceeded: boolean }[] {
    return [...this.rows.values()].filter((r) => r.count > 0).map((r) => ({ name: r.name, max: r.max, bound: r.bound, where: r.where, exceeded: !(r.max < r.bound) }));
  }
}
