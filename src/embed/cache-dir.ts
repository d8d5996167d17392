/**
 * Where the embedding cache and hub models live under rag's cache root (src/cache-root.ts):
 * `embeddings/` (one folder per model fingerprint holding the vectors file, and the chunk lists
 * of src/ingest/chunk-cache.ts in `chunks/`) and `models/` (hub downloads).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { cacheRoot } from '../cache-root.js';

export { cacheRoot };

/** The vector file in each model's folder. */
export const VECTORS_FILE = 'vectors.bin';

/** The folder of cached chunk lists under the cache directory. */
export const CHUNKS_FOLDER = 'chunks';

/** Where the embedding cache lives when no `dir` is given: `<cache root>/embeddings`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'embeddings');
}

/** Where hub models are cached when no `cacheDir` is given: `<cache root>/models`. */
export function defaultModelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'models');
}

/** Folder name for a fingerprint: itself when it is a plain token (a sha256 hex), else its hash. */
export function folderName(fingerprint: string): string {
  return /^[A-Za-z0-9_.-]{1,128}$/.test(fingerprint) && !fingerprint.startsWith('.')
    ? fingerprint
    : createHash('sha256').update(fingerprint).digest('hex');
}

