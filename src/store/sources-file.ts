/**
 * sources-<gen>.json: what each ingested file looked like when its documents were stored, so an
 * unchanged re-ingest can see that nothing changed from the manifest, the files' stats and their
 * SHA-256 alone, without decoding them or reading the chunk file (issue 14).
 *
 *   {"format": 1, "tool": "0.1.0",
 *    "files": [{"path": "/abs/corpus.jsonl", "origin": "/abs/corpus.jsonl", "size": 3983111,
 *               "sha256": "<hex>", "encoding": null,
 *               "documents": [["docId", "<contentHash>"], ...],
 *               "notices": [{"code": "encoding", "reason": "..."}]}]}
 *
 * A record is only written while every document it lists is in the index with that content
 * hash (checked at each commit), so "same bytes" can stand for "same documents". `tool` is the
 * rag version that loaded the files: another version may load the same bytes differently, and
 * then the records are not trusted. Optional in the manifest like the BM25 postings: indexes
 * without it (older rag, PostgreSQL) take the ordinary path that loads every file.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredDocument } from '../model/document.js';
import { packageVersion } from '../version.js';
import { isErrno } from './atomic.js';
import { checksumMismatch, fileChecksum } from './checksum.js';
import { damaged, readManifest, type Manifest } from './manifest.js';

const FILE_FORMAT = 1;

export interface SourceFileRecord {
  /** Absolute path of the file. */
  path: string;
  /** The ingest argument it was found under, absolute. */
  origin: string;
  size: number;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  /** `--encoding` it was decoded with, null when detected. */
  encoding: string | null;
  /** The documents loaded from it: [docId, contentHash]. */
  documents: Array<[string, string]>;
  /**
   * Warnings (and skip notices) loading it gave, replayed when it is not loaded again. Records
   * written before notices had a `reasonCode` replay their English reason as it is.
   */
  notices: Array<{ code: string; reason: string; reasonCode?: string; params?: Record<string, string | number> }>;
}

export interface SourceFiles {
  tool: string;
  files: SourceFileRecord[];
}

/** Whether every document `record` lists is stored, from its origin, with its content hash. */
export function recordHolds(record: SourceFileRecord, getDocument: (docId: string) => StoredDocument | undefined): boolean {
  return record.documents.every(([docId, hash]) => {
    const doc = getDocument(docId);
    return doc !== undefined && doc.contentHash === hash && doc.origin === record.origin;
  });
}

export function serializeSources(sources: SourceFiles): string {
  const files = [...sources.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return `${JSON.stringify({ format: FILE_FORMAT, tool: sources.tool, files })}\n`;
}

/** Parses the file; undefined for another format. Throws Error describing what is wrong when damaged. */
export function parseSources(text: string): SourceFiles | undefined {
  const value = JSON.parse(text) as unknown;
  if (typeof value !== 'object' || value === null) throw new Error('is not a JSON object');
  const record = value as Record<string, unknown>;
  if (record['format'] !== FILE_FORMAT) return undefined;
  const { tool, files } = record;
  if (typeof tool !== 'string' || !Array.isArray(files) || !files.every(isRecord)) throw new Error('has invalid file records');
  return { tool, files: files as SourceFileRecord[] };
}

export async function readSources(path: string): Promise<SourceFiles | undefined> {
  return parseSources(await readFile(path, 'utf8'));
}

function isRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['path'] === 'string' &&
    typeof r['origin'] === 'string' &&
    typeof r['size'] === 'number' &&
    typeof r['sha256'] === 'string' &&
    (r['encoding'] === null || typeof r['encoding'] === 'string') &&
    Array.isArray(r['documents']) &&
    r['documents'].every((d) => Array.isArray(d) && d.length === 2 && typeof d[0] === 'string' && typeof d[1] === 'string') &&
    Array.isArray(r['notices']) &&
    r['notices'].every((n) => typeof n === 'object' && n !== null && typeof (n as Record<string, unknown>)['code'] === 'string' && typeof (n as Record<string, unknown>)['reason'] === 'string')
  );
}

/**
 * The manifest and sources file of the index in `dir` as committed, read without the lock (both
 * are replaced atomically): undefined when there is none this rag version can trust, or when a
 * commit replaced the generation meanwhile. Throws like readManifest, and index-damaged when the
 * sources file does not match the manifest.
 */
export async function committedSources(dir: string): Promise<{ manifest: Manifest; sources: SourceFiles } | undefined> {
  const manifest = await readManifest(dir);
  const file = manifest.files.sources;
  if (file === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, file.name));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  if (bytes.length !== file.bytes) throw damaged(dir, `${join(dir, file.name)} is ${bytes.length} bytes but should be ${file.bytes} (truncated or modified)`);
  if (file.checksum !== undefined && `sha256:${createHash('sha256').update(bytes).digest('hex')}` !== file.checksum) throw checksumMismatch(dir, file);
  let sources: SourceFiles | undefined;
  try {
    sources = parseSources(bytes.toString('utf8'));
  } catch (error) {
    throw damaged(dir, `${join(dir, file.name)} ${error instanceof Error ? error.message : String(error)}`, error);
  }
  return sources !== undefined && sources.tool === packageVersion() ? { manifest, sources } : undefined;
}

/**
 * What opening the index for writing checked before an unchanged re-ingest stopped reading it:
 * every file the manifest names is there with its size, and the chunk file (the documents)
 * matches its checksum; the vector files are not read, as before. False when a commit replaced
 * the generation meanwhile or the chunk file does not match (the caller then takes the ordinary
 * path, which says what is wrong); throws index-damaged for a missing or truncated file.
 */
export async function assertCommittedFiles(dir: string, manifest: Manifest): Promise<boolean> {
  for (const file of Object.values(manifest.files)) {
    if (file === undefined) continue;
    const path = join(dir, file.name);
    let size: number;
    try {
      size = (await stat(path)).size;
      // Changed in place: the ordinary path's open parses it and names what is wrong.
      if (size === file.bytes && file === manifest.files.chunks && file.checksum !== undefined && (await fileChecksum(path)) !== file.checksum) return false;
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
      if ((await readManifest(dir)).generation !== manifest.generation) return false;
      throw damaged(dir, `${path} is missing`);
    }
    if (size !== file.bytes) throw damaged(dir, `${path} is ${size} bytes but should be ${file.bytes} (truncated or modified)`);
  }
  return true;
}
