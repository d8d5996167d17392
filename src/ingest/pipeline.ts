import path from 'node:path';
import type { ResolveOptions } from '../embed/registry.js';
import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import { IndexStore, writeIndex } from '../store/index-store.js';
import type { StoredDocument } from '../store/index-store.js';
import { discoverFiles } from './discover.js';
import type { LoadNotice } from './discover.js';
import { FileLoadError, loadFile } from './loaders/index.js';
import { characterLength, chunkDocument } from './chunk.js';
import type { Chunk, ChunkingOptions, LoadedDocument } from './types.js';
import { chunkingFor, DEFAULT_INDEX_DIR, openModelFor } from './settings.js';
import type { ModelChoice } from './settings.js';

/** What `ingest` reports while it works; the CLI turns these into a progress bar and notices. */
export type IngestEvent =
  | { type: 'model'; modelId: string }
  | { type: 'notice'; notice: LoadNotice }
  /** Something the user should know that is not a per-file notice. */
  | { type: 'warning'; message: string }
  | { type: 'loaded'; files: number; documents: number }
  | { type: 'embed-progress'; done: number; total: number }
  /** Embedding is done; the HNSW graph is being updated and written (can take a while for big batches). */
  | { type: 'indexing'; chunks: number };

export interface IngestOptions {
  /** Files or directories to ingest; directories are walked recursively. */
  paths: string[];
  /** Index directory (default `.rag` in the current directory). */
  index?: string;
  /**
   * Model alias/spec or an Embedder. Default: the model the index was built with, or `hash`
   * for a new index.
   */
  model?: ModelChoice;
  /** How to load the model (dtype, pooling, offline, base URL ...). */
  modelOptions?: ResolveOptions;
  /** Chunk size in the model's tokens (characters when the model has no tokenizer). */
  chunkSize?: number;
  chunkOverlap?: number;
  /**
   * Measure chunks in the model's tokens (default when it has a tokenizer) or in characters
   * (as LangChain's splitters do; the only choice for models without a tokenizer).
   */
  chunkUnit?: ChunkingOptions['lengthUnit'];
  include?: string[];
  exclude?: string[];
  /** How long to wait for another writer to release the index lock. */
  lockTimeoutMs?: number;
  /** Cache document vectors on disk (default true; only for models where it pays). */
  cache?: boolean;
  /** Directory of the embedding cache (default: the user cache directory). */
  cacheDir?: string;
  onEvent?: (event: IngestEvent) => void;
}

export interface IngestSummary {
  index: string;
  model: string;
  modelFingerprint: string;
  chunking: ChunkingOptions;
  documents: {
    added: number;
    updated: number;
    unchanged: number;
    removed: number;
    /** Files not loaded: unsupported type, binary, or failed to parse (see `notices`). */
    skipped: number;
    failed: number;
  };
  chunks: {
    /** Chunks embedded in this run. */
    embedded: number;
    /** Chunks that exceeded the model's maximum tokens and were truncated when embedded. */
    truncated: number;
    removed: number;
    /** Chunks in the index after this run. */
    total: number;
  };
  notices: LoadNotice[];
  /** E.g. documents that replaced one of the same id ingested from another path. */
  warnings: string[];
  seconds: number;
}

interface LoadedBatch {
  documents: Array<{ doc: LoadedDocument; origin: string }>;
  /** `origin\0relPath` of files that failed: their previously stored documents are kept. */
  failedFiles: Set<string>;
  notices: LoadNotice[];
  fileCount: number;
}

/**
 * Loads, chunks, embeds and stores documents, touching only what changed since the last run:
 * unchanged documents (same content hash) are skipped, changed ones re-embedded, and documents
 * that disappeared from the ingested paths removed. The whole run holds the index lock and
 * commits atomically, so a crash leaves the index as it was before.
 */
export async function ingest(options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const indexDir = path.resolve(options.index ?? DEFAULT_INDEX_DIR);
  const emit = options.onEvent ?? (() => undefined);
  const existing = (await IndexStore.exists(indexDir)) ? await IndexStore.open(indexDir) : undefined;

  // Fail on a wrong model before reading any document.
  const embedder = await openModelFor(existing, options.model, {
    ...options.modelOptions,
    cache: options.cache ?? true,
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
  });
  emit({ type: 'model', modelId: embedder.info.id });
  const chunking = chunkingFor(existing, embedder, options);

  const loaded = await loadAll(options, emit);
  const lengthOf = embedder.countTokens && chunking.lengthUnit === 'tokens'
    ? (text: string) => embedder.countTokens!(text)
    : undefined;

  try {
    const summary = await writeIndex(
      indexDir,
      { model: embedder.info, modelFingerprint: embedder.fingerprint, chunking },
      async (tx) => {
        const before = tx.store;
        const stats = embedder.corpusStatistics;
        const previousStats = before.corpusStatistics();
        if (stats && previousStats) stats.load(previousStats);

        const counts = { added: 0, updated: 0, unchanged: 0, removed: 0 };
        let removedChunks = 0;
        const seen = new Set<string>();
        const warnings: string[] = [];
        const toEmbed: Array<{ stored: StoredDocument; chunks: Chunk[]; replaces: boolean }> = [];

        for (const { doc, origin } of loaded.documents) {
          if (seen.has(doc.docId)) {
            throw new RagError(
              `two documents have the id "${doc.docId}" (the second from ${doc.source}); ingest them into separate --index directories or rename one`,
            );
          }
          seen.add(doc.docId);
          const old = before.getDocument(doc.docId);
          if (old && old.origin !== origin) {
            // Ids are paths relative to the ingested folder, so two folders can both have `a.md`.
            // Replacing is right when a folder moved; say so, since it is wrong when they differ.
            const message = `${doc.docId} from ${origin} replaces the document of the same id ingested from ${old.origin}`;
            warnings.push(message);
            emit({ type: 'warning', message });
          }
          if (old && old.contentHash === doc.contentHash) {
            counts.unchanged++;
            continue;
          }
          const chunks = chunkDocument(doc, chunking, lengthOf ?? characterLength);
          const stored: StoredDocument = {
            docId: doc.docId,
            source: doc.source,
            origin,
            format: doc.format,
            contentHash: doc.contentHash,
            chunkIds: chunks.map((c) => c.id),
            ...(doc.title === undefined ? {} : { title: doc.title }),
          };
          toEmbed.push({ stored, chunks, replaces: old !== undefined });
        }

        // Documents previously ingested from these same paths that are gone now.
        const origins = new Set(loaded.documents.map((d) => d.origin));
        for (const p of options.paths) origins.add(path.resolve(p));
        for (const old of before.documents()) {
          if (seen.has(old.docId) || !origins.has(old.origin)) continue;
          if (loaded.failedFiles.has(`${old.origin}\0${fileOfSource(old)}`)) continue;
          removedChunks += dropDocument(tx, before, old, stats);
          counts.removed++;
        }

        const texts = toEmbed.flatMap((d) => d.chunks.map((c) => c.text));
        const result = texts.length
          ? await embedder.embedDocuments(texts, {
              onProgress: (p) => emit({ type: 'embed-progress', done: p.done, total: p.total }),
            })
          : { vectors: [], truncated: 0 };
        if (result.vectors.length !== texts.length) {
          throw new Error(`model ${embedder.info.id} returned ${result.vectors.length} vectors for ${texts.length} texts`);
        }

        let offset = 0;
        for (const { stored, chunks, replaces } of toEmbed) {
          if (replaces) {
            const old = before.getDocument(stored.docId);
            if (old) removedChunks += dropDocument(tx, before, old, stats);
            counts.updated++;
          } else {
            counts.added++;
          }
          tx.putDocument(stored, chunks, result.vectors.slice(offset, offset + chunks.length));
          stats?.add(chunks.map((c) => c.text));
          offset += chunks.length;
        }
        if (stats) tx.setCorpusStatistics(stats.serialize());
        if (texts.length > 0) emit({ type: 'indexing', chunks: texts.length });

        const total = before.chunkCount - removedChunks + texts.length;
        return {
          index: indexDir,
          model: embedder.info.id,
          modelFingerprint: embedder.fingerprint,
          chunking,
          documents: {
            ...counts,
            skipped: loaded.notices.filter((n) => n.kind === 'skipped').length,
            failed: loaded.notices.filter((n) => n.kind === 'failed').length,
          },
          chunks: { embedded: texts.length, truncated: result.truncated, removed: removedChunks, total },
          notices: loaded.notices,
          warnings,
          seconds: 0,
        };
      },
      options.lockTimeoutMs === undefined ? undefined : { lockTimeoutMs: options.lockTimeoutMs },
    );
    // Measured after the commit: building and writing the HNSW graph is often most of the run.
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  } finally {
    await embedder.dispose?.();
  }
}


/** The file (relative to its origin) a stored document was loaded from. */
function fileOfSource(doc: StoredDocument): string {
  const hash = doc.source.indexOf('#');
  return hash === -1 ? doc.docId : doc.source.slice(0, hash);
}

function dropDocument(
  tx: { removeDocument(docId: string): void },
  before: IndexStore,
  doc: StoredDocument,
  stats: Embedder['corpusStatistics'],
): number {
  if (stats) {
    const texts: string[] = [];
    for (const id of doc.chunkIds) {
      const chunk = before.getChunk(id);
      if (chunk) texts.push(chunk.text);
    }
    stats.remove(texts);
  }
  tx.removeDocument(doc.docId);
  return doc.chunkIds.length;
}

async function loadAll(options: IngestOptions, emit: (e: IngestEvent) => void): Promise<LoadedBatch> {
  const discovered = await discoverFiles(options.paths, {
    ...(options.include === undefined ? {} : { include: options.include }),
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
  });
  const notices = [...discovered.notices];
  for (const n of discovered.notices) emit({ type: 'notice', notice: n });
  const documents: LoadedBatch['documents'] = [];
  const failedFiles = new Set<string>();
  for (const file of discovered.files) {
    try {
      const { documents: docs } = await loadFile(file);
      for (const doc of docs) documents.push({ doc, origin: file.origin });
    } catch (error) {
      if (!(error instanceof RagError)) throw error;
      const reason = error instanceof FileLoadError ? error.reason : error.message;
      const notice: LoadNotice = { path: file.absPath, kind: 'failed', reason };
      notices.push(notice);
      emit({ type: 'notice', notice });
      failedFiles.add(`${file.origin}\0${file.relPath}`);
    }
  }
  emit({ type: 'loaded', files: discovered.files.length, documents: documents.length });
  return { documents, failedFiles, notices, fileCount: discovered.files.length };
}
