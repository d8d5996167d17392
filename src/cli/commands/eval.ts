import path from 'node:path';
import { RagError } from '../../errors.js';
import { checkGate, parseMaxDrop, parseMetricFloor } from '../../eval/gate.js';
import type { GateResult } from '../../eval/gate.js';
import { appendStepSummary, readBaseline, renderMarkdown, writeReports } from '../../eval/report/index.js';
import { evaluate } from '../../eval/runner.js';
import { judgedWarnings } from '../../eval/judged.js';
import type { DatasetWarnings, EvalResults } from '../../eval/types.js';
import { assertFolderPath } from '../../store/index-path.js';
import { RETRIEVAL_MODES } from '../../retrieve/types.js';
import type { RetrievalMode } from '../../retrieve/types.js';
import { modelOptionsFrom } from '../model-options.js';
import type { ModelFlags } from '../model-options.js';
import { formatSeconds, ProgressBar } from '../progress.js';
import { err, log, out, printJson } from '../ui.js';
import type { CommandStatus } from '../exit-codes.js';
import type { CommandContext } from '../main.js';

export interface EvalCommandOptions extends ModelFlags {
  dataset: string;
  model?: string[];
  index?: string;
  mode?: string[];
  k: number[];
  split: string;
  chunkSize?: number;
  chunkOverlap?: number;
  ignoreIdenticalIds?: boolean;
  limit?: number;
  out?: string;
  baseline?: string;
  maxDrop?: number;
  min?: string[];
  cache: boolean;
  json?: boolean;
}

/** One line per kind of dropped or doubtful label; unjudged queries are normal in BEIR and not listed. */
function datasetWarningLines(w: DatasetWarnings): string[] {
  const lines: string[] = [];
  const add = (counted: DatasetWarnings['unknownDocuments'], what: string): void => {
    if (counted.count === 0) return;
    lines.push(`${what}: ${counted.count} (e.g. ${counted.examples.slice(0, 3).join(', ')})`);
  };
  add(w.unknownDocuments, 'labels naming unknown documents (not in the corpus, or not loaded), dropped');
  add(w.unknownQueries, 'labels naming unknown queries (not in queries.jsonl), dropped');
  add(w.duplicateLabels, 'labels repeating a (query, document) pair, the last one kept');
  return lines;
}

/** Default allowed drop when only --baseline is given. */
const DEFAULT_MAX_DROP = 0.01;

export async function runEval(opts: EvalCommandOptions, _context: CommandContext): Promise<CommandStatus> {
  // Validate everything the gate needs before spending minutes on embedding.
  const modes = (opts.mode ?? ['dense']).map(parseMode);
  const floors = (opts.min ?? []).map(parseMetricFloor);
  const maxDrop = opts.maxDrop === undefined ? undefined : parseMaxDrop(String(opts.maxDrop));
  if (maxDrop !== undefined && opts.baseline === undefined) {
    throw new RagError('usage', '--max-drop needs --baseline FILE (a results.json from an earlier `rag eval`)');
  }
  const baseline = opts.baseline === undefined ? undefined : await readBaseline(opts.baseline);
  if (opts.out !== undefined) await assertFolderPath(opts.out, { what: '--out', kind: 'a folder for the reports', flag: '--out' });

  const bar = new ProgressBar('');
  let label = '';
  const results = await evaluate({
    dataset: opts.dataset,
    ...(opts.model === undefined ? {} : { models: opts.model }),
    ...(opts.index === undefined ? {} : { index: opts.index }),
    modelOptions: modelOptionsFrom(opts),
    modes,
    ks: opts.k,
    split: opts.split,
    ...(opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize }),
    ...(opts.chunkOverlap === undefined ? {} : { chunkOverlap: opts.chunkOverlap }),
    ...(opts.ignoreIdenticalIds ? { ignoreIdenticalIds: true } : {}),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    cache: opts.cache,
    onEvent: (event) => {
      switch (event.type) {
        case 'dataset':
          log(err.dim(`dataset ${opts.dataset}: ${event.documents} documents, ${event.queries} labelled queries`));
          for (const line of datasetWarningLines(event.warnings)) log(`${err.yellow('warning:')} ${line}`);
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
  });

  const gate =
    baseline !== undefined || floors.length > 0
      ? checkGate(results, baseline, { ...(baseline === undefined ? {} : { maxDrop: maxDrop ?? DEFAULT_MAX_DROP }), min: floors })
      : undefined;

  const outDir = path.resolve(opts.out ?? `rag-eval-${timestamp()}`);
  const written = await writeReports(outDir, results, gate);
  const summaryFile = await appendStepSummary(renderMarkdown(results, gate));

  // On stderr in --json mode too: a lower-bound score must not pass unnoticed.
  for (const warning of judgedWarnings(results.runs, opts.dataset)) log(`${err.yellow('warning:')} ${warning}`);
  if (opts.json) {
    printJson(jsonView(results, gate, written.results), results.formatVersion);
  } else {
    printTable(results);
    log(err.dim(`reports: ${displayDir(outDir)}/ (results.json, report.md, report.html, junit.xml, per-query.jsonl)${summaryFile ? ' and the GitHub step summary' : ''}`));
  }
  if (gate) {
    for (const note of gate.notes) log(err.yellow(`note: ${note}`));
    for (const run of gate.missingFromBaseline) log(err.yellow(`note: ${run.model} (${run.mode}) is not in the baseline; not gated on drops`));
    if (gate.passed) {
      log(err.green(`gate passed (${gate.checks.length} checks)`));
    } else {
      for (const v of gate.violations) log(`${err.red('gate failed:')} ${v.message}`);
      return 'gate-failed';
    }
  }
  return 'ok';
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
  const header = ['model', 'mode', ...metrics.map((m) => m.replace('_at_', '@')), 'embed', 'chunks/s', 'dim', 'index', 'truncated', 'wall'];
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
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const lines = [out.bold(line(header)), ...rows.map(line)];
  if (results.comparisons.length) {
    lines.push('', out.bold(`vs ${results.comparisons[0]!.baseline.model} (${results.comparisons[0]!.baseline.mode}), nDCG@10:`));
    for (const c of results.comparisons) {
      const r = c.result;
      const sign = r.meanDiff >= 0 ? '+' : '';
      lines.push(
        `  ${c.candidate.model} (${c.candidate.mode}): ${sign}${r.meanDiff.toFixed(4)}  95% CI [${r.ci[0].toFixed(4)}, ${r.ci[1].toFixed(4)}]  p=${r.pValue < 0.001 ? r.pValue.toExponential(1) : r.pValue.toFixed(3)}  (${r.n} queries)`,
      );
    }
  }
  const evaluated = results.runs[0]?.evaluatedQueries ?? 0;
  lines.push('', out.dim(`${evaluated} queries · ${results.dataset.documents} documents · k = ${results.ks.join(',')}`));
  process.stdout.write(`${lines.join('\n')}\n`);
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
