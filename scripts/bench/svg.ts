/**
 * docs/cost.svg, hand-written (no dependencies): first, PUMA's published figures beside ours
 * (communication and time per scenario); then, for each charted phase, two panels of horizontal
 * bars — bytes (all parties) and wall time per layer — each bar stacked by op class.
 */
import type { PhaseReport } from './analyze.js';
import { CLASS_ORDER } from './analyze.js';
import type { PumaBar } from './report-md.js';

export interface ChartPanel {
  title: string;
  phase: PhaseReport;
}

const COLORS: Record<string, string> = {
  embedding: '#8c564b',
  layerNorm: '#9467bd',
  matmul: '#1f77b4',
  mulPublic: '#aec7e8',
  attnMatmul: '#17becf',
  softmax: '#ff7f0e',
  softmaxMatmul: '#ffbb78',
  attention: '#ff9896',
  gelu: '#2ca02c',
  silu: '#98df8a',
  rmsNorm: '#c5b0d5',
  mul: '#bcbd22',
  lmHead: '#d62728',
  argmax: '#e377c2',
  output: '#7f7f7f',
};
const color = (c: string): string => COLORS[c] ?? '#c7c7c7';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" axis maximum (1, 2 or 5 × 10^k) at or above x. */
function niceMax(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

const fmtBytes = (b: number): string => (b >= 1e9 ? `${+(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${+(b / 1e6).toFixed(1)} MB` : b >= 1e3 ? `${+(b / 1e3).toFixed(1)} kB` : `${b} B`);
const fmtMs = (ms: number): string => (ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${+ms.toFixed(0)} ms`);

/** Paired bars per scenario (ours, PUMA) for GB and seconds; returns the SVG parts and the new y. */
function pumaPanel(bars: PumaBar[], y0: number, W: number): { parts: string[]; y: number } {
  const parts: string[] = [];
  let y = y0;
  parts.push(`<text x="10" y="${y}" font-size="13" font-weight="bold">Side by side with PUMA (Dong et al. 2023: 3 × 32 vCPU, 5 Gbps, 1 ms)</text>`);
  y += 8;
  const labelW = 250;
  const panelW = (W - labelW - 60) / 2;
  const x0s = [labelW, labelW + panelW + 40];
  const maxGb = niceMax(Math.max(...bars.flatMap((b) => [b.oursGb, b.pumaGb])));
  const maxS = niceMax(Math.max(...bars.flatMap((b) => [b.oursS, b.pumaS])));
  ['communication, GB (all parties)', 'time, s (ours: LAN measured, else LAN model)'].forEach((h, k) => parts.push(`<text x="${x0s[k]}" y="${y + 10}" font-size="11" fill="#333">${esc(h)}</text>`));
  y += 16;
  for (const b of bars) {
    parts.push(`<text x="${labelW - 6}" y="${y + 12}" font-size="10" text-anchor="end">${esc(b.label)}</text>`);
    [0, 1].forEach((k) => {
      const [ours, puma, max] = k === 0 ? [b.oursGb, b.pumaGb, maxGb] : [b.oursS, b.pumaS, maxS];
      const fmt = (v: number): string => (k === 0 ? `${+v.toFixed(2)} GB` : `${+v.toFixed(1)} s`);
      const wO = (panelW * ours) / max;
      const wP = (panelW * puma) / max;
      parts.push(`<rect x="${x0s[k]}" y="${y + 1}" width="${wO.toFixed(1)}" height="8" fill="#1f77b4"><title>${esc(`Triform: ${fmt(ours)}${k === 1 ? ` (${b.timeKind})` : ''}`)}</title></rect><text x="${(x0s[k] + wO + 3).toFixed(1)}" y="${y + 8}" font-size="8">${esc(fmt(ours))}</text>`);
      parts.push(`<rect x="${x0s[k]}" y="${y + 10}" width="${wP.toFixed(1)}" height="8" fill="#bbbbbb"><title>${esc(`PUMA: ${fmt(puma)}`)}</title></rect><text x="${(x0s[k] + wP + 3).toFixed(1)}" y="${y + 17}" font-size="8">${esc(fmt(puma))}</text>`);
    });
    y += 22;
  }
  parts.push(`<rect x="${labelW}" y="${y}" width="10" height="8" fill="#1f77b4"/><text x="${labelW + 14}" y="${y + 8}" font-size="10">Triform (this 2-core machine; time: 3 parties sharing 2 cores)</text>`);
  parts.push(`<rect x="${labelW + 360}" y="${y}" width="10" height="8" fill="#bbbbbb"/><text x="${labelW + 374}" y="${y + 8}" font-size="10">PUMA (published)</text>`);
  return { parts, y: y + 30 };
}

export function costSvg(panels: ChartPanel[], subtitle: string, puma: PumaBar[] = []): string {
  const W = 980;
  const labelW = 70;
  const gap = 40;
  const panelW = (W - labelW * 2 - gap - 30) / 2;
  const rowH = 13;
  const parts: string[] = [];
  let y = 24;
  parts.push(`<text x="10" y="${y}" font-size="15" font-weight="bold">Triform: cost per layer and op class</text>`);
  y += 16;
  parts.push(`<text x="10" y="${y}" font-size="11" fill="#555">${esc(subtitle)}</text>`);
  y += 12;
  // legend
  const used = new Set<string>();
  for (const p of panels) for (const l of p.phase.layerClasses) for (const c of l.classes) used.add(c.name);
  const legend = [...used].sort((a, b) => (CLASS_ORDER.indexOf(a) + 1 || 99) - (CLASS_ORDER.indexOf(b) + 1 || 99));
  let lx = 10;
  y += 8;
  for (const c of legend) {
    parts.push(`<rect x="${lx}" y="${y}" width="10" height="10" fill="${color(c)}"/><text x="${lx + 14}" y="${y + 9}" font-size="11">${esc(c)}</text>`);
    lx += 24 + c.length * 6.5;
  }
  y += 24;
  if (puma.length) {
    const pp = pumaPanel(puma, y + 6, W);
    parts.push(...pp.parts);
    y = pp.y;
  }
  for (const panel of panels) {
    const rows = panel.phase.layerClasses;
    const maxBytes = niceMax(Math.max(...rows.map((r) => r.classes.reduce((t, c) => t + c.bytesTotal, 0))));
    const maxMs = niceMax(Math.max(...rows.map((r) => r.classes.reduce((t, c) => t + c.ms, 0))));
    parts.push(`<text x="10" y="${y}" font-size="13" font-weight="bold">${esc(panel.title)}</text>`);
    y += 8;
    const x0s = [labelW + 10, labelW * 2 + 10 + panelW + gap];
    const heads = [`bytes sent, all three parties (axis max ${fmtBytes(maxBytes)})`, `wall time, slowest party (axis max ${fmtMs(maxMs)})`];
    heads.forEach((h, k) => parts.push(`<text x="${x0s[k]}" y="${y + 10}" font-size="11" fill="#333">${esc(h)}</text>`));
    y += 16;
    const top = y;
    rows.forEach((r, i) => {
      const ry = top + i * rowH;
      [0, 1].forEach((k) => {
        const x0 = x0s[k];
        parts.push(`<text x="${x0 - 6}" y="${ry + rowH - 3}" font-size="10" text-anchor="end">${esc(r.name)}</text>`);
        let x = x0;
        for (const c of r.classes) {
          const v = k === 0 ? c.bytesTotal : c.ms;
          const w = (panelW * v) / (k === 0 ? maxBytes : maxMs);
          if (w <= 0) continue;
          parts.push(`<rect x="${x.toFixed(1)}" y="${ry + 1}" width="${w.toFixed(1)}" height="${rowH - 2}" fill="${color(c.name)}"><title>${esc(`${r.name} ${c.name}: ${fmtBytes(c.bytesTotal)}, ${c.rounds} rounds, ${fmtMs(c.ms)}`)}</title></rect>`);
          x += w;
        }
      });
    });
    const bottom = top + rows.length * rowH;
    [0, 1].forEach((k) => {
      const x0 = x0s[k];
      parts.push(`<line x1="${x0}" y1="${top}" x2="${x0}" y2="${bottom}" stroke="#333"/>`);
      parts.push(`<line x1="${x0}" y1="${bottom}" x2="${x0 + panelW}" y2="${bottom}" stroke="#333"/>`);
      for (let t = 0; t <= 4; t++) {
        const tx = x0 + (panelW * t) / 4;
        const v = ((k === 0 ? maxBytes : maxMs) * t) / 4;
        parts.push(`<line x1="${tx}" y1="${bottom}" x2="${tx}" y2="${bottom + 3}" stroke="#333"/><text x="${tx}" y="${bottom + 13}" font-size="9" text-anchor="middle">${esc(k === 0 ? fmtBytes(v) : fmtMs(v))}</text>`);
      }
    });
    y = bottom + 34;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="Helvetica, Arial, sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
