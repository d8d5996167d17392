/**
 * The checks the HNSW-file index makes of a data file as it opens it: present, of its manifest
 * size, equal to its checksum. A file gone between reading the manifest and reading the file is
 * {@link MissingFileError}, the "a commit moved on" case the opener retries; the rest is damage.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from './atomic.js';
import { assertChecksum, assertChecksumSync } from './checksum.js';
import { damaged, type ManifestFile } from './manifest.js';

/** A data file named by the manifest is not there (its message is the file name). */
export class MissingFileError extends Error {}

/**
 * The checksum check reopens a file that was just read: a commit by another process may have
 * replaced the generation in between, which is the same "moved on" case as a missing file.
 */
export async function assertChecksumOrMissing(dir: string, file: ManifestFile): Promise<void> {
  try {
    await assertChecksum(dir, file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new MissingFileError(file.name);
    throw error;
  }
}

export function assertChecksumOrMissingSync(dir: string, file: ManifestFile): void {
  try {
    assertChecksumSync(dir, file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new MissingFileError(file.name);
    throw error;
  }
}

/** Throws unless `file` has the size its manifest entry records. */
export async function checkSize(dir: string, file: ManifestFile): Promise<void> {
  let size: number;
  try {
    size = (await stat(join(dir, file.name))).size;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new MissingFileError(file.name);
    throw error;
  }
  if (size !== file.bytes) {
    throw damaged(dir, `${join(dir, file.name)} is ${size} bytes but should be ${file.bytes} (truncated or modified)`);
  }
}

/** The whole of a data file; {@link MissingFileError} when it is gone. */
export async function readDataFile(dir: string, file: ManifestFile): Promise<Buffer> {
  try {
    return await readFile(join(dir, file.name));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new MissingFileError(file.name);
    throw error;
  }
}
