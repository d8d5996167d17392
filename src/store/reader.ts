/**
 * What the pipeline, the retrievers, `query` and `eval` need from an index, whichever store
 * holds it: the HNSW files in a directory ({@link IndexStore}) or a PostgreSQL table with
 * pgvector ({@link PgIndex}). open.ts picks the store from the `--index` location.
 */
import type { Chunk } from '../model/document.js';
import type { StoredDocument } from '../model/document.js';
import type { ScriptFold } from '../text/script-fold.js';
import type { Manifest } from './manifest.js';
import type { SourceFileRecord } from './sources-file.js';

/** The manifest fields both stores keep: what the index was built with, and its size. */
export type IndexInfo = Pick<Manifest, 'model' | 'modelFingerprint' | 'chunking' | 'hnsw' | 'counts'>;

/**
 * {@link IndexReader.lexicalPostings}: the BM25 analysis of every chunk, by entry (0 .. count-1).
 * Posting lists are read per term, so a query touches only its own terms.
 */
export interface StoredPostings {
  /** Number of chunks: the N of BM25. */
  readonly count: number;
  /** Entry i's token count, the |d| of BM25. */
  readonly lengths: ArrayLike<number>;
  /** The sum of {@link lengths}. */
  readonly totalLength: number;
  /** [entry, tf, entry, tf, ...], entries ascending; undefined when no chunk has `term`. */
  postings(term: string): ArrayLike<number> | undefined;
  /** Entry i's chunk id, without decoding the chunk (ties are broken by id). */
  chunkId(entry: number): string;
  /** Entry i's chunk and document. */
  entry(entry: number): { chunk: Chunk; document: StoredDocument };
}

/** One search result. */
export interface SearchHit {
  chunk: Chunk;
  document: StoredDocument;
  /** Cosine similarity of the chunk's vector to the query, higher is better (1 = same direction). */
  similarity: number;
}

/** A read-only view of an index. */
export interface IndexReader {
  /** Where the index is, as shown to users: a directory, or a PostgreSQL URL without its password. */
  readonly location: string;
  readonly manifest: IndexInfo;
  readonly documentCount: number;
  readonly chunkCount: number;
  /** All documents (kept in memory by both stores: one small row per document). */
  documents(): Iterable<StoredDocument>;
  getDocument(docId: string): StoredDocument | undefined;
  /** The chunks of one document, in order. */
  chunksOf(document: StoredDocument): Promise<Chunk[]>;
  /** Every chunk with its document, document by document (BM25 indexes them in memory). */
  allChunks(): AsyncIterable<{ chunk: Chunk; document: StoredDocument }>;
  /** The model's corpus statistics blob, if one was stored. */
  corpusStatistics(): Buffer | undefined;
  /**
   * BM25 postings stored at ingest for this script fold, when the index has them (HNSW files
   * written by this version; never PostgreSQL): BM25 then skips analysing every chunk.
   */
  lexicalPostings?(scriptFold: ScriptFold): Promise<StoredPostings | undefined>;
  /**
   * The `k` chunks most similar to `vector`, most similar first. `ef` is the HNSW candidate list
   * size (default `efFor(k, chunkCount)`, hnsw.ts), ignored where the search is exact.
   */
  searchVector(vector: Float32Array, k: number, options?: { ef?: number }): Promise<SearchHit[]>;
  /** Bytes the index occupies (files, or table + indexes + TOAST). */
  sizeBytes(): Promise<number>;
  /** Releases connections (a no-op for the files). */
  close(): Promise<void>;
}

/**
 * Changes to an index, committed when the write callback returns, and earlier in batches when
 * the callback calls {@link IndexWriter.commit}.
 */
export interface IndexWriter {
  /** The index as last committed (empty for a new index); unchanged while changes are staged. */
  readonly store: IndexReader;
  /** Removes a document and its chunks (no-op if absent). */
  removeDocument(docId: string): void;
  /**
   * Adds a document with its chunks and one vector per chunk, replacing an existing document
   * with the same id. `doc.chunkIds` must list `chunks`' ids in order.
   */
  putDocument(doc: StoredDocument, chunks: Chunk[], vectors: Float32Array[]): void;
  /** Replaces the model's corpus statistics blob. */
  setCorpusStatistics(data: Buffer): void;
  /**
   * What the ingested files looked like (path, size, SHA-256, the documents loaded from each),
   * written with the final commit for the next run's unchanged check. Stores that do not keep
   * them ignore it.
   */
  setSourceFiles?(records: SourceFileRecord[]): void;
  /**
   * Commits the changes staged so far, still holding the writer's lock; later changes go into
   * the next commit. A long ingest calls this per batch so that a crash or Ctrl-C keeps the
   * batches already done. Does nothing when nothing is staged.
   */
  commit(): Promise<void>;
}
