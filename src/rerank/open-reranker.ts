import { RagError } from '../errors.js';
import { CROSS_ENCODER_ALIASES, isCrossEncoderSpec, openCrossEncoder, type CrossEncoderOptions } from './cross-encoder.js';
import { createHttpReranker, type HttpRerankOptions } from './http-rerank.js';
import type { Reranker } from './types.js';

/** Options for {@link openReranker}: HTTP settings for `api:` specs, local-model settings for the rest. */
export interface OpenRerankerOptions extends HttpRerankOptions, Omit<CrossEncoderOptions, 'batchSize'> {}

/**
 * The reranker a `--rerank` spec names: `api:MODEL` is a /v1/rerank endpoint; an alias
 * (`bge-reranker-base`, `bge-reranker-large`, `bge-reranker-v2-m3`), `hf:ORG/NAME` or a folder
 * (`./folder`) is a local cross-encoder run through transformers.js, loaded on first use.
 */
export function openReranker(spec: string, options: OpenRerankerOptions = {}): Reranker {
  const trimmed = spec.trim();
  if (trimmed.startsWith('api:')) return createHttpReranker(trimmed.slice(4), options);
  if (isCrossEncoderSpec(trimmed)) return openCrossEncoder(trimmed, options);
  throw new RagError('usage', `unknown reranker ${JSON.stringify(spec)}`, {
    hint: `use a local cross-encoder (${Object.keys(CROSS_ENCODER_ALIASES).join(', ')}, hf:ORG/NAME or ./folder) or api:MODEL with a base URL (a /v1/rerank endpoint such as Jina, Cohere, vLLM, TEI)`,
    details: { advice: 'reranker-unknown', spec, aliases: Object.keys(CROSS_ENCODER_ALIASES).join(', ') },
  });
}
