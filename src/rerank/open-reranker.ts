import { RagError } from '../errors.js';
import { createHttpReranker, type HttpRerankOptions } from './http-rerank.js';
import type { Reranker } from './types.js';

/** The reranker a `--rerank` spec names. `api:MODEL` is a /v1/rerank endpoint. */
export function openReranker(spec: string, options: HttpRerankOptions = {}): Reranker {
  const trimmed = spec.trim();
  if (trimmed.startsWith('api:')) return createHttpReranker(trimmed.slice(4), options);
  throw new RagError('usage', `unknown reranker ${JSON.stringify(spec)}`, {
    hint: 'use api:MODEL with --rerank-base-url (a /v1/rerank endpoint such as Jina, Cohere, vLLM, TEI); local cross-encoders are not available in this version',
  });
}
