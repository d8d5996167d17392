/**
 * report.md: the summary a person reads first, and what goes to the GitHub Actions job summary.
 */
import { appendFile } from 'node:fs/promises';
import type { GateResult } from '../gate.js';
import type { EvalResults } from '../types.js';
import { runLabel } from '../types.js';
import { PARETO_METRIC, tradeoffPoints, usableCostAxes } from './pareto.js';
import {
  comparisonCells,
  comparisonHeader,
  comparisonMethodNote,
  COST_COLUMNS,
  datasetNotes,
  escapeMarkdownCell as cell,
  gateBaselineLine,
  gateHeadline,
  orderedGateChecks,
  fmtMetric,
  metricColumns,
  metricLabel,
  powerWarnings,
  segmentTable,
} from './format.js';

function table(header: string[], align: Array<'l' | 'r'>, rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** Renders report.md. */
export function renderMarkdown(results: EvalResults, gate?: GateResult): string {
  const d = results.dataset;
  const out: string[] = [];
  out.push(`# Retrieval evaluation: ${cell(d.name)}${d.split === undefined ? '' : ` (${cell(d.split)})`}`, '');
  const evaluated = results.runs[0]?.evaluatedQueries ?? 0;
  out.push(
    `${evaluated} queries evaluated · ${d.documents} documents · ${d.qrels} labels · k = ${results.ks.join(', ')} · dataset \`${d.fingerprint.slice(0, 19)}\``,
    '',
  );

  const columns = metricColumns(results);
  out.push(
    ...table(
      ['Model', 'Mode', ...columns.map(metricLabel), ...COST_COLUMNS.map((c) => c.label)],
      ['l', 'l', ...columns.map((): 'r' => 'r'), ...COST_COLUMNS.map((): 'r' => 'r')],
      results.runs.map((r) => [
        cell(r.model),
        r.mode,
        ...columns.map((k) => fmtMetric(r.metrics[k])),
        ...COST_COLUMNS.map((c) => c.cell(r)),
      ]),
    ),
    '',
  );
  out.push(...paretoLines(results));

  const segments = segmentTable(results);
  if (segments !== undefined) {
    out.push(`## Per ${cell(results.segmentBy ?? '')}`, '');
    out.push(...table(segments.header.map(cell), segments.header.map((_, i): 'l' | 'r' => (i < 3 ? 'l' : 'r')), segments.rows.map((r) => r.map(cell))), '');
  }

  if (results.comparisons.length > 0) {
    const base = results.comparisons[0]?.baseline;
    out.push(`## Compared with the first run${base === undefined ? '' : `: ${cell(runLabel(base))}`}`, '');
    const header = comparisonHeader(results.comparisons);
    out.push(
      ...table(
        header,
        header.map((_, i): 'l' | 'r' => (i < 3 ? 'l' : 'r')),
        results.comparisons.map((c) => comparisonCells(results.comparisons, c).map(cell)),
      ),
      '',
    );
    out.push(cell(comparisonMethodNote(results)), '');
    const warnings = powerWarnings(results);
    for (const w of warnings) out.push(`- ⚠ ${cell(w)}`);
    if (warnings.length > 0) out.push('');
  }

  if (gate !== undefined) {
    out.push(`## Gate: ${gateHeadline(gate)}`, '');
    const baselineLine = gateBaselineLine(gate);
    if (baselineLine !== undefined) out.push(cell(baselineLine), '');
    for (const c of orderedGateChecks(gate)) out.push(`- ${c.mark === 'FAIL' ? '❌ FAIL' : '✅ pass'}: ${cell(c.message)}`);
    for (const r of gate.missingFromBaseline) out.push(`- ${cell(runLabel(r))}: not in the baseline file, not checked`);
    for (const r of gate.missingFromCurrent) out.push(`- ${cell(runLabel(r))}: in the baseline file but not evaluated now`);
    for (const n of gate.notes) out.push(`- ${cell(n)}`);
    out.push('');
    if (gate.baselineComparisons.length > 0) {
      out.push(`### Paired comparison with the baseline file`, '');
      const header = comparisonHeader(gate.baselineComparisons);
      out.push(
        ...table(
          header,
          header.map((_, i): 'l' | 'r' => (i < 3 ? 'l' : 'r')),
          gate.baselineComparisons.map((c) => comparisonCells(gate.baselineComparisons, c).map(cell)),
        ),
        '',
        'Δ = now − baseline file, per query, same run (model and mode).',
        '',
      );
    }
  }

  const notes = datasetNotes(results);
  out.push('## Dataset notes', '');
  if (notes.length === 0) out.push('- All labels matched a document and a query.');
  for (const n of notes) out.push(`- ${cell(n)}`);
  out.push('');
  return out.join('\n');
}

/**
 * Appends the Markdown to the GitHub Actions job summary when `GITHUB_STEP_SUMMARY` is set.
 * Returns the file written to, or undefined outside GitHub Actions.
 */
export async function appendStepSummary(
  markdown: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string | undefined> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (file === undefined || file === '') return undefined;
  await appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return file;
}

/** The runs worth considering on each cost: those no other run beats on quality and cost at once. */
function paretoLines(results: EvalResults): string[] {
  const axes = usableCostAxes(results.runs);
  if (axes.length === 0) return [];
  const out = [`**Pareto front** (${metricLabel(PARETO_METRIC)} against each cost; no other run is at least as good and as cheap):`, ''];
  for (const axis of axes) {
    const front = tradeoffPoints(results.runs, axis).filter((p) => p.onFront).sort((a, b) => a.cost - b.cost);
    const runs = front.map((p) => `${cell(runLabel(results.runs[p.run]!))} (${p.quality.toFixed(4)}, ${Number(p.cost.toPrecision(3))} ${axis.unit})`);
    out.push(`- ${axis.label}: ${runs.join('; ')}`);
  }
  out.push('');
  return out;
}
