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
 * Writers append under the folder's write lock (`lock`, the index lock of src/store/lock.ts):
 * holding it, a writer first reads what others appended since it last looked and appends only
 * the keys still missing, so two processes embedding the same texts at once store each vector
 * once (without the lock, two cold evals stored every vector twice). The lock also keeps
 * `rag cache compact` (cache-admin.ts), which rewrites the file and renames it into place, from
 * racing a writer; a writer whose descriptor still points at the replaced file reopens it.
 * A crash mid-append can leave a torn trailing record: reads ignore it, and the next writer or
 * opener cuts it under the lock (nobody else can be appending then).
 */
import { ragWarning, reportUnroutedWarning } from '../warnings.js';
import { randomBytes } from 'node:crypto';
import { fstatSync, ftruncateSync, readSync } from 'node:fs';
import { link, mkdir, open, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../errors.js';
import { acquireLock, type IndexLock } from '../store/lock.js';
import { defaultCacheDir, folderName, VECTORS_FILE } from './cache-dir.js';
import type { Embedder } from './types.js';
import { decodeHeader, encodeHeader, HASH_BYTES, LITTLE_ENDIAN, textKey, type CacheKind, type Header } from './cache-format.js';

/**
 * How long a writer waits for the cache lock. Appends hold it for one write; only a compaction
 * of a large cache holds it for seconds.
 */
const CACHE_LOCK_TIMEOUT_MS = 120_000;

/** For an embedding cache that cannot be written; the CLI says --no-cache for `cache: false`. */
const CACHE_WRITABLE_HINT = 'make it writable, point RAG_CACHE_DIR at another folder, or turn the cache off (cache: false)';

/**
 * Takes the write lock of one model's cache folder (shared by appends, torn-tail repair and
 * compaction). Errors name the cache, not an index.
 */
export async function lockCacheFolder(folder: string): Promise<IndexLock> {
  try {
    return await acquireLock(folder, { timeoutMs: CACHE_LOCK_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof RagError && error.code === 'index-locked') {
      throw new RagError('cache-unusable', `the embedding cache ${folder} stayed locked by another rag process for ${CACHE_LOCK_TIMEOUT_MS / 1000} s`, {
        hint: `wait for it to finish, delete ${path.join(folder, 'lock')} if that process is gone, or turn the cache off (cache: false)`,
        details: { advice: 'cache-locked', lock: path.join(folder, 'lock') },
        cause: error,
      });
    }
    if (error instanceof RagError) throw error;
    throw new RagError('cache-unusable', `cannot lock the embedding cache ${folder} for writing (${(error as Error).message})`, {
      hint: CACHE_WRITABLE_HINT,
      details: { advice: 'cache-writable' },
      cause: error,
    });
  }
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
  /** Replaced when a compaction renamed a new file over the one this was opened on. */
  #handle: FileHandle;
  readonly #folder: string;
  readonly #recordSize: number;
  readonly #headerLength: number;
  /** hex(sha256(text)) -> file offset of the record. */
  readonly #offsets = new Map<string, number>();
  /** Everything before this offset has been indexed. */
  #scanned: number;
  #closed = false;
  /**
   * True when the cache file could only be opened for reading (a read-only folder or file
   * system, another user's cache): lookups work, and a write that is needed fails with a message.
   */
  readonly readOnly: boolean;

  private constructor(file: string, handle: FileHandle, header: Header, readOnly = false) {
    this.readOnly = readOnly;
    this.file = file;
    this.#folder = path.dirname(file);
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
    const file = path.join(folder, VECTORS_FILE);
    const unusable = (what: string, error: unknown): RagError =>
      new RagError('cache-unusable', `${what} (${(error as Error).message})`, {
        hint: CACHE_WRITABLE_HINT,
        details: { advice: 'cache-writable' },
        cause: error,
      });
    // An existing folder and file are fine without write access: a warm cache is only read.
    await mkdir(folder, { recursive: true }).catch(async (error: unknown) => {
      if ((await stat(folder).catch(() => undefined)) === undefined) throw unusable(`cannot create the embedding cache folder ${folder}`, error);
    });
    await createFile(file, encodeHeader(fingerprint, dimension, options.modelId)).catch(async (error: unknown) => {
      // An existing file is fine; anything else (permissions, disk full) is the user's to fix.
      if ((await stat(file).catch(() => undefined)) === undefined) throw unusable(`cannot create the embedding cache in ${folder}`, error);
    });
    let handle: FileHandle;
    let readOnly = false;
    try {
      handle = await open(file, 'a+');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
      handle = await open(file, 'r');
      readOnly = true;
      noteReadOnly(file);
    }
    try {
      const header = decodeHeader(handle.fd, file);
      if (header.fingerprint !== fingerprint) {
        throw new RagError('cache-unusable', `embedding cache file ${file} belongs to another model`, { hint: 'delete it or clear the cache (clearCache())', details: { file } });
      }
      if (header.dimension !== dimension) {
        throw new RagError('cache-unusable', `embedding cache file ${file} holds ${header.dimension}-dimensional vectors, expected ${dimension}`, { hint: 'delete it or clear the cache (clearCache())', details: { file } });
      }
      const cache = new EmbeddingCache(file, handle, header, readOnly);
      // A torn tail cannot be cut in a read-only file; reads ignore it anyway.
      if (!readOnly) await cache.#repairTornTail();
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
    return this.#offsets.size;
  }

  /** The cached vector for `text` embedded as a `kind` (default a document), or undefined. */
  get(text: string, kind: CacheKind = 'document'): Float32Array | undefined {
    this.#assertOpen();
    const offset = this.#offsets.get(textKey(text, kind).toString('hex'));
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
    return this.#offsets.has(textKey(text, kind).toString('hex'));
  }

  /**
   * Appends vectors for texts not cached yet, in one write under the cache lock: texts another
   * process added meanwhile are not written again. Resolves once the data is handed to the OS.
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
      if (seen.has(hex) || this.#offsets.has(hex)) continue;
      seen.add(hex);
      fresh.push([hex, key, vector]);
    }
    if (fresh.length === 0) return;
    if (this.readOnly) {
      throw new RagError('cache-unusable', `the embedding cache ${this.file} is read-only, and ${fresh.length} new vector${fresh.length === 1 ? '' : 's'} must be added to it`, {
        hint: CACHE_WRITABLE_HINT,
        details: { advice: 'cache-writable' },
      });
    }
    const lock = await lockCacheFolder(this.#folder);
    try {
      await this.#followReplacement();
      this.#cutTornTail();
      // What others appended since this instance last looked: those keys are not written again.
      this.#scan();
      const todo = fresh.filter(([hex]) => !this.#offsets.has(hex));
      if (todo.length === 0) return;
      const buffer = Buffer.alloc(todo.length * this.#recordSize);
      todo.forEach(([, key, vector], n) => {
        const base = n * this.#recordSize;
        key.copy(buffer, base);
        for (let i = 0; i < vector.length; i++) buffer.writeFloatLE(vector[i] as number, base + HASH_BYTES + 4 * i);
      });
      // Under the lock the file ends at the last scanned record, so that is where this lands.
      const start = this.#scanned;
      const { bytesWritten } = await this.#handle.write(buffer, 0, buffer.length);
      if (bytesWritten !== buffer.length) {
        throw new RagError('cache-unusable', `embedding cache: short write to ${this.file} (${bytesWritten} of ${buffer.length} bytes); is the disk full?`);
      }
      todo.forEach(([hex], n) => this.#offsets.set(hex, start + n * this.#recordSize));
      this.#scanned = start + buffer.length;
    } finally {
      await lock.release();
    }
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
      }
      position += whole * this.#recordSize;
    }
    this.#scanned = position;
  }

  /**
   * Cuts a torn trailing record left by a crash, so that later appends stay aligned. Under the
   * lock (writers append only holding it), so a size that is not whole records is a crash's.
   */
  async #repairTornTail(): Promise<void> {
    if (!this.#torn()) return;
    const lock = await lockCacheFolder(this.#folder);
    try {
      await this.#followReplacement();
      this.#cutTornTail();
    } finally {
      await lock.release();
    }
  }

  #torn(): boolean {
    return (fstatSync(this.#handle.fd).size - this.#headerLength) % this.#recordSize !== 0;
  }

  /** Only with the lock held. */
  #cutTornTail(): void {
    const fd = this.#handle.fd;
    const size = fstatSync(fd).size;
    if ((size - this.#headerLength) % this.#recordSize === 0) return;
    ftruncateSync(fd, this.#headerLength + Math.floor((size - this.#headerLength) / this.#recordSize) * this.#recordSize);
  }

  /**
   * With the lock held: when a compaction renamed a new file over the one this instance has
   * open, reopens the path and indexes it afresh (records moved). Vectors read before stay valid.
   */
  async #followReplacement(): Promise<void> {
    const current = await stat(this.file).catch(() => undefined);
    if (current === undefined || current.ino === fstatSync(this.#handle.fd).ino) return;
    const handle = await open(this.file, 'a+');
    try {
      const header = decodeHeader(handle.fd, this.file);
      if (header.fingerprint !== this.fingerprint || header.dimension !== this.dimension || header.headerLength !== this.#headerLength) {
        throw new RagError('cache-unusable', `embedding cache file ${this.file} was replaced by another model's`, { hint: 'delete it', details: { file: this.file } });
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
    await this.#handle.close();
    this.#handle = handle;
    this.#offsets.clear();
    this.#scanned = this.#headerLength;
    this.#scan();
  }
}

/** Read-only cache files already announced: one notice per file and process. */
const announcedReadOnly = new Set<string>();

/**
 * Says once that a cache is used read-only: a warm cache then serves every vector, and a cold
 * one fails at its first write with a message naming the cache and --no-cache.
 */
function noteReadOnly(file: string): void {
  if (announcedReadOnly.has(file)) return;
  announcedReadOnly.add(file);
  reportUnroutedWarning(ragWarning('cache-read-only', { file }));
}
