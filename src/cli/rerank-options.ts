import type { Command } from 'commander';
import { RagError } from '../errors.js';
import { CROSS_ENCODER_ALIASES } from '../rerank/cross-encoder-aliases.js';
import type { OpenRerankerOptions } from '../rerank/open-reranker.js';
import type { Reranker } from '../rerank/types.js';
import { DEFAULT_RERANK_DEPTH } from '../retrieve/rerank.js';
import { positiveInt } from './options.js';

export interface RerankFlags {
  rerank?: string;
  rerankBaseUrl?: string;
  rerankDepth?: number;
  /** From the model options (--offline): applies to a local reranker's download too. */
  offline?: boolean;
  /** From --no-cache where a command has it: also skips the rerank score cache. */
  cache?: boolean;
  /** --no-rerank-cache: score every pair afresh and store nothing. */
  rerankCache?: boolean;
}

/** --rerank, --rerank-base-url and --rerank-depth: a second stage over the first ranking. */
export function rerankOptions(command: Command): Command {
  return command
    .option(
      '--rerank <spec>',
      `rerank the top results with a local cross-encoder (${Object.keys(CROSS_ENCODER_ALIASES).join(', ')}, hf:ORG/NAME or ./folder; transformers.js, scores are raw logits) or api:MODEL, a /v1/rerank endpoint (Jina, Cohere, vLLM, TEI; key in RERANK_API_KEY); scores are cached under $RAG_CACHE_DIR/rerank`,
    )
    .option('--rerank-base-url <url>', 'the rerank API root, e.g. https://api.jina.ai/v1 (default $RERANK_BASE_URL)')
    .option('--rerank-depth <n>', `first-stage results the reranker scores (default ${DEFAULT_RERANK_DEPTH})`, positiveInt)
    .option('--no-rerank-cache', 'score every pair afresh: do not read or write the rerank score cache');
}

/** The reranker the flags ask for; its modules load only when there is one (a plain query needs none). */
export async function rerankerFrom(opts: RerankFlags): Promise<Reranker | undefined> {
  if (opts.rerank === undefined || opts.rerank === 'none') {
    const stray = [opts.rerankBaseUrl !== undefined && '--rerank-base-url', opts.rerankDepth !== undefined && '--rerank-depth'].filter(Boolean).join(' and ');
    if (stray !== '') throw new RagError('usage', `${stray} without --rerank does nothing`, { hint: 'add --rerank bge-reranker-base (or api:MODEL) or drop them' });
    return undefined;
  }
  const options: OpenRerankerOptions = {};
  if (opts.rerankBaseUrl !== undefined) options.baseUrl = opts.rerankBaseUrl;
  if (opts.offline === true) options.offline = true;
  const reranker = (await import('../rerank/open-reranker.js')).openReranker(opts.rerank, options);
  return opts.cache === false || opts.rerankCache === false ? reranker : (await import('../rerank/cached-reranker.js')).cachedReranker(reranker);
}
