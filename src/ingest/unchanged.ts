/**
 * Change detection by file, before any file is loaded: an ingest hashes the listed files
 * (SHA-256 of their bytes) and compares them with the sources file of the index's last commit
 * (store/sources-file.ts). When every file is as recorded and no recorded file is gone, nothing
 * can have changed and the run ends there, without decoding a file or reading the chunk file
 * (issue 14: an unchanged re-ingest of SciFact read and parsed both). Otherwise the ordinary
 * path loads every file, and the hashes taken here become the records of the next commit.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { assertCompatible, type IndexIdentity } from '../model/compatibility.js';
import { assertCommittedFiles, committedSources, type SourceFileRecord } from '../store/sources-file.js';
import type { Manifest } from '../store/manifest.js';
import { makeNotice, type LoadNotice, type SourceFile } from './discover.js';
import type { NoticeCode } from './failures.js';
import { isNoticeReasonCode, reason } from './notice-reasons.js';
import type { LoadedSources } from './load.js';
import type { LoadedDocument } from './types.js';

/**
 * SHA-256 (hex) of a file, read in 4 MiB blocks (constant memory whatever its size); undefined
 * when it cannot be read. Synchronous reads: one promise and thread hop per block made hashing
 * SciFact's 4 MB corpus a fifth of an unchanged re-ingest.
 */
export function hashFile(absPath: string): string | undefined {
  const hash = createHash('sha256');
  let fd: number | undefined;
  try {
    fd = openSync(absPath, 'r');
    block ??= Buffer.allocUnsafe(1 << 22);
    for (let read = readSync(fd, block); read > 0; read = readSync(fd, block)) hash.update(block.subarray(0, read));
  } catch {
    // Loading reports why (it is read again there); without a hash the file just counts as changed.
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return hash.digest('hex');
}
let block: Buffer | undefined;

/** absPath → SHA-256 of each file that could be read. */
export function hashFiles(files: readonly SourceFile[]): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const file of files) {
    const hash = hashFile(file.absPath);
    if (hash !== undefined) hashes.set(file.absPath, hash);
  }
  return hashes;
}

export interface UnchangedRun {
  manifest: Manifest;
  /** Documents of the listed files (all unchanged). */
  documents: number;
  /** The notices loading the files gave when they were stored, replayed. */
  notices: LoadNotice[];
}

/**
 * Whether the index at `location` (a directory) already holds exactly what `files` would give:
 * every file recorded with the same bytes and `--encoding`, no recorded file under `paths`
 * missing, and every stored document covered by a record. Undefined when anything differs or
 * cannot be told without loading (then the caller takes the ordinary path, which also reports
 * a model or chunking mismatch).
 */
export async function unchangedRun(
  location: string,
  paths: readonly string[],
  files: readonly SourceFile[],
  hashes: ReadonlyMap<string, string>,
  encoding: string | null,
  identity: { modelId: string; modelFingerprint: string; chunking: IndexIdentity['chunking'] },
): Promise<UnchangedRun | undefined> {
  const committed = await committedSources(location);
  if (committed === undefined) return undefined;
  const { manifest, sources } = committed;
  try {
    assertCompatible(location, manifest, identity);
  } catch {
    return undefined;
  }
  const byPath = new Map(sources.files.map((record) => [record.path, record]));
  const covered = new Set<string>();
  for (const record of sources.files) for (const [docId] of record.documents) covered.add(docId);
  if (covered.size !== manifest.counts.documents) return undefined;
  // A damaged index fails an unchanged re-ingest as it did when the writer opened it.
  if (!(await assertCommittedFiles(location, manifest))) return undefined;

  let documents = 0;
  const notices: LoadNotice[] = [];
  const listed = new Set<string>();
  for (const file of files) {
    const record = byPath.get(file.absPath);
    const hash = hashes.get(file.absPath);
    if (record === undefined || hash === undefined || record.sha256 !== hash || record.size !== file.size || record.origin !== file.origin || record.encoding !== encoding) {
      return undefined;
    }
    listed.add(file.absPath);
    documents += record.documents.length;
    for (const n of record.notices) {
      const why = isNoticeReasonCode(n.reasonCode) && typeof n.params === 'object' && n.params !== null ? reason(n.reasonCode, n.params) : reason('other', { text: n.reason });
      notices.push(makeNotice(file.absPath, n.code as NoticeCode, why));
    }
  }
  const origins = new Set(paths.map((p) => path.resolve(p)));
  for (const record of sources.files) if (origins.has(record.origin) && !listed.has(record.path)) return undefined;
  return { manifest, documents, notices };
}

/**
 * The records of this run's files for the next commit: the documents loaded from each file whose
 * bytes were the same before and after loading (a file changed meanwhile gets none, so the next
 * run loads it again). Files that failed to load get none either: they keep their old documents.
 */
export async function sourceRecords(
  files: readonly SourceFile[],
  hashes: ReadonlyMap<string, string>,
  loaded: LoadedSources,
  encoding: string | null,
): Promise<SourceFileRecord[]> {
  const docsOf = new Map<string, Array<[string, string]>>();
  for (const { doc, origin } of loaded.documents) {
    const key = `${origin}\u0000${fileOf(doc)}`;
    let list = docsOf.get(key);
    if (list === undefined) docsOf.set(key, (list = []));
    list.push([doc.docId, doc.contentHash]);
  }
  const records: SourceFileRecord[] = [];
  for (const file of files) {
    const before = hashes.get(file.absPath);
    if (before === undefined) continue;
    const notices = loaded.notices.filter((n) => n.path === file.absPath);
    if (notices.some((n) => n.kind === 'failed')) continue;
    if (hashFile(file.absPath) !== before) continue;
    records.push({
      path: file.absPath,
      origin: file.origin,
      size: file.size,
      sha256: before,
      encoding,
      documents: docsOf.get(`${file.origin}\u0000${file.relPath}`) ?? [],
      notices: notices.map((n) => ({ code: n.code, reason: n.reason, reasonCode: n.reasonCode, params: { ...n.params } })),
    });
  }
  return records;
}

/** The file (relative to its origin) a document was loaded from: corpus lines are `file#id`. */
function fileOf(doc: LoadedDocument): string {
  const hash = doc.source.indexOf('#');
  return hash === -1 ? doc.docId : doc.source.slice(0, hash);
}
