/**
 * `rag cache info`, `rag cache compact` and `rag cache clear`: what is cached per model (with
 * duplicate records), rewriting a file without its duplicates, and removing caches.
 */
import { readSync } from 'node:fs';
import { chmod, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { replaceFileAtomic } from '../store/atomic.js';
import { lockCacheFolder } from './cache.js';
import { CHUNKS_FOLDER, defaultCacheDir, folderName, VECTORS_FILE } from './cache-dir.js';
import { decodeHeader, HASH_BYTES, type Header } from './cache-format.js';

/** What `rag cache info` says about one model's cache file. */
export interface CacheModelInfo {
  fingerprint: string;
  modelId?: string;
  /** Whole records in the file. */
  entries: number;
  /** Distinct texts among them (entries - duplicates). */
  unique: number;
  /** Records whose key an earlier record already has: written twice by concurrent writers of older versions. */
  duplicates: number;
  /** Bytes of the model's folder on disk. */
  bytes: number;
}

/** Bytes read per step while walking records. */
const READ_BYTES = 1 << 20;

/** Counts the whole records of an open cache file, and the distinct keys among them. */
function walkRecords(fd: number, header: Header, size: number): { entries: number; unique: number } {
  const recordSize = HASH_BYTES + 4 * header.dimension;
  const end = header.headerLength + Math.floor((size - header.headerLength) / recordSize) * recordSize;
  const buffer = Buffer.alloc(Math.max(1, Math.floor(READ_BYTES / recordSize)) * recordSize);
  const keys = new Set<string>();
  let entries = 0;
  for (let position = header.headerLength; position < end; ) {
    const got = readSync(fd, buffer, 0, Math.min(buffer.length, end - position), position);
    const whole = Math.floor(got / recordSize);
    if (whole === 0) break;
    for (let n = 0; n < whole; n++) {
      keys.add(buffer.toString('base64', n * recordSize, n * recordSize + HASH_BYTES));
      entries++;
    }
    position += whole * recordSize;
  }
  return { entries, unique: keys.size };
}

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
 * One line per cached model: fingerprint, model id from the header, record count, distinct
 * texts and duplicates (reading every key: a sequential pass over the file), and bytes on disk.
 * A file with an unreadable header is listed with 0 entries so it can be cleared.
 */
export async function cacheInfo(options: { dir?: string } = {}): Promise<CacheModelInfo[]> {
  const dir = options.dir ?? defaultCacheDir();
  const out: CacheModelInfo[] = [];
  for (const name of await cacheFolders(dir)) {
    const folder = path.join(dir, name);
    const file = path.join(folder, VECTORS_FILE);
    const bytes = await folderBytes(folder);
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, 'r');
      const header = decodeHeader(handle.fd, file);
      const { entries, unique } = walkRecords(handle.fd, header, (await handle.stat()).size);
      out.push({ fingerprint: header.fingerprint, ...(header.modelId === undefined ? {} : { modelId: header.modelId }), entries, unique, duplicates: entries - unique, bytes });
    } catch {
      out.push({ fingerprint: name, entries: 0, unique: 0, duplicates: 0, bytes });
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


/** What `rag cache compact` did to one model's cache file. */
export interface CompactResult {
  fingerprint: string;
  modelId?: string;
  /** Whole records before. */
  entriesBefore: number;
  /** Records after: one per distinct text. */
  entries: number;
  /** Duplicate records dropped. */
  duplicatesRemoved: number;
  /** Bytes of a torn trailing record (a crash mid-append) dropped too. */
  tornBytes: number;
  bytesBefore: number;
  bytesAfter: number;
  /** bytesBefore - bytesAfter. */
  bytesReclaimed: number;
  /** False when there was nothing to drop and the file was left as it was. */
  rewritten: boolean;
}

/**
 * Rewrites each model's cache file (or only `fingerprint`'s) keeping the first record of every
 * key: written aside, fsynced and renamed into place (src/store/atomic.ts), under the cache
 * folder's write lock, so a concurrent writer waits and then appends to the new file (writers
 * notice the rename and reopen). A file without duplicates or torn tail is not rewritten. Files
 * with an unreadable header are skipped (`rag cache clear` removes them).
 */
export async function compactCache(options: { dir?: string; fingerprint?: string } = {}): Promise<CompactResult[]> {
  const dir = options.dir ?? defaultCacheDir();
  const names = (await cacheFolders(dir)).filter((name) => options.fingerprint === undefined || name === folderName(options.fingerprint));
  const results: CompactResult[] = [];
  for (const name of names) {
    const result = await compactFolder(path.join(dir, name));
    if (result !== undefined) results.push(result);
  }
  return results;
}

async function compactFolder(folder: string): Promise<CompactResult | undefined> {
  const file = path.join(folder, VECTORS_FILE);
  const lock = await lockCacheFolder(folder);
  try {
    const handle = await open(file, 'r');
    try {
      let header: Header;
      try {
        header = decodeHeader(handle.fd, file);
      } catch {
        return undefined;
      }
      const info = await handle.stat();
      const recordSize = HASH_BYTES + 4 * header.dimension;
      const tornBytes = (info.size - header.headerLength) % recordSize;
      const counted = walkRecords(handle.fd, header, info.size);
      const base = {
        fingerprint: header.fingerprint,
        ...(header.modelId === undefined ? {} : { modelId: header.modelId }),
        entriesBefore: counted.entries,
        entries: counted.unique,
        duplicatesRemoved: counted.entries - counted.unique,
        tornBytes,
        bytesBefore: info.size,
      };
      if (base.duplicatesRemoved === 0 && tornBytes === 0) return { ...base, bytesAfter: info.size, bytesReclaimed: 0, rewritten: false };
      const headerBytes = Buffer.alloc(header.headerLength);
      readSync(handle.fd, headerBytes, 0, header.headerLength, 0);
      let bytesAfter = 0;
      await replaceFileAtomic(file, async (temp) => {
        const out = await open(temp, 'w');
        try {
          await out.write(headerBytes);
          bytesAfter = headerBytes.length;
          // Read and written a megabyte at a time: memory holds the keys, never the file.
          const keys = new Set<string>();
          const end = header.headerLength + counted.entries * recordSize;
          const buffer = Buffer.alloc(Math.max(1, Math.floor(READ_BYTES / recordSize)) * recordSize);
          for (let position = header.headerLength; position < end; ) {
            const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
            const whole = Math.floor(bytesRead / recordSize);
            if (whole === 0) break;
            const keep: Buffer[] = [];
            for (let n = 0; n < whole; n++) {
              const key = buffer.toString('base64', n * recordSize, n * recordSize + HASH_BYTES);
              if (keys.has(key)) continue;
              keys.add(key);
              keep.push(buffer.subarray(n * recordSize, (n + 1) * recordSize));
            }
            if (keep.length > 0) {
              const bytes = Buffer.concat(keep);
              await out.write(bytes);
              bytesAfter += bytes.length;
            }
            position += whole * recordSize;
          }
        } finally {
          await out.close();
        }
        // Keep the file's permissions as they were (open's mode is filtered by the umask).
        await chmod(temp, info.mode & 0o7777);
      });
      return { ...base, bytesAfter, bytesReclaimed: info.size - bytesAfter, rewritten: true };
    } finally {
      await handle.close();
    }
  } finally {
    await lock.release();
  }
}
