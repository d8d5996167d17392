/**
 * One entry point for both stores: `--index` is a directory (the HNSW files) or a
 * `postgres://` / `postgresql://` URL (a PostgreSQL table with pgvector).
 */
import path from 'node:path';
import type { RagWarning } from '../warnings.js';
import type { WriteIndexOptions } from './write-index.js';
import type { IndexInit } from './transaction.js';
import { manifestExists } from './manifest.js';
import { isPostgresLocation } from './pg/location.js';
import type { IndexReader, IndexWriter } from './reader.js';

export interface OpenIndexOptions {
  /** Environment for PostgreSQL settings (PGPASSWORD, PGPASSFILE, HOME, PGSSLMODE ...). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Warnings worth telling the user (e.g. an ~/.pgpass others can read). */
  onWarning?: (warning: RagWarning) => void;
  /**
   * Directories only: the caller reads a few hits and closes the index (a one-shot query), so
   * documents and chunks are read line by line as asked for (IndexStore's `lazyDocuments`).
   */
  oneShot?: boolean;
}

export interface WriteAnyIndexOptions extends OpenIndexOptions {
  /** How long to wait for another writer's lock (lock file or advisory lock). Default 10 s. */
  lockTimeoutMs?: number;
  /**
   * Start from an empty index without reading the old one (it may be damaged); the old index
   * stays until the first commit replaces it.
   */
  rebuild?: boolean;
  /** Directories only: see {@link WriteIndexOptions.onCommitted}. */
  onCommitted?: WriteIndexOptions['onCommitted'];
  /** Directories only: see {@link WriteIndexOptions.durable}. */
  durable?: boolean;
  /** Directories only: see {@link WriteIndexOptions.lexical}. */
  lexical?: boolean;
}

/** A PostgreSQL URL as given; a directory made absolute. */
export function resolveLocation(location: string): string {
  return isPostgresLocation(location) ? location.trim() : path.resolve(location);
}

/** Opens the index at `location` for reading. Close it when done (it may hold connections). */
export async function openIndex(location: string, options: OpenIndexOptions = {}): Promise<IndexReader> {
  if (isPostgresLocation(location)) {
    const { PgIndex } = await import('./pg/pg-index.js');
    return PgIndex.open(location, options);
  }
  // Loaded here, not above: an unchanged re-ingest asks whether an index exists and never opens one.
  const { IndexStore } = await import('./index-store.js');
  // Vectors are read on the first vector search: a BM25 query never needs them.
  return IndexStore.open(location, options.oneShot === true ? { lazyDocuments: true } : { lazyVectors: true });
}

/** Whether `location` holds an index. */
export async function indexExists(location: string, options: OpenIndexOptions = {}): Promise<boolean> {
  if (isPostgresLocation(location)) {
    const { PgIndex } = await import('./pg/pg-index.js');
    return PgIndex.exists(location, options);
  }
  return manifestExists(location);
}

/**
 * `writeIndex` for either store: holds the index's writer lock, opens or creates it with `init`,
 * runs `fn` (which stages changes), then commits them all or nothing.
 */
export async function writeAnyIndex<T>(
  location: string,
  init: IndexInit,
  fn: (tx: IndexWriter) => Promise<T>,
  options: WriteAnyIndexOptions = {},
): Promise<T> {
  if (isPostgresLocation(location)) {
    const { writePgIndex } = await import('./pg/pg-write.js');
    return writePgIndex(location, init, fn, options);
  }
  const { writeIndex } = await import('./write-index.js');
  return writeIndex(location, init, fn, {
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
    ...(options.rebuild === true ? { rebuild: true } : {}),
    ...(options.onCommitted === undefined ? {} : { onCommitted: options.onCommitted }),
    ...(options.durable === undefined ? {} : { durable: options.durable }),
    ...(options.lexical === undefined ? {} : { lexical: options.lexical }),
  });
}

/**
 * For a PostgreSQL `location`, waits for and takes the lock on eval's per-model tables under it
 * (see lockPgEvalTables); for a directory there is nothing shared to lock. Returns the release.
 */
export async function lockEvalTables(location: string, options: OpenIndexOptions & { onWait?: (warning: RagWarning) => void } = {}): Promise<() => Promise<void>> {
  if (!isPostgresLocation(location)) return async () => undefined;
  const { lockPgEvalTables } = await import('./pg/pg-write.js');
  return lockPgEvalTables(location, options);
}

/** Deletes an index (eval's temporary per-model indexes): its tables, or nothing for a directory (the caller removes it). */
export async function dropIndex(location: string, options: OpenIndexOptions = {}): Promise<void> {
  if (!isPostgresLocation(location)) return;
  const { dropPgIndex } = await import('./pg/pg-write.js');
  await dropPgIndex(location, options);
}
