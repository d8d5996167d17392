import type { Command } from 'commander';
import { RagError } from '../errors.js';
import { openReranker } from '../rerank/open-reranker.js';
import type { Reranker } from '../rerank/types.js';
import { DEFAULT_RERANK_DEPTH } from '../retrieve/rerank.js';
import { positiveInt } from './options.js';

export interface RerankFlags {
  rerank?: string;
  rerankBaseUrl?: string;
  rerankDepth?: number;
}

/** --rerank, --rerank-base-url and --rerank-depth: a second stage over the first ranking. */
export function rerankOptions(command: Command): Command {
  return command
    .option('--rerank <spec>', 'rerank the top results: api:MODEL, a /v1/rerank endpoint (Jina, Cohere, vLLM, TEI; key in RERANK_API_KEY)')
    .option('--rerank-base-url <url>', 'the rerank API root, e.g. https://api.jina.ai/v1 (default $RERANK_BASE_URL)')
    .option('--rerank-depth <n>', `first-stage results the reranker scores (default ${DEFAULT_RERANK_DEPTH})`, positiveInt);
}

export function rerankerFrom(opts: RerankFlags): Reranker | undefined {
  if (opts.rerank === undefined || opts.rerank === 'none') {
    const stray = [opts.rerankBaseUrl !== undefined && '--rerank-base-url', opts.rerankDepth !== undefined && '--rerank-depth'].filter(Boolean).join(' and ');
    if (stray !== '') throw new RagError('usage', `${stray} without --rerank does nothing`, { hint: 'add --rerank api:MODEL or drop them' });
    return undefined;
  }
  return openReranker(opts.rerank, opts.rerankBaseUrl === undefined ? {} : { baseUrl: opts.rerankBaseUrl });
}
