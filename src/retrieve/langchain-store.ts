/**
 * A rag index (the HNSW files or pgvector) as a LangChain `VectorStore`, so an app serves the
 * index it just evaluated: `(await RagVectorStore.open('.rag')).asRetriever({ k: 5 })`. Queries
 * are embedded by the index's own model (prefixes, corpus statistics and endpoint included), the
 * same way `rag query` does. Read-only: documents are added with `rag ingest`, which keeps the
 * model guard, chunking and incremental updates that `addDocuments` could not.
 */
import type { DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { VectorStore } from '@langchain/core/vectorstores';
import { toLangChainEmbeddings } from '../embed/langchain.js';
import { openModelFor, type ModelChoice } from '../embed/open-model.js';
import type { Embedder, ResolveOptions } from '../embed/types.js';
import { RagError } from '../errors.js';
import { openIndex, type OpenIndexOptions } from '../store/open.js';
import type { IndexReader, SearchHit } from '../store/reader.js';
import { DEFAULT_INDEX_DIR } from '../store/index-path.js';

/** What a retrieved chunk carries besides its text (`Document.metadata`). */
export interface RagDocumentMetadata {
  docId: string;
  chunkId: string;
  source: string;
  title: string | undefined;
  page: number | null;
  headings: string[];
  start: number;
  end: number;
  /** Cosine similarity to the query, higher is better. */
  score: number;
}

/** A filter over retrieved chunks; the store fetches more candidates to still return `k`. */
export type RagDocumentFilter = (metadata: RagDocumentMetadata) => boolean;

export interface RagVectorStoreOptions extends OpenIndexOptions {
  /** Model to embed queries with; default the one the index was built with (it must match). */
  model?: ModelChoice;
  /** How to open that model (offline, base URL, cache dir ...). */
  modelOptions?: ResolveOptions;
}

/** How many times `k` candidates a filtered search looks at before giving up on filling `k`. */
const FILTER_OVERFETCH = 4;

export class RagVectorStore extends VectorStore {
  declare FilterType: RagDocumentFilter;
  readonly reader: IndexReader;
  readonly embedder: Embedder;

  /** Use {@link RagVectorStore.open}; this takes an index and model that are already open. */
  constructor(reader: IndexReader, embedder: Embedder, embeddings: EmbeddingsInterface = toLangChainEmbeddings(embedder)) {
    super(embeddings, {});
    this.reader = reader;
    this.embedder = embedder;
  }

  /** Opens the index at `location` (a folder, default `.rag`, or a postgres:// URL) and its model. */
  static async open(location: string = DEFAULT_INDEX_DIR, options: RagVectorStoreOptions = {}): Promise<RagVectorStore> {
    const reader = await openIndex(location, options);
    try {
      if (reader.chunkCount === 0) throw new RagError('index-empty', `index ${reader.location} is empty`, { hint: 'ingest documents into it first' });
      const embedder = await openModelFor(reader, options.model, options.modelOptions);
      const stats = reader.corpusStatistics();
      if (embedder.corpusStatistics && stats) embedder.corpusStatistics.load(stats);
      return new RagVectorStore(reader, embedder);
    } catch (error) {
      await reader.close();
      throw error;
    }
  }

  _vectorstoreType(): string {
    return 'rag';
  }

  async similaritySearchVectorWithScore(query: number[], k: number, filter?: RagDocumentFilter): Promise<[DocumentInterface<RagDocumentMetadata>, number][]> {
    if (!Number.isInteger(k) || k < 1) throw new RagError('usage', `k must be a positive integer, got ${k}`);
    const wanted = filter === undefined ? k : Math.min(k * FILTER_OVERFETCH, this.reader.chunkCount);
    const hits = await this.reader.searchVector(Float32Array.from(query), wanted);
    const documents = hits.map(toDocument);
    const kept = filter === undefined ? documents : documents.filter(([doc]) => filter(doc.metadata));
    return kept.slice(0, k);
  }

  addVectors(_vectors: number[][], _documents: DocumentInterface[]): Promise<void> {
    return Promise.reject(readOnly());
  }

  addDocuments(_documents: DocumentInterface[]): Promise<void> {
    return Promise.reject(readOnly());
  }

  /** Releases the index (connections for PostgreSQL). */
  close(): Promise<void> {
    return this.reader.close();
  }
}

function toDocument(hit: SearchHit): [DocumentInterface<RagDocumentMetadata>, number] {
  const { chunk, document, similarity } = hit;
  const metadata: RagDocumentMetadata = {
    docId: chunk.docId,
    chunkId: chunk.id,
    source: document.source,
    title: document.title,
    page: chunk.page,
    headings: chunk.headings,
    start: chunk.start,
    end: chunk.end,
    score: similarity,
  };
  return [{ pageContent: chunk.text, metadata, id: chunk.id }, similarity];
}

function readOnly(): RagError {
  return new RagError('usage', 'RagVectorStore is read-only', { hint: 'add documents with ingest(), then open the store again' });
}
