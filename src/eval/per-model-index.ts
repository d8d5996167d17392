/**
 * The indexes an evaluation scores: the dataset's documents loaded once, then one temporary
 * index per (model, chunking), in a work folder or as PostgreSQL tables.
 */
import path from 'node:path';
import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import type { ChunkCache } from '../ingest/chunk-cache.js';
import type { LoadNotice } from '../ingest/discover.js';
import { loadSources } from '../ingest/load.js';
import type { LoadedSources } from '../ingest/load.js';
import { writeDocuments } from '../ingest/pipeline.js';
import type { ChunkingOptions } from '../model/chunking.js';
import type { TextEncoding } from '../ingest/encoding.js';
import { openIndex } from '../store/open.js';
import type { IndexReader } from '../store/reader.js';
import type { LabeledDataset } from './dataset.js';
import type { EvalEvent } from './eval-options.js';

/**
 * The dataset's documents, loaded as `rag ingest` loads a folder (same discovery, loaders and
 * notices), so eval and ingest agree on what a folder holds.
 */
export async function loadDocuments(dataset: LabeledDataset, encoding: TextEncoding | undefined, onNotice: (notice: LoadNotice) => void): Promise<LoadedSources> {
  // No size limit: a labelled dataset is read whole on purpose, and one BEIR corpus.jsonl holds
  // every document (ingest's --max-file-size is about stray huge files in a folder).
  const loaded = await loadSources([dataset.documentsPath], {
    maxFileSize: Number.POSITIVE_INFINITY,
    ...(encoding === undefined ? {} : { encoding }),
    skipFiles: new Set(dataset.excludeFromDocuments.map((rel) => path.resolve(dataset.documentsPath, rel))),
    onNotice,
  });
  if (loaded.documents.length === 0) throw new RagError('dataset-invalid', `dataset ${dataset.root} has no documents to index`);
  return loaded;
}

/** The URL of eval's table for model `i`: `table=<table>_eval<i>`. */
export function evalTable(base: string, i: number): string {
  const url = new URL(base);
  url.searchParams.set('table', `${url.searchParams.get('table') ?? 'rag_chunks'}_eval${i}`);
  return url.href;
}

export interface BuiltIndex {
  store: IndexReader;
  /** Chunks embedded now (not served by the cache). */
  embedded: number;
  truncated: number;
  embedSeconds: number;
  chunkSeconds: number;
  /** Chunking + embedding + HNSW build. */
  buildSeconds: number;
  indexBytes: number;
}

/**
 * Builds the per-model index through ingest's own writer (change detection, chunk cache, embedding
 * groups), as one commit at the end and without fsync: the index is thrown away after the run.
 */
export async function buildIndex(
  embedder: Embedder,
  loaded: LoadedSources,
  chunking: ChunkingOptions,
  chunkCache: ChunkCache | undefined,
  location: string,
  lexical: boolean,
  emit: (e: EvalEvent) => void,
  signal?: AbortSignal,
): Promise<BuiltIndex> {
  const started = performance.now();
  let written: IndexReader | undefined;
  const { summary, timings } = await writeDocuments({
    location,
    embedder,
    chunking,
    loaded,
    paths: [],
    commitEvery: null,
    durable: false,
    ...(signal === undefined ? {} : { signal }),
    lexicalPostings: lexical,
    onCommitted: (committed) => (written = committed),
    chunkCache,
    onEvent: (event) => {
      if (event.type === 'embed-progress') emit(event);
      else if (event.type === 'warning') emit(event);
    },
  });
  // A directory's store is used as committed; reading its files back cost a warm eval 8%.
  const store = written ?? (await openIndex(location));
  return {
    store,
    embedded: summary.chunks.embedded,
    truncated: summary.chunks.truncated,
    embedSeconds: timings.embedSeconds,
    chunkSeconds: timings.chunkSeconds,
    buildSeconds: (performance.now() - started) / 1000,
    indexBytes: await store.sizeBytes(),
  };
}
