/**
 * The quality-vs-cost part of report.html: one scatter of nDCG@10 against each cost the runs
 * have, the Pareto front joined by a line, dominated runs grey, and a radio group choosing the
 * cost. The choice works without scripts (CSS `:has(:checked)`), so the page stays useful where the
 * sort script is blocked; it also greys the dominated rows of the runs table on that cost.
 */
import type { EvalResults } from '../types.js';
import { runLabel } from '../types.js';
import { escapeXml as e, metricLabel } from './format.js';
import { PARETO_METRIC, tradeoffPoints, usableCostAxes, type CostAxis, type TradeoffPoint } from './pareto.js';

function n(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Tick values for [lo, hi]: powers of ten on a log axis, 1/2/5 steps on a linear one. */
function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) out.push(10 ** p);
    return out.filter((t) => t >= lo / 1.0001 && t <= hi * 1.0001);
  }
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function fmtTick(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return v.toLocaleString('en', { maximumFractionDigits: 0 });
  return Number(v.toPrecision(3)).toString();
}

/** One scatter; points are numbered like the runs table's # column. */
export function tradeoffSvg(results: EvalResults, axis: CostAxis, points: readonly TradeoffPoint[]): string {
  const W = 560;
  const H = 320;
  const left = 52;
  const right = 20;
  const top = 16;
  const bottom = 44;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const costs = points.map((p) => p.cost);
  const qualities = points.map((p) => p.quality);
  const cLo = Math.min(...costs);
  const cHi = Math.max(...costs);
  // Costs often span orders of magnitude (bytes per vector 128 … 4096): a log axis keeps them apart.
  const log = cLo > 0 && cHi / cLo >= 20;
  const pad = (hi: number, lo: number): number => (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
  const xLo = log ? cLo / 1.3 : Math.max(0, cLo - pad(cHi, cLo));
  const xHi = log ? cHi * 1.3 : cHi + pad(cHi, cLo);
  const qLo = Math.max(0, Math.min(...qualities) - 0.05);
  const qHi = Math.min(1, Math.max(...qualities) + 0.05);
  const xAt = (v: number): number => (log ? left + ((Math.log(v) - Math.log(xLo)) / (Math.log(xHi) - Math.log(xLo))) * pw : left + ((v - xLo) / (xHi - xLo || 1)) * pw);
  const yAt = (v: number): number => top + ph - ((v - qLo) / (qHi - qLo || 1)) * ph;
  const name = `${metricLabel(PARETO_METRIC)} against ${axis.label.toLowerCase()} (${axis.unit})`;
  const parts: string[] = [];
  parts.push(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${e(name)}">`);
  for (const t of ticks(qLo, qHi, false)) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${n(yAt(t))}" y2="${n(yAt(t))}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${left - 6}" y="${n(yAt(t) + 4)}" text-anchor="end" font-size="11">${fmtTick(t)}</text>`);
  }
  for (const t of ticks(xLo, xHi, log)) {
    parts.push(`<line x1="${n(xAt(t))}" x2="${n(xAt(t))}" y1="${top}" y2="${top + ph}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${n(xAt(t))}" y="${top + ph + 16}" text-anchor="middle" font-size="11">${fmtTick(t)}</text>`);
  }
  parts.push(`<text x="${left + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${e(`${axis.label}, ${axis.unit}${log ? ' (log scale)' : ''} — lower is cheaper`)}</text>`);
  parts.push(`<text x="12" y="${top + ph / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 12 ${top + ph / 2})">${e(metricLabel(PARETO_METRIC))}</text>`);
  const front = points.filter((p) => p.onFront).sort((a, b) => a.cost - b.cost);
  if (front.length > 1) {
    parts.push(`<polyline class="front" fill="none" stroke="#1b5e20" stroke-width="2" points="${front.map((p) => `${n(xAt(p.cost))},${n(yAt(p.quality))}`).join(' ')}"/>`);
  }
  for (const p of points) {
    const run = results.runs[p.run]!;
    const tip = `#${p.run + 1} ${runLabel(run)}: ${metricLabel(PARETO_METRIC)} ${p.quality.toFixed(4)}, ${axis.label.toLowerCase()} ${fmtTick(p.cost)} ${axis.unit}${p.onFront ? ' · on the Pareto front' : ' · dominated'}`;
    const x = n(xAt(p.cost));
    const y = n(yAt(p.quality));
    parts.push(
      p.onFront
        ? `<g class="point front-point" data-run="${p.run + 1}"><circle cx="${x}" cy="${y}" r="6" fill="#2e7d32" stroke="#1b5e20" stroke-width="2"/><title>${e(tip)}</title></g>`
        : `<g class="point dominated-point" data-run="${p.run + 1}"><circle cx="${x}" cy="${y}" r="5" fill="#fff" stroke="#9e9e9e" stroke-width="2"/><title>${e(tip)}</title></g>`,
    );
    parts.push(`<text x="${n(xAt(p.cost) + 8)}" y="${n(yAt(p.quality) - 7)}" font-size="11" fill="${p.onFront ? '#1b5e20' : '#777'}">${p.run + 1}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface TradeoffSection {
  /** The cost radio group, shown above the runs table. */
  controls: string;
  /** Extra classes per run row: `dom-<axis>` where the run is dominated on that axis. */
  rowClasses: string[];
  /** Inserted after the runs table. */
  charts: string;
  css: string;
}

/** Nothing when fewer than two runs share a cost: a single point is no trade-off. */
export function tradeoffSection(results: EvalResults): TradeoffSection | undefined {
  const axes = usableCostAxes(results.runs);
  if (axes.length === 0) return undefined;
  const rowClasses = results.runs.map(() => [] as string[]);
  const css: string[] = ['.scatter{display:none;margin:0}', '.costs{border:0;padding:0;margin:.5em 0}.costs legend{float:left;margin-right:.6em;padding:0}.costs label{margin-right:1em;white-space:nowrap}'];
  const figures: string[] = [];
  const radios: string[] = [];
  axes.forEach((axis, i) => {
    const points = tradeoffPoints(results.runs, axis);
    for (const p of points) if (!p.onFront) rowClasses[p.run]!.push(`dom-${axis.key}`);
    const id = `cost-${axis.key}`;
    radios.push(`<input type="radio" name="cost" id="${id}"${i === 0 ? ' checked' : ''}><label for="${id}">${e(axis.label)}</label>`);
    // :has() lets the radios sit in their own fieldset (a legend for screen readers) and still
    // steer the chart and the table rows further down the page.
    css.push(`body:has(#${id}:checked) .s-${axis.key}{display:block}`, `body:has(#${id}:checked) tr.dom-${axis.key} td{color:#9e9e9e}`);
    const front = points.filter((p) => p.onFront).map((p) => `#${p.run + 1}`);
    const left = results.runs.length - points.length;
    figures.push(
      `<figure class="scatter s-${axis.key}">${tradeoffSvg(results, axis, points)}<figcaption>Pareto front on ${e(axis.label.toLowerCase())}: ${e(front.join(', '))} (filled, joined); dominated runs are hollow and grey, in the table too.${left > 0 ? ` ${left} run(s) have no ${e(axis.label.toLowerCase())} and are not drawn.` : ''}</figcaption></figure>`,
    );
  });
  return {
    controls: `<fieldset class="costs"><legend>${e(metricLabel(PARETO_METRIC))} against:</legend>${radios.join('')}</fieldset>`,
    rowClasses: rowClasses.map((c) => c.join(' ')),
    charts: `<div class="scatters"><h2 id="tradeoff">Quality vs cost</h2>${figures.join('')}</div>`,
    css: css.join('\n'),
  };
}
