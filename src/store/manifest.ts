/**
 * manifest.json: the one file that says which generation of an index is current.
 * It is replaced atomically on every commit; everything else in the directory is only
 * meaningful if the manifest names it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelInfo } from '../model/model-info.js';
import type { ChunkingOptions } from '../model/chunking.js';
import { RagError } from '../errors.js';
import { isErrno } from './atomic.js';

/**
 * The on-disk format this code writes. Bump on incompatible changes and keep a reader for old ones.
 * 1: vectors only inside the HNSW graph file (still read). 2: vectors in a flat float32 file,
 * the graph optional (built once the index is too big to scan).
 */
export const FORMAT_VERSION = 2;
export const MANIFEST_FILE = 'manifest.json';

/**
 * A data file of one generation. `bytes` lets open() detect truncation before parsing;
 * `checksum` (`sha256:<hex>`, absent in indexes written before rag recorded them) detects bytes
 * changed in place. Every data file, including any future kind, carries both.
 */
export interface ManifestFile {
  name: string;
  bytes: number;
  checksum?: string;
}

export interface Manifest {
  /** 1 or 2 when read (see {@link FORMAT_VERSION}); always {@link FORMAT_VERSION} when written. */
  formatVersion: 1 | 2;
  /** ISO timestamps. */
  createdAt: string;
  updatedAt: string;
  /** Increases by one per commit; data files carry it in their names. */
  generation: number;
  model: ModelInfo;
  modelFingerprint: string;
  chunking: ChunkingOptions;
  hnsw: { space: 'cosine'; M: number; efConstruction: number; maxElements: number };
  counts: { documents: number; chunks: number };
  files: {
    /** JSONL of documents and chunks (always present). */
    chunks: ManifestFile;
    /**
     * hnswlib graph. Format 1: always present when there are chunks (it holds the vectors).
     * Format 2: present only once the index is too big to scan (see vector-store.ts).
     */
    vectors?: ManifestFile;
    /** Format 2: unit vectors as float32 rows (flat-vectors.ts); present when there are chunks. */
    flatVectors?: ManifestFile;
    /** The model's opaque corpus statistics, when it keeps any. */
    stats?: ManifestFile;
    /**
     * BM25 postings (lexical-file.ts), written at commit. Indexes written before it existed lack
     * it and BM25 analyses their chunks on the fly; being optional, it keeps the format at 2, so
     * older rag versions still read an index that has it.
     */
    lexical?: ManifestFile;
    /**
     * BM25 postings in binary (postings-file.ts), which replaced `lexical`: a commit writes this
     * and drops `lexical`; an index last changed by an older rag may still have only `lexical`.
     * Optional, like `lexical`, for the same reason.
     */
    postings?: ManifestFile;
    /**
     * What each ingested file looked like (sources-file.ts): an unchanged re-ingest compares the
     * files' hashes with it instead of loading them. Optional like `lexical`, for the same reason.
     */
    sources?: ManifestFile;
    /**
     * The vectors by column (columns-file.ts), written with the vector file when the vectors are
     * sparse, so a one-shot query reads only its columns. Optional like `lexical`; trusted only
     * while it belongs to the same generation as `flatVectors` (an older rag that rewrites the
     * vectors carries this entry over unchanged).
     */
    columns?: ManifestFile;
    /**
     * Where each line of the chunk file is (offsets-file.ts), so a one-shot query reads only its
     * hits' lines. Optional like `lexical`: without it (or stale) a query skims the chunk file.
     */
    offsets?: ManifestFile;
  };
}

/** The data files a manifest names (what verification records are kept for). */
export function manifestFileNames(manifest: Manifest): string[] {
  return Object.values(manifest.files).flatMap((file) => (file === undefined ? [] : [file.name]));
}

/** The files of generation `gen`. */
export function generationFileNames(gen: number): {
  chunks: string;
  vectors: string;
  flatVectors: string;
  stats: string;
  lexical: string;
  postings: string;
  sources: string;
  columns: string;
  offsets: string;
} {
  return {
    chunks: `chunks-${gen}.jsonl`,
    vectors: `vectors-${gen}.hnsw`,
    flatVectors: `vectors-${gen}.f32`,
    stats: `stats-${gen}.bin`,
    lexical: `lexical-${gen}.json`,
    postings: `lexical-${gen}.bin`,
    sources: `sources-${gen}.json`,
    columns: `columns-${gen}.bin`,
    offsets: `offsets-${gen}.bin`,
  };
}

/** Names this store may create in an index directory (data files, their temp files, manifest temps, lock). */
export const OWN_FILE_PATTERN =
  /^(?:(?:chunks-\d+\.jsonl|vectors-\d+\.(?:hnsw|f32)|stats-\d+\.bin|lexical-\d+\.(?:json|bin)|sources-\d+\.json|columns-\d+\.bin|offsets-\d+\.bin|manifest\.json)(?:\.tmp-\d+)?|lock(?:\.tmp-\d+|\.stale-\d+-\d+)?)$/;

/** The shared "what to do" for damaged indexes: rebuild it (index-store.ts, rebuild; the CLI names `--rebuild`). */
export function damaged(display: string, what: string, cause?: unknown): RagError {
  return new RagError('index-damaged', `index ${display} is damaged: ${what}`, {
    hint: 'rebuild it from your documents (ingest with rebuild: true)',
    details: { location: display },
    ...(cause === undefined ? {} : { cause }),
  });
}

export function noIndex(display: string): RagError {
  return new RagError('index-missing', `no index at ${display}`, { hint: 'ingest documents into it first', details: { location: display } });
}

/** Whether `dir` holds an index (a manifest). */
export async function manifestExists(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, MANIFEST_FILE))).isFile();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
}

/** Generation data files (not temp files) in `dir`; [] when it cannot be listed. */
export async function dataFilesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => /^(?:chunks-\d+\.jsonl|vectors-\d+\.(?:hnsw|f32)|stats-\d+\.bin)$/.test(name)).sort();
  } catch {
    return [];
  }
}

/** Data files without the manifest that says what they are: a damaged index, never "no index". */
export function missingManifest(display: string, dataFiles: readonly string[]): RagError {
  const more = dataFiles.length > 1 ? ` and ${dataFiles.length - 1} other data file${dataFiles.length > 2 ? 's' : ''}` : '';
  return damaged(display, `${join(display, MANIFEST_FILE)} is missing but ${dataFiles[0]}${more} are there`);
}

/**
 * Reads and validates `<dir>/manifest.json`. Throws RagError when there is no index, when it
 * was written by a newer rag, or when it is damaged.
 */
export async function readManifest(dir: string, display = dir): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      const orphans = await dataFilesIn(dir);
      throw orphans.length > 0 ? missingManifest(display, orphans) : noIndex(display);
    }
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw damaged(display, `${join(display, MANIFEST_FILE)} is not valid JSON`, error);
  }
  return validateManifest(value, display);
}

/** Checks the shape of a parsed manifest (exported for tests of old fixtures). */
export function validateManifest(value: unknown, display: string): Manifest {
  const file = join(display, MANIFEST_FILE);
  const bad = (field: string): RagError => damaged(display, `${file} has no valid "${field}"`);
  if (!isRecord(value)) throw damaged(display, `${file} is not a JSON object`);
  const version = value['formatVersion'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw bad('formatVersion');
  if (version > FORMAT_VERSION) {
    throw new RagError('index-newer', 
      `index ${display} was written by a newer rag (format ${version}); upgrade rag or ingest into a new index`,
    );
  }
  for (const key of ['createdAt', 'updatedAt', 'modelFingerprint'] as const) {
    if (typeof value[key] !== 'string') throw bad(key);
  }
  if (!isCount(value['generation']) || value['generation'] < 1) throw bad('generation');

  const model = value['model'];
  if (!isRecord(model) || typeof model['id'] !== 'string' || typeof model['name'] !== 'string' || !isCount(model['dimension']) || model['dimension'] < 1) {
    throw bad('model');
  }
  const chunking = value['chunking'];
  if (
    !isRecord(chunking) ||
    !isCount(chunking['chunkSize']) ||
    !isCount(chunking['chunkOverlap']) ||
    (chunking['lengthUnit'] !== 'tokens' && chunking['lengthUnit'] !== 'characters')
  ) {
    throw bad('chunking');
  }
  const hnsw = value['hnsw'];
  if (!isRecord(hnsw) || hnsw['space'] !== 'cosine' || !isCount(hnsw['M']) || !isCount(hnsw['efConstruction']) || !isCount(hnsw['maxElements'])) {
    throw bad('hnsw');
  }
  const counts = value['counts'];
  if (!isRecord(counts) || !isCount(counts['documents']) || !isCount(counts['chunks'])) throw bad('counts');
  const files = value['files'];
  if (!isRecord(files) || !isFile(files['chunks'])) throw bad('files.chunks');
  for (const key of ['vectors', 'flatVectors', 'stats', 'lexical', 'postings', 'sources', 'columns', 'offsets'] as const) {
    if (files[key] !== undefined && !isFile(files[key])) throw bad(`files.${key}`);
  }
  // Where the vectors live: the graph in format 1, the flat file from format 2 on.
  const vectorsKey = version === 1 ? 'vectors' : 'flatVectors';
  if (counts['chunks'] > 0 && files[vectorsKey] === undefined) throw bad(`files.${vectorsKey}`);
  return value as unknown as Manifest;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isFile(value: unknown): value is ManifestFile {
  // Names are plain file names in the index directory: never paths that could escape it.
  return (
    isRecord(value) &&
    typeof value['name'] === 'string' &&
    OWN_FILE_PATTERN.test(value['name']) &&
    isCount(value['bytes']) &&
    (value['checksum'] === undefined || (typeof value['checksum'] === 'string' && /^sha256:[0-9a-f]{64}$/.test(value['checksum'])))
  );
}
