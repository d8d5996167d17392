import { readAdapter } from '../../embed/query-adapter.js';
import { query } from '../../retrieve/query.js';
import type { QueryResult } from '../../retrieve/query.js';
import type { Snippet } from '../../retrieve/snippet.js';
import type { RetrievalMode } from '../../retrieve/types.js';
import { modelOptionsFrom } from '../model-options.js';
import type { ModelFlags } from '../model-options.js';
import { err, log, out, printJson } from '../ui.js';

export interface QueryCommandOptions extends ModelFlags {
  index: string;
  k: number;
  mode: RetrievalMode;
  model?: string;
  json?: boolean;
  timings?: boolean;
  adapter?: string;
}

export async function runQuery(text: string, opts: QueryCommandOptions): Promise<void> {
  // The process clock starts at process start: this is node's boot plus loading the CLI.
  const startup = performance.now() / 1000;
  const result = await query({
    text,
    index: opts.index,
    k: opts.k,
    mode: opts.mode,
    ...(opts.model === undefined ? {} : { model: opts.model }),
    modelOptions: modelOptionsFrom(opts),
    ...(opts.scriptFold === undefined ? {} : { scriptFold: opts.scriptFold }),
    ...(opts.adapter === undefined ? {} : { adapter: await readAdapter(opts.adapter) }),
  });
  if (opts.json) {
    printJson({
      query: result.query,
      model: result.model,
      mode: result.mode,
      index: result.index,
      results: result.results.map(({ snippet, ...hit }) => ({ ...hit, snippet: snippet.text })),
      ...(opts.timings ? { timings: { startup, ...result.timings } } : {}),
    });
    return;
  }
  log(err.dim(`model: ${result.model} · mode: ${result.mode} · ${result.results.length} result${result.results.length === 1 ? '' : 's'} in ${Math.round(result.seconds * 1000)} ms`));
  if (opts.timings) log(err.dim(describeTimings(startup, result)));
  printResults(result);
}

/** One line: seconds per step of this process, from its start to the results. */
function describeTimings(startup: number, result: QueryResult): string {
  const { indexLoad, modelLoad, embed, search } = result.timings;
  const ms = (s: number): string => `${Math.round(s * 1000)} ms`;
  return `timings: start-up ${ms(startup)} · index load ${ms(indexLoad)} · model load ${ms(modelLoad)} · embedding ${ms(embed)} · search ${ms(search)} · total ${ms(startup + result.seconds)}`;
}

function printResults(result: QueryResult): void {
  const lines: string[] = [];
  for (const hit of result.results) {
    const where = [hit.source, hit.page === null ? '' : `p. ${hit.page}`, hit.headings.length ? hit.headings.join(' › ') : '']
      .filter(Boolean)
      .join(out.dim(' · '));
    lines.push(`${out.bold(`${hit.rank}.`)} ${out.green(scoreLabel(hit))}  ${out.cyan(where)}`);
    // A snippet keeps its lines (table rows, code lines, paragraphs): each is indented under the header.
    for (const line of highlight(hit.snippet).split('\n')) lines.push(`   ${line}`);
    lines.push('');
  }
  process.stdout.write(lines.join('\n'));
}

/** The score, or for hybrid hits the ranks it was fused from: `bm25 #2 · dense #5`. */
function scoreLabel(hit: QueryResult['results'][number]): string {
  const ranks = hit.componentRanks;
  if (ranks === undefined) return hit.score.toFixed(3);
  const rank = (r: number | null): string => (r === null ? '–' : `#${r}`);
  return `bm25 ${rank(ranks.bm25)} · dense ${rank(ranks.dense)}`;
}

function highlight(snippet: Snippet): string {
  let text = '';
  let at = 0;
  for (const [a, b] of snippet.highlights) {
    text += snippet.text.slice(at, a) + out.bold.yellow(snippet.text.slice(a, b));
    at = b;
  }
  text += snippet.text.slice(at);
  return `${snippet.truncatedStart ? '…' : ''}${text}${snippet.truncatedEnd ? '…' : ''}`;
}
