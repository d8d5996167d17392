import { encodingLabel, type TextEncoding } from '../../ingest/encoding.js';
import { labelled, p } from '../i18n/progress-messages.js';
import path from 'node:path';
import { RagError } from '../../errors.js';
import { checkGate, parseMaxDrop, parseMetricFloor } from '../../eval/gate.js';
import type { GateCheck, GateNote, GateResult } from '../../eval/gate.js';
import { appendStepSummary, readBaseline, renderMarkdown, writeReports } from '../../eval/report/index.js';
import { evaluate } from '../../eval/runner.js';
import { planEvaluation, type EvalDryRun } from '../../eval/dry-run.js';
import type { EvalOptions } from '../../eval/eval-options.js';
import { axesFrom, type AxisFlags } from '../axis-options.js';
import { readAdapter } from '../../embed/query-adapter.js';
import { headlineMetric } from '../../eval/compare.js';
import type { ComparisonOptions } from '../../eval/compare.js';
import type { EquivalenceResult } from '../../eval/equivalence.js';
import { explainLosses, findRun, type Explanation } from '../../eval/explain.js';
import type { Correction } from '../../eval/multiple-testing.js';
import { fmtSigned, segmentTable } from '../../eval/report/format.js';
import { shortlist } from '../../embed/shortlist.js';
import { parseShortlistSpec } from '../shortlist-options.js';
import { judgedShortfalls } from '../../eval/judged.js';
import type { DatasetWarnings, EvalResults, RunComparison, RunKey, RunResult } from '../../eval/types.js';
import { assertFolderPath } from '../../store/index-path.js';
import { RETRIEVAL_MODES } from '../../retrieve/types.js';
import type { RetrievalMode } from '../../retrieve/types.js';
import { modelOptionsFrom } from '../model-options.js';
import type { ModelFlags } from '../model-options.js';
import { formatSeconds, ProgressBar } from '../progress.js';
import { noticeLine, warningText } from '../notices.js';
import { n } from '../i18n/notice-messages.js';
import { createUniqueDir } from '../../eval/report/unique-dir.js';
import { announceInterrupt } from '../interrupt.js';
import { displayWidth } from '../i18n/localize-help.js';
import { e, type EvalOutputKey } from '../i18n/eval-output-messages.js';
import { err, log, out, printJson } from '../ui.js';
import type { CommandStatus } from '../exit-codes.js';
import type { CommandContext } from '../program.js';

export interface EvalCommandOptions extends Omit<ModelFlags, 'dimensions'>, AxisFlags {
  dataset: string;
  model?: string[];
  index?: string;
  mode?: string[];
  k: number[];
  split: string;
  chunkUnit?: 'tokens' | 'characters';
  dryRun?: boolean;
  ignoreIdenticalIds?: boolean;
  limit?: number;
  out?: string;
  baseline?: string;
  maxDrop?: number;
  min?: string[];
  correction: Correction;
  margin?: number;
  effect?: number;
  failUnlessEquivalent?: boolean;
  shortlist?: string;
  explain?: string[];
  explainLimit: number;
  explainSegment?: string;
  segmentBy?: string;
  cache: boolean;
  json?: boolean;
  encoding?: TextEncoding;
  adapter?: string;
}

/** One line per kind of dropped or doubtful label; unjudged queries are normal in BEIR and not listed. */
function datasetWarningLines(w: DatasetWarnings): string[] {
  const lines: string[] = [];
  const add = (counted: DatasetWarnings['unknownDocuments'], key: 'eval.unknown-documents' | 'eval.unknown-queries' | 'eval.duplicate-labels'): void => {
    if (counted.count === 0) return;
    lines.push(n(key, { count: counted.count, examples: counted.examples.slice(0, 3).join(', ') }));
  };
  add(w.unknownDocuments, 'eval.unknown-documents');
  add(w.unknownQueries, 'eval.unknown-queries');
  add(w.duplicateLabels, 'eval.duplicate-labels');
  return lines;
}

function displayFile(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Default allowed drop when only --baseline is given. */
const DEFAULT_MAX_DROP = 0.01;

export async function runEval(opts: EvalCommandOptions, context: CommandContext): Promise<CommandStatus> {
  // Validate everything the gate needs before spending minutes on embedding.
  const modes = (opts.mode ?? ['dense']).map(parseMode);
  const floors = (opts.min ?? []).map(parseMetricFloor);
  const maxDrop = opts.maxDrop === undefined ? undefined : parseMaxDrop(String(opts.maxDrop));
  if (maxDrop !== undefined && opts.baseline === undefined) {
    throw new RagError('usage', '--max-drop needs --baseline FILE (a results.json from an earlier `rag eval`)');
  }
  for (const [flag, v] of [['--margin', opts.margin], ['--effect', opts.effect]] as const) {
    if (v !== undefined && !(v > 0 && v < 1)) throw new RagError('usage', `invalid ${flag} ${v}: expected a number between 0 and 1 (0.01 = one point of nDCG)`);
  }
  if (opts.failUnlessEquivalent && opts.margin === undefined) {
    throw new RagError('usage', '--fail-unless-equivalent needs --margin X (e.g. --margin 0.01)');
  }
  if (opts.explain !== undefined && opts.explain.length !== 2) {
    throw new RagError('usage', `--explain takes two runs, A and B (got ${opts.explain.length}): e.g. --explain hash:dense hash:bm25`);
  }
  if (opts.explainSegment !== undefined && (opts.explain === undefined || opts.segmentBy === undefined)) {
    throw new RagError('usage', '--explain-segment needs --explain A B and --segment-by FIELD');
  }
  const models = modelsToEvaluate(opts);
  if (opts.failUnlessEquivalent && opts.baseline === undefined && (models?.length ?? 1) * modes.length < 2) {
    throw new RagError('usage', '--fail-unless-equivalent needs --baseline FILE or at least two runs (models x modes) to compare');
  }
  const statistics: Omit<ComparisonOptions, 'seed'> = {
    correction: opts.correction,
    ...(opts.margin === undefined ? {} : { margin: opts.margin }),
    ...(opts.effect === undefined ? {} : { effect: opts.effect }),
  };
  const baseline = opts.baseline === undefined ? undefined : await readBaseline(opts.baseline);
  if (opts.out !== undefined) await assertFolderPath(opts.out, { what: '--out', kind: 'a folder for the reports', flag: '--out' });

  const axes = axesFrom(opts, modes);
  // Eval's --dimensions truncates stored vectors (axes); the model itself is loaded at full size.
  const { dimensions: _dimensions, ...modelFlags } = opts;
  const adapter = opts.adapter === undefined ? undefined : await readAdapter(opts.adapter);
  const evalOptions: EvalOptions = {
    signal: context.signal,
    dataset: opts.dataset,
    ...(models === undefined ? {} : { models }),
    statistics,
    ...(opts.segmentBy === undefined ? {} : { segmentBy: opts.segmentBy }),
    ...(opts.index === undefined ? {} : { index: opts.index }),
    modelOptions: modelOptionsFrom(modelFlags),
    modes,
    ks: opts.k,
    split: opts.split,
    ...(opts.chunkUnit === undefined ? {} : { chunkUnit: opts.chunkUnit }),
    axes,
    ...(opts.rerankBaseUrl === undefined ? {} : { rerankOptions: { baseUrl: opts.rerankBaseUrl } }),
    ...(opts.ignoreIdenticalIds ? { ignoreIdenticalIds: true } : {}),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    ...(opts.encoding === undefined ? {} : { encoding: opts.encoding }),
    cache: opts.cache,
    ...(adapter === undefined ? {} : { adapter }),
  };
  if (opts.dryRun) {
    const plan = await planEvaluation(evalOptions);
    if (opts.json) printJson({ dryRun: plan });
    else printPlan(plan);
    return 'ok';
  }
  const bar = new ProgressBar('');
  let label = '';
  const stopAnnouncing = announceInterrupt(context.signal, 'eval');
  const results = await evaluate({
    ...evalOptions,
    onEvent: (event) => {
      switch (event.type) {
        case 'dataset':
          log(err.dim(p('eval.dataset', { dataset: opts.dataset, documents: event.documents, queries: event.queries })));
          for (const line of datasetWarningLines(event.warnings)) log(labelled(p('progress.warning'), line, err.yellow));
          for (const { file, encoding } of event.encodings) {
            const said = n(opts.encoding === undefined ? 'eval.read-as-detected' : 'eval.read-as', { file: displayFile(file), encoding: encodingLabel(encoding) });
            log(err.dim(labelled(p('progress.note'), said)));
          }
          break;
        case 'adapter-overlap':
          log(labelled(p('progress.warning'), n(event.queries === 1 ? 'eval.adapter-overlap.one' : 'eval.adapter-overlap.other', { queries: event.queries, examples: event.examples.join(', ') }), err.yellow));
          break;
        case 'waiting':
          log(err.dim(warningText(event)));
          break;
        case 'notice':
          bar.done();
          log(noticeLine(event.notice));
          break;
        case 'warning':
          bar.done();
          log(labelled(p('progress.warning'), warningText(event), err.yellow));
          break;
        case 'stale-work-dirs':
          log(err.dim(labelled(p('progress.note'), n(event.removed.length === 1 ? 'eval.stale-work-dirs.one' : 'eval.stale-work-dirs.other', { count: event.removed.length, dirs: event.removed.map(displayDir).join(', ') }))));
          break;
        case 'run-start':
          label = `[${event.index}/${event.total}] ${event.model} ${event.mode}`;
          break;
        case 'embed-progress':
          bar.update(event.done, event.total);
          break;
        case 'query-progress':
          if (event.done === 1) bar.done();
          bar.update(event.done, event.total);
          break;
        case 'run-end':
          bar.done();
          log(
            `${label}: nDCG@10 ${fmt(event.run.metrics.ndcg_at_10)} · recall@10 ${fmt(event.run.metrics.recall_at_10)} · judged@10 ${fmt(event.run.metrics.judged_at_10)} · ${formatSeconds(event.run.cost.wallSeconds)}`,
          );
          break;
      }
    },
  }).finally(stopAnnouncing);

  const gate =
    baseline !== undefined || floors.length > 0 || opts.failUnlessEquivalent
      ? checkGate(results, baseline, {
          ...(baseline === undefined ? {} : { maxDrop: maxDrop ?? DEFAULT_MAX_DROP, baselineFile: opts.baseline! }),
          min: floors,
          // Pair with the baseline on the metric the run's own comparisons use.
          statistics: { ...statistics, metric: headlineMetric(results.runs) },
          failUnlessEquivalent: opts.failUnlessEquivalent ?? false,
        })
      : undefined;

  const explanation =
    opts.explain === undefined
      ? undefined
      : explainLosses(results, findRun(results, opts.explain[0]!), findRun(results, opts.explain[1]!), {
          limit: opts.explainLimit,
          ...(opts.explainSegment === undefined ? {} : { segment: opts.explainSegment }),
        });

  const outDir = opts.out !== undefined ? path.resolve(opts.out) : await createUniqueDir(path.resolve(`rag-eval-${timestamp()}`));
  const written = await writeReports(outDir, results, gate);
  const summaryFile = await appendStepSummary(renderMarkdown(results, gate));

  // On stderr in --json mode too: a lower-bound score must not pass unnoticed.
  for (const s of judgedShortfalls(results.runs)) {
    const said = n('eval.judged', { run: s.label, k: s.k, judged: s.judged.toFixed(2), threshold: s.threshold, dataset: opts.dataset, model: s.run.model, mode: s.run.mode });
    log(labelled(p('progress.warning'), said, err.yellow));
  }
  if (opts.json) {
    printJson({ ...jsonView(results, gate, written.results), ...(explanation === undefined ? {} : { explain: explanation }) }, results.formatVersion);
  } else {
    printTable(results);
    if (explanation !== undefined) process.stdout.write(`\n${explanationLines(explanation).join('\n')}\n`);
    log(err.dim(p('eval.reports', { dir: displayDir(outDir), step: summaryFile ? p('eval.step-summary') : '' })));
  }
  if (gate) {
    gate.noteDetails.forEach((note, i) => log(err.yellow(labelled(p('progress.note'), gateNoteText(note, gate.notes[i]!)))));
    for (const run of gate.missingFromBaseline) log(err.yellow(labelled(p('progress.note'), e('gate.not-in-baseline', { run: runName(run) }))));
    if (gate.passed) {
      log(err.green(p('eval.gate-passed', { checks: gate.checks.length })));
    } else {
      for (const v of gate.violations) log(labelled(p('eval.gate-failed'), gateCheckText(v, gate, results.comparisons), err.red));
      return 'gate-failed';
    }
  }
  return 'ok';
}

/** --model values, then the --shortlist models not already named; undefined for the default model. */
function modelsToEvaluate(opts: EvalCommandOptions): string[] | undefined {
  if (opts.shortlist === undefined) return opts.model;
  const filters = parseShortlistSpec(opts.shortlist);
  const listed = shortlist(filters).map((m) => m.alias);
  if (listed.length === 0) {
    throw new RagError('usage', `no model matches --shortlist "${opts.shortlist}"`, { hint: `see \`rag models ${opts.shortlist}\`` });
  }
  const named = opts.model ?? [];
  const lower = new Set(named.map((m) => m.toLowerCase()));
  return [...named, ...listed.filter((a) => !lower.has(a.toLowerCase()))];
}

function parseMode(mode: string): RetrievalMode {
  const m = mode.toLowerCase() as RetrievalMode;
  if (!RETRIEVAL_MODES.includes(m)) throw new RagError('usage', `unknown --mode "${mode}"; use ${RETRIEVAL_MODES.join(', ')}`);
  return m;
}

/** The --json document: every run's configuration, metrics and cost; per-query detail stays in the files. */
function jsonView(results: EvalResults, gate: GateResult | undefined, resultsFile: string): object {
  return {
    dataset: results.dataset,
    ks: results.ks,
    runs: results.runs.map(({ perQuery: _perQuery, ...run }) => run),
    comparisons: results.comparisons,
    gate: gate ?? null,
    resultsFile,
  };
}

function printTable(results: EvalResults): void {
  const metrics = ['ndcg_at_10', 'recall_at_10', 'mrr_at_10', 'map_at_10', 'recall_at_100', 'judged_at_10'].filter((m) =>
    results.runs.some((r) => r.metrics[m] !== undefined),
  );
  const extra = costColumns(results);
  const header = [
    e('col.model'),
    e('col.mode'),
    ...metrics.map((m) => m.replace('_at_', '@')),
    ...(['col.embed', 'col.chunks-per-second', 'col.dim', 'col.index', 'col.truncated', 'col.wall'] as const).map((key) => e(key)),
    ...extra.map((c) => e(c.header)),
  ];
  const rows = results.runs.map((r) => [
    r.model,
    r.mode,
    ...metrics.map((m) => fmt(r.metrics[m])),
    r.cost.dimension === null ? '-' : formatSeconds(r.cost.embedSeconds),
    r.cost.chunksPerSecond === null ? '-' : Math.round(r.cost.chunksPerSecond).toString(),
    r.cost.dimension === null ? '-' : String(r.cost.dimension),
    r.cost.indexBytes ? `${(r.cost.indexBytes / 1024 / 1024).toFixed(1)} MiB` : '-',
    String(r.cost.truncatedChunks),
    formatSeconds(r.cost.wallSeconds),
    ...extra.map((column) => column.cell(r)),
  ]);
  const lines = [...alignColumns([header, ...rows], 2).map((line, i) => (i === 0 ? out.bold(line) : line))];
  if (results.comparisons.length) {
    const first = results.comparisons[0]!;
    const significance =
      first.correction === 'none'
        ? e('significance.raw', { alpha: first.alpha })
        : e('significance.adjusted', { method: first.correction === 'holm' ? 'Holm' : 'BH', alpha: first.alpha });
    lines.push('', out.bold(e('vs', { run: runName(first.baseline), metric: first.metric.replace('_at_', '@'), significance })));
    for (const c of results.comparisons) {
      const r = c.result;
      const parts = [
        `${signed(r.meanDiff)}  95% CI [${signed(r.ci[0])}, ${signed(r.ci[1])}]`,
        `p=${fmtP(r.pValue)}${c.correction === 'none' ? '' : ` p_${c.correction}=${fmtP(c.pAdjusted)}`}`,
        e(c.significant ? 'significant' : 'not-significant'),
        e('wins-ties-losses', { wins: c.wins, ties: c.ties, losses: c.losses }),
        `MDE ${c.power.mde.toFixed(4)}`,
        ...(c.equivalence === null ? [] : [equivalenceText(c.equivalence)]),
        e('queries', { count: r.n }),
      ];
      lines.push(e('candidate', { run: runName(c.candidate), parts: parts.join(e('parts.join')) }));
    }
    for (const w of powerNotes(results.comparisons)) lines.push(out.yellow(e('note', { text: w })));
  }
  const segments = segmentTable(results);
  if (segments !== undefined) {
    // The library's header names the columns in the report's English; the terminal says them in the user's language.
    const said: Array<EvalOutputKey | undefined> = ['segment.col.model', 'segment.col.mode', undefined, 'segment.col.queries'];
    const header = segments.header.map((h, i) => (said[i] === undefined ? h : e(said[i]!)));
    const table = alignColumns([header, ...segments.rows], 3);
    lines.push('', out.bold(e('segment.by', { field: results.segmentBy ?? '' })), out.bold(table[0]!), ...table.slice(1));
  }
  const evaluated = results.runs[0]?.evaluatedQueries ?? 0;
  lines.push('', out.dim(e('footer', { queries: evaluated, documents: results.dataset.documents, ks: results.ks.join(',') })));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Rows of cells as aligned lines, two spaces apart: the first `left` columns padded on the right,
 * the others on the left, by terminal columns (a CJK character takes two).
 */
function alignColumns(table: string[][], left: number): string[] {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => displayWidth(row[i]!))));
  return table.map((cells) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - displayWidth(c));
        return i < left ? c + pad : pad + c;
      })
      .join('  '),
  );
}

function runName(run: RunKey): string {
  return e('run', { model: run.model, mode: run.mode });
}

function equivalenceText(eq: Pick<EquivalenceResult, 'margin' | 'verdict'>): string {
  const key = eq.verdict === 'equivalent' ? 'equivalent' : eq.verdict === 'non-inferior' ? 'non-inferior' : 'not-equivalent';
  return e(key, { margin: eq.margin });
}

/** The comparisons too small to trust a "not significant" (the reports say the same in English). */
function powerNotes(comparisons: readonly RunComparison[]): string[] {
  return comparisons
    .filter((c) => c.power.underpowered)
    .map((c) => {
      const run = runName(c.candidate);
      const power = c.power;
      if (power.effect !== null && power.queriesNeeded !== null) {
        return e('underpowered.effect', { run, effect: power.effect, queries: c.result.n, needed: power.queriesNeeded, sd: power.sdDiff.toFixed(4), mde: power.mde.toFixed(4) });
      }
      return e('underpowered.observed', { run, diff: fmtSigned(c.result.meanDiff), mde: power.mde.toFixed(4), queries: c.result.n });
    });
}

/** `--explain A B`: B's worst losses against A, each with both runs' top documents. */
function explanationLines(x: Explanation): string[] {
  const scope = x.segment === null ? '' : e('explain.segment', { segment: x.segment });
  const lines = [e('explain.head', { b: runName(x.b), a: runName(x.a), metric: x.metric, scope, shown: x.queries.length, losses: x.losses, paired: x.paired })];
  for (const q of x.queries) {
    lines.push('', `${q.id}  Δ ${q.delta.toFixed(4)}  ${q.text}`);
    for (const side of [q.a, q.b]) {
      const ranks = Object.entries(side.ranks).map(([doc, rank]) => e('explain.rank', { doc, rank: rank === null ? e('explain.not-retrieved') : `#${rank}` }));
      lines.push(e('explain.side', { run: runName(side.run), score: side.score.toFixed(4), ranks: ranks.join(', ') || e('explain.none') }));
      side.top.forEach((d, i) => {
        const mark = d.grade > 0 ? `✓${d.grade > 1 ? d.grade : ''}` : ' ';
        lines.push(`    ${i + 1}. ${mark} ${d.docId}${d.title ? ` · ${d.title}` : ''}${d.snippet ? ` · ${d.snippet.slice(0, 80)}` : ''}`);
      });
    }
  }
  return lines;
}

/** A gate check in the user's language, rebuilt from its numbers and, for equivalence, its comparison. */
function gateCheckText(check: GateCheck, gate: GateResult, comparisons: readonly RunComparison[]): string {
  const run = runName(check.run);
  const now = check.current.toFixed(4);
  if (check.kind === 'min') return e(check.passed ? 'gate.reaches' : 'gate.below', { run, metric: check.metric, now, threshold: check.threshold });
  if (check.kind === 'max-drop' && check.baseline !== null) {
    const drop = check.baseline - check.current;
    const before = check.baseline.toFixed(4);
    return check.passed
      ? e('gate.within', { run, metric: check.metric, now, before, change: `${drop > 0 ? '-' : '+'}${Math.abs(drop).toFixed(4)}`, threshold: check.threshold })
      : e('gate.dropped', { run, metric: check.metric, drop: drop.toFixed(4), before, now, threshold: check.threshold });
  }
  if (check.kind !== 'equivalence') return check.message;
  // As checkGate pairs them: with the baseline file's runs when there is one, else with the first run.
  const against = gate.baselineFile === null ? comparisons : gate.baselineComparisons;
  const c = against.find((x) => x.candidate.model === check.run.model && x.candidate.mode === check.run.mode && x.metric === check.metric);
  if (c === undefined) return e('gate.eq.no-scores', { run, margin: check.threshold, file: gate.baselineFile ?? e('gate.eq.the-baseline') });
  const eq = c.equivalence;
  const ci = eq === null ? '' : e('gate.eq.ci', { level: Math.round((1 - 2 * eq.alpha) * 100), low: signed(eq.ci[0]), high: signed(eq.ci[1]) });
  const where = gate.baselineFile === null ? '' : e('gate.eq.where', { file: gate.baselineFile });
  const head = e('gate.eq.head', { candidate: runName(c.candidate), baseline: runName(c.baseline), where, metric: c.metric, diff: signed(c.result.meanDiff), ci });
  if (eq === null) return e('gate.eq.too-few', { head });
  const p = eq.pValue.toPrecision(2);
  if (check.passed) return e('gate.eq.passed', { head, equivalence: equivalenceText(eq), p });
  const nonInferior = eq.verdict === 'non-inferior' ? e('gate.eq.non-inferior', { equivalence: equivalenceText(eq) }) : '';
  return e('gate.eq.failed', { head, margin: check.threshold, p, nonInferior });
}

/** A gate note in the user's language; `english` (the library's wording) for a kind this CLI does not know. */
function gateNoteText(note: GateNote, english: string): string {
  switch (note.kind) {
    case 'dataset-changed':
      return e('gate.dataset-changed', { baseline: note.baseline, current: note.current });
    case 'baseline-metric-missing':
      return e('gate.baseline-metric-missing', { run: runName(note.run), metric: note.metric });
    default:
      return english;
  }
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
}

function fmtP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : v.toFixed(4);
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

function displayDir(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
}

/** The trade-off columns, shown only when some run has them (older results and plain runs keep today's table). */
function costColumns(results: EvalResults): Array<{ header: EvalOutputKey; cell: (r: RunResult) => string }> {
  const ms = (v: number | undefined): string => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0));
  const columns: Array<{ header: EvalOutputKey; cell: (r: RunResult) => string; shown: boolean }> = [
    { header: 'col.chunks', cell: (r) => String(r.cost.chunks), shown: new Set(results.runs.map((r) => r.cost.chunks)).size > 1 },
    { header: 'col.bytes-per-vector', cell: (r) => (r.cost.bytesPerVector === undefined ? '-' : String(r.cost.bytesPerVector)), shown: new Set(results.runs.map((x) => x.cost.bytesPerVector)).size > 1 },
    { header: 'col.vectors', cell: (r) => (r.cost.vectorBytes === undefined ? '-' : `${(r.cost.vectorBytes / 1024 / 1024).toFixed(2)} MiB`), shown: new Set(results.runs.map((x) => x.cost.vectorBytes)).size > 1 },
    { header: 'col.search-ms', cell: (r) => (r.cost.searchMsP50 === undefined ? '-' : `${ms(r.cost.searchMsP50)}/${ms(r.cost.searchMsP95)}`), shown: results.runs.some((r) => r.cost.searchMsP50 !== undefined) && results.runs.length > 1 },
    { header: 'col.rerank-ms', cell: (r) => (r.cost.rerankMsP50 === undefined ? '-' : `${ms(r.cost.rerankMsP50)}/${ms(r.cost.rerankMsP95)}`), shown: results.runs.some((r) => r.cost.rerankCalls !== undefined) },
    { header: 'col.rerank-calls', cell: (r) => (r.cost.rerankCalls === undefined ? '-' : String(r.cost.rerankCalls)), shown: results.runs.some((r) => r.cost.rerankCalls !== undefined) },
  ];
  return columns.filter((c) => c.shown);
}

/** `--dry-run`: the indexes to build (with what they would embed) and the rows scored from them. */
function printPlan(plan: EvalDryRun): void {
  const count = (n: number, key: 'plan.rows' | 'plan.indexes'): string => e(`${key}.${n === 1 ? 'one' : 'other'}`, { count: n });
  const lines = [out.bold(e('plan.head', { rows: count(plan.rows.length, 'plan.rows'), indexes: count(plan.indexes.length, 'plan.indexes'), documents: plan.dataset.documents, queries: plan.dataset.queries }))];
  plan.indexes.forEach((ix, i) => {
    const cache = ix.cacheHits === null ? e('plan.not-cached') : e('plan.cached', { count: ix.cacheHits });
    const eta = ix.estimatedEmbedSeconds === null ? '' : ix.embedCalls > 0 ? e('plan.eta', { seconds: formatSeconds(ix.estimatedEmbedSeconds) }) : '';
    const unit = e(ix.chunking.lengthUnit === 'tokens' ? 'plan.unit.tokens' : 'plan.unit.characters');
    lines.push(e('plan.index', { number: i + 1, model: ix.model, size: ix.chunking.chunkSize, overlap: ix.chunking.chunkOverlap, unit, chunks: ix.chunks, texts: ix.texts, cache, embed: ix.embedCalls, eta }));
    for (const row of plan.rows.filter((r) => r.index === i)) {
      const parts = [
        row.dimensions === null ? '' : `d=${row.dimensions}`,
        row.precision ?? '',
        row.rescore ? e('plan.rescore', { factor: row.rescore }) : '',
        row.fusion ?? '',
        row.rerank === null ? '' : e('plan.rerank', { model: row.rerank }),
      ].filter(Boolean);
      lines.push(e('plan.row', { run: runName(row), settings: parts.length ? e('plan.row-settings', { settings: parts.join(', ') }) : '' }));
    }
  });
  lines.push(e('plan.calls', { calls: plan.embedCalls, hits: plan.cacheHits, rerank: plan.rerankCalls, adapter: plan.adapterRowsNotCounted ? e('plan.adapter') : '' }));
  const est = plan.estimatedEmbedSeconds;
  lines.push(est === null ? e('plan.time-unknown') : e('plan.time', { seconds: formatSeconds(est) }));
  lines.push(out.dim(e('plan.dry-run')));
  process.stdout.write(`${lines.join('\n')}\n`);
}
