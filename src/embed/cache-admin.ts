/** `rag cache info` and `rag cache clear`: what is cached per model, and removing it. */
import { open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CHUNKS_FOLDER, defaultCacheDir, folderName, VECTORS_FILE } from './cache-dir.js';
import { decodeHeader, HASH_BYTES } from './cache-format.js';

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    const info = await stat(path.join(folder, name)).catch(() => undefined);
    if (info?.isFile() === true) total += info.size;
  }
  return total;
}

/** Cache folders under `dir`: those that hold a `vectors.bin`. */
async function cacheFolders(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: string[] = [];
  for (const name of names.sort()) {
    const info = await stat(path.join(dir, name, VECTORS_FILE)).catch(() => undefined);
    if (info?.isFile() === true) out.push(name);
  }
  return out;
}

/**
 * One line per cached model: fingerprint, model id from the header, record count and bytes
 * on disk. A file with an unreadable header is listed with 0 entries so it can be cleared.
 */
export async function cacheInfo(options: { dir?: string } = {}): Promise<Array<{ fingerprint: string; modelId?: string; entries: number; bytes: number }>> {
  const dir = options.dir ?? defaultCacheDir();
  const out: Array<{ fingerprint: string; modelId?: string; entries: number; bytes: number }> = [];
  for (const name of await cacheFolders(dir)) {
    const folder = path.join(dir, name);
    const file = path.join(folder, VECTORS_FILE);
    const bytes = await folderBytes(folder);
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, 'r');
      const header = decodeHeader(handle.fd, file);
      const size = (await handle.stat()).size;
      const entries = Math.floor((size - header.headerLength) / (HASH_BYTES + 4 * header.dimension));
      out.push({ fingerprint: header.fingerprint, ...(header.modelId === undefined ? {} : { modelId: header.modelId }), entries, bytes });
    } catch {
      out.push({ fingerprint: name, entries: 0, bytes });
    } finally {
      await handle?.close();
    }
  }
  return out;
}

/**
 * Deletes the cache of one model (`fingerprint`) or of all models (and the cached chunk lists).
 * Only folders holding a `vectors.bin`, and `chunks`, are touched, so a shared `RAG_CACHE_DIR`
 * keeps anything else it contains.
 */
export async function clearCache(options: { dir?: string; fingerprint?: string } = {}): Promise<{ removedBytes: number }> {
  const dir = options.dir ?? defaultCacheDir();
  const names = options.fingerprint === undefined
    ? await cacheFolders(dir)
    : (await cacheFolders(dir)).filter((name) => name === folderName(options.fingerprint as string));
  // Clearing every model also clears the chunk lists cached beside them (src/ingest/chunk-cache.ts).
  if (options.fingerprint === undefined) names.push(CHUNKS_FOLDER);
  let removedBytes = 0;
  for (const name of names) {
    const folder = path.join(dir, name);
    removedBytes += await folderBytes(folder);
    await rm(folder, { recursive: true, force: true });
  }
  return { removedBytes };
}

