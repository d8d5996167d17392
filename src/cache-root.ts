/**
 * The one rule for where rag caches things. The root is `$RAG_CACHE_DIR` (a relative value is
 * taken from the current directory), else `$XDG_CACHE_HOME/rag` when that is an absolute path (the
 * XDG spec says to ignore a relative one), else `~/.cache/rag`. Under it: `embeddings/` and
 * `models/` (src/embed/cache-dir.ts), `rerank/` (src/rerank) and `verified/` (src/store's
 * record of data files already checked against their checksums). It sits below every layer
 * because the store and the embedders both keep things there.
 */
import os from 'node:os';
import path from 'node:path';

/** rag's cache root (see the module comment). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['RAG_CACHE_DIR'];
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'rag');
}
