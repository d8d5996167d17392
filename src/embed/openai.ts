/**
 * Embeddings from any server speaking OpenAI's `POST /embeddings` protocol: OpenAI itself,
 * SiliconFlow, DashScope's compatible mode, vLLM, text-embeddings-inference, LM Studio ...
 */
import { RagError } from '../errors.js';
import {
  displayUrl,
  positiveInt,
  postJson,
  redact,
  serverMessage,
  toVector,
  type HttpFailure,
  httpEmbedder,
  retryOptionsFrom,
  type HttpProviderOptions,
} from './http.js';
import type { Embedder } from './types.js';
import type { ModelInfo } from '../model/model-info.js';

/**
 * Options for {@link createOpenAIEmbedder}. Defaults: batchSize 64, concurrency 4, timeoutMs 60000,
 * maxRetries 5. `maxTokens` is only recorded: inputs are not cut client-side.
 */
export interface OpenAIEmbedderOptions extends HttpProviderOptions {
  /** API root, e.g. `https://api.siliconflow.cn/v1`. Default: `$OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseUrl?: string;
  /**
   * Sent as `Authorization: Bearer ...`. Default: `$OPENAI_API_KEY`; no header when neither is set
   * (local vLLM / TEI servers). Never printed, logged, or stored in `info` or the fingerprint.
   */
  apiKey?: string;
  /**
   * Asks the server for shorter vectors (the `dimensions` request field, supported by
   * text-embedding-3-* and some Matryoshka models). Changes vectors, so it is part of the fingerprint.
   */
  dimensions?: number;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Creates an embedder for an OpenAI-compatible `/embeddings` endpoint.
 *
 * The factory is async because a model's dimension is unknown until it answers: unless
 * `dimensions` or `dimension` is given, it sends one probe request with a single short text
 * (which also surfaces a wrong key, URL or model name right away).
 *
 * Returned vectors are L2-normalised: OpenAI's already are, other servers' may not be, and
 * the index compares by cosine either way.
 *
 * @example
 * const embedder = await createOpenAIEmbedder('BAAI/bge-m3', { baseUrl: 'https://api.siliconflow.cn/v1' });
 * const { vectors } = await embedder.embedDocuments(['向量数据库', 'vector database']);
 */
export async function createOpenAIEmbedder(model: string, options: OpenAIEmbedderOptions = {}): Promise<Embedder> {
  if (model.trim() === '') throw new RagError('usage', 'an OpenAI-compatible model needs a model name');
  const rawBase = options.baseUrl ?? process.env['OPENAI_BASE_URL'] ?? DEFAULT_BASE_URL;
  let base: URL;
  try {
    base = new URL(rawBase.replace(/\/+$/, ''));
  } catch {
    throw new RagError('endpoint-invalid', `invalid base URL for OpenAI-compatible embeddings: ${redact(rawBase, secretsOf(options))}`);
  }
  const apiKey = options.apiKey ?? process.env['OPENAI_API_KEY'] ?? '';
  const secrets = apiKey === '' ? [] : [apiKey];
  if (base.username !== '' || base.password !== '') {
    throw new RagError('endpoint-invalid', `the base URL ${displayUrl(base.href)} contains credentials; pass the key as apiKey or OPENAI_API_KEY instead`);
  }
  const endpointUrl = new URL(base.href);
  endpointUrl.pathname = `${endpointUrl.pathname.replace(/\/+$/, '')}/embeddings`;
  const endpoint = endpointUrl.href;
  const where = displayUrl(endpoint);
  const retry = retryOptionsFrom(options, { timeoutMs: 60_000, maxRetries: 5 });
  const batchSize = positiveInt('batchSize', options.batchSize, 64);
  const concurrency = positiveInt('concurrency', options.concurrency, 4);
  const dimensions = options.dimensions === undefined ? undefined : positiveInt('dimensions', options.dimensions, 0);
  const headers: Record<string, string> = apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` };

  const onFailure = ({ status, body }: HttpFailure): RagError => {
    if (status === 401 || status === 403) {
      const what = apiKey === '' ? 'requires an API key' : 'rejected the API key';
      return new RagError('endpoint-rejected', `the endpoint at ${where} ${what} (${status}); set OPENAI_API_KEY`);
    }
    const message = redact(serverMessage(body), secrets);
    if (status === 404) {
      return new RagError('endpoint-rejected', 
        `model ${model} not found at ${where} (404: ${message}); check the model name and that the base URL ends in /v1 or similar`,
      );
    }
    return new RagError('endpoint-rejected', `the endpoint at ${where} rejected the request (${status}): ${message}`);
  };

  const request = async (texts: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> => {
    const body: Record<string, unknown> = { model, input: texts, encoding_format: 'float' };
    if (dimensions !== undefined) body['dimensions'] = dimensions;
    const reply = await postJson(endpoint, body, {
      ...retry,
      headers,
      secrets,
      describe: `the endpoint at ${where}`,
      unreachableHint: 'check the base URL and your network',
      onFailure,
      ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }),
      ...(signal === undefined ? {} : { signal }),
    });
    return parseReply(reply, texts.length, where);
  };

  let dimension = dimensions ?? options.dimension;
  if (dimension === undefined) {
    const [probe] = await request(['dimension probe'], undefined);
    dimension = probe?.length ?? 0;
  }

  const params: Record<string, string | number | boolean> = { host: base.host };
  if (dimensions !== undefined) params['dimensions'] = dimensions;
  const info: ModelInfo = {
    id: options.id ?? `openai:${model}`,
    provider: 'openai',
    name: model,
    dimension,
    normalize: true,
    params,
    endpoint: base.href.replace(/\/+$/, ''),
    ...(options.queryPrefix === undefined ? {} : { queryPrefix: options.queryPrefix }),
    ...(options.passagePrefix === undefined ? {} : { passagePrefix: options.passagePrefix }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  };
  const expected = dimension;
  const wrongDimension = (got: number): RagError =>
    new RagError('endpoint-failed', 
      dimensions === undefined
        ? `model ${model} at ${where} returned a ${got}-dimensional vector, expected ${expected} like the first one`
        : `model ${model} at ${where} returned ${got}-dimensional vectors but dimensions=${dimensions} was requested; the endpoint may not support the dimensions parameter`,
    );
  const settings = { batchSize, concurrency, dimension: expected, wrongDimension };
  return httpEmbedder({ info, request, settings, endpoint: `the endpoint at ${where}` });
}

function secretsOf(options: OpenAIEmbedderOptions): string[] {
  const key = options.apiKey ?? process.env['OPENAI_API_KEY'];
  return key === undefined || key === '' ? [] : [key];
}

/** Reads `data[].embedding` (by `index`) from an `/embeddings` reply. */
function parseReply(reply: unknown, count: number, where: string): Float32Array[] {
  const bad = (what: string): RagError => new RagError('endpoint-failed', `the endpoint at ${where} returned an unexpected reply: ${what}`);
  if (typeof reply !== 'object' || reply === null || !Array.isArray((reply as Record<string, unknown>)['data'])) {
    throw bad('missing data[].embedding');
  }
  const data = (reply as { data: unknown[] }).data;
  if (data.length !== count) throw bad(`${data.length} embeddings for ${count} inputs`);
  const out = new Array<Float32Array | undefined>(count);
  data.forEach((item, position) => {
    if (typeof item !== 'object' || item === null) throw bad('missing data[].embedding');
    const record = item as Record<string, unknown>;
    const index = typeof record['index'] === 'number' ? record['index'] : position;
    if (!Number.isInteger(index) || index < 0 || index >= count || out[index] !== undefined) {
      throw bad(`bad data[].index ${String(record['index'])}`);
    }
    const embedding = record['embedding'];
    const vector = typeof embedding === 'string' ? fromBase64(embedding) : toVector(embedding);
    if (vector === undefined) throw bad('missing data[].embedding');
    out[index] = vector;
  });
  return out as Float32Array[];
}

/** Some servers send base64 float32 even when asked for floats. */
function fromBase64(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const vector = new Float32Array(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector.every(Number.isFinite) ? vector : undefined;
}
