/**
 * Rerank endpoints in the shape Jina, Cohere, vLLM, Xinference and TEI gateways share:
 * `POST {base}/rerank` with `{"model", "query", "documents": [...], "top_n"}`, answered by
 * `{"results": [{"index", "relevance_score"}, ...]}`. TEI's own `/rerank` answers a bare array of
 * `{"index", "score"}`; both are read. Retries, backoff and secret scrubbing are embed/http.ts's.
 */
import { RagError } from '../errors.js';
import { batches, displayUrl, postJson, redact, retryOptionsFrom, serverMessage, type HttpFailure, type HttpProviderOptions } from '../embed/http.js';
import type { Reranker, RerankOptions, RerankStats } from './types.js';

export interface HttpRerankOptions extends Pick<HttpProviderOptions, 'timeoutMs' | 'maxRetries' | 'retryBaseMs' | 'retryMaxMs' | 'fetchImpl'> {
  /** API root including `/v1`, e.g. `https://api.jina.ai/v1`. Default `$RERANK_BASE_URL`. */
  baseUrl?: string;
  /** Bearer key. Default `$RERANK_API_KEY`; none for local servers. Never printed or stored. */
  apiKey?: string;
  /** Documents per request (default 64); scores of separate requests are compared as they are. */
  batchSize?: number;
}

export function createHttpReranker(model: string, options: HttpRerankOptions = {}): Reranker {
  if (model.trim() === '') throw new RagError('usage', 'a rerank endpoint needs a model name (api:MODEL)');
  const apiKey = options.apiKey ?? process.env['RERANK_API_KEY'] ?? '';
  const secrets = apiKey === '' ? [] : [apiKey];
  const rawBase = options.baseUrl ?? process.env['RERANK_BASE_URL'];
  if (rawBase === undefined || rawBase.trim() === '') {
    throw new RagError('usage', `rerank model api:${model} needs an endpoint`, {
      hint: 'pass baseUrl (the API root, e.g. https://api.jina.ai/v1) or set RERANK_BASE_URL',
      details: { advice: 'rerank-endpoint-missing', model },
    });
  }
  let url: URL;
  try {
    url = new URL(rawBase.trim().replace(/\/+$/, ''));
  } catch {
    throw new RagError('endpoint-invalid', `invalid rerank base URL: ${redact(rawBase, secrets)}`, { hint: 'give the API root, e.g. http://localhost:8080/v1' });
  }
  if (url.username !== '' || url.password !== '') {
    throw new RagError('endpoint-invalid', `the rerank base URL ${displayUrl(url.href)} contains credentials`, { hint: 'pass the key in RERANK_API_KEY instead' });
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/rerank`;
  const endpoint = url.href;
  const where = displayUrl(endpoint);
  const retry = retryOptionsFrom(options, { timeoutMs: 60_000, maxRetries: 5 });
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RagError('usage', `rerank batch size must be a positive integer, not ${batchSize}`);
  const headers: Record<string, string> = apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` };
  const onFailure = ({ status, body }: HttpFailure): RagError => {
    if (status === 401 || status === 403) {
      return new RagError('endpoint-rejected', `the rerank endpoint at ${where} ${apiKey === '' ? 'requires an API key' : 'rejected the API key'} (${status})`, { hint: 'set RERANK_API_KEY' });
    }
    const message = redact(serverMessage(body), secrets);
    if (status === 404) return new RagError('endpoint-rejected', `rerank model ${model} or its endpoint not found at ${where} (404: ${message})`, { hint: 'check the model name and that the base URL is the API root (…/v1)' });
    return new RagError('endpoint-rejected', `the rerank endpoint at ${where} rejected the request (${status}): ${message}`);
  };

  async function scoreBatch(query: string, documents: readonly string[], signal: AbortSignal | undefined): Promise<number[]> {
    const reply = await postJson(endpoint, { model, query, documents, top_n: documents.length, return_documents: false }, {
      ...retry,
      headers,
      secrets,
      describe: `the rerank endpoint at ${where}`,
      unreachableHint: 'check the baseUrl option / RERANK_BASE_URL and that the server is running',
      unreachableAdvice: 'rerank-unreachable',
      onFailure,
      ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }),
      ...(signal === undefined ? {} : { signal }),
    });
    return readScores(reply, documents.length, where);
  }

  const counters: RerankStats = { calls: 0, pairs: 0, truncated: 0 };
  return {
    id: `api:${model}`,
    endpoint: where,
    fingerprint: `api:${model}@${where}`,
    stats: () => ({ ...counters }),
    async rerank(query: string, documents: readonly string[], request: RerankOptions = {}): Promise<number[]> {
      if (documents.length === 0) return [];
      counters.calls += 1;
      counters.pairs += documents.length;
      const scores: number[] = [];
      for (const batch of batches(documents, batchSize)) scores.push(...(await scoreBatch(query, batch, request.signal)));
      return scores;
    },
  };
}

/**
 * Scores in document order from a reply. Every document must come back exactly once (we ask for
 * top_n = all of them): a reply that drops or repeats one would silently reorder the ranking.
 */
export function readScores(reply: unknown, count: number, where: string): number[] {
  const list = Array.isArray(reply) ? reply : (reply as { results?: unknown } | null)?.results;
  const bad = (why: string): RagError => new RagError('endpoint-failed', `the rerank endpoint at ${where} returned an unexpected reply: ${why}`, { hint: 'check that it speaks the /v1/rerank shape ({"results": [{"index", "relevance_score"}]})' });
  if (!Array.isArray(list)) throw bad('no "results" list');
  const scores = new Array<number | undefined>(count).fill(undefined);
  for (const item of list) {
    const index = (item as { index?: unknown } | null)?.index;
    const raw = (item as { relevance_score?: unknown; score?: unknown } | null)?.relevance_score ?? (item as { score?: unknown } | null)?.score;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) throw bad(`result index ${JSON.stringify(index)} is not one of the ${count} documents`);
    if (typeof raw !== 'number' || !Number.isFinite(raw)) throw bad(`document ${index} has no numeric relevance_score`);
    if (scores[index] !== undefined) throw bad(`document ${index} is scored twice`);
    scores[index] = raw;
  }
  const missing = scores.findIndex((s) => s === undefined);
  if (missing !== -1) throw bad(`${scores.filter((s) => s === undefined).length} of ${count} documents were not scored (first: ${missing})`);
  return scores as number[];
}
