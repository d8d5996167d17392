import { encodingLabel, type TextEncoding } from '../../ingest/encoding.js';
import { p } from '../i18n/progress-messages.js';
import path from 'node:path';
import { RagError } from '../../errors.js';
import { checkGate, parseMaxDrop, parseMetricFloor } from '../../eval/gate.js';
import type { GateResult } from '../../eval/gate.js';
import { appendStepSummary, readBaseline, renderMarkdown, writeReports } from '../../eval/report/index.js';
import { evaluate, planEvaluation, type EvalDryRun, type EvalOptions } from '../../eval/runner.js';
import { axesFrom, type AxisFlags } from '../axis-options.js';
import { readAdapter } from '../../embed/query-adapter.js';
import { headlineMetric } from '../../eval/compare.js';
import type { ComparisonOptions } from '../../eval/compare.js';
import { describeEquivalence } from '../../eval/equivalence.js';
import { explainLosses, explanationLines, findRun } from '../../eval/explain.js';
import type { Correction } from '../../eval/multiple-testing.js';
import { powerWarnings, segmentTable } from '../../eval/report/format.js';
import { shortlist } from '../../embed/shortlist.js';
import { parseShortlistSpec } from '../shortlist-options.js';
import { judgedShortfalls } from '../../eval/judged.js';
import type { DatasetWarnings, EvalResults, RunResult } from '../../eval/types.js';
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
  const stopAnnouncing = announceInterrupt(context.signal, 'the eval');
  const results = await evaluate({
    ...evalOptions,
    onEvent: (event) => {
      switch (event.type) {
        case 'dataset':
          log(err.dim(p('eval.dataset', { dataset: opts.dataset, documents: event.documents, queries: event.queries })));
          for (const line of datasetWarningLines(event.warnings)) log(`${err.yellow(p('progress.warning'))} ${line}`);
          for (const { file, encoding } of event.encodings) {
            const said = n(opts.encoding === undefined ? 'eval.read-as-detected' : 'eval.read-as', { file: displayFile(file), encoding: encodingLabel(encoding) });
            log(err.dim(`${p('progress.note')} ${said}`));
          }
          break;
        case 'adapter-overlap':
          log(`${err.yellow(p('progress.warning'))} ${n(event.queries === 1 ? 'eval.adapter-overlap.one' : 'eval.adapter-overlap.other', { queries: event.queries, examples: event.examples.join(', ') })}`);
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
          log(`${err.yellow(p('progress.warning'))} ${warningText(event)}`);
          break;
        case 'stale-work-dirs':
          log(err.dim(`${p('progress.note')} ${n(event.removed.length === 1 ? 'eval.stale-work-dirs.one' : 'eval.stale-work-dirs.other', { count: event.removed.length, dirs: event.removed.map(displayDir).join(', ') })}`));
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
    log(`${err.yellow(p('progress.warning'))} ${said}`);
  }
  if (opts.json) {
    printJson({ ...jsonView(results, gate, written.results), ...(explanation === undefined ? {} : { explain: explanation }) }, results.formatVersion);
  } else {
    printTable(results);
    if (explanation !== undefined) process.stdout.write(`\n${explanationLines(explanation).join('\n')}\n`);
    log(err.dim(p('eval.reports', { dir: displayDir(outDir), step: summaryFile ? p('eval.step-summary') : '' })));
  }
  if (gate) {
    for (const note of gate.notes) log(err.yellow(`note: ${note}`));
    for (const run of gate.missingFromBaseline) log(err.yellow(`note: ${run.model} (${run.mode}) is not in the baseline; not gated on drops`));
    if (gate.passed) {
      log(err.green(p('eval.gate-passed', { checks: gate.checks.length })));
    } else {
      for (const v of gate.violations) log(`${err.red(p('eval.gate-failed'))} ${v.message}`);
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
  const header = ['model', 'mode', ...metrics.map((m) => m.replace('_at_', '@')), 'embed', 'chunks/s', 'dim', 'index', 'truncated', 'wall', ...extra.map((c) => c.header)];
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
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const lines = [out.bold(line(header)), ...rows.map(line)];
  if (results.comparisons.length) {
    const first = results.comparisons[0]!;
    const significance =
      first.correction === 'none' ? `significant: raw p < ${first.alpha}` : `significant: ${first.correction === 'holm' ? 'Holm' : 'BH'}-adjusted p < ${first.alpha}`;
    lines.push('', out.bold(`vs ${first.baseline.model} (${first.baseline.mode}), ${first.metric.replace('_at_', '@')}, ${significance}:`));
    for (const c of results.comparisons) {
      const r = c.result;
      const parts = [
        `${signed(r.meanDiff)}  95% CI [${signed(r.ci[0])}, ${signed(r.ci[1])}]`,
        `p=${fmtP(r.pValue)}${c.correction === 'none' ? '' : ` p_${c.correction}=${fmtP(c.pAdjusted)}`}`,
        c.significant ? 'significant' : 'not significant',
        `W/T/L ${c.wins}/${c.ties}/${c.losses}`,
        `MDE ${c.power.mde.toFixed(4)}`,
        ...(c.equivalence === null ? [] : [describeEquivalence(c.equivalence)]),
        `${r.n} queries`,
      ];
      lines.push(`  ${c.candidate.model} (${c.candidate.mode}): ${parts.join('  ')}`);
    }
    for (const w of powerWarnings(results)) lines.push(out.yellow(`  note: ${w}`));
  }
  const segments = segmentTable(results);
  if (segments !== undefined) {
    const w = segments.header.map((h, i) => Math.max(h.length, ...segments.rows.map((r) => r[i]!.length)));
    const seg = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
    lines.push('', out.bold(`per ${results.segmentBy}:`), out.bold(seg(segments.header)), ...segments.rows.map(seg));
  }
  const evaluated = results.runs[0]?.evaluatedQueries ?? 0;
  lines.push('', out.dim(`${evaluated} queries · ${results.dataset.documents} documents · k = ${results.ks.join(',')}`));
  process.stdout.write(`${lines.join('\n')}\n`);
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
function costColumns(results: EvalResults): Array<{ header: string; cell: (r: RunResult) => string }> {
  const ms = (v: number | undefined): string => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0));
  const columns: Array<{ header: string; cell: (r: RunResult) => string; shown: boolean }> = [
    { header: 'chunks', cell: (r) => String(r.cost.chunks), shown: new Set(results.runs.map((r) => r.cost.chunks)).size > 1 },
    { header: 'bytes/vec', cell: (r) => (r.cost.bytesPerVector === undefined ? '-' : String(r.cost.bytesPerVector)), shown: new Set(results.runs.map((x) => x.cost.bytesPerVector)).size > 1 },
    { header: 'vectors', cell: (r) => (r.cost.vectorBytes === undefined ? '-' : `${(r.cost.vectorBytes / 1024 / 1024).toFixed(2)} MiB`), shown: new Set(results.runs.map((x) => x.cost.vectorBytes)).size > 1 },
    { header: 'search p50/p95 ms', cell: (r) => (r.cost.searchMsP50 === undefined ? '-' : `${ms(r.cost.searchMsP50)}/${ms(r.cost.searchMsP95)}`), shown: results.runs.some((r) => r.cost.searchMsP50 !== undefined) && results.runs.length > 1 },
    { header: 'rerank p50/p95 ms', cell: (r) => (r.cost.rerankMsP50 === undefined ? '-' : `${ms(r.cost.rerankMsP50)}/${ms(r.cost.rerankMsP95)}`), shown: results.runs.some((r) => r.cost.rerankCalls !== undefined) },
    { header: 'rerank calls', cell: (r) => (r.cost.rerankCalls === undefined ? '-' : String(r.cost.rerankCalls)), shown: results.runs.some((r) => r.cost.rerankCalls !== undefined) },
  ];
  return columns.filter((c) => c.shown);
}

/** `--dry-run`: the indexes to build (with what they would embed) and the rows scored from them. */
function printPlan(plan: EvalDryRun): void {
  const lines = [out.bold(`plan: ${plan.rows.length} row${plan.rows.length === 1 ? '' : 's'} from ${plan.indexes.length} ind${plan.indexes.length === 1 ? 'ex' : 'exes'} · ${plan.dataset.documents} documents · ${plan.dataset.queries} queries`)];
  plan.indexes.forEach((ix, i) => {
    const cache = ix.cacheHits === null ? 'not cached' : `${ix.cacheHits} cached`;
    const eta = ix.estimatedEmbedSeconds === null ? '' : ix.embedCalls > 0 ? ` (~${formatSeconds(ix.estimatedEmbedSeconds)})` : '';
    lines.push(`index ${i + 1}: ${ix.model}, chunks ${ix.chunking.chunkSize}/${ix.chunking.chunkOverlap} ${ix.chunking.lengthUnit}: ${ix.chunks} chunks, ${ix.texts} texts, ${cache}, ${ix.embedCalls} to embed${eta}`);
    for (const row of plan.rows.filter((r) => r.index === i)) {
      const parts = [row.dimensions === null ? '' : `d=${row.dimensions}`, row.precision ?? '', row.rescore ? `rescore ${row.rescore}` : '', row.fusion ?? '', row.rerank === null ? '' : `rerank ${row.rerank}`].filter(Boolean);
      lines.push(`  ${row.model} (${row.mode})${parts.length ? `: ${parts.join(', ')}` : ''}`);
    }
  });
  lines.push(`embedding calls: ${plan.embedCalls} (${plan.cacheHits} cache hits) · rerank calls: ${plan.rerankCalls}${plan.adapterRowsNotCounted ? ' · +adapter rows not counted' : ''}`);
  const est = plan.estimatedEmbedSeconds;
  lines.push(
    est === null
      ? `estimated embedding time: unknown (a remote model is not sampled: that would be a real request)`
      : `estimated embedding time: ${formatSeconds(est)} (each local model timed on up to 32 of its texts after one warm-up text; queries, reranking and graph builds not included)`,
  );
  lines.push(out.dim('dry run: nothing was stored; only the sample texts were embedded, to time the model'));
  process.stdout.write(`${lines.join('\n')}\n`);
}
