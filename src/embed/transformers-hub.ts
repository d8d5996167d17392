/**
 * Where models come from and where they are kept: the user's cache directory, the hub host
 * (HF_ENDPOINT, which transformers.js ignores by itself), and a quick reachability probe so a
 * blocked or missing hub fails in seconds with one line instead of a stack trace after retries.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { RagError } from '../errors.js';

export const DEFAULT_HUB = 'https://huggingface.co';
/** How long the reachability probe waits for the hub to answer. */
export const DEFAULT_HUB_TIMEOUT_MS = 10_000;

// The cache rule is one for embeddings and models: cache-dir.ts.
export { defaultModelCacheDir } from './cache-dir.js';

/** Hub base URL without a trailing slash: `HF_ENDPOINT` when set. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.HF_ENDPOINT?.trim();
  return (configured ? configured : DEFAULT_HUB).replace(/\/+$/, '');
}

/** Path of a hub file inside the cache, laid out as transformers.js' file cache does. */
export function cachedFilePath(cacheDir: string, repo: string, revision: string, file: string): string {
  return revision === 'main' ? path.join(cacheDir, repo, file) : path.join(cacheDir, repo, revision, file);
}

/** Whether every listed file of a hub model is already in the cache. */
export function isCached(cacheDir: string, repo: string, revision: string, files: readonly string[]): boolean {
  return files.every((file) => existsSync(cachedFilePath(cacheDir, repo, revision, file)));
}

/** What the hub could not give: an embedding model or a reranker (each has its own local-folder option). */
export type HubSubject = 'model' | 'reranker';

/** The one-line error when the hub cannot give us a model: a mirror or a local folder is the way out. */
export function hubFailureError(repo: string, host: string, reason: string, subject: HubSubject, cause?: unknown, env: NodeJS.ProcessEnv = process.env): RagError {
  const endpoint = env.HF_ENDPOINT;
  const advice = endpoint ? `check HF_ENDPOINT (now ${endpoint})` : 'set HF_ENDPOINT to a mirror (e.g. https://hf-mirror.com)';
  // A reranker is also opened by `evaluate`, where offline use is set by RAG_OFFLINE alone.
  const offline = subject === 'reranker' ? '; with RAG_OFFLINE=1 only cached models are used' : '';
  const tag = `${subject === 'reranker' ? 'reranker-' : ''}hub-failure-${endpoint ? 'endpoint' : 'mirror'}`;
  return new RagError('model-unavailable', `cannot download ${repo} from ${host} (${reason}); ${advice} or use a local ${subject} folder${offline}`, {
    cause,
    details: { advice: tag, repo, host, reason, ...(endpoint ? { endpoint } : {}) },
  });
}

/** The one-line error when offline mode is on and the model was never downloaded. */
export function offlineMissingError(repo: string, cacheDir: string, cause?: unknown): RagError {
  return new RagError('model-unavailable', `model ${repo} is not in the model cache (${cacheDir}) and offline mode forbids downloading`, {
    hint: 'run once online to download it, or use a local model folder',
    cause,
    details: { advice: 'model-offline-missing', repo, cacheDir },
  });
}

/** Short reason for a failed fetch: the system error code when there is one. */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return `no answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`;
    const cause = (error as { cause?: unknown }).cause;
    if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string') return `${error.message}: ${cause.code}`;
    return error.message;
  }
  return String(error);
}

/**
 * Asks the hub for the model's config.json once, with a deadline. Throws the one-line RagError
 * when the host is unreachable, too slow, or does not have the model.
 */
export async function probeHub(repo: string, revision: string, host: string, timeoutMs: number, subject: HubSubject = 'model'): Promise<void> {
  const url = `${host}/${repo}/resolve/${encodeURIComponent(revision)}/config.json`;
  let response: Response;
  try {
    const headers: Record<string, string> = {};
    const token = process.env.HF_TOKEN ?? process.env.HF_ACCESS_TOKEN;
    if (token) headers.Authorization = `Bearer ${token}`;
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
  } catch (error) {
    throw hubFailureError(repo, host, describeFetchError(error, timeoutMs), subject, error);
  }
  // The body is not needed; transformers.js downloads the file itself.
  await response.body?.cancel().catch(() => undefined);
  if (!response.ok) {
    throw hubFailureError(repo, host, `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, subject);
  }
}
