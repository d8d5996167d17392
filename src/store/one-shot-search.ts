/**
 * The first vector search of an index opened for one query, answered from the files without
 * loading the vectors: from the column file when the generation has one and the query is sparse
 * (columns-file.ts), else by scanning the vector file a block at a time (flat-vectors.ts). Either
 * file is hashed against its manifest checksum as it is read, unless the verification records
 * vouch for it (verified-files.ts), so bytes changed in place never give scores.
 */
import { join } from 'node:path';
import { RagError } from '../errors.js';
import { isErrno } from './atomic.js';
import { createHash } from 'node:crypto';
import { checksumMismatch } from './checksum.js';
import { generationOf, searchColumnsFile } from './columns-file.js';
import { type LabelHit } from './exact-scan.js';
import { scanVectorFile } from './flat-vectors.js';
import { damaged, manifestFileNames, type Manifest, type ManifestFile } from './manifest.js';
import { nowNs, VerifiedFiles } from './verified-files.js';

/**
 * The exact top `k` for `vector` among the chunks `liveLabels` gives; undefined when a file is gone
 * (a commit replaced the generation: the caller loads the new one) or the vectors must be loaded
 * instead (no flat file).
 */
export async function searchIndexFiles(dir: string, manifest: Manifest, liveLabels: () => Iterable<number>, vector: Float32Array, k: number): Promise<LabelHit[] | undefined> {
  const verified = await VerifiedFiles.forIndex(dir);
  const columns = manifest.files.columns;
  const rows = manifest.files.flatVectors;
  if (rows === undefined) return undefined;
  // Trusted only while it belongs to the vector file's generation (an older rag carries entries over).
  if (columns !== undefined && generationOf(columns.name) === generationOf(rows.name)) {
    // The column file comes whole to onBytes before any of it is parsed: checked right there.
    const hits = await readVerified(dir, manifest, verified, columns, 'whole', (trusted, onBytes) =>
      searchColumnsFile(join(dir, columns.name), manifest.model.dimension, liveLabels(), vector, k, { trusted, onBytes }),
    );
    if (hits !== undefined) return hits;
  }
  return readVerified(dir, manifest, verified, rows, 'streamed', (trusted, onBytes) =>
    scanVectorFile(join(dir, rows.name), manifest.model.dimension, liveLabels(), vector, k, trusted ? undefined : onBytes),
  );
}

/**
 * Runs `read` on `file` with a checksum of the bytes it reads, unless `file` is the very file
 * verified before; records the file as verified after a read that hashed it. `read` gives every
 * byte to `onBytes` in order: all at once (`whole`, compared on arrival, before parsing) or in
 * blocks as it scans (`streamed`, compared at the end, before the result is used).
 */
async function readVerified<T>(
  dir: string,
  manifest: Manifest,
  verified: VerifiedFiles,
  file: ManifestFile,
  delivery: 'whole' | 'streamed',
  read: (trusted: boolean, onBytes: (bytes: Buffer) => void) => Promise<T | undefined>,
): Promise<T | undefined> {
  const path = join(dir, file.name);
  let stamp: Awaited<ReturnType<VerifiedFiles['check']>>;
  try {
    stamp = await verified.check(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  const startedNs = nowNs();
  const checksum = stamp.trusted ? undefined : file.checksum;
  const hash = checksum === undefined ? undefined : createHash('sha256');
  const matches = (): boolean => `sha256:${hash!.digest('hex')}` === checksum;
  let result: T | undefined;
  let hashed = false;
  try {
    result = await read(checksum === undefined, (bytes) => {
      if (hash === undefined) return;
      hashed = true;
      hash.update(bytes);
      if (delivery === 'whole' && !matches()) throw checksumMismatch(dir, file);
    });
  } catch (error) {
    // Gone (a commit replaced this generation): loading handles that by moving to the new one.
    if (isErrno(error, 'ENOENT')) return undefined;
    if (error instanceof RagError) throw error;
    throw damaged(dir, `${path} cannot be read (${error instanceof Error ? error.message : String(error)})`, error);
  }
  // A read that returned without reading (a dense query leaves the column file alone) vouches for nothing.
  if (hash !== undefined && hashed) {
    if (delivery === 'streamed' && !matches()) throw checksumMismatch(dir, file);
    await verified.record(file, stamp.identity, startedNs, manifestFileNames(manifest));
  }
  return result;
}
