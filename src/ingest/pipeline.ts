import type { TextEncoding } from './encoding.js';
import path from 'node:path';
import type { ResolveOptions } from '../embed/types.js';
import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import type { StoredDocument } from '../model/document.js';
import { writeAnyIndex } from '../store/open.js';
import { displayLocation } from '../store/pg/location.js';
import type { IndexReader, IndexWriter } from '../store/reader.js';
import { CommitSchedule, embedGroups } from './commit-schedule.js';
import type { CommitEvery } from './commit-schedule.js';
import { IngestInterruptedError } from './interrupted.js';
import type { LoadNotice, SourceFile } from './discover.js';
import { loadSources } from './load.js';
import { sourceRecords } from './unchanged.js';
import { startIngest, type IngestStart } from './start-ingest.js';
import type { SourceFileRecord } from '../store/sources-file.js';
import type { LoadedSources } from './load.js';
import { ChunkCache } from './chunk-cache.js';
import { defaultCacheDir } from '../embed/cache-dir.js';
import { countByCode, failedThisRun } from './failures.js';
import type { NoticeCode } from './failures.js';
import { characterLength, chunkDocument } from './chunk.js';
import type { Chunk } from '../model/document.js';
import type { ChunkingOptions } from '../model/chunking.js';
import type { ModelChoice } from '../embed/open-model.js';
import { ragWarning, type RagWarning } from '../warnings.js';

/** What `ingest` reports while it works; the CLI turns these into a progress bar and notices. */
export type IngestEvent =
  | { type: 'model'; modelId: string }
  | { type: 'notice'; notice: LoadNotice }
  /** Something the user should know that is not a per-file notice (`message` is its English). */
  | ({ type: 'warning' } & RagWarning)
  | { type: 'loaded'; files: number; documents: number }
  | { type: 'embed-progress'; done: number; total: number }
  /** Embedding is done; the HNSW graph is being updated and written (can take a while for big batches). */
  | { type: 'indexing'; chunks: number }
  /** A batch was committed during the run: `documents` of the `total` new or changed documents are stored. */
  | { type: 'committed'; documents: number; total: number };

export interface IngestOptions {
  /** Files or directories to ingest; directories are walked recursively. */
  paths: string[];
  /**
   * Index directory (default `.rag` in the current directory), or a PostgreSQL URL
   * `postgres://USER@HOST:PORT/DB?table=NAME` (pgvector; see README).
   */
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
  /** Files larger than this many bytes are not read (default 50 MiB, `DEFAULT_MAX_FILE_SIZE`). */
  maxFileSize?: number;
  /** Decode text files as this encoding instead of detecting it (`--encoding`); a BOM still wins. */
  encoding?: TextEncoding;
  /**
   * When to commit during a long run, so a crash or interrupt keeps the work done (default: about
   * once a minute). Each commit rewrites the index files.
   */
  commitEvery?: CommitEvery;
  /**
   * Build the index from scratch from `paths`: for a damaged index, or to re-embed everything.
   * The old index's files are not read (its manifest only, if readable, for the model and
   * chunking when not given) and stay until the rebuilt index replaces them in one commit.
   * Documents of other paths in the old index are not kept.
   */
  rebuild?: boolean;
  /**
   * Stops the run at the next safe point (between files or embedding batches, never inside a
   * commit) with an {@link IngestInterruptedError}; batches committed before are kept.
   */
  signal?: AbortSignal;
  onEvent?: (event: IngestEvent) => void;
  /**
   * Called just before each listed file is read. Tests use it to change the folder under a
   * running ingest (e.g. delete the file) at a known moment.
   */
  onBeforeRead?: (file: SourceFile) => void | Promise<void>;
}

export interface IngestSummary {
  /** The index directory, or the PostgreSQL URL without its password. */
  index: string;
  model: string;
  modelFingerprint: string;
  chunking: ChunkingOptions;
  documents: {
    added: number;
    updated: number;
    unchanged: number;
    removed: number;
    /** Files not loaded on purpose: unsupported type, binary, empty, vanished ... (see `notices`). */
    skipped: number;
    /** Files whose content could not be indexed: corrupt, encrypted, no text, too large, unreadable. */
    failed: number;
  };
  /** Notices per reason (skipped, failed and ingested with a warning), e.g. `{"encrypted": 1}`. */
  byReason: Partial<Record<NoticeCode, number>>;
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

/**
 * Loads, chunks, embeds and stores documents, touching only what changed since the last run:
 * unchanged documents (same content hash) are skipped, changed ones re-embedded, and documents
 * that disappeared from the ingested paths removed. The whole run holds the index lock and
 * commits in atomic batches (see `commitEvery`), so a crash leaves the last committed batch and a
 * re-run finishes the rest.
 */
export async function ingest(options: IngestOptions): Promise<IngestSummary> {
  const begun = await startIngest(options);
  return 'done' in begun ? begun.done : continueIngest(options, begun.start);
}

/**
 * @internal {@link ingest} after {@link startIngest} found something to do: loads the files and
 * writes what changed. The CLI calls the two halves itself so that an unchanged re-ingest never
 * loads this module (loaders, chunking, the writer).
 */
export async function continueIngest(options: IngestOptions, start: IngestStart): Promise<IngestSummary> {
  const { started, indexDir, emit, existing, rebuild, embedder, chunking, encoding, hashed } = start;
  const loaded = await loadSources(options.paths, {
    ...(options.include === undefined ? {} : { include: options.include }),
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
    ...(options.maxFileSize === undefined ? {} : { maxFileSize: options.maxFileSize }),
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onBeforeRead === undefined ? {} : { onBeforeRead: options.onBeforeRead }),
    onNotice: (notice) => emit({ type: 'notice', notice }),
  });
  emit({ type: 'loaded', files: loaded.fileCount, documents: loaded.documents.length });
  // A new (or rebuilt) index embeds every document: load the model before anything is created,
  // so a broken model leaves no empty index folder behind.
  if ((existing === undefined || rebuild) && loaded.documents.length > 0) await embedder.load?.();

  try {
    const { summary } = await writeDocuments({
      location: indexDir,
      embedder,
      chunking,
      loaded,
      paths: options.paths,
      commitEvery: rebuild ? null : options.commitEvery,
      ...(rebuild ? { rebuild } : {}),
      ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
      chunkCache: await openChunkCache(embedder, chunking, options),
      ...(hashed === undefined ? {} : { sourceFiles: await sourceRecords(hashed.files, hashed.hashes, loaded, encoding) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onEvent: emit,
    });
    // Measured after the commit: building and writing the HNSW graph is often most of the run.
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  } finally {
    await embedder.dispose?.();
  }
}

/**
 * What {@link writeDocuments} stores where: loaded documents into the index at `location`
 * (resolved), with `embedder` and `chunking` already chosen by the caller.
 */
export interface WritePlan {
  location: string;
  embedder: Embedder;
  chunking: ChunkingOptions;
  loaded: LoadedSources;
  /** The ingested paths: stored documents from these origins that are gone now are removed. */
  paths: readonly string[];
  /** `undefined` = the default schedule, `null` = one commit at the end. */
  commitEvery: CommitEvery | null | undefined;
  rebuild?: boolean;
  lockTimeoutMs?: number;
  /** Directories only: false for a throwaway index (see WriteIndexOptions.durable). */
  durable?: boolean;
  /** Directories only: store BM25 postings (default true); eval turns it off for dense-only runs. */
  lexicalPostings?: boolean;
  /** Directories only: receives the index as committed (eval searches it without re-reading). */
  onCommitted?: (store: IndexReader) => void;
  /** Chunk lists cached across runs (saved here); token counts from it go on to the embedder. */
  chunkCache?: ChunkCache | undefined;
  /** What the loaded files looked like, stored for the next run's unchanged check (unchanged.ts). */
  sourceFiles?: SourceFileRecord[];
  signal?: AbortSignal;
  onEvent?: (event: IngestEvent) => void;
}

export interface WriteTimings {
  /** Change detection and chunking (or reading the chunk cache). */
  chunkSeconds: number;
  /** Inside the embedder. */
  embedSeconds: number;
}

/**
 * The write half of an ingest, shared with `rag eval`: change detection against the stored
 * content hashes, chunking (through the chunk cache when given), embedding in groups, batched
 * atomic commits, removal of documents gone from `paths`. Returns the summary (its `seconds`
 * left 0 for the caller) and where the time went.
 */
export async function writeDocuments(plan: WritePlan): Promise<{ summary: IngestSummary; timings: WriteTimings }> {
  const { embedder, chunking, loaded, signal, chunkCache } = plan;
  const emit = plan.onEvent ?? (() => undefined);
  const warn = (warning: RagWarning): void => emit({ type: 'warning', ...warning });
  const lengthOf = embedder.countTokens && chunking.lengthUnit === 'tokens'
    ? (text: string) => embedder.countTokens!(text)
    : undefined;
  const timings: WriteTimings = { chunkSeconds: 0, embedSeconds: 0 };

  // Warnings from the store while it opens (before the callback runs) go into the summary too.
  const earlyWarnings: string[] = [];
  const summary = await writeAnyIndex(
    plan.location,
    { model: embedder.info, modelFingerprint: embedder.fingerprint, chunking },
    async (tx) => {
      const before = tx.store;
      const chunksBefore = before.chunkCount;
      const stats = embedder.corpusStatistics;
      const previousStats = before.corpusStatistics();
      if (stats && previousStats) stats.load(previousStats);

      const chunkStarted = performance.now();
      const writerWarnings = [...earlyWarnings];
      const counts = { added: 0, updated: 0, unchanged: 0, removed: 0 };
      let removedChunks = 0;
      const seen = new Set<string>();
      const warnings: string[] = writerWarnings;
      const toEmbed: Array<{ stored: StoredDocument; chunks: Chunk[]; tokens: number[] | undefined; replaces: boolean }> = [];
      let tokenizerLoaded = lengthOf === undefined;

      for (const { doc, origin } of loaded.documents) {
        if (seen.has(doc.docId)) {
          throw new RagError('duplicate-document', `two documents have the id "${doc.docId}" (the second from ${doc.source}); ingest them into separate indexes or rename one`, {
            details: { advice: 'duplicate-document', docId: doc.docId, source: doc.source },
          });
        }
        seen.add(doc.docId);
        const old = before.getDocument(doc.docId);
        if (old && old.origin !== origin) {
          // Ids are paths relative to the ingested folder, so two folders can both have `a.md`.
          // Replacing is right when a folder moved; say so, since it is wrong when they differ.
          const warning = ragWarning('document-replaced', { docId: doc.docId, origin, previous: old.origin });
          warnings.push(warning.message);
          warn(warning);
        }
        if (old && old.contentHash === doc.contentHash) {
          counts.unchanged++;
          continue;
        }
        let cached = chunkCache?.get(doc);
        if (cached === undefined) {
          if (!tokenizerLoaded) {
            await embedder.load?.();
            tokenizerLoaded = true;
          }
          const length = lengthOf ?? characterLength;
          const chunks = chunkDocument(doc, chunking, length);
          // Measured anyway while chunking; passed on so the embedder need not tokenize again.
          const tokens = chunking.lengthUnit === 'tokens' ? chunks.map((c) => length(c.text)) : undefined;
          chunkCache?.put(doc, chunks, tokens);
          cached = tokens === undefined ? { chunks } : { chunks, tokens };
        }
        const { chunks } = cached;
        const stored: StoredDocument = {
          docId: doc.docId,
          source: doc.source,
          origin,
          format: doc.format,
          contentHash: doc.contentHash,
          chunkIds: chunks.map((c) => c.id),
          ...(doc.title === undefined ? {} : { title: doc.title }),
        };
        toEmbed.push({ stored, chunks, tokens: cached.tokens, replaces: old !== undefined });
      }
      await chunkCache?.save();

      // Documents previously ingested from these same paths that are gone now.
      const origins = new Set(loaded.documents.map((d) => d.origin));
      for (const p of plan.paths) origins.add(path.resolve(p));
      for (const old of before.documents()) {
        if (seen.has(old.docId) || !origins.has(old.origin)) continue;
        if (failedThisRun(loaded.notices, old.origin, fileOfSource(old))) continue;
        removedChunks += await dropDocument(tx, before, old, stats);
        counts.removed++;
      }
      timings.chunkSeconds = (performance.now() - chunkStarted) / 1000;

      // Embed and store in groups, committing as the schedule says: an interrupted run keeps
      // what was committed and a re-run skips it as unchanged.
      const totalTexts = toEmbed.reduce((n, d) => n + d.chunks.length, 0);
      const schedule = new CommitSchedule(plan.commitEvery);
      let embeddedTexts = 0;
      let truncated = 0;
      let staged = 0;
      let committed = 0;
      const interrupted = (): IngestInterruptedError => new IngestInterruptedError(committed, toEmbed.length);
      for (const group of embedGroups(toEmbed, () => schedule.groupDocuments)) {
        if (signal?.aborted) throw interrupted();
        const texts = group.flatMap((d) => d.chunks.map((c) => c.text));
        const tokenCounts = group.every((d) => d.tokens !== undefined) ? group.flatMap((d) => d.tokens!) : undefined;
        const embedStarted = performance.now();
        const result = await embedder
          .embedDocuments(texts, {
            ...(signal === undefined ? {} : { signal }),
            ...(tokenCounts === undefined ? {} : { tokenCounts }),
            onProgress: (p) => emit({ type: 'embed-progress', done: embeddedTexts + p.done, total: totalTexts }),
          })
          .catch((error: unknown) => {
            throw signal?.aborted ? interrupted() : error;
          });
        timings.embedSeconds += (performance.now() - embedStarted) / 1000;
        if (result.vectors.length !== texts.length) {
          throw new Error(`model ${embedder.info.id} returned ${result.vectors.length} vectors for ${texts.length} texts`);
        }
        embeddedTexts += texts.length;
        truncated += result.truncated;

        let offset = 0;
        for (const { stored, chunks, replaces } of group) {
          if (replaces) {
            const old = before.getDocument(stored.docId);
            if (old) removedChunks += await dropDocument(tx, before, old, stats);
            counts.updated++;
          } else {
            counts.added++;
          }
          tx.putDocument(stored, chunks, result.vectors.slice(offset, offset + chunks.length));
          stats?.add(chunks.map((c) => c.text));
          offset += chunks.length;
        }
        staged += group.length;
        if (staged < toEmbed.length && schedule.staged(group.length)) {
          if (signal?.aborted) throw interrupted();
          const startedAt = performance.now();
          if (stats) tx.setCorpusStatistics(stats.serialize());
          await tx.commit();
          committed = staged;
          schedule.committed(startedAt);
          emit({ type: 'committed', documents: committed, total: toEmbed.length });
        }
      }
      if (stats) tx.setCorpusStatistics(stats.serialize());
      if (plan.sourceFiles !== undefined) tx.setSourceFiles?.(plan.sourceFiles);
      if (totalTexts > 0) emit({ type: 'indexing', chunks: totalTexts });

      const total = chunksBefore - removedChunks + totalTexts;
      return {
        index: displayLocation(plan.location),
        model: embedder.info.id,
        modelFingerprint: embedder.fingerprint,
        chunking,
        documents: {
          ...counts,
          skipped: loaded.notices.filter((n) => n.kind === 'skipped').length,
          failed: loaded.notices.filter((n) => n.kind === 'failed').length,
        },
        byReason: countByCode(loaded.notices),
        chunks: { embedded: totalTexts, truncated, removed: removedChunks, total },
        notices: loaded.notices,
        warnings,
        seconds: 0,
      };
    },
    {
      ...(plan.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: plan.lockTimeoutMs }),
      ...(plan.rebuild === true ? { rebuild: true } : {}),
      ...(plan.durable === undefined ? {} : { durable: plan.durable }),
      ...(plan.lexicalPostings === undefined ? {} : { lexical: plan.lexicalPostings }),
      ...(plan.onCommitted === undefined ? {} : { onCommitted: plan.onCommitted }),
      onWarning: (warning) => {
        earlyWarnings.push(warning.message);
        warn(warning);
      },
    },
  );
  return { summary, timings };
}

/**
 * The chunk cache for this model and chunking, beside the embedding cache, for the models whose
 * vectors are cached (a model cheap enough not to cache, like `hash`, chunks cheaply too).
 * Token-sized chunks depend on the tokenizer, known through the model's fingerprint.
 */
export async function openChunkCache(
  embedder: Embedder,
  chunking: ChunkingOptions,
  options: { cache?: boolean; cacheDir?: string },
): Promise<ChunkCache | undefined> {
  if (options.cache === false || !embedder.cacheable) return undefined;
  const tokens = chunking.lengthUnit === 'tokens';
  return ChunkCache.open(options.cacheDir ?? defaultCacheDir(), {
    chunking,
    lengthFingerprint: tokens ? embedder.fingerprint : 'characters',
  });
}

/** The file (relative to its origin) a stored document was loaded from. */
function fileOfSource(doc: StoredDocument): string {
  const hash = doc.source.indexOf('#');
  return hash === -1 ? doc.docId : doc.source.slice(0, hash);
}

async function dropDocument(
  tx: Pick<IndexWriter, 'removeDocument'>,
  before: IndexReader,
  doc: StoredDocument,
  stats: Embedder['corpusStatistics'],
): Promise<number> {
  if (stats) stats.remove((await before.chunksOf(doc)).map((chunk) => chunk.text));
  tx.removeDocument(doc.docId);
  return doc.chunkIds.length;
}
