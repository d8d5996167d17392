/**
 * What both stores (the HNSW files and PostgreSQL) share on the write side: what an index is
 * created with, the staged changes of one write callback, and the fields of a new manifest.
 * Each store commits the staged operations its own way.
 */
import type { ChunkingOptions } from '../model/chunking.js';
import { assertCompatible } from '../model/compatibility.js';
import type { Chunk, StoredDocument } from '../model/document.js';
import type { ModelInfo } from '../model/model-info.js';
import { DEFAULT_HNSW_PARAMS, type HnswParams } from './hnsw.js';
import type { Manifest } from './manifest.js';
import type { IndexInfo, IndexReader, IndexWriter } from './reader.js';
import type { SourceFileRecord } from './sources-file.js';

/** What a new index is created with, and what an existing one must match. */
export interface IndexInit {
  model: ModelInfo;
  modelFingerprint: string;
  chunking: ChunkingOptions;
  /** Graph parameters for a new index (an existing index keeps its own). */
  hnsw?: { M?: number; efConstruction?: number };
}

/** @internal One staged change to a document. */
export type Operation =
  | { kind: 'remove'; docId: string }
  | { kind: 'put'; docId: string; doc: StoredDocument; chunks: Chunk[]; vectors: Float32Array[] };

/**
 * @internal The changes a write callback stages, the latest per document, checked as they come;
 * each store commits them its own way (`commitStaged`). Shared by the files and PostgreSQL.
 */
export class Transaction<S extends IndexReader = IndexReader> implements IndexWriter {
  readonly store: S;
  /** Latest operation per document, in the order documents were last touched. */
  readonly operations = new Map<string, Operation>();
  private stats: Buffer | undefined;
  private closed = false;
  private committing = false;
  private readonly dimension: number;
  private readonly commitStaged: (operations: Iterable<Operation>, stats: Buffer | undefined) => Promise<void>;

  private readonly uncommitted: () => boolean;

  /**
   * `commitStaged` writes staged operations as one commit; `uncommitted` says whether the store
   * was never committed (then even an empty commit must write it).
   */
  constructor(
    store: S,
    dimension: number,
    commitStaged: (operations: Iterable<Operation>, stats: Buffer | undefined) => Promise<void>,
    uncommitted: () => boolean = () => false,
  ) {
    this.store = store;
    this.dimension = dimension;
    this.commitStaged = commitStaged;
    this.uncommitted = uncommitted;
  }

  async commit(): Promise<void> {
    this.assertOpen();
    if (this.committing) throw new Error('this index transaction is already committing');
    const stats = this.statsChange();
    if (this.operations.size === 0 && stats === undefined && !this.uncommitted()) return;
    this.committing = true;
    try {
      await this.commitStaged([...this.operations.values()], stats);
      this.operations.clear();
      this.stats = undefined;
    } finally {
      this.committing = false;
    }
  }

  removeDocument(docId: string): void {
    this.assertOpen();
    this.operations.delete(docId);
    if (this.store.getDocument(docId) !== undefined) this.operations.set(docId, { kind: 'remove', docId });
  }

  putDocument(doc: StoredDocument, chunks: Chunk[], vectors: Float32Array[]): void {
    this.assertOpen();
    checkPut(doc, chunks, vectors, this.dimension);
    this.operations.delete(doc.docId);
    this.operations.set(doc.docId, { kind: 'put', docId: doc.docId, doc: { ...doc, chunkIds: [...doc.chunkIds] }, chunks: [...chunks], vectors: [...vectors] });
  }

  setCorpusStatistics(data: Buffer): void {
    this.assertOpen();
    this.stats = Buffer.from(data);
  }

  /** Staged by {@link setSourceFiles}; only the HNSW-file store keeps them (read at its final commit). */
  sourceFiles: SourceFileRecord[] | undefined;

  setSourceFiles(records: SourceFileRecord[]): void {
    this.assertOpen();
    this.sourceFiles = records;
  }

  /** The statistics to write, or undefined when unchanged. */
  statsChange(): Buffer | undefined {
    const before = this.store.corpusStatistics();
    if (this.stats === undefined || (before !== undefined && before.equals(this.stats))) return undefined;
    return this.stats;
  }

  close(): void {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('this index transaction has already been committed');
    if (this.committing) throw new Error('this index transaction is committing; wait for commit() before staging more');
  }
}

/**
 * Throws (a bug in the caller, not a user error) unless `chunks` and `vectors` fit `doc` and the
 * index's dimension. Shared by both stores' transactions.
 */
function checkPut(doc: StoredDocument, chunks: readonly Chunk[], vectors: readonly Float32Array[], dimension: number): void {
  const where = `document ${JSON.stringify(doc.docId)}`;
  if (vectors.length !== chunks.length) throw new Error(`${where}: ${chunks.length} chunks but ${vectors.length} vectors`);
  if (doc.chunkIds.length !== chunks.length || chunks.some((c, i) => c.id !== doc.chunkIds[i] || c.docId !== doc.docId)) {
    throw new Error(`${where}: chunkIds must list the ids of its chunks in order, and each chunk's docId must be the document's`);
  }
  if (new Set(doc.chunkIds).size !== doc.chunkIds.length) throw new Error(`${where}: duplicate chunk ids`);
  for (const v of vectors) {
    if (v.length !== dimension) throw new Error(`${where}: vector of dimension ${v.length}, index uses ${dimension}`);
    if (!v.every(Number.isFinite)) throw new Error(`${where}: vector with NaN or infinite values`);
  }
}

/**
 * @internal What every store's manifest holds for a new, empty index; each store adds its
 * format version, generation and (the files) where its data lives.
 */
export function newManifestFields(init: IndexInit): Omit<Manifest, 'formatVersion' | 'generation' | 'files'> {
  const now = new Date().toISOString();
  const params = hnswParams(init);
  return {
    createdAt: now,
    updatedAt: now,
    model: init.model,
    modelFingerprint: init.modelFingerprint,
    chunking: { ...init.chunking },
    hnsw: { space: 'cosine', M: params.M, efConstruction: params.efConstruction, maxElements: 0 },
    counts: { documents: 0, chunks: 0 },
  };
}

/** @internal M and efConstruction for a new index. */
export function hnswParams(init: IndexInit): HnswParams {
  return {
    M: init.hnsw?.M ?? DEFAULT_HNSW_PARAMS.M,
    efConstruction: init.hnsw?.efConstruction ?? DEFAULT_HNSW_PARAMS.efConstruction,
  };
}

/** The one compatibility rule (model/compatibility.ts), for a write of `init` into `store`. */
export function assertWritable(store: { readonly location: string; readonly manifest: IndexInfo }, init: IndexInit): void {
  assertCompatible(store.location, store.manifest, { modelId: init.model.id, modelFingerprint: init.modelFingerprint, chunking: init.chunking });
}

