/** Embeddings from a local (or remote) Ollama server through `POST /api/embed`. */
import { RagError } from '../errors.js';
import {
  displayUrl,
  getJson,
  positiveInt,
  postJson,
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
 * Options for {@link createOllamaEmbedder}. Defaults: batchSize 32, concurrency 2 (Ollama serves
 * few requests in parallel), timeoutMs 120000 (the first request may load the model), maxRetries 3.
 * Ollama truncates inputs longer than the model's window itself (`truncate: true`).
 */
export interface OllamaEmbedderOptions extends HttpProviderOptions {
  /**
   * Server address. Default: `$OLLAMA_HOST`, else `http://127.0.0.1:11434`. Accepts the same
   * shapes as Ollama: `host`, `host:port`, `:port`, `http(s)://host[:port][/path]`.
   */
  host?: string;
}

/**
 * Turns an `OLLAMA_HOST`-style value into a base URL the way the Ollama CLI does: the scheme
 * defaults to http, the port to 11434 (80/443 when a scheme is given), the host to 127.0.0.1.
 * A wildcard bind address (0.0.0.0, ::) means "this machine" for a client.
 */
export function resolveOllamaHost(value: string | undefined): string {
  const raw = (value ?? '').trim();
  let scheme = 'http';
  let rest = raw;
  let defaultPort = '11434';
  const cut = raw.indexOf('://');
  if (cut >= 0) {
    scheme = raw.slice(0, cut).toLowerCase();
    rest = raw.slice(cut + 3);
    defaultPort = scheme === 'https' ? '443' : scheme === 'http' ? '80' : defaultPort;
  }
  const slash = rest.indexOf('/');
  const path = slash >= 0 ? rest.slice(slash).replace(/\/+$/, '') : '';
  const hostport = slash >= 0 ? rest.slice(0, slash) : rest;
  let host = hostport;
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostport);
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    if (bracketed[2] !== undefined && bracketed[2] !== '') port = bracketed[2];
  } else if ((hostport.match(/:/g) ?? []).length === 1) {
    const [h, p] = hostport.split(':') as [string, string];
    host = h;
    if (p !== '') port = p;
  }
  if (host === '' || host === '0.0.0.0' || host === '::') host = '127.0.0.1';
  const portNumber = Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) {
    throw new RagError('endpoint-invalid', `invalid Ollama host ${raw}: bad port ${port}`);
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${hostPart}:${port}${path}`;
}

/**
 * Creates an embedder for an Ollama model (`nomic-embed-text`, `bge-m3`, `qwen3-embedding` ...).
 *
 * Async for the same reason as the OpenAI factory: unless `dimension` is given it probes the
 * model with one short text, which also reports a missing model (`ollama pull X`) at once.
 * It also reads the model's digest from `/api/tags` into `info.revision`, so re-pulling a
 * changed model changes the fingerprint. Vectors are L2-normalised.
 */
export async function createOllamaEmbedder(model: string, options: OllamaEmbedderOptions = {}): Promise<Embedder> {
  if (model.trim() === '') throw new RagError('usage', 'an Ollama model needs a name');
  const baseUrl = resolveOllamaHost(options.host ?? process.env['OLLAMA_HOST']);
  const endpoint = `${baseUrl}/api/embed`;
  const where = displayUrl(baseUrl);
  const retry = retryOptionsFrom(options, { timeoutMs: 120_000, maxRetries: 3 });
  const batchSize = positiveInt('batchSize', options.batchSize, 32);
  const concurrency = positiveInt('concurrency', options.concurrency, 2);

  const onFailure = ({ status, body }: HttpFailure): RagError => {
    const message = serverMessage(body);
    if (status === 404 || /not found/i.test(message)) {
      return new RagError('endpoint-rejected', `model ${model} not found at Ollama ${where}; run \`ollama pull ${model}\``);
    }
    return new RagError('endpoint-rejected', `Ollama at ${where} rejected the request (${status}): ${message}`);
  };
  const common = {
    ...retry,
    describe: `Ollama at ${where}`,
    unreachableHint: 'is `ollama serve` running? (set OLLAMA_HOST if it listens elsewhere)',
    onFailure,
    ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }),
  };

  const request = async (texts: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> => {
    const reply = await postJson(endpoint, { model, input: texts, truncate: true }, {
      ...common,
      ...(signal === undefined ? {} : { signal }),
    });
    const embeddings = typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>)['embeddings'] : undefined;
    if (!Array.isArray(embeddings)) throw new RagError('endpoint-failed', `Ollama at ${where} returned an unexpected reply: missing embeddings`);
    if (embeddings.length !== texts.length) {
      throw new RagError('endpoint-failed', `Ollama at ${where} returned an unexpected reply: ${embeddings.length} embeddings for ${texts.length} inputs`);
    }
    return embeddings.map((value) => {
      const vector = toVector(value);
      if (vector === undefined) throw new RagError('endpoint-failed', `Ollama at ${where} returned an unexpected reply: an embedding is not a list of numbers`);
      return vector;
    });
  };

  let dimension = options.dimension;
  if (dimension === undefined) {
    const [probe] = await request(['dimension probe'], undefined);
    dimension = probe?.length ?? 0;
  }
  const revision = await modelDigest(`${baseUrl}/api/tags`, model, common);

  const info: ModelInfo = {
    id: options.id ?? `ollama:${model}`,
    provider: 'ollama',
    name: model,
    dimension,
    normalize: true,
    params: { host: new URL(baseUrl).host },
    endpoint: withoutCredentials(baseUrl),
    ...(revision === undefined ? {} : { revision }),
    ...(options.queryPrefix === undefined ? {} : { queryPrefix: options.queryPrefix }),
    ...(options.passagePrefix === undefined ? {} : { passagePrefix: options.passagePrefix }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  };
  const expected = dimension;
  const settings = {
    batchSize,
    concurrency,
    dimension: expected,
    wrongDimension: (got: number): RagError =>
      new RagError('endpoint-failed', `model ${model} at Ollama ${where} returned a ${got}-dimensional vector, expected ${expected} like the first one`),
  };
  return httpEmbedder({ info, request, settings, endpoint: `Ollama at ${where}` });
}

/**
 * The model's digest from `/api/tags` (first 12 hex digits), or undefined when the server
 * does not list it (proxies, remote models). `name` without a tag means `:latest`.
 */
async function modelDigest(url: string, model: string, options: Parameters<typeof getJson>[1]): Promise<string | undefined> {
  // A server that answers /api/embed but not /api/tags (a proxy) just has no known revision.
  const notListed = new RagError('endpoint-failed', 'no /api/tags');
  let reply: unknown;
  try {
    reply = await getJson(url, { ...options, onFailure: () => notListed });
  } catch (error) {
    if (error === notListed) return undefined;
    throw error;
  }
  const models = typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>)['models'] : undefined;
  if (!Array.isArray(models)) return undefined;
  const wanted = model.includes(':') ? model : `${model}:latest`;
  for (const entry of models) {
    if (typeof entry !== 'object' || entry === null) continue;
    const record = entry as Record<string, unknown>;
    const name = record['name'] ?? record['model'];
    if ((name === wanted || name === model) && typeof record['digest'] === 'string') {
      return record['digest'].replace(/^sha256:/, '').slice(0, 12);
    }
  }
  return undefined;
}

/** OLLAMA_HOST may carry a user and password for a proxy; the index stores the URL without them. */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.href.replace(/\/+$/, '');
}
