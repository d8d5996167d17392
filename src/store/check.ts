/**
 * `rag check`: verifies an HNSW-file index without loading it — each data file the manifest
 * names exists, has its recorded size and, when the manifest records one, its checksum. Files
 * are streamed, so memory stays constant whatever the index size.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from './atomic.js';
import { verifyChecksum } from './checksum.js';
import { damaged, readManifest, type Manifest, type ManifestFile } from './manifest.js';

/** What one data file looked like: `unchecked` means the manifest (written by an older rag) has no checksum. */
export type FileStatus = 'ok' | 'unchecked' | 'missing' | 'wrong-size' | 'checksum-mismatch';

export interface CheckedFile {
  /** The manifest's key: chunks, flatVectors, vectors (the graph), stats, lexical or postings (BM25), sources. */
  role: string;
  name: string;
  bytes: number;
  status: FileStatus;
}

export interface IndexCheck {
  location: string;
  generation: number;
  documents: number;
  chunks: number;
  /** True when every file is `ok` or `unchecked`. */
  ok: boolean;
  files: CheckedFile[];
}

/**
 * Checks the index in `dir`. A missing or unreadable manifest throws (RagError `index-missing`,
 * or `index-damaged` when data files are there without it); damaged data files are reported.
 */
export async function checkIndex(dir: string): Promise<IndexCheck> {
  const manifest: Manifest = await readManifest(dir);
  const files: CheckedFile[] = [];
  for (const [role, file] of Object.entries(manifest.files) as Array<[string, ManifestFile | undefined]>) {
    if (file === undefined) continue;
    files.push({ role, name: file.name, bytes: file.bytes, status: await checkFile(dir, file) });
  }
  return {
    location: dir,
    generation: manifest.generation,
    documents: manifest.counts.documents,
    chunks: manifest.counts.chunks,
    ok: files.every((f) => f.status === 'ok' || f.status === 'unchecked'),
    files,
  };
}

async function checkFile(dir: string, file: ManifestFile): Promise<FileStatus> {
  try {
    if ((await stat(join(dir, file.name))).size !== file.bytes) return 'wrong-size';
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return 'missing';
    throw error;
  }
  const verdict = await verifyChecksum(dir, file);
  return verdict === 'mismatch' ? 'checksum-mismatch' : verdict;
}

const PROBLEM: Record<Exclude<FileStatus, 'ok' | 'unchecked'>, string> = {
  missing: 'is missing',
  'wrong-size': 'has the wrong size (truncated or modified)',
  'checksum-mismatch': 'does not match its checksum in the manifest (modified after it was written)',
};

/** The index-damaged error for a failed check, naming its first bad file. */
export function checkFailure(check: IndexCheck): Error {
  const bad = check.files.filter((f) => f.status !== 'ok' && f.status !== 'unchecked');
  const first = bad[0]!;
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more damaged file${bad.length > 2 ? 's' : ''})` : '';
  return damaged(check.location, `${join(check.location, first.name)} ${PROBLEM[first.status as keyof typeof PROBLEM]}${more}`);
}
