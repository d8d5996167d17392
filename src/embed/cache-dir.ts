/**
 * The one rule for where rag caches things: `$RAG_CACHE_DIR`, else `$XDG_CACHE_HOME/rag/embeddings`,
 * else `~/.cache/rag/embeddings`. Under it, one folder per model fingerprint holding the vectors
 * file, and the chunk lists of src/ingest/chunk-cache.ts in `chunks/`.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** The vector file in each model's folder. */
export const VECTORS_FILE = 'vectors.bin';

/** The folder of cached chunk lists under the cache directory. */
export const CHUNKS_FOLDER = 'chunks';

/** Where the cache lives when no `dir` is given: `$RAG_CACHE_DIR`, else the XDG cache. */
export function defaultCacheDir(): string {
  const explicit = process.env['RAG_CACHE_DIR'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = process.env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'rag', 'embeddings');
}

/** Folder name for a fingerprint: itself when it is a plain token (a sha256 hex), else its hash. */
export function folderName(fingerprint: string): string {
  return /^[A-Za-z0-9_.-]{1,128}$/.test(fingerprint) && !fingerprint.startsWith('.')
    ? fingerprint
    : createHash('sha256').update(fingerprint).digest('hex');
}

