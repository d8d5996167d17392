/**
 * An on-disk cache of document vectors keyed by (model fingerprint, sha256 of the text), shared
 * by ingest and eval: re-running embeds nothing already embedded, and a run that fails midway
 * keeps every batch it finished.
 *
 * Layout: one folder per fingerprint under the cache directory, holding `vectors.bin`:
 *
 * ```
 * header  "RAGEMBV\n" | u32 version | u32 dimension | u32 header length | u32 meta length | meta JSON
 * records [sha256(text): 32 bytes][float32 little-endian x dimension]   (fixed size, back to back)
 * ```
 *
 * The meta JSON holds the fingerprint and the model id (for `rag cache info`), never keys.
 * Writers append whole batches of records with one `write` on an O_APPEND descriptor, so two
 * processes appending at once never interleave inside a batch. A crash mid-append can leave a
 * torn trailing record; loading ignores it and the next opener truncates it away (after waiting
 * briefly, so that a write still in progress from another process is not mistaken for one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { fstatSync, ftruncateSync, readSync } from 'node:fs';
import { link, mkdir, open, readdir, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RagError } from '../errors.js';
import type { EmbedBatchResult, EmbedOptions, Embedder } from './types.js';

const MAGIC = Buffer.from('RAGEMBV\n', 'latin1');
const FORMAT_VERSION = 1;
const FIXED_HEADER = 24;
const HASH_BYTES = 32;
const FILE_NAME = 'vectors.bin';
const LITTLE_ENDIAN = os.endianness() === 'LE';
/** How long an opener waits for another process's append to finish before calling a tail torn. */
const SETTLE_MS = 50;
/** A repair lock older than this was left by a crashed process. */
const STALE_LOCK_MS = 30_000;

/** Where the cache lives when no `dir` is given: `$RAG_CACHE_DIR`, else the XDG cache. */
export function defaultCacheDir(): string {
  const explicit = process.env['RAG_CACHE_DIR'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = process.env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'rag', 'embeddings');
}

/** Folder name for a fingerprint: itself when it is a plain token (a sha256 hex), else its hash. */
function folderName(fingerprint: string): string {
  return /^[A-Za-z0-9_.-]{1,128}$/.test(fingerprint) && !fingerprint.startsWith('.')
    ? fingerprint
    : createHash('sha256').update(fingerprint).digest('hex');
}

/** What a vector was computed for: models with query prefixes or instructions embed a query differently from a document of the same text. */
export type CacheKind = 'document' | 'query';

/**
 * Query keys hash a prefix that starts with 0xff, a byte UTF-8 never produces, so no document
 * text (hashed as plain UTF-8, the format's original key) can share a query's key.
 */
const QUERY_KEY_PREFIX = Buffer.from([0xff, 0x71, 0x00]);

function textKey(text: string, kind: CacheKind = 'document'): Buffer {
  const hash = createHash('sha256');
  if (kind === 'query') hash.update(QUERY_KEY_PREFIX);
  return hash.update(text, 'utf8').digest();
}

interface Header {
  dimension: number;
  headerLength: number;
  fingerprint: string;
  modelId?: string;
}

function encodeHeader(fingerprint: string, dimension: number, modelId: string | undefined): Buffer {
  const meta = Buffer.from(JSON.stringify(modelId === undefined ? { fingerprint } : { fingerprint, modelId }), 'utf8');
  const fixed = Buffer.alloc(FIXED_HEADER);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(FORMAT_VERSION, 8);
  fixed.writeUInt32LE(dimension, 12);
  fixed.writeUInt32LE(FIXED_HEADER + meta.length, 16);
  fixed.writeUInt32LE(meta.length, 20);
  return Buffer.concat([fixed, meta]);
}

/** Reads and checks the header; throws a RagError naming the file when it is not ours. */
function decodeHeader(fd: number, file: string): Header {
  const broken = (why: string): RagError =>
    new RagError('cache-unusable', `embedding cache file ${file} is unreadable (${why}); delete it or run \`rag cache clear\``);
  const fixed = Buffer.alloc(FIXED_HEADER);
  if (readSync(fd, fixed, 0, FIXED_HEADER, 0) !== FIXED_HEADER || !fixed.subarray(0, 8).equals(MAGIC)) {
    throw broken('not an embedding cache');
  }
  const version = fixed.readUInt32LE(8);
  if (version !== FORMAT_VERSION) {
    throw broken(`format version ${version}, this rag reads version ${FORMAT_VERSION}`);
  }
  const dimension = fixed.readUInt32LE(12);
  const headerLength = fixed.readUInt32LE(16);
  const metaLength = fixed.readUInt32LE(20);
  if (dimension === 0 || headerLength !== FIXED_HEADER + metaLength || metaLength > 1 << 20) throw broken('bad header');
  const metaBytes = Buffer.alloc(metaLength);
  if (readSync(fd, metaBytes, 0, metaLength, FIXED_HEADER) !== metaLength) throw broken('truncated header');
  let meta: unknown;
  try {
    meta = JSON.parse(metaBytes.toString('utf8'));
  } catch {
    throw broken('bad header');
  }
  const record = (typeof meta === 'object' && meta !== null ? meta : {}) as Record<string, unknown>;
  const fingerprint = record['fingerprint'];
  if (typeof fingerprint !== 'string') throw broken('bad header');
  const modelId = record['modelId'];
  return { dimension, headerLength, fingerprint, ...(typeof modelId === 'string' ? { modelId } : {}) };
}

/** Creates the file with its header atomically: written aside, then hard-linked into place. */
async function createFile(file: string, header: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, header);
  try {
    await link(tmp, file);
  } catch (error) {
    // Another process created it first; its header is checked like any other.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Vectors for one model, on disk. Open with {@link EmbeddingCache.open}; close when done. */
export class EmbeddingCache {
  /** Where the records live. */
  readonly file: string;
  readonly fingerprint: string;
  readonly dimension: number;
  readonly modelId: string | undefined;
  readonly #handle: FileHandle;
  readonly #recordSize: number;
  readonly #headerLength: number;
  /** hex(sha256(text)) -> file offset of the record. */
  readonly #offsets = new Map<string, number>();
  /** Keys this instance appended but whose offsets are not known yet (O_APPEND does not say). */
  readonly #pending = new Set<string>();
  /** Everything before this offset has been indexed. */
  #scanned: number;
  #closed = false;

  private constructor(file: string, handle: FileHandle, header: Header) {
    this.file = file;
    this.#handle = handle;
    this.fingerprint = header.fingerprint;
    this.dimension = header.dimension;
    this.modelId = header.modelId;
    this.#headerLength = header.headerLength;
    this.#recordSize = HASH_BYTES + 4 * header.dimension;
    this.#scanned = header.headerLength;
  }

  /**
   * Opens (creating if needed) the cache for one model.
   * @param fingerprint the embedder's fingerprint; one folder per fingerprint.
   * @param dimension vector length; a cache file of another dimension is an error.
   * @param options.dir cache directory, default {@link defaultCacheDir}.
   * @param options.modelId written into a new file's header so `rag cache info` can name the model.
   */
  static async open(
    fingerprint: string,
    dimension: number,
    options: { dir?: string; modelId?: string } = {},
  ): Promise<EmbeddingCache> {
    if (!Number.isInteger(dimension) || dimension <= 0) throw new RagError('usage', `embedding cache: bad dimension ${dimension}`);
    const folder = path.join(options.dir ?? defaultCacheDir(), folderName(fingerprint));
    const file = path.join(folder, FILE_NAME);
    await mkdir(folder, { recursive: true });
    await createFile(file, encodeHeader(fingerprint, dimension, options.modelId)).catch(async (error: unknown) => {
      // An existing file is fine; anything else (permissions, disk full) is the user's to fix.
      if ((await stat(file).catch(() => undefined)) === undefined) {
        throw new RagError('cache-unusable', `cannot create the embedding cache in ${folder}: ${(error as Error).message}`, { cause: error });
      }
    });
    const handle = await open(file, 'a+');
    try {
      const header = decodeHeader(handle.fd, file);
      if (header.fingerprint !== fingerprint) {
        throw new RagError('cache-unusable', `embedding cache file ${file} belongs to another model; delete it or run \`rag cache clear\``);
      }
      if (header.dimension !== dimension) {
        throw new RagError('cache-unusable', 
          `embedding cache file ${file} holds ${header.dimension}-dimensional vectors, expected ${dimension}; delete it or run \`rag cache clear\``,
        );
      }
      const cache = new EmbeddingCache(file, handle, header);
      await cache.#repairTornTail(folder);
      cache.#scan();
      return cache;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Opens the cache for an embedder (its fingerprint, dimension and id). */
  static forEmbedder(embedder: Embedder, options: { dir?: string } = {}): Promise<EmbeddingCache> {
    return EmbeddingCache.open(embedder.fingerprint, embedder.info.dimension, { ...options, modelId: embedder.info.id });
  }

  /** Number of distinct texts with a vector. */
  get size(): number {
    return this.#offsets.size + this.#pending.size;
  }

  /** The cached vector for `text` embedded as a `kind` (default a document), or undefined. */
  get(text: string, kind: CacheKind = 'document'): Float32Array | undefined {
    this.#assertOpen();
    const key = textKey(text, kind).toString('hex');
    let offset = this.#offsets.get(key);
    if (offset === undefined && this.#pending.has(key)) {
      this.#scan();
      offset = this.#offsets.get(key);
    }
    if (offset === undefined) return undefined;
    const vector = new Float32Array(this.dimension);
    const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    if (readSync(this.#handle.fd, bytes, 0, bytes.length, offset + HASH_BYTES) !== bytes.length) return undefined;
    // The file is little-endian: read straight into the vector, and swap only on big-endian machines.
    if (!LITTLE_ENDIAN) for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(4 * i);
    return vector;
  }

  /** Whether `text` has a vector as a `kind` (default a document), without reading it. */
  has(text: string, kind: CacheKind = 'document'): boolean {
    const key = textKey(text, kind).toString('hex');
    return this.#offsets.has(key) || this.#pending.has(key);
  }

  /**
   * Appends vectors for texts not cached yet, all in one write so that concurrent writers
   * (other processes) cannot interleave with it. Resolves once the data is handed to the OS.
   */
  async putMany(entries: ReadonlyArray<readonly [string, Float32Array]>, kind: CacheKind = 'document'): Promise<void> {
    this.#assertOpen();
    const fresh: Array<[string, Buffer, Float32Array]> = [];
    const seen = new Set<string>();
    for (const [text, vector] of entries) {
      if (vector.length !== this.dimension) {
        throw new RagError('usage', `embedding cache: a ${vector.length}-dimensional vector does not fit a ${this.dimension}-dimensional cache`);
      }
      const key = textKey(text, kind);
      const hex = key.toString('hex');
      if (seen.has(hex) || this.#offsets.has(hex) || this.#pending.has(hex)) continue;
      seen.add(hex);
      fresh.push([hex, key, vector]);
    }
    if (fresh.length === 0) return;
    const buffer = Buffer.alloc(fresh.length * this.#recordSize);
    fresh.forEach(([, key, vector], n) => {
      const base = n * this.#recordSize;
      key.copy(buffer, base);
      for (let i = 0; i < vector.length; i++) buffer.writeFloatLE(vector[i] as number, base + HASH_BYTES + 4 * i);
    });
    const { bytesWritten } = await this.#handle.write(buffer, 0, buffer.length);
    if (bytesWritten !== buffer.length) {
      throw new RagError('cache-unusable', `embedding cache: short write to ${this.file} (${bytesWritten} of ${buffer.length} bytes); is the disk full?`);
    }
    for (const [hex] of fresh) this.#pending.add(hex);
  }

  /** Closes the file. Further `get`/`putMany` calls throw. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`embedding cache ${this.file} is closed`);
  }

  /** Indexes records appended since the last scan (by anyone), up to the last whole record. */
  #scan(): void {
    const fd = this.#handle.fd;
    const size = fstatSync(fd).size;
    const end = this.#headerLength + Math.floor((size - this.#headerLength) / this.#recordSize) * this.#recordSize;
    const perRead = Math.max(1, Math.floor((1 << 20) / this.#recordSize));
    const buffer = Buffer.alloc(perRead * this.#recordSize);
    let position = this.#scanned;
    while (position < end) {
      const want = Math.min(buffer.length, end - position);
      const got = readSync(fd, buffer, 0, want, position);
      const whole = Math.floor(got / this.#recordSize);
      if (whole === 0) break;
      for (let n = 0; n < whole; n++) {
        const hex = buffer.toString('hex', n * this.#recordSize, n * this.#recordSize + HASH_BYTES);
        if (!this.#offsets.has(hex)) this.#offsets.set(hex, position + n * this.#recordSize);
        this.#pending.delete(hex);
      }
      position += whole * this.#recordSize;
    }
    this.#scanned = position;
  }

  /**
   * Cuts a torn trailing record left by a crash, so that later appends stay aligned. Only one
   * opener repairs at a time (a lock file); a size that is still changing is left alone.
   */
  async #repairTornTail(folder: string): Promise<void> {
    const fd = this.#handle.fd;
    const torn = (size: number): boolean => (size - this.#headerLength) % this.#recordSize !== 0;
    const first = fstatSync(fd).size;
    if (!torn(first)) return;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const settled = fstatSync(fd).size;
    if (settled !== first || !torn(settled)) return;
    const lock = path.join(folder, 'repair.lock');
    const lockStat = await stat(lock).catch(() => undefined);
    if (lockStat !== undefined && Date.now() - lockStat.mtimeMs > STALE_LOCK_MS) await rm(lock, { force: true });
    let lockHandle: FileHandle;
    try {
      lockHandle = await open(lock, 'wx');
    } catch {
      return; // someone else is repairing; reads ignore the torn tail meanwhile
    }
    try {
      const now = fstatSync(fd).size;
      if (now === settled) {
        ftruncateSync(fd, this.#headerLength + Math.floor((now - this.#headerLength) / this.#recordSize) * this.#recordSize);
      }
    } finally {
      await lockHandle.close();
      await rm(lock, { force: true });
    }
  }
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
    const info = await stat(path.join(dir, name, FILE_NAME)).catch(() => undefined);
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
    const file = path.join(folder, FILE_NAME);
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

/** The folder of cached chunk lists under the cache directory. */
export const CHUNKS_FOLDER = 'chunks';

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

/** A cached embedder, with counts of how its lookups went. */
export interface CachedEmbedder extends Embedder {
  /** Documents served from the cache / embedded by the wrapped model, since creation. */
  readonly stats: { hits: number; misses: number };
  /** Queries served from the cache / embedded by the wrapped model, since creation. */
  readonly queryStats: { hits: number; misses: number };
}

/**
 * Wraps an embedder: documents are looked up first and only misses are embedded, in batches of
 * `batchSize` distinct texts, each written to the cache as soon as it is done (a crash loses at
 * most one batch). Queries are cached too, under keys of their own kind (see {@link CacheKind}).
 * `dispose()` disposes the wrapped embedder and
 * closes the cache: the wrapper owns both. Wrap only embedders whose `cacheable` is true.
 */
export function withCache(embedder: Embedder, cache: EmbeddingCache, options: { batchSize?: number } = {}): CachedEmbedder {
  if (cache.dimension !== embedder.info.dimension || cache.fingerprint !== embedder.fingerprint) {
    throw new RagError('usage', `embedding cache ${cache.file} was opened for another model than ${embedder.info.id}`);
  }
  const batchSize = options.batchSize ?? 256;
  const stats = { hits: 0, misses: 0 };
  const queryStats = { hits: 0, misses: 0 };
  const maxTokens = embedder.info.maxTokens;
  const countTokens = embedder.countTokens?.bind(embedder);
  const load = embedder.load?.bind(embedder);

  const embedDocuments = async (texts: readonly string[], embedOptions?: EmbedOptions): Promise<EmbedBatchResult> => {
    // Counting the tokens of cache hits needs the tokenizer, unless the caller knows the counts.
    if (countTokens !== undefined && maxTokens !== undefined && embedOptions?.tokenCounts === undefined && texts.length > 0) await load?.();
    const vectors = new Array<Float32Array | undefined>(texts.length);
    const missing = new Map<string, number[]>(); // text -> positions asking for it
    let truncated = 0;
    texts.forEach((text, i) => {
      const positions = missing.get(text);
      if (positions !== undefined) {
        positions.push(i);
        return;
      }
      const hit = cache.get(text);
      if (hit === undefined) {
        missing.set(text, [i]);
        return;
      }
      vectors[i] = hit;
      stats.hits++;
      // The truncation count of a cached text is recomputed when the model can count tokens.
      if (countTokens !== undefined && maxTokens !== undefined && (embedOptions?.tokenCounts?.[i] ?? countTokens(text)) > maxTokens) truncated++;
    });
    const total = texts.length;
    let done = total - [...missing.values()].reduce((sum, p) => sum + p.length, 0);
    if (done > 0) embedOptions?.onProgress?.({ done, total });
    const todo = [...missing.keys()];
    for (let start = 0; start < todo.length; start += batchSize) {
      embedOptions?.signal?.throwIfAborted();
      const batch = todo.slice(start, start + batchSize);
      const result = await embedder.embedDocuments(batch, embedOptions?.signal === undefined ? {} : { signal: embedOptions.signal });
      truncated += result.truncated;
      stats.misses += batch.length;
      await cache.putMany(batch.map((text, n) => [text, result.vectors[n] as Float32Array] as const));
      batch.forEach((text, n) => {
        for (const i of missing.get(text) ?? []) vectors[i] = result.vectors[n];
        done += missing.get(text)?.length ?? 0;
      });
      embedOptions?.onProgress?.({ done, total });
    }
    return { vectors: vectors as Float32Array[], truncated };
  };

  const wrapped: CachedEmbedder = {
    info: embedder.info,
    fingerprint: embedder.fingerprint,
    cacheable: embedder.cacheable,
    stats,
    embedDocuments,
    queryStats,
    embedQuery: async (text) => {
      const hit = cache.get(text, 'query');
      if (hit !== undefined) {
        queryStats.hits++;
        return hit;
      }
      const vector = await embedder.embedQuery(text);
      queryStats.misses++;
      await cache.putMany([[text, vector]], 'query');
      return vector;
    },
    dispose: async () => {
      await embedder.dispose?.();
      await cache.close();
    },
    ...(countTokens === undefined ? {} : { countTokens }),
    ...(load === undefined ? {} : { load }),
    ...(embedder.corpusStatistics === undefined ? {} : { corpusStatistics: embedder.corpusStatistics }),
  };
  return wrapped;
}

