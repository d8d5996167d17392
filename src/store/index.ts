/** The on-disk index: public API of src/store. */
export { IndexStore, type SearchHit, type SearchOptions } from './index-store.js';
export { writeIndex, type IndexTransaction, type WriteIndexOptions } from './write-index.js';
export { assertWritable, type IndexInit } from './transaction.js';
export { COMMIT_STEPS, type CommitStep } from './commit-steps.js';
export { FORMAT_VERSION, type Manifest, type ManifestFile } from './manifest.js';
export { efFor, EXACT_SEARCH_WORK, REBUILD_DELETED_FRACTION, DEFAULT_HNSW_PARAMS, type HnswParams } from './hnsw.js';
export { DEFAULT_LOCK_TIMEOUT_MS } from './lock.js';
export type { IndexInfo, IndexReader, IndexWriter } from './reader.js';
export type { StoredDocument } from '../model/document.js';
export { dropIndex, indexExists, openIndex, resolveLocation, writeAnyIndex, type OpenIndexOptions, type WriteAnyIndexOptions } from './open.js';
// Types only: the `pg` driver is loaded when a postgres:// location is opened, not on import.
export type { PgIndex, PgIndexInfo } from './pg/pg-index.js';
export type { PgWriteOptions } from './pg/pg-write.js';
export { DEFAULT_PG_TABLE, displayLocation, isPostgresLocation, parsePgLocation, SSL_MODES, type PgLocation, type SslMode } from './pg/location.js';
export { matchPgPass, pgPassPath } from './pg/pgpass.js';
