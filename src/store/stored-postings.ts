/**
 * The BM25 postings of one generation, from whichever file it has: lexical-<gen>.bin
 * (postings-file.ts, `files.postings`) or, for an index last changed by an older rag,
 * lexical-<gen>.json (lexical-file.ts, `files.lexical`). Both the query side ({@link openPostings})
 * and the writer carrying unchanged chunks into the next generation ({@link previousAnalysis})
 * read them through here, so the rules of which file counts live in one place.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RagError } from '../errors.js';
import type { ScriptFold } from '../text/script-fold.js';
import { isErrno } from './atomic.js';
import { assertChecksum, checksumMismatch, sha256Of } from './checksum.js';
import { analyzedChunks, readPostings, type AnalyzedChunk } from './lexical-file.js';
import { damaged, manifestFileNames, type Manifest, type ManifestFile } from './manifest.js';
import { isCurrentFormat, PostingsFile, PostingsFileError, readPostingsHeader } from './postings-file.js';
import { nowNs, VerifiedFiles } from './verified-files.js';

/** A generation's postings as BM25 reads them; entry i is the chunk with label `labels[i]`. */
export interface PostingsSource {
  readonly scriptFold: ScriptFold;
  readonly labels: ArrayLike<number>;
  readonly lengths: ArrayLike<number>;
  /** The sum of `lengths`. */
  readonly totalLength: number;
  /** [entry, tf, entry, tf, ...], entries ascending; undefined when no chunk has `term`. */
  postings(term: string): ArrayLike<number> | undefined;
}

/**
 * What ties a postings file to the chunk file it was analysed from: the chunk file's checksum
 * (its name and size for indexes from before checksums).
 */
export function chunkBinding(chunks: ManifestFile): string {
  return chunks.checksum ?? `${chunks.name}:${chunks.bytes}`;
}

/**
 * The postings of `manifest`'s generation for `scriptFold`; undefined when it has none for that
 * fold (then BM25 analyses the chunks itself). Verifies the file's checksum, unless a
 * verification record vouches for it (verified-files.ts); throws the index-damaged RagError for
 * a file that is missing, of the wrong size or checksum, or does not hold together.
 */
export async function openPostings(dir: string, manifest: Manifest, scriptFold: ScriptFold): Promise<PostingsSource | undefined> {
  const binary = manifest.files.postings;
  if (binary !== undefined) {
    const file = await readBinary(dir, manifest, binary);
    if (file !== undefined) {
      if (file.scriptFold !== scriptFold) return undefined;
      const { labels, lengths, totalLength } = file;
      // Posting lists are decoded when a query asks for them: damage found then is reported as such.
      const postings = (term: string): Uint32Array | undefined => {
        try {
          return file.postings(term);
        } catch (error) {
          throw asDamaged(dir, binary, error);
        }
      };
      return { scriptFold, labels, lengths, totalLength, postings };
    }
  }
  const json = manifest.files.lexical;
  if (json === undefined) return undefined;
  const path = join(dir, json.name);
  let stored;
  try {
    await assertSize(dir, json);
    await assertChecksum(dir, json);
    stored = await readPostings(path);
  } catch (error) {
    throw asDamaged(dir, json, error);
  }
  if (stored === undefined || stored.scriptFold !== scriptFold) return undefined;
  let totalLength = 0;
  for (const length of stored.lengths) totalLength += length;
  const { labels, lengths, postings } = stored;
  return { scriptFold, labels, lengths, totalLength, postings: (term) => postings.get(term) };
}

/**
 * label → analysis of the chunks of `manifest`'s generation, from its postings, to carry them
 * into the next generation; undefined when there are none usable for `scriptFold`. Never
 * throws: a file that cannot be used only means every chunk is analysed again.
 */
export async function previousAnalysis(dir: string, manifest: Manifest, scriptFold: ScriptFold): Promise<Map<number, AnalyzedChunk> | undefined> {
  try {
    const binary = manifest.files.postings;
    const file = binary === undefined ? undefined : await readBinary(dir, manifest, binary, { verify: true, record: false });
    if (file !== undefined) {
      if (file.scriptFold !== scriptFold) return undefined;
      const out = new Map<number, AnalyzedChunk>();
      file.labels.forEach((label, entry) => out.set(label, { length: file.lengths[entry]!, terms: new Map() }));
      for (const [term, list] of file.entries()) {
        for (let i = 0; i < list.length; i += 2) out.get(file.labels[list[i]!]!)!.terms.set(term, list[i + 1]!);
      }
      return out;
    }
    const json = manifest.files.lexical;
    if (json === undefined) return undefined;
    const previous = await readPostings(join(dir, json.name));
    return previous !== undefined && previous.scriptFold === scriptFold ? analyzedChunks(previous) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The binary postings file, checked; undefined when it is of another format or analyser version,
 * or bound to another chunk file than the manifest's (carried over by an older rag that rewrote
 * the chunks): it does not describe this generation then, and is ignored.
 */
async function readBinary(dir: string, manifest: Manifest, file: ManifestFile, options: { verify?: boolean; record?: boolean } = {}): Promise<PostingsFile | undefined> {
  const path = join(dir, file.name);
  let buffer: Buffer;
  try {
    const verified = await VerifiedFiles.forIndex(dir);
    const stamp = await verified.check(file);
    if (stamp.identity.size !== BigInt(file.bytes)) throw wrongSize(dir, file, Number(stamp.identity.size));
    const startedNs = nowNs();
    buffer = await readFile(path);
    if (buffer.length !== file.bytes) throw wrongSize(dir, file, buffer.length);
    if (file.checksum !== undefined && (options.verify === true || !stamp.trusted)) {
      if (sha256Of(buffer) !== file.checksum) throw checksumMismatch(dir, file);
      if (options.record !== false) await verified.record(file, stamp.identity, startedNs, manifestFileNames(manifest));
    }
  } catch (error) {
    throw asDamaged(dir, file, error);
  }
  try {
    const header = readPostingsHeader(buffer);
    if (!isCurrentFormat(header) || header.binding !== chunkBinding(manifest.files.chunks)) return undefined;
    if (header.fileBytes !== buffer.length) throw new PostingsFileError(`is ${buffer.length} bytes but its header describes ${header.fileBytes}`);
    if (header.count !== manifest.counts.chunks) throw new PostingsFileError(`holds ${header.count} chunks, the index ${manifest.counts.chunks}`);
    const start = header.dictionaryBytes;
    return new PostingsFile(header, buffer, (offset, length) => buffer.subarray(start + offset, start + offset + length));
  } catch (error) {
    throw asDamaged(dir, file, error);
  }
}

async function assertSize(dir: string, file: ManifestFile): Promise<void> {
  const size = (await stat(join(dir, file.name))).size;
  if (size !== file.bytes) throw wrongSize(dir, file, size);
}

function wrongSize(dir: string, file: ManifestFile, size: number): Error {
  return damaged(dir, `${join(dir, file.name)} is ${size} bytes but should be ${file.bytes} (truncated or modified)`);
}

/** Errors reading a postings file as the index-damaged RagError naming it (RagErrors pass through). */
function asDamaged(dir: string, file: ManifestFile, error: unknown): unknown {
  const path = join(dir, file.name);
  if (isErrno(error, 'ENOENT')) return damaged(dir, `${path} is missing`);
  if (error instanceof Error && !(error instanceof RagError)) return damaged(dir, `${path} cannot be read (${error.message})`, error);
  return error;
}
