/**
 * The one rule for where rag caches things, embeddings and models alike. The root is
 * `$RAG_CACHE_DIR` (a relative value is taken from the current directory), else
 * `$XDG_CACHE_HOME/rag` when that is an absolute path (the XDG spec says to ignore a relative
 * one), else `~/.cache/rag`. Under it: `embeddings/` (one folder per model fingerprint holding
 * the vectors file, and the chunk lists of src/ingest/chunk-cache.ts in `chunks/`) and `models/`
 * (hub downloads).
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** The vector file in each model's folder. */
export const VECTORS_FILE = 'vectors.bin';

/** The folder of cached chunk lists under the cache directory. */
export const CHUNKS_FOLDER = 'chunks';

/** rag's cache root (see the module comment). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['RAG_CACHE_DIR'];
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'rag');
}

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

