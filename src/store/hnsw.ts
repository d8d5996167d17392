/**
 * A thin, typed wrapper around hnswlib-node's HierarchicalNSW in cosine space, plus exact search.
 *
 * Things hnswlib does not do for us, handled here:
 * - `ef` is not persisted (it is 10 after readIndex, which loses most true neighbours): every
 *   search sets it from {@link efFor}.
 * - Adding past `maxElements` throws: {@link VectorIndex.add} grows the capacity first.
 * - Deleted elements keep their slot: new vectors reuse deleted slots (`replaceDeleted`), and
 *   {@link VectorIndex.needsRebuild} says when so many slots are dead that a fresh graph is better.
 * - The public API speaks Float32Array and similarity (1 - cosine distance, higher is better).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as Hnswlib from 'hnswlib-node';
import { nonZeroCount, scanTopK, type LabelHit } from './exact-scan.js';

export { normalized, type LabelHit } from './exact-scan.js';

/** hnswlib-node is CommonJS with a native addon; load it lazily so importing the store stays cheap. */
let hnswlibModule: typeof Hnswlib | undefined;
function hnswlib(): typeof Hnswlib {
  hnswlibModule ??= createRequire(import.meta.url)('hnswlib-node') as typeof Hnswlib;
  return hnswlibModule;
}

/** Graph construction parameters (fixed when an index is created). */
export interface HnswParams {
  /** Links per node; more is better recall and more memory (≈ 8·M bytes per vector). Default 16. */
  M: number;
  /** Candidate list size while building; more is a better graph and a slower build. Default 200. */
  efConstruction: number;
}

export const DEFAULT_HNSW_PARAMS: Readonly<HnswParams> = { M: 16, efConstruction: 200 };

/**
 * Searches are exact (a plain scan) while vectors × non-zero query components stays below this
 * many multiply-adds: about 10–15 ms here (bench/exact-vs-graph.ts: 2,537 × 1024 took 8.9 ms),
 * small next to the ~250 ms of opening an index, and a scan cannot miss a neighbour. It keeps
 * 1024-dimension models exact up to 4,096 chunks, 384-dimension ones up to ~11k, 4096-dimension
 * dense ones up to 1,024, and the sparse `hash` queries (~300 non-zeros) up to ~14k chunks, where
 * the graph recalled only 0.95 of the true top 10 (bench/hnsw-ef-construction.ts).
 */
export const EXACT_SEARCH_WORK = 4096 * 1024;

/**
 * Fraction of dead slots above which a commit rebuilds the graph instead of carrying them.
 * New vectors reuse dead slots, so this only triggers when an index shrinks a lot.
 */
export const REBUILD_DELETED_FRACTION = 0.3;

/**
 * The `ef` (search candidate list size) used for a top-`k` query over `count` vectors:
 * `max(128, 4·k, ⌈1.25·√count⌉)`, at least `k`, at most `count`.
 *
 * Measured by bench/search-recall.ts (clustered 384-d vectors, M=16, efConstruction=200,
 * recall@10 against the exact scan): at 20k vectors ef 128 recalls 0.9975, but at 100k it
 * recalls only 0.971, while ef 400 recalls 0.997; a graph needs a longer candidate list to
 * keep recall as it grows. `1.25·√count` (396 at 100k, 177 at 20k, 1,250 at 1M) grows slower
 * than the exact scan's cost (∝ count), so the graph stays well over 10x faster than scanning.
 * `4·k`: larger k needs proportionally more candidates (`rag eval` asks for 200 chunks: 800).
 * 128: below ~10k vectors the store scans exactly anyway; the floor keeps small graphs at
 * recall ≈ 1. Never more than `count` (a larger ef only costs time), never less than `k`
 * (hnswlib cannot return more than ef results).
 */
export function efFor(k: number, count: number): number {
  const ef = Math.max(128, 4 * k, Math.ceil(1.25 * Math.sqrt(count)));
  return Math.max(k, Math.min(ef, Math.max(count, 1)));
}

export interface VectorSearchOptions {
  /** Candidate list size; defaults to {@link efFor}(k, size). Ignored by exact search. */
  ef?: number;
  /** Only labels for which this returns true are returned. */
  filter?: (label: number) => boolean;
  /** Scan every vector instead of walking the graph (default: while the scan costs ≤ {@link EXACT_SEARCH_WORK}). */
  exact?: boolean;
}

/**
 * An HNSW graph over unit vectors with integer labels, which knows which labels are live.
 * Labels are chosen by the caller and must not be reused while a vector with that label exists.
 */
export class VectorIndex {
  readonly dimension: number;
  readonly params: Readonly<HnswParams>;
  private readonly index: Hnswlib.HierarchicalNSW;
  private readonly live: Set<number>;
  /** Contiguous copies of the live vectors for exact search, built on first use. */
  private matrix: { labels: number[]; data: Float32Array } | undefined;

  private constructor(index: Hnswlib.HierarchicalNSW, dimension: number, params: HnswParams, live: Set<number>) {
    this.index = index;
    this.dimension = dimension;
    this.params = { ...params };
    this.live = live;
  }

  /** A new, empty index with room for `capacity` vectors (it grows on demand). */
  static create(dimension: number, params: HnswParams = DEFAULT_HNSW_PARAMS, capacity = 1024): VectorIndex {
    const index = new (hnswlib().HierarchicalNSW)('cosine', dimension);
    index.initIndex({
      maxElements: Math.max(1, Math.ceil(capacity)),
      m: params.M,
      efConstruction: params.efConstruction,
      allowReplaceDeleted: true,
    });
    return new VectorIndex(index, dimension, params, new Set());
  }

  /** A fresh graph over `entries` (label, vector), inserted in the given order. */
  static build(dimension: number, params: HnswParams, count: number, entries: Iterable<[number, Float32Array]>): VectorIndex {
    const index = VectorIndex.create(dimension, params, Math.max(1024, Math.ceil(count * 1.25)));
    for (const [label, vector] of entries) index.add(label, vector);
    return index;
  }

  /**
   * Reads an index written by {@link write}. `liveLabels` are the labels the caller still uses;
   * every other element in the file must be a deleted one. Throws a plain Error describing the
   * mismatch when the file does not fit (the caller turns it into a user-facing message).
   */
  static async read(path: string, dimension: number, params: HnswParams, liveLabels: Iterable<number>): Promise<VectorIndex> {
    checkVectorBytes(await readHeader(path), dimension);
    const index = new (hnswlib().HierarchicalNSW)('cosine', dimension);
    await index.readIndex(path, true);
    return VectorIndex.withLabels(index, dimension, params, liveLabels);
  }

  /** {@link read} without awaiting, for a lazily loaded index read by a synchronous caller. */
  static readSync(path: string, dimension: number, params: HnswParams, liveLabels: Iterable<number>): VectorIndex {
    checkVectorBytes(readHeaderSync(path), dimension);
    const index = new (hnswlib().HierarchicalNSW)('cosine', dimension);
    index.readIndexSync(path, true);
    return VectorIndex.withLabels(index, dimension, params, liveLabels);
  }

  private static withLabels(index: Hnswlib.HierarchicalNSW, dimension: number, params: HnswParams, liveLabels: Iterable<number>): VectorIndex {
    const present = new Set(index.getIdsList());
    const live = new Set<number>();
    for (const label of liveLabels) {
      if (!present.has(label)) throw new Error(`has no vector for label ${label}`);
      live.add(label);
    }
    return new VectorIndex(index, dimension, params, live);
  }


  /** Live (searchable) vectors. */
  get size(): number {
    return this.live.size;
  }

  /** Occupied slots, live and deleted. */
  get slots(): number {
    return this.index.getCurrentCount();
  }

  get deletedCount(): number {
    return this.slots - this.live.size;
  }

  get capacity(): number {
    return this.index.getMaxElements();
  }

  has(label: number): boolean {
    return this.live.has(label);
  }

  labels(): IterableIterator<number> {
    return this.live.values();
  }

  /** Makes sure `additional` more vectors fit without another resize (grows geometrically). */
  reserve(additional: number): void {
    const needed = this.slots + Math.max(0, additional - this.deletedCount);
    if (needed <= this.capacity) return;
    this.index.resizeIndex(Math.max(needed, Math.ceil(this.capacity * 1.5), 1024));
  }

  /** Adds a vector under a new label, reusing a deleted slot when there is one. */
  add(label: number, vector: Float32Array): void {
    if (vector.length !== this.dimension) {
      throw new Error(`vector has dimension ${vector.length}, index expects ${this.dimension}`);
    }
    if (this.live.has(label)) throw new Error(`label ${label} is already in use`);
    this.reserve(1);
    this.index.addPoint(Array.from(vector), label, this.deletedCount > 0);
    this.live.add(label);
    this.matrix = undefined;
  }

  /** Marks a label deleted: it disappears from searches, its slot is reused by a later add. */
  remove(label: number): void {
    if (!this.live.delete(label)) return;
    this.index.markDelete(label);
    this.matrix = undefined;
  }

  /** The stored (unit-length) vector of a live label. */
  vector(label: number): Float32Array | undefined {
    if (!this.live.has(label)) return undefined;
    return Float32Array.from(this.index.getPoint(label));
  }

  /** True when dead slots exceed {@link REBUILD_DELETED_FRACTION} of all slots. */
  needsRebuild(): boolean {
    return this.deletedCount > 0 && this.deletedCount > REBUILD_DELETED_FRACTION * this.slots;
  }

  /** A fresh graph holding only the live vectors (same labels). */
  rebuilt(): VectorIndex {
    const fresh = VectorIndex.create(this.dimension, this.params, Math.max(1024, Math.ceil(this.size * 1.25)));
    for (const label of [...this.live].sort((a, b) => a - b)) {
      fresh.index.addPoint(this.index.getPoint(label), label);
      fresh.live.add(label);
    }
    return fresh;
  }

  /** Writes the graph with hnswlib's own format (the caller makes it durable/atomic). */
  async write(path: string): Promise<void> {
    await this.index.writeIndex(path);
  }

  /** The `k` live labels most similar to `query`, most similar first. */
  search(query: Float32Array, k: number, options: VectorSearchOptions = {}): LabelHit[] {
    if (query.length !== this.dimension) {
      throw new Error(`query vector has dimension ${query.length}, index expects ${this.dimension}`);
    }
    const limit = Math.min(Math.floor(k), this.size);
    if (limit <= 0) return [];
    const exact = options.exact ?? this.size * nonZeroCount(query) <= EXACT_SEARCH_WORK;
    if (exact) return this.exactSearch(query, limit, options.filter);

    const hits = this.graphSearch(query, limit, options.ef, options.filter);
    // A selective filter can starve the graph walk; fall back to an exact scan of the survivors.
    if (options.filter !== undefined && hits.length < limit) return this.exactSearch(query, limit, options.filter);
    return hits;
  }

  /**
   * The graph walk alone: up to `limit` live labels, most similar first, with candidate list
   * size `ef` (default {@link efFor}). No exact fallback: a selective `filter` can return fewer.
   */
  graphSearch(query: Float32Array, limit: number, ef?: number, filter?: (label: number) => boolean): LabelHit[] {
    const live = this.live;
    this.index.setEf(Math.max(limit, ef ?? efFor(limit, this.size)));
    const result = this.index.searchKnn(
      Array.from(query),
      Math.min(limit, this.capacity),
      filter === undefined ? undefined : (label) => live.has(label) && filter(label),
    );
    const hits: LabelHit[] = [];
    for (let i = 0; i < result.neighbors.length; i++) {
      const label = result.neighbors[i]!;
      if (live.has(label)) hits.push({ label, similarity: 1 - result.distances[i]! });
    }
    return hits;
  }

  /** Exact top-k by scanning all live vectors. Ties break by label for stable output. */
  exactSearch(query: Float32Array, k: number, filter?: (label: number) => boolean): LabelHit[] {
    const { labels, data } = this.denseVectors();
    return scanTopK(query, k, labels, data, this.dimension, filter);
  }

  private denseVectors(): { labels: number[]; data: Float32Array } {
    if (this.matrix === undefined) {
      const labels = [...this.live].sort((a, b) => a - b);
      const data = new Float32Array(labels.length * this.dimension);
      labels.forEach((label, row) => data.set(this.index.getPoint(label), row * this.dimension));
      this.matrix = { labels, data };
    }
    return this.matrix;
  }
}

/**
 * The start of hnswlib's file header (little-endian size_t fields): offsetLevel0, maxElements,
 * elementCount, sizeDataPerElement, labelOffset, offsetData. hnswlib itself does not check the
 * vector size against the space it is given, so we do before handing it the file.
 */
async function readHeader(path: string): Promise<HnswHeader> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(48);
    const { bytesRead } = await handle.read(buffer, 0, 48, 0);
    return parseHeader(buffer, bytesRead);
  } finally {
    await handle.close();
  }
}

function readHeaderSync(path: string): HnswHeader {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(48);
    return parseHeader(buffer, readSync(fd, buffer, 0, 48, 0));
  } finally {
    closeSync(fd);
  }
}

interface HnswHeader {
  maxElements: number;
  elementCount: number;
  vectorBytes: number;
}

function parseHeader(buffer: Buffer, bytesRead: number): HnswHeader {
  if (bytesRead < 48) throw new Error('is too short to be an hnswlib index');
  const field = (i: number): number => Number(buffer.readBigUInt64LE(i * 8));
  return { maxElements: field(1), elementCount: field(2), vectorBytes: field(4) - field(5) };
}

function checkVectorBytes(header: HnswHeader, dimension: number): void {
  if (header.vectorBytes !== dimension * 4) {
    throw new Error(`holds ${header.vectorBytes / 4}-dimensional vectors, expected ${dimension}`);
  }
}
