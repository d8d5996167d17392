/**
 * An index's vectors: the flat matrix (always; the source of truth) plus an HNSW graph over the
 * same labels only once the index is big enough for searches to use it.
 *
 * Why: building the graph is most of an ingest (SciFact with `hash`: 53.6 s of 57.7 s,
 * BENCHMARKS.md §2), yet below {@link EXACT_SEARCH_WORK} a search scans exactly and never
 * touches the graph. So the graph is built when a typical query would no longer be scanned,
 * see {@link wantsGraph}.
 */
import { nonZeroCount, type LabelHit } from './exact-scan.js';
import { FlatVectors } from './flat-vectors.js';
import { EXACT_SEARCH_WORK, VectorIndex, type HnswParams } from './hnsw.js';

/**
 * Whether an index of `count` vectors should have a graph, given the non-zero components a
 * typical query is expected to have (`expectedQueryNonZeros`) and whether it has one now.
 *
 * Rule: build when `count × expectedQueryNonZeros > work` (the scan budget, by default
 * {@link EXACT_SEARCH_WORK}): that is exactly when the search rule stops scanning such a query.
 * Once built, keep it until the product drops below half the budget, so an index hovering at the
 * threshold does not rebuild the graph on every other commit.
 *
 * The caller estimates `expectedQueryNonZeros` as the stored vectors' mean non-zero count, capped
 * by the dimension. Dense models give the dimension (1024-dim: graph from 4,097 vectors). Sparse
 * rows (under a quarter non-zero: the `hash` model's SciFact chunks have 299 of 4,096) are scanned
 * by column (SparseColumns, columns-file.ts), which visits only the entries where query and row
 * are both non-zero: the caller scales the estimate by the rows' density, so a `hash` index gets a
 * graph from ~190k chunks instead of 14k. Below that an exact column scan is both exact and
 * cheaper than a walk of a 4,096-dimensional graph, whose build was most of a big ingest (~600 s
 * and a second copy of every vector for a 68k-chunk file, BENCHMARKS.md §15).
 */
export function wantsGraph(count: number, expectedQueryNonZeros: number, hasGraph: boolean, work = EXACT_SEARCH_WORK): boolean {
  const product = count * expectedQueryNonZeros;
  if (count === 0) return false;
  return hasGraph ? product > work / 2 : product > work;
}

/** Flat vectors plus an optional graph, kept in step. */
export class StoredVectors {
  readonly dimension: number;
  readonly params: Readonly<HnswParams>;
  readonly flat: FlatVectors;
  private currentGraph: VectorIndex | undefined;
  /** Set when the graph was built, rebuilt or dropped since the last {@link markWritten}. */
  private graphReplaced = false;

  constructor(flat: FlatVectors, params: HnswParams, graph?: VectorIndex) {
    this.dimension = flat.dimension;
    this.params = { ...params };
    this.flat = flat;
    this.currentGraph = graph;
  }

  /** The HNSW graph, when this index has one. */
  get graph(): VectorIndex | undefined {
    return this.currentGraph;
  }

  get size(): number {
    return this.flat.size;
  }

  /** Whether the graph appeared, was rebuilt or went away since it was last written. */
  get graphChanged(): boolean {
    return this.graphReplaced;
  }

  markWritten(): void {
    this.graphReplaced = false;
  }

  reserve(additional: number): void {
    this.flat.reserve(additional);
    this.currentGraph?.reserve(additional);
  }

  add(label: number, vector: Float32Array): void {
    this.flat.add(label, vector);
    // The graph gets the normalised copy, so both hold the same vector.
    this.currentGraph?.add(label, this.flat.view(label)!);
  }

  remove(label: number): void {
    this.flat.remove(label);
    this.currentGraph?.remove(label);
  }

  vector(label: number): Float32Array | undefined {
    return this.flat.vector(label);
  }

  /**
   * Builds, rebuilds or drops the graph after a batch of changes: rebuilt from the flat vectors
   * when too many of its slots are dead, built when the index outgrew the scan budget
   * (`work`, see {@link wantsGraph}), dropped when it shrank well below it.
   */
  settle(work = EXACT_SEARCH_WORK): void {
    const meanNonZeros = this.flat.meanNonZeros();
    const expected = Math.min(this.dimension, meanNonZeros);
    const density = meanNonZeros < this.dimension / 4 ? meanNonZeros / this.dimension : 1;
    const want = wantsGraph(this.size, expected * density, this.currentGraph !== undefined, work);
    if (!want) {
      if (this.currentGraph !== undefined) {
        this.currentGraph = undefined;
        this.graphReplaced = true;
      }
      return;
    }
    if (this.currentGraph === undefined || this.currentGraph.needsRebuild()) {
      this.currentGraph = this.buildGraph();
      this.graphReplaced = true;
    }
  }

  /**
   * The `k` labels most similar to `query`. Without a graph, always an exact scan. With one, exact
   * while `size × nonZeroCount(query) <= EXACT_SEARCH_WORK` (or as `exact` says), else the graph
   * with the exact scan as fallback when a selective filter starves the walk.
   */
  search(query: Float32Array, k: number, options: { ef?: number; exact?: boolean; filter?: (label: number) => boolean } = {}): LabelHit[] {
    if (query.length !== this.dimension) {
      throw new Error(`query vector has dimension ${query.length}, index expects ${this.dimension}`);
    }
    const limit = Math.min(Math.floor(k), this.size);
    if (limit <= 0) return [];
    const graph = this.currentGraph;
    // Asking for every vector (or nearly: a graph walk cannot promise to reach them all) is a
    // full scan anyway, and only the scan is sure to return all of them.
    const wantsAll = limit * 2 >= this.size;
    const exact = graph === undefined || (options.exact ?? (wantsAll || this.size * nonZeroCount(query) <= EXACT_SEARCH_WORK));
    if (exact) return this.flat.exactSearch(query, limit, options.filter);
    const hits = graph.graphSearch(query, limit, options.ef, options.filter);
    // A walk that came back short (a selective filter, or a graph that cannot reach k): scan.
    if (hits.length < limit && options.exact !== false) return this.flat.exactSearch(query, limit, options.filter);
    return hits;
  }

  private buildGraph(): VectorIndex {
    const flat = this.flat;
    // Ascending labels: insertion order, so the same index always gives the same graph.
    const labels = [...flat.labels()].sort((a, b) => a - b);
    function* entries(): Generator<[number, Float32Array]> {
      for (const label of labels) yield [label, flat.view(label)!];
    }
    return VectorIndex.build(this.dimension, this.params, labels.length, entries());
  }
}
