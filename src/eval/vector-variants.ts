/**
 * The retrieval side of eval's trade-off rows: shorter (Matryoshka) and quantised copies of one
 * index's stored float vectors, searched exactly, and timing and counting wrappers for the
 * first-stage search and the reranker. Nothing here embeds a document: every copy is made from
 * the vectors the index already holds.
 */
import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import type { Chunk, StoredDocument } from '../model/document.js';
import type { Reranker, RerankOptions } from '../rerank/types.js';
import type { RetrievedChunk, Retriever } from '../retrieve/types.js';
import { nonZeroCount, scanTopK, type LabelHit } from '../store/exact-scan.js';
import { SparseColumns } from '../store/sparse-columns.js';
import { SimdDots } from '../store/simd-dots.js';
import { IndexStore } from '../store/index-store.js';
import { BinaryVectors, bytesPerVector, Int8Vectors, truncateQuery, truncateRows, type Precision } from '../store/quantized.js';
import type { IndexReader } from '../store/reader.js';

/** Every chunk's stored vector as one row-major matrix, label i = row i = entries[i]. */
export interface FullVectors {
  rows: Float32Array;
  dimension: number;
  entries: Array<{ chunk: Chunk; document: StoredDocument }>;
}

/** Reads the vectors of an HNSW-file index (PostgreSQL keeps them in the database: not supported). */
export async function readFullVectors(store: IndexReader): Promise<FullVectors> {
  if (!(store instanceof IndexStore)) {
    throw new RagError('usage', 'the dimensions and precision axes need the vectors in memory, which a PostgreSQL index does not give', {
      hint: 'evaluate these rows on an index folder (the default temporary folder works)',
      details: { advice: 'variants-need-memory' },
    });
  }
  await store.loadVectors();
  const dimension = store.manifest.model.dimension;
  const entries: FullVectors['entries'] = [];
  for await (const entry of store.allChunks()) entries.push(entry);
  const rows = new Float32Array(entries.length * dimension);
  entries.forEach(({ chunk }, i) => {
    const v = store.vectorOf(chunk.id);
    if (v === undefined) throw new Error(`index ${store.location} has no vector for chunk ${chunk.id}`);
    rows.set(v, i * dimension);
  });
  return { rows, dimension, entries };
}

/** A searchable copy of the vectors at one dimension and precision. */
export interface VectorVariant {
  dimension: number;
  precision: Precision;
  bytesPerVector: number;
  /** Bytes of all vectors at this dimension and precision (what the search holds in memory). */
  vectorBytes: number;
  search(query: Float32Array, k: number): LabelHit[];
}

/** Builds the copy: truncation (renormalised) first, then quantisation calibrated on these rows. */
export function makeVariant(full: FullVectors, dims: number | null, precision: Precision, rescore: number): VectorVariant {
  const n = full.entries.length;
  const d = dims ?? full.dimension;
  const rows = d === full.dimension ? full.rows : truncateRows(full.rows, full.dimension, n, d);
  const labels = Int32Array.from({ length: n }, (_, i) => i);
  const prepare = (q: Float32Array): Float32Array => (d === full.dimension ? q : truncateQuery(q, d));
  const common = { dimension: d, precision, bytesPerVector: bytesPerVector(precision, d), vectorBytes: n * bytesPerVector(precision, d) };
  if (precision === 'int8') {
    const int8 = Int8Vectors.fromRows(rows, d, labels);
    return { ...common, search: (q, k) => int8.search(prepare(q), k) };
  }
  if (precision === 'binary') {
    const binary = BinaryVectors.fromRows(rows, d, labels);
    const rowOf = (label: number): Float32Array => rows.subarray(label * d, (label + 1) * d);
    return { ...common, search: (q, k) => binary.search(prepare(q), k, rescore > 0 ? { candidates: rescore, rowOf } : { candidates: 0 }) };
  }
  // The WebAssembly SIMD kernel where it fits (it copies the rows once per variant), else the
  // store's JavaScript scan: the same exact top k either way.
  const kernel = SimdDots.supports(d, n) ? SimdDots.create() : undefined;
  const simd = kernel === undefined ? undefined : { kernel, version: 1 };
  // Built at the first sparse query (a row scores hundreds of them), kept for the row's life.
  let columns: SparseColumns | null | undefined;
  const columnsFor = (q: Float32Array): SparseColumns | undefined => {
    if (nonZeroCount(q) >= d / 4) return undefined;
    columns ??= SparseColumns.build(rows, d, n) ?? null;
    return columns ?? undefined;
  };
  return {
    ...common,
    search: (q, k) => {
      const query = prepare(q);
      return scanTopK(query, k, labels, rows, d, undefined, simd, columnsFor(query));
    },
  };
}

/** Milliseconds of each search, for p50/p95. */
export class Timings {
  readonly ms: number[] = [];
  add(ms: number): void {
    this.ms.push(ms);
  }
  percentile(p: number): number | null {
    if (this.ms.length === 0) return null;
    const sorted = [...this.ms].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  }
}

/**
 * Dense retrieval whose vector search (not the query embedding) is timed: over a variant, or
 * over the index's own search (HNSW) when `variant` is undefined.
 */
export class TimedDenseRetriever implements Retriever {
  readonly mode = 'dense' as const;
  constructor(
    private readonly store: IndexReader,
    private readonly embedder: Embedder,
    private readonly timings: Timings,
    private readonly variant?: { vectors: VectorVariant; entries: FullVectors['entries'] },
  ) {}

  async search(query: string, k: number): Promise<RetrievedChunk[]> {
    const vector = await this.embedder.embedQuery(query);
    const started = performance.now();
    if (this.variant === undefined) {
      const hits = await this.store.searchVector(vector, k);
      this.timings.add(performance.now() - started);
      return hits.map((hit) => ({ chunk: hit.chunk, document: hit.document, score: hit.similarity }));
    }
    const hits = this.variant.vectors.search(vector, k);
    this.timings.add(performance.now() - started);
    const entries = this.variant.entries;
    return hits.map((hit) => ({ chunk: entries[hit.label]!.chunk, document: entries[hit.label]!.document, score: hit.similarity }));
  }
}

/** A reranker whose calls are counted and timed (one call = one query's candidates). */
export class CountingReranker implements Reranker {
  calls = 0;
  readonly timings = new Timings();
  constructor(private readonly inner: Reranker) {}
  get id(): string {
    return this.inner.id;
  }
  get endpoint(): string {
    return this.inner.endpoint;
  }
  async rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<number[]> {
    const started = performance.now();
    const scores = await this.inner.rerank(query, documents, options);
    this.calls++;
    this.timings.add(performance.now() - started);
    return scores;
  }
}
