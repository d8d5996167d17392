/**
 * Per-file checksums of an index's data files, recorded in the manifest: sizes catch truncation,
 * but only a checksum catches bytes overwritten in place (random bytes over a vector file once
 * gave "cosine" scores of 8e37). Stored as `sha256:<hex>` so another algorithm can join later.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { damaged, type ManifestFile } from './manifest.js';

export const CHECKSUM_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** The checksum of bytes (or a string's UTF-8) in memory. */
export function sha256Of(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The checksum of a file, read as a stream (constant memory whatever its size). */
export async function fileChecksum(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** {@link fileChecksum} for the synchronous readers (a lazily opened index's first search). */
export function fileChecksumSync(path: string): string {
  const hash = createHash('sha256');
  const block = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let read = readSync(fd, block); read > 0; read = readSync(fd, block)) hash.update(block.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** {@link assertChecksum}, synchronously. */
export function assertChecksumSync(dir: string, file: ManifestFile): void {
  if (file.checksum !== undefined && fileChecksumSync(join(dir, file.name)) !== file.checksum) throw checksumMismatch(dir, file);
}

/** The outcome of checking one data file against the manifest. */
export type FileVerdict = 'ok' | 'unchecked' | 'mismatch';

/** Compares a data file with its recorded checksum; 'unchecked' when the manifest has none (older rag). */
export async function verifyChecksum(dir: string, file: ManifestFile): Promise<FileVerdict> {
  if (file.checksum === undefined) return 'unchecked';
  return (await fileChecksum(join(dir, file.name))) === file.checksum ? 'ok' : 'mismatch';
}

/** Throws the index-damaged error when a data file's content differs from what was committed. */
export async function assertChecksum(dir: string, file: ManifestFile): Promise<void> {
  if ((await verifyChecksum(dir, file)) === 'mismatch') throw checksumMismatch(dir, file);
}

export function checksumMismatch(dir: string, file: ManifestFile): Error {
  return damaged(dir, `${join(dir, file.name)} does not match its checksum in the manifest (modified after it was written)`);
}
