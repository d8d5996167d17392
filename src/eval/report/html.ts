/**
 * report.html: a single self-contained page (inline CSS and SVG, no network) that opens from
 * disk: the tables of report.md, quality against cost with the Pareto front, recall@k curves,
 * per-query nDCG@10 histograms and the hardest queries. All text from the data is escaped; a
 * Content-Security-Policy allows only the page's own sort script (by hash) as a second line of
 * defence, and everything but sorting works without it.
 */
import type { GateResult } from '../gate.js';
import { metricKey } from '../metrics.js';
import { compareQueryIds, explainLosses } from '../explain.js';
import type { ExplainedQuery } from '../explain.js';
import type { EvalResults, RunResult } from '../types.js';
import { runLabel } from '../types.js';
import {
  comparisonCells,
  comparisonHeader,
  comparisonMethodNote,
  powerWarnings,
  segmentTable,
  COST_COLUMNS,
  datasetNotes,
  escapeXml as e,
  fmtSigned,
  gateBaselineLine,
  gateHeadline,
  orderedGateChecks,
  fmtMetric,
  metricColumns,
  metricLabel,
  perQueryValues,
} from './format.js';
import { SORT_SCRIPT, SORT_SCRIPT_CSP, sortValue } from './sortable.js';
import { tradeoffSection } from './tradeoff-html.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const color = (i: number): string => PALETTE[i % PALETTE.length] ?? '#000';

const HIST_METRIC = 'ndcg_at_10';
const HIST_BINS = 10;

function n(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Line styles and markers per run, so curves that overlap stay apart and colour is not the only cue. */
const DASHES = ['', '7 4', '2 3', '10 3 2 3', '4 4', '1 5'];
const dash = (i: number): string => DASHES[i % DASHES.length] ?? '';
function marker(i: number, x: number, y: number, fill: string, title: string): string {
  const t = `<title>${e(title)}</title>`;
  switch (i % 4) {
    case 1:
      return `<rect x="${n(x - 3.5)}" y="${n(y - 3.5)}" width="7" height="7" fill="${fill}">${t}</rect>`;
    case 2:
      return `<polygon points="${n(x)},${n(y - 4.5)} ${n(x + 4.5)},${n(y + 3.5)} ${n(x - 4.5)},${n(y + 3.5)}" fill="${fill}">${t}</polygon>`;
    case 3:
      return `<polygon points="${n(x)},${n(y - 4.5)} ${n(x + 4.5)},${n(y)} ${n(x)},${n(y + 4.5)} ${n(x - 4.5)},${n(y)}" fill="${fill}">${t}</polygon>`;
    default:
      return `<circle cx="${n(x)}" cy="${n(y)}" r="3.5" fill="${fill}">${t}</circle>`;
  }
}

/** A legend entry drawn with the run's own line style and marker. */
export function legendSwatch(i: number): string {
  return `<svg width="34" height="12" viewBox="0 0 34 12" aria-hidden="true"><line x1="1" x2="33" y1="6" y2="6" stroke="${color(i)}" stroke-width="2" stroke-dasharray="${dash(i)}"/>${marker(i, 17, 6, color(i), '')}</svg>`;
}

/**
 * Recall@k for every k, all runs in one chart. k is on a log scale (k = 1, 3, 5, 10, 100 spaced
 * evenly would hide that 10 → 100 is the long stretch), labelled at each k the runs report.
 */
export function recallCurveSvg(results: EvalResults): string {
  const ks = results.ks.filter((k) => results.runs.some((r) => r.metrics[metricKey('recall', k)] !== undefined));
  const W = 560;
  const H = 300;
  const left = 48;
  const right = 16;
  const top = 16;
  const bottom = 40;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const kMin = Math.min(...ks);
  const kMax = Math.max(...ks);
  const xAt = (k: number): number => left + (ks.length <= 1 || kMax === kMin ? pw / 2 : ((Math.log(k) - Math.log(kMin)) / (Math.log(kMax) - Math.log(kMin))) * pw);
  const yAt = (v: number): number => top + ph - v * ph;
  const parts: string[] = [];
  parts.push(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Recall at k per run">`);
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${n(yAt(t))}" y2="${n(yAt(t))}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${n(yAt(t) + 4)}" text-anchor="end" font-size="11">${t.toFixed(2)}</text>`);
  }
  for (const k of ks) {
    parts.push(`<line x1="${n(xAt(k))}" x2="${n(xAt(k))}" y1="${top}" y2="${top + ph}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${n(xAt(k))}" y="${H - bottom + 16}" text-anchor="middle" font-size="11">${k}</text>`);
  }
  parts.push(`<text x="${left + pw / 2}" y="${H - 6}" text-anchor="middle" font-size="12">k (log scale)</text>`);
  results.runs.forEach((run, ri) => {
    const pts = ks
      .map((k) => ({ k, v: run.metrics[metricKey('recall', k)] }))
      .filter((p): p is { k: number; v: number } => p.v !== undefined);
    if (pts.length === 0) return;
    parts.push(
      `<polyline fill="none" stroke="${color(ri)}" stroke-width="2" stroke-dasharray="${dash(ri)}" points="${pts.map((p) => `${n(xAt(p.k))},${n(yAt(p.v))}`).join(' ')}"><title>${e(runLabel(run))}</title></polyline>`,
    );
    for (const p of pts) parts.push(marker(ri, xAt(p.k), yAt(p.v), color(ri), `${runLabel(run)} recall@${p.k} = ${p.v.toFixed(4)}`));
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Counts of per-query values in ten equal bins over [0, 1] (1 falls in the last bin). */
export function histogram(values: readonly number[], bins = HIST_BINS): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(v * bins)));
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return counts;
}

/** Histogram of one run's per-query nDCG@10; `maxCount` keeps the runs' charts on one scale. */
export function histogramSvg(run: RunResult, index: number, maxCount: number): string {
  const counts = histogram(perQueryValues(run, HIST_METRIC));
  const W = 360;
  const H = 200;
  const left = 40;
  const right = 8;
  const top = 16;
  const bottom = 36;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const bw = pw / counts.length;
  const scale = maxCount > 0 ? ph / maxCount : 0;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${e(`Per-query ${metricLabel(HIST_METRIC)} of ${runLabel(run)}`)}">`,
  );
  parts.push(`<line x1="${left}" x2="${W - right}" y1="${top + ph}" y2="${top + ph}" stroke="#999"/>`);
  parts.push(`<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-size="11">${maxCount}</text>`);
  parts.push(`<text x="${left - 6}" y="${top + ph + 4}" text-anchor="end" font-size="11">0</text>`);
  counts.forEach((c, i) => {
    const h = c * scale;
    const x = left + i * bw;
    const lo = (i / counts.length).toFixed(1);
    const hi = ((i + 1) / counts.length).toFixed(1);
    parts.push(
      `<rect x="${n(x + 1)}" y="${n(top + ph - h)}" width="${n(bw - 2)}" height="${n(h)}" fill="${color(index)}"><title>${e(`${lo}–${hi}: ${c} queries`)}</title></rect>`,
    );
  });
  for (const t of [0, 0.5, 1]) {
    parts.push(`<text x="${n(left + t * pw)}" y="${top + ph + 14}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  parts.push(`<text x="${left + pw / 2}" y="${H - 4}" text-anchor="middle" font-size="12">${e(metricLabel(HIST_METRIC))} per query</text>`);
  parts.push('</svg>');
  return parts.join('');
}

interface TableOptions {
  /** Header buttons sort the rows (by keyboard too); aria-sort says the current order. */
  sortable?: boolean;
  /** A class attribute per body row. */
  rowClasses?: readonly string[];
}

function htmlTable(header: string[], rows: string[][], numericFrom: number, options: TableOptions = {}): string {
  const th = header
    .map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''} scope="col">${options.sortable ? `<button type="button" class="sort">${e(h)}</button>` : e(h)}</th>`)
    .join('');
  const td = (c: string, i: number): string => {
    const v = options.sortable && i >= numericFrom ? sortValue(c) : undefined;
    return `<td${i >= numericFrom ? ' class="num"' : ''}${v === undefined ? '' : ` data-v="${v}"`}>${e(c)}</td>`;
  };
  const body = rows
    .map((r, ri) => {
      const cls = options.rowClasses?.[ri];
      return `<tr${cls ? ` class="${e(cls)}"` : ''}>${r.map(td).join('')}</tr>`;
    })
    .join('\n');
  // Wide tables scroll inside their own box, so on a phone the page itself never scrolls sideways;
  // focusable, so the box can be scrolled by keyboard.
  return `<div class="scroll" tabindex="0"><table${options.sortable ? ' class="sortable"' : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function ranksText(ranks: Record<string, number | null>): string {
  const parts = Object.entries(ranks).map(([doc, rank]) => `${doc} ${rank === null ? 'not retrieved' : `#${rank}`}`);
  return parts.length === 0 ? 'no relevant document' : parts.join(', ');
}

/**
 * The queries hardest for all runs together: lowest mean nDCG@10 over the runs, ties in natural id
 * order, with each run's score and the ranks it gave every relevant document.
 */
function hardestQueries(results: EvalResults, limit: number): string {
  const texts = new Map(results.queries.map((q) => [q.id, q.text]));
  const ids = [...new Set(results.runs.flatMap((r) => Object.keys(r.perQuery)))];
  const scored = ids.map((id) => {
    const values = results.runs.map((r) => r.perQuery[id]?.metrics[HIST_METRIC]).filter((v): v is number => v !== undefined);
    return { id, mean: values.reduce((a, v) => a + v, 0) / Math.max(1, values.length), zeroEverywhere: values.length === results.runs.length && values.every((v) => v === 0) };
  });
  scored.sort((a, b) => a.mean - b.mean || compareQueryIds(a.id, b.id));
  const shown = scored.slice(0, limit);
  const zero = scored.filter((q) => q.zeroEverywhere).length;
  const intro = `<p>${zero} of ${scored.length} evaluated queries score 0 on every run. Showing the ${shown.length} of ${scored.length} with the lowest mean ${e(metricLabel(HIST_METRIC))} over the runs; every query is in <a href="per-query.jsonl">per-query.jsonl</a> next to this report.</p>`;
  const header = ['Query', 'Text', `Mean ${metricLabel(HIST_METRIC)}`, ...results.runs.map((r) => `${runLabel(r)}: ${metricLabel(HIST_METRIC)} · ranks of relevant docs`)];
  const rows = shown.map((w) => [
    w.id,
    texts.get(w.id) ?? '',
    fmtMetric(w.mean),
    ...results.runs.map((r) => {
      const q = r.perQuery[w.id];
      return q === undefined ? '–' : `${fmtMetric(q.metrics[HIST_METRIC])} · ${ranksText(q.ranks)}`;
    }),
  ]);
  return intro + htmlTable(header, rows, 2);
}

function docList(run: ExplainedQuery['a']): string {
  if (run.top.length === 0) return '<p>(top documents not recorded)</p>';
  const items = run.top.map((d) => {
    const mark = d.grade > 0 ? `<strong>✓ relevant${d.grade > 1 ? ` (grade ${d.grade})` : ''}</strong> ` : '';
    const title = d.title === undefined ? '' : ` · ${e(d.title)}`;
    const snippet = d.snippet === undefined ? '' : `<br><small>${e(d.snippet)}</small>`;
    return `<li>${mark}<code>${e(d.docId)}</code>${title}${snippet}</li>`;
  });
  return `<ol>${items.join('')}</ol><p>Ranks of relevant docs: ${e(ranksText(run.ranks))}</p>`;
}

/** For each comparison, the queries where the candidate loses most against the first run. */
function lossSections(results: EvalResults, limit: number): string {
  const first = results.runs[0];
  if (first === undefined) return '';
  const parts: string[] = [];
  for (const run of results.runs.slice(1)) {
    const x = explainLosses(results, first, run, { limit });
    parts.push(`<h3>${e(runLabel(run))} against ${e(runLabel(first))}</h3>`);
    parts.push(`<p>${x.losses} of ${x.paired} queries score lower on ${e(metricLabel(x.metric))}; the ${x.queries.length} largest losses:</p>`);
    for (const q of x.queries) {
      parts.push(
        `<details><summary><code>${e(q.id)}</code> Δ ${e(fmtSigned(q.delta))} · ${e(q.text)}</summary><div class="pair">` +
          `<div><h4>${e(runLabel(q.a.run))}: ${e(fmtMetric(q.a.score))}</h4>${docList(q.a)}</div>` +
          `<div><h4>${e(runLabel(q.b.run))}: ${e(fmtMetric(q.b.score))}</h4>${docList(q.b)}</div></div></details>`,
      );
    }
  }
  return parts.join('\n');
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.legend span{display:inline-block;margin-right:1.2em;white-space:nowrap}.legend svg{vertical-align:middle}
.hists{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,320px),1fr));gap:1em}
.hists figure{margin:0}
.hists .chart{width:100%}
button.sort{font:inherit;font-weight:bold;background:none;border:0;padding:0;cursor:pointer;text-align:inherit}
th[aria-sort=ascending] button.sort::after{content:" ▲"}th[aria-sort=descending] button.sort::after{content:" ▼"}
button.sort:focus-visible,.scroll:focus-visible,input:focus-visible+label{outline:2px solid #1f77b4;outline-offset:2px}
.pair{flex-wrap:wrap}.pair>div{min-width:min(100%,280px)}
p,li,figcaption{overflow-wrap:anywhere}
.fail{color:#b00020}.pass{color:#1b7a1b}
.pair{display:flex;gap:2em}.pair>div{flex:1}
details{margin:.4em 0}summary{cursor:pointer}
code{background:#f5f5f5;padding:1px 4px;overflow-wrap:anywhere}
.chart{max-width:100%;height:auto}
`;

/** Renders report.html. */
export function renderHtml(results: EvalResults, gate?: GateResult): string {
  const d = results.dataset;
  const title = `Retrieval evaluation: ${d.name}${d.split === undefined ? '' : ` (${d.split})`}`;
  const columns = metricColumns(results);
  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push('<html lang="en"><head><meta charset="utf-8">');
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${SORT_SCRIPT_CSP}">`);
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  const tradeoff = tradeoffSection(results);
  out.push(`<title>${e(title)}</title><style>${CSS}${tradeoff?.css ?? ''}</style></head><body>`);
  out.push(`<h1>${e(title)}</h1>`);
  out.push(
    `<p>${results.runs[0]?.evaluatedQueries ?? 0} queries evaluated · ${d.documents} documents · ${d.qrels} labels · k = ${e(results.ks.join(', '))} · dataset <code>${e(d.fingerprint)}</code> · ${e(results.createdAt)} · rag ${e(results.toolVersion)}</p>`,
  );

  out.push('<h2>Runs</h2>');
  if (tradeoff !== undefined) out.push(tradeoff.controls);
  out.push(
    htmlTable(
      ['#', 'Model', 'Mode', ...columns.map(metricLabel), ...COST_COLUMNS.map((c) => c.label)],
      results.runs.map((r, i) => [String(i + 1), r.model, r.mode, ...columns.map((k) => fmtMetric(r.metrics[k])), ...COST_COLUMNS.map((c) => c.cell(r))]),
      3,
      { sortable: true, ...(tradeoff === undefined ? {} : { rowClasses: tradeoff.rowClasses }) },
    ),
  );
  if (tradeoff !== undefined) out.push(tradeoff.charts);

  const segments = segmentTable(results);
  if (segments !== undefined) {
    out.push(`<h2>Per ${e(results.segmentBy ?? '')}</h2>`);
    out.push(htmlTable(segments.header, segments.rows, 3));
  }

  if (results.comparisons.length > 0) {
    const base = results.comparisons[0]?.baseline;
    out.push(`<h2>Compared with the first run${base === undefined ? '' : `: ${e(runLabel(base))}`}</h2>`);
    out.push(htmlTable(comparisonHeader(results.comparisons), results.comparisons.map((c) => comparisonCells(results.comparisons, c)), 3));
    out.push(`<p>${e(comparisonMethodNote(results))}</p>`);
    const warnings = powerWarnings(results);
    if (warnings.length > 0) out.push(`<ul class="warnings">${warnings.map((w) => `<li>⚠ ${e(w)}</li>`).join('')}</ul>`);
  }

  if (gate !== undefined) {
    out.push(`<h2>Gate: <span class="${gate.passed ? 'pass' : 'fail'}">${e(gateHeadline(gate))}</span></h2>`);
    const baselineLine = gateBaselineLine(gate);
    if (baselineLine !== undefined) out.push(`<p>${e(baselineLine)}</p>`);
    out.push('<ul>');
    for (const c of orderedGateChecks(gate)) {
      out.push(`<li class="${c.mark === 'FAIL' ? 'fail' : 'pass'}"><strong>${c.mark === 'FAIL' ? '✗ FAIL' : '✓ pass'}</strong>: ${e(c.message)}</li>`);
    }
    for (const r of gate.missingFromBaseline) out.push(`<li>${e(`${runLabel(r)}: not in the baseline file, not checked`)}</li>`);
    for (const r of gate.missingFromCurrent) out.push(`<li>${e(`${runLabel(r)}: in the baseline file but not evaluated now`)}</li>`);
    for (const note of gate.notes) out.push(`<li>${e(note)}</li>`);
    out.push('</ul>');
    if (gate.baselineComparisons.length > 0) {
      out.push('<h3>Paired comparison with the baseline file</h3>');
      out.push(htmlTable(comparisonHeader(gate.baselineComparisons), gate.baselineComparisons.map((c) => comparisonCells(gate.baselineComparisons, c)), 3));
      out.push('<p>Δ = now − baseline file, per query, same run (model and mode).</p>');
    }
  }

  out.push('<h2>Recall@k</h2>');
  out.push(recallCurveSvg(results));
  out.push(
    `<p class="legend">${results.runs.map((r, i) => `<span>${legendSwatch(i)} ${e(runLabel(r))}</span>`).join('')}</p>`,
  );

  out.push(`<h2>Per-query ${e(metricLabel(HIST_METRIC))}</h2><div class="hists">`);
  const maxCount = Math.max(0, ...results.runs.flatMap((r) => histogram(perQueryValues(r, HIST_METRIC))));
  results.runs.forEach((r, i) => {
    out.push(`<figure>${histogramSvg(r, i, maxCount)}<figcaption>${e(runLabel(r))}</figcaption></figure>`);
  });
  out.push('</div>');

  out.push('<h2>Hardest queries</h2>');
  out.push(hardestQueries(results, 10));
  if (results.runs.length > 1) {
    out.push(`<h2>Where each run loses most against the first run</h2>`);
    out.push(lossSections(results, 5));
  }

  out.push('<h2>Dataset notes</h2><ul>');
  const notes = datasetNotes(results);
  if (notes.length === 0) out.push('<li>All labels matched a document and a query.</li>');
  for (const note of notes) out.push(`<li>${e(note)}</li>`);
  out.push('</ul>');
  out.push(`<script>${SORT_SCRIPT}</script>`);
  out.push('</body></html>', '');
  return out.join('\n');
}
