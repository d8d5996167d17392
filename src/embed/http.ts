/**
 * What the HTTP embedding providers share: one JSON POST with a timeout, retries with
 * exponential backoff and jitter, a concurrency limit, and secret-free error messages.
 */
import { RagError } from '../errors.js';
import { fingerprintOf } from '../model/fingerprint.js';
import type { EmbedBatchResult, Embedder, EmbedOptions } from './types.js';
import type { ModelInfo } from '../model/model-info.js';

/** Retry and timeout settings common to the HTTP providers. */
export interface RetryOptions {
  /** Per-attempt timeout in milliseconds (covers connecting, waiting and reading the body). */
  timeoutMs: number;
  /** Retries after the first attempt; `maxRetries: 3` means at most 4 attempts. */
  maxRetries: number;
  /** First backoff delay; doubles on every retry, with jitter. */
  retryBaseMs: number;
  /** Upper bound for one backoff delay, including a server's Retry-After. */
  retryMaxMs: number;
}

/** How a failed attempt ended; used to build the final error after the last retry. */
type Failure =
  | { kind: 'status'; status: number; message: string; retryAfterMs?: number }
  | { kind: 'timeout' }
  | { kind: 'network'; code: string };

/** A reply that is neither OK nor worth retrying (4xx other than 408/429). */
export interface HttpFailure {
  status: number;
  /** The body as text, at most a few KB; may be empty. */
  body: string;
}

export interface PostJsonOptions extends RetryOptions {
  headers?: Record<string, string>;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  /** Secrets to scrub from any text that ends up in an error (the API key). */
  secrets?: readonly string[];
  /** What to call the server in messages, e.g. `the endpoint at https://host/v1/embeddings`. */
  describe: string;
  /** Extra advice appended when the server cannot be reached at all, in library terms (env vars, options; no CLI flags). */
  unreachableHint?: string;
  /** `details.advice` of the errors that carry {@link unreachableHint}, so the CLI can word that hint with its flags. */
  unreachableAdvice?: string;
  /** Turns a non-retryable reply into the error to throw (401, 404, 400 ...). */
  onFailure: (failure: HttpFailure) => RagError;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Replaces every occurrence of each secret by `***`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * A URL fit for messages: no user info, query string or fragment, which is where
 * credentials hide (`https://user:pass@host`, `?api-key=...`).
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoffMs(attempt: number, options: RetryOptions, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, options.retryMaxMs);
  const ceiling = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** attempt);
  // Jitter in [ceiling/2, ceiling]: spreads out parallel batches that failed together.
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = current.cause;
  }
  return error instanceof Error ? error.name : 'unknown error';
}

/**
 * Failures that retrying cannot fix within a run, named for what they are: nothing listens at
 * the port, or the name does not resolve. Retrying them cost 13 s for a typo'd URL; a transient
 * DNS failure (EAI_AGAIN), a reset or a timeout is still retried.
 */
function permanentNetworkError(url: string, code: string): string | undefined {
  let where = url;
  try {
    const parsed = new URL(url);
    where = parsed.host;
  } catch {
    // keep the URL as given
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `refused the connection: nothing is listening at ${where} (ECONNREFUSED)`;
    case 'ENOTFOUND':
    case 'EAI_NONAME':
      return `cannot be reached: the host name in ${where} does not resolve (DNS lookup failed: ${code})`;
    default:
      return undefined;
  }
}

function describeFailure(failure: Failure, timeoutMs: number): string {
  switch (failure.kind) {
    case 'status':
      return failure.message === '' ? `HTTP ${failure.status}` : `HTTP ${failure.status} (${failure.message})`;
    case 'timeout':
      return `no reply within ${timeoutMs} ms`;
    case 'network':
      return failure.code;
  }
}

/**
 * POSTs `body` as JSON and returns the parsed JSON reply, retrying 408/425/429/5xx,
 * network errors and timeouts. Throws a RagError naming the last failure and the number
 * of attempts once retries run out; an abort through `options.signal` is rethrown as is.
 */
export function postJson(url: string, body: unknown, options: PostJsonOptions): Promise<unknown> {
  return requestJson(url, JSON.stringify(body), options);
}

/** GETs a JSON document with the same retry and error discipline as {@link postJson}. */
export function getJson(url: string, options: PostJsonOptions): Promise<unknown> {
  return requestJson(url, undefined, options);
}

async function requestJson(url: string, payload: string | undefined, options: PostJsonOptions): Promise<unknown> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const attempts = options.maxRetries + 1;
  let last: Failure = { kind: 'network', code: 'no attempt made' };
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) {
      const wait = backoffMs(attempt - 1, options, last.kind === 'status' ? last.retryAfterMs : undefined);
      await sleep(wait, options.signal);
    }
    options.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    let response: Response;
    let text: string;
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      response = await fetchImpl(url, payload === undefined
        ? { method: 'GET', headers, signal }
        : { method: 'POST', headers, body: payload, signal });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (!timeout.aborted) {
        const permanent = permanentNetworkError(url, errorCode(error));
        if (permanent !== undefined) {
          throw new RagError('endpoint-unreachable', redact(`${options.describe} ${permanent}`, options.secrets), { ...unreachableAdvice(options), cause: error });
        }
      }
      last = timeout.aborted ? { kind: 'timeout' } : { kind: 'network', code: errorCode(error) };
      continue;
    }
    if (response.ok) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new RagError('endpoint-failed', 
          `${options.describe} returned an unexpected reply: not JSON (${redact(snippet(text), options.secrets)})`,
        );
      }
    }
    if (RETRYABLE_STATUS.has(response.status)) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      const message = text.trim() === '' ? '' : serverMessage(text);
      last = retryAfterMs === undefined
        ? { kind: 'status', status: response.status, message }
        : { kind: 'status', status: response.status, message, retryAfterMs };
      continue;
    }
    throw options.onFailure({ status: response.status, body: text.slice(0, 4096) });
  }
  const what = describeFailure(last, options.timeoutMs);
  throw new RagError('endpoint-failed', 
    redact(`${options.describe} failed: ${what} after ${attempts} attempt${attempts === 1 ? '' : 's'}`, options.secrets),
    last.kind === 'network' ? unreachableAdvice(options) : {},
  );
}

/** The hint (and its advice tag) for a server that could not be reached. */
function unreachableAdvice(options: PostJsonOptions): { hint?: string; details?: { advice: string } } {
  if (options.unreachableHint === undefined) return {};
  return options.unreachableAdvice === undefined ? { hint: options.unreachableHint } : { hint: options.unreachableHint, details: { advice: options.unreachableAdvice } };
}

/** The first line of a reply body, shortened for an error message. */
export function snippet(text: string, max = 160): string {
  const line = text.trim().replace(/\s+/g, ' ');
  if (line === '') return 'empty body';
  return line.length > max ? `${line.slice(0, max)}...` : line;
}

/** Pulls a human message out of a JSON error body (`{error:{message}}`, `{error}`, `{message}`). */
export function serverMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      const error = record['error'];
      if (typeof error === 'string') return snippet(error);
      if (typeof error === 'object' && error !== null) {
        const message = (error as Record<string, unknown>)['message'];
        if (typeof message === 'string') return snippet(message);
      }
      const message = record['message'] ?? record['detail'];
      if (typeof message === 'string') return snippet(message);
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return snippet(body);
}

/**
 * Runs `task` over `items` with at most `limit` in flight; results keep the input order.
 * The first failure stops new tasks from starting and is rethrown once running ones end.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
        }
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
  await Promise.all(workers);
  if (failed) throw firstError;
  return results;
}

/** Splits `items` into consecutive slices of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** L2-normalises in place and returns the vector; an all-zero vector stays zero. */
export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}

/** Checks that a value is an array of finite numbers and copies it into a Float32Array. */
export function toVector(value: unknown): Float32Array | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const out = new Float32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
    out[i] = x;
  }
  return out;
}

/** Reads a positive integer from an option or throws a RagError naming it. */
export function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new RagError('usage', `${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** The provider-specific half of an HTTP embedder: one request for one batch. */
export interface BatchRequester {
  /** Returns one raw vector per text, in order; dimensions are checked by the caller. */
  (texts: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]>;
}

/** Settings for {@link embedInBatches}. */
export interface BatchingOptions {
  batchSize: number;
  concurrency: number;
  dimension: number;
  /** Builds the error for a vector of the wrong length (`got` numbers instead of `dimension`). */
  wrongDimension: (got: number) => RagError;
}

/**
 * Splits texts into batches, runs at most `concurrency` requests at once, checks every
 * vector's dimension, L2-normalises, and reports progress as batches finish.
 */
export async function embedInBatches(
  texts: readonly string[],
  request: BatchRequester,
  settings: BatchingOptions,
  options?: { signal?: AbortSignal; onProgress?: (p: { done: number; total: number }) => void },
): Promise<Float32Array[]> {
  const total = texts.length;
  let done = 0;
  const results = await mapWithConcurrency(batches(texts, settings.batchSize), settings.concurrency, async (batch) => {
    options?.signal?.throwIfAborted();
    const vectors = await request(batch, options?.signal);
    for (const vector of vectors) {
      if (vector.length !== settings.dimension) throw settings.wrongDimension(vector.length);
      l2Normalize(vector);
    }
    done += batch.length;
    options?.onProgress?.({ done, total });
    return vectors;
  });
  return results.flat();
}

/**
 * The Embedder every HTTP provider returns: documents get the passage prefix, queries the query
 * prefix, both go through {@link embedInBatches}. Providers differ only in how one batch is
 * requested and what their info says.
 */
export function httpEmbedder(parts: {
  info: ModelInfo;
  request: BatchRequester;
  settings: BatchingOptions;
  /** Names the endpoint in the error for an empty reply to a query. */
  endpoint: string;
}): Embedder {
  const { info, request, settings } = parts;
  const passagePrefix = info.passagePrefix ?? '';
  const queryPrefix = info.queryPrefix ?? '';
  return {
    info,
    fingerprint: fingerprintOf(info),
    cacheable: true,
    async embedDocuments(texts: readonly string[], embedOptions?: EmbedOptions): Promise<EmbedBatchResult> {
      const inputs = passagePrefix === '' ? texts : texts.map((t) => passagePrefix + t);
      return { vectors: await embedInBatches(inputs, request, settings, embedOptions), truncated: 0 };
    },
    async embedQuery(text: string): Promise<Float32Array> {
      const [vector] = await embedInBatches([queryPrefix + text], request, settings);
      if (vector === undefined) throw new RagError('endpoint-failed', `${parts.endpoint} returned no vector for the query`);
      return vector;
    },
  };
}

/** Options every HTTP embedding provider takes; each provider documents its own defaults. */
export interface HttpProviderOptions {
  /** The dimension the model produces, when known: skips the probe request the factory otherwise makes. */
  dimension?: number;
  /** Texts per request. */
  batchSize?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Per-attempt timeout in ms. */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, network errors and timeouts. */
  maxRetries?: number;
  /** First backoff delay in ms (doubles per retry, with jitter). Default 500. */
  retryBaseMs?: number;
  /** Longest single wait in ms, also caps Retry-After. Default 30000. */
  retryMaxMs?: number;
  /** Prepended to queries (e.g. an instruction for Qwen3-Embedding or E5 models). */
  queryPrefix?: string;
  /** Prepended to documents. */
  passagePrefix?: string;
  /** The model's input limit, recorded in `info` for chunk sizing. */
  maxTokens?: number;
  /** `info.id`; default `<provider>:<model>`. Registries pass the alias the user typed. */
  id?: string;
  /** Replaces global `fetch` (tests, proxies). */
  fetchImpl?: typeof fetch;
}

/** Validated retry settings from provider options, with that provider's defaults for timeout and retries. */
export function retryOptionsFrom(
  options: Pick<HttpProviderOptions, 'timeoutMs' | 'maxRetries' | 'retryBaseMs' | 'retryMaxMs'>,
  defaults: { timeoutMs: number; maxRetries: number },
): RetryOptions {
  return {
    timeoutMs: positiveInt('timeoutMs', options.timeoutMs, defaults.timeoutMs),
    maxRetries: positiveInt('maxRetries', options.maxRetries, defaults.maxRetries, 0),
    retryBaseMs: positiveInt('retryBaseMs', options.retryBaseMs, 500, 0),
    retryMaxMs: positiveInt('retryMaxMs', options.retryMaxMs, 30_000, 0),
  };
}
