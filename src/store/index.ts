/** The on-disk index: public API of src/store. */
export {
  IndexStore,
  writeIndex,
  assertModel,
  COMMIT_STEPS,
  type CommitStep,
  type IndexInit,
  type IndexTransaction,
  type SearchHit,
  type SearchOptions,
  type StoredDocument,
  type WriteIndexOptions,
} from './index-store.js';
export { FORMAT_VERSION, type Manifest, type ManifestFile } from './manifest.js';
export { efFor, EXACT_SEARCH_WORK, REBUILD_DELETED_FRACTION, DEFAULT_HNSW_PARAMS, type HnswParams } from './hnsw.js';
export { DEFAULT_LOCK_TIMEOUT_MS } from './lock.js';
