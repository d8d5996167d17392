/**
 * The one way to change an HNSW-file index: take its lock, open (or create, or rebuild) it, let
 * the caller stage changes on a transaction, commit them atomically, release the lock.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { assertUsableDirectory, lastGeneration, removeUnreferenced } from './directory.js';
import { EXACT_SEARCH_WORK } from './hnsw.js';
import { IndexStore } from './index-store.js';
import { acquireLock, LOCK_FILE } from './lock.js';
import { dataFilesIn, missingManifest } from './manifest.js';
import { assertWritable, Transaction, type IndexInit } from './transaction.js';
import type { IndexWriter } from './reader.js';

export interface WriteIndexOptions {
  /** How long to wait for another writer's lock. Default 10 s. */
  lockTimeoutMs?: number;
  /**
   * false: commits skip fsync (renames stay atomic, so a crash still leaves a readable index,
   * but a power loss may lose the last commit). For throwaway indexes: eval's per-model index.
   * Default true.
   */
  durable?: boolean;
  /**
   * Write BM25 postings with each commit (lexical-file.ts), so BM25 queries need not analyse every
   * chunk. Default true; false for an index nobody will BM25-search (eval's dense-only runs).
   */
  lexical?: boolean;
  /**
   * Receives the store as committed, for a caller that goes on to read the index it wrote
   * (eval's private per-model index) without loading its files back.
   */
  onCommitted?: (store: IndexStore) => void;
  /**
   * Scan budget deciding when the commit builds the HNSW graph: once live vectors × expected
   * query non-zeros exceeds it. Default {@link EXACT_SEARCH_WORK} (where searches stop scanning);
   * 0 always builds one. For tests and benchmarks of the graph on small indexes.
   */
  graphWork?: number;
  /**
   * Build the index from scratch: the current generation is not read (it may be damaged or
   * unreadable) and the transaction starts from an empty index with `init`'s model and chunking.
   * The old generation's files stay until the first commit (at the end, unless `fn` calls
   * `tx.commit()`) replaces the manifest, so an interrupted rebuild leaves the index as it was.
   * Files that are not rag's are never touched.
   */
  rebuild?: boolean;
}

/** Changes to an index, applied together when `writeIndex`'s callback returns. */
export interface IndexTransaction extends IndexWriter {
  /**
   * The index as last committed (empty for a new index or a rebuild): unchanged while `fn`
   * stages changes, updated by {@link IndexWriter.commit}.
   */
  readonly store: IndexStore;
}

/**
 * Opens the index in `dir` for writing (creating it with `init` when absent), holding its lock;
 * runs `fn`, which stages changes on the transaction; then commits them atomically. `fn` may
 * commit batches earlier with `tx.commit()`. If `fn` throws, nothing staged since its last
 * commit is written. A transaction that changes nothing writes nothing.
 *
 * Every commit rewrites the chunk file and the vector file (and the HNSW graph, once the index is
 * big enough to have one), so call it per batch of many documents, not per document.
 */
export async function writeIndex<T>(
  dir: string,
  init: IndexInit,
  fn: (tx: IndexTransaction) => Promise<T>,
  options: WriteIndexOptions = {},
): Promise<T> {
  await mkdir(dir, { recursive: true });
  // A lock file already there is one a writer died holding (or one we will wait for): see below.
  const lockWasLeft = existsSync(join(dir, LOCK_FILE));
  const lock = await acquireLock(dir, { timeoutMs: options.lockTimeoutMs });
  try {
    let store: IndexStore;
    const exists = await IndexStore.exists(dir);
    const orphans = exists ? [] : await dataFilesIn(dir);
    if (orphans.length > 0 && options.rebuild === true) {
      store = IndexStore.empty(dir, init, await lastGeneration(dir));
    } else if (orphans.length > 0 && !(lockWasLeft && orphans.every((name) => /-1\.[a-z0-9]+$/.test(name)))) {
      // Data files and no manifest: the manifest was lost. Starting a fresh index over them would
      // silently drop what they hold. (Generation-1 files next to a dead writer's lock are what a
      // first ingest killed mid-commit leaves: that one starts over, as a crash test expects.)
      throw missingManifest(dir, orphans);
    } else if (exists && options.rebuild === true) {
      // Past every generation number in use, so no file of the old (maybe damaged) generation
      // is overwritten before the new manifest replaces the old one.
      store = IndexStore.empty(dir, init, await lastGeneration(dir));
    } else if (exists) {
      // Chunks and vectors stay on disk until a change needs them: an unchanged re-ingest reads
      // the manifest and the documents' content hashes only.
      store = await IndexStore.open(dir, { lazyChunks: true });
      assertWritable(store, init);
    } else {
      await assertUsableDirectory(dir);
      store = IndexStore.empty(dir, init);
    }
    if (options.durable === false) store.durable = false;
    if (options.lexical === false) store.writesLexical = false;
    // We hold the lock: leftovers of interrupted commits (temp files, an unfinished next
    // generation) can go. (Not when rebuilding: the old generation stays until replaced.)
    if (!store.uncommitted) await removeUnreferenced(dir, store.manifest);

    const dimension = store.manifest.model.dimension;
    const tx = new Transaction<IndexStore>(
      store,
      dimension,
      async (operations, stats) => {
        const ops = [...operations];
        await store.loadVectors();
        store.applyOperations(ops, dimension, options.graphWork);
        await store.commit(init, stats, ops.length > 0);
      },
      () => store.uncommitted,
    );
    const result = await fn(tx);
    tx.close();
    const stats = tx.statsChange();
    const changed = tx.operations.size > 0;
    const sources = tx.sourceFiles;
    if (changed || stats !== undefined || store.uncommitted) {
      await store.loadVectors();
      store.applyOperations(tx.operations.values(), dimension, options.graphWork);
      await store.commit(init, stats, changed, sources);
    } else if (sources !== undefined && (await store.sourcesDiffer(sources))) {
      // Nothing else changed (an index written before sources were recorded): a commit of the
      // manifest and the sources file only, so the next unchanged run needs neither file nor chunk.
      // (A format-1 index gets its flat vector file on this commit: that needs the vectors.)
      if (store.manifest.formatVersion < 2) await store.loadVectors();
      await store.commit(init, undefined, false, sources);
    }
    options.onCommitted?.(store);
    return result;
  } finally {
    await lock.release();
  }
}

