import { readFile } from 'node:fs/promises';
import { labelled, p } from '../i18n/progress-messages.js';
import { o } from '../i18n/output-messages.js';
import { RagError } from '../../errors.js';
import { readAdapter } from '../../embed/query-adapter.js';
import { query } from '../../retrieve/query.js';
import type { QueryResult } from '../../retrieve/query.js';
import type { Snippet } from '../../retrieve/snippet.js';
import type { RetrievalMode } from '../../retrieve/types.js';
import { fusionFrom, type FusionFlags } from '../fusion-options.js';
import { rerankerFrom, type RerankFlags } from '../rerank-options.js';
import { modelOptionsFrom } from '../model-options.js';
import type { ModelFlags } from '../model-options.js';
import { err, log, out, printJson } from '../ui.js';
import { warningText } from '../notices.js';

/** `rag query --json`: 2 since `snippet` became {text, highlights, truncatedStart, truncatedEnd}. */
export const QUERY_JSON_FORMAT_VERSION = 2;

export interface QueryCommandOptions extends ModelFlags, FusionFlags, RerankFlags {
  index: string;
  k: number;
  mode: RetrievalMode;
  model?: string;
  json?: boolean;
  timings?: boolean;
  queryFile?: string;
  /** A file, or false for --no-adapter (not even the index's own). */
  adapter?: string | false;
}

/**
 * The query text: the argument, stdin for `-`, or --query-file. Linux caps one argument at
 * 128 KiB, so long queries (a pasted document) need one of the last two.
 */
async function queryText(text: string | undefined, queryFile: string | undefined): Promise<string> {
  if (queryFile !== undefined) {
    if (text !== undefined) throw new RagError('usage', 'pass the query as an argument or with --query-file, not both');
    return readFile(queryFile, 'utf8');
  }
  if (text === undefined) throw new RagError('usage', 'missing the query: pass the text to search for, `-` to read it from stdin, or --query-file PATH');
  if (text !== '-') return text;
  if (process.stdin.isTTY) log(err.dim(p('query.stdin')));
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runQuery(argument: string | undefined, opts: QueryCommandOptions): Promise<void> {
  // The process clock starts at process start: this is node's boot plus loading the CLI.
  const startup = performance.now() / 1000;
  const text = await queryText(argument, opts.queryFile);
  const fusion = fusionFrom(opts, opts.mode);
  const reranker = await rerankerFrom(opts);
  const result = await query({
    text,
    index: opts.index,
    k: opts.k,
    mode: opts.mode,
    ...(opts.model === undefined ? {} : { model: opts.model }),
    modelOptions: modelOptionsFrom(opts),
    ...(opts.scriptFold === undefined ? {} : { scriptFold: opts.scriptFold }),
    ...(fusion === undefined ? {} : { fusion }),
    ...(reranker === undefined ? {} : { rerank: reranker, ...(opts.rerankDepth === undefined ? {} : { rerankDepth: opts.rerankDepth }) }),
    ...(opts.adapter === undefined ? {} : { adapter: opts.adapter === false ? false : await readAdapter(opts.adapter) }),
  });
  for (const notice of result.notices) log(labelled(p('progress.note'), warningText(notice), err.yellow));
  if (opts.json) {
    // The hits exactly as the library's QueryHit, snippet included (an object since format 2).
    printJson(
      {
        query: result.query,
        model: result.model,
        mode: result.mode,
        ...(result.fusion === undefined ? {} : { fusion: result.fusion }),
        ...(result.rerank === undefined ? {} : { rerank: result.rerank }),
        index: result.index,
        results: result.results,
        ...(opts.timings ? { timings: { startup, ...result.timings } } : {}),
      },
      QUERY_JSON_FORMAT_VERSION,
    );
    return;
  }
  const stage = result.rerank === undefined ? '' : p('query.reranked', { id: result.rerank.id, depth: result.rerank.depth });
  const count = result.results.length;
  log(err.dim(p('query.summary', { model: result.model, mode: result.mode, stage, count, results: p(count === 1 ? 'query.result' : 'query.results'), ms: Math.round(result.seconds * 1000) })));
  if (opts.timings) log(err.dim(describeTimings(startup, result)));
  printResults(result);
}

/** One line: seconds per step of this process, from its start to the results. */
function describeTimings(startup: number, result: QueryResult): string {
  const { indexLoad, modelLoad, embed, search } = result.timings;
  const ms = (s: number): string => `${Math.round(s * 1000)} ms`;
  return o('query.timings', { startup: ms(startup), indexLoad: ms(indexLoad), modelLoad: ms(modelLoad), embed: ms(embed), search: ms(search), total: ms(startup + result.seconds) });
}

function printResults(result: QueryResult): void {
  const lines: string[] = [];
  for (const hit of result.results) {
    const where = [hit.source, hit.page === null ? '' : o('query.page', { page: hit.page }), hit.headings.length ? hit.headings.join(' › ') : '']
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
  if (hit.firstStageRank !== undefined) return o('query.was', { score: hit.score.toFixed(3), rank: hit.firstStageRank });
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
