/**
 * offsets-<gen>.bin: where each document and chunk line of `chunks-<gen>.jsonl` is, written with
 * it at commit, so a one-shot query reads only the lines of its hits (positioned reads) instead
 * of the whole chunk file (issue 14: skimming SciFact's 5.8 MB chunk file was 20–33 ms of a
 * query, plus the garbage it left).
 *
 *   offset 0   8 bytes  "RAGOFFS\0"
 *          8   u32      file format (1)
 *         12   u32      documents D
 *         16   u32      chunks C
 *         20   u32      bytes of the chunk-id list at the end
 *         24   32 bytes SHA-256 of the chunk file these offsets describe
 *         56   D × { u64 line start, u32 line length }
 *              C × { u32 label, u32 document row, u64 line start, u32 line length }, ascending by label
 *              the chunk ids in the same order, as a JSON array (UTF-8)
 *
 * Lengths exclude the "\n". The file is checksummed in the manifest; the lines it points at are
 * trusted as the chunk file is (index-store.ts hashes that whole unless it is the file verified
 * before, verified-files.ts). A digest per line was measured and dropped: hashing 9,000 lines
 * one by one took 15–20 ms per commit on SciFact against 3 ms for the whole file.
 * The chunk file's SHA-256 inside tells a stale file (an older rag carried the entry over while
 * writing a new chunk file) from a current one; a stale or absent file means the chunk file is
 * skimmed whole, as before.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Chunk, StoredDocument } from '../model/document.js';
import { decodeChunkLine, decodeDocumentLine } from './chunk-file.js';

const MAGIC = Buffer.from('RAGOFFS\0', 'latin1');
const FILE_FORMAT = 1;
const HEADER_BYTES = 56;
const DOCUMENT_ROW = 8 + 4;
const CHUNK_ROW = 4 + 4 + 8 + 4;

interface LineSpot {
  start: number;
  length: number;
}

/** What a line of the chunk file is, as chunkFileEntries (chunk-file.ts) says. */
export type ChunkFileLineKind = { kind: 'document' } | { kind: 'chunk'; label: number; id: string } | { kind: 'other' };

/**
 * Watches the chunk file's lines go by on their way to the file (as the bytes written) and makes
 * the offsets file for them.
 */
export class OffsetsRecorder {
  #position = 0;
  readonly #documents: LineSpot[] = [];
  readonly #chunks: Array<LineSpot & { label: number; document: number; id: string }> = [];

  /** The lines of `entries`, recording where each document and chunk line goes. */
  *track(entries: Iterable<{ line: string; what: ChunkFileLineKind }>): Generator<string> {
    for (const { line, what } of entries) {
      const bytes = Buffer.byteLength(line, 'utf8');
      // Every line ends with "\n": the length is of the line without it.
      if (what.kind === 'document') this.#documents.push({ start: this.#position, length: bytes - 1 });
      else if (what.kind === 'chunk') this.#chunks.push({ start: this.#position, length: bytes - 1, label: what.label, document: this.#documents.length - 1, id: what.id });
      this.#position += bytes;
      yield line;
    }
  }

  /** The offsets file, for the chunk file whose checksum is `chunkChecksum` (`sha256:<hex>`). */
  file(chunkChecksum: string): Buffer {
    const chunks = [...this.#chunks].sort((a, b) => a.label - b.label);
    const ids = Buffer.from(JSON.stringify(chunks.map((c) => c.id)), 'utf8');
    const out = Buffer.alloc(HEADER_BYTES + DOCUMENT_ROW * this.#documents.length + CHUNK_ROW * chunks.length + ids.length);
    MAGIC.copy(out, 0);
    out.writeUInt32LE(FILE_FORMAT, 8);
    out.writeUInt32LE(this.#documents.length, 12);
    out.writeUInt32LE(chunks.length, 16);
    out.writeUInt32LE(ids.length, 20);
    Buffer.from(chunkChecksum.replace(/^sha256:/, ''), 'hex').copy(out, 24);
    let at = HEADER_BYTES;
    for (const d of this.#documents) {
      out.writeBigUInt64LE(BigInt(d.start), at);
      out.writeUInt32LE(d.length, at + 8);
      at += DOCUMENT_ROW;
    }
    for (const c of chunks) {
      out.writeUInt32LE(c.label, at);
      out.writeUInt32LE(c.document, at + 4);
      out.writeBigUInt64LE(BigInt(c.start), at + 8);
      out.writeUInt32LE(c.length, at + 16);
      at += CHUNK_ROW;
    }
    ids.copy(out, at);
    return out;
  }
}

/** Thrown by {@link ChunkOffsets.parse} and the line reads with what is wrong (the caller names the file). */
export class OffsetsFileError extends Error {}

/** A parsed offsets file: rows of documents and chunks, read from its bytes on demand. */
export class ChunkOffsets {
  #ids: string[] | undefined;

  private constructor(
    private readonly buffer: Buffer,
    readonly documents: number,
    readonly chunks: number,
    private readonly idsBytes: number,
  ) {}

  /**
   * The offsets in `buffer` (a file whose manifest checksum matched), or undefined when they are
   * of another file format or describe another chunk file than the one with `chunkChecksum`.
   * Throws OffsetsFileError when they cannot be offsets of a chunk file of `chunkBytes` bytes.
   */
  static parse(buffer: Buffer, chunkChecksum: string, chunkBytes: number): ChunkOffsets | undefined {
    if (buffer.length < HEADER_BYTES || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) throw new OffsetsFileError('is not a rag offsets file');
    if (buffer.readUInt32LE(8) !== FILE_FORMAT) return undefined;
    if (buffer.toString('hex', 24, 56) !== chunkChecksum.replace(/^sha256:/, '')) return undefined;
    const documents = buffer.readUInt32LE(12);
    const chunks = buffer.readUInt32LE(16);
    const idsBytes = buffer.readUInt32LE(20);
    if (buffer.length !== HEADER_BYTES + DOCUMENT_ROW * documents + CHUNK_ROW * chunks + idsBytes) throw new OffsetsFileError(`is ${buffer.length} bytes, not what its header says`);
    // Read in place, without a row object each: this runs on every one-shot query.
    const fits = (at: number): boolean => {
      const start = buffer.readUInt32LE(at) + 2 ** 32 * buffer.readUInt32LE(at + 4);
      return start + buffer.readUInt32LE(at + 8) <= chunkBytes;
    };
    for (let row = 0, at = HEADER_BYTES; row < documents; row++, at += DOCUMENT_ROW) {
      if (!fits(at)) throw new OffsetsFileError('points past the end of the chunk file');
    }
    let previous = -1;
    for (let row = 0, at = HEADER_BYTES + DOCUMENT_ROW * documents; row < chunks; row++, at += CHUNK_ROW) {
      const label = buffer.readUInt32LE(at);
      if (label <= previous) throw new OffsetsFileError('has chunk labels out of order');
      previous = label;
      if (buffer.readUInt32LE(at + 4) >= documents) throw new OffsetsFileError(`names document row ${buffer.readUInt32LE(at + 4)} of ${documents}`);
      if (!fits(at + 8)) throw new OffsetsFileError('points past the end of the chunk file');
    }
    return new ChunkOffsets(buffer, documents, chunks, idsBytes);
  }

  private get chunkRows(): number {
    return HEADER_BYTES + DOCUMENT_ROW * this.documents;
  }

  /** The label of chunk row `row`. */
  labelAt(row: number): number {
    return this.buffer.readUInt32LE(this.chunkRows + CHUNK_ROW * row);
  }

  /** The chunk labels, ascending (what the vector scan checks the vector file against). */
  *labels(): Generator<number> {
    for (let row = 0; row < this.chunks; row++) yield this.labelAt(row);
  }

  /** The row of the chunk with `label`, or -1; `hint` is where it usually is (labels ascend like rows). */
  rowOf(label: number, hint = -1): number {
    if (hint >= 0 && hint < this.chunks && this.labelAt(hint) === label) return hint;
    let lo = 0;
    let hi = this.chunks - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.labelAt(mid);
      if (at === label) return mid;
      if (at < label) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The document row of chunk row `row`. */
  documentOf(row: number): number {
    return this.buffer.readUInt32LE(this.chunkRows + CHUNK_ROW * row + 4);
  }

  /** The id of the chunk in row `row` (the JSON list is parsed on first use: only BM25 needs it). */
  chunkId(row: number): string {
    if (this.#ids === undefined) {
      const start = this.chunkRows + CHUNK_ROW * this.chunks;
      let ids: unknown;
      try {
        ids = JSON.parse(this.buffer.toString('utf8', start, start + this.idsBytes));
      } catch {
        ids = undefined;
      }
      if (!Array.isArray(ids) || ids.length !== this.chunks || !ids.every((id) => typeof id === 'string')) throw new OffsetsFileError('has an invalid chunk id list');
      this.#ids = ids as string[];
    }
    return this.#ids[row]!;
  }

  documentLine(row: number): LineSpot {
    const at = HEADER_BYTES + DOCUMENT_ROW * row;
    return { start: Number(this.buffer.readBigUInt64LE(at)), length: this.buffer.readUInt32LE(at + 8) };
  }

  chunkLine(row: number): LineSpot {
    const at = this.chunkRows + CHUNK_ROW * row;
    return { start: Number(this.buffer.readBigUInt64LE(at + 8)), length: this.buffer.readUInt32LE(at + 16) };
  }
}

/** The bytes of one line of the chunk file open as `fd`. Throws OffsetsFileError when the file ends first. */
export function readLine(fd: number, spot: LineSpot): Buffer {
  const line = Buffer.allocUnsafe(spot.length);
  let done = 0;
  while (done < spot.length) {
    const read = readSync(fd, line, done, spot.length - done, spot.start + done);
    if (read === 0) throw new OffsetsFileError(`ends before byte ${spot.start + spot.length}`);
    done += read;
  }
  return line;
}

/** Why a line read through {@link IndexedLines} failed: the chunk file's bytes, or the offsets file's. */
export type LinesFailure = (file: 'chunks' | 'offsets', error: Error) => never;

/**
 * The documents and chunks of the chunk file at `path` (open as `fd`), each read from its line
 * and decoded (with the checks of the full parse) the first time it is asked for.
 */
export class IndexedLines {
  readonly #chunks = new Map<number, Chunk>();
  readonly #documents = new Map<number, StoredDocument>();
  #fd: number | undefined;

  constructor(
    readonly offsets: ChunkOffsets,
    private readonly path: string,
    fd: number,
    private readonly failed: LinesFailure,
  ) {
    this.#fd = fd;
  }

  /** Open while the view is; a view used after close() opens the file again by name. */
  get #open(): number {
    this.#fd ??= openSync(this.path, 'r');
    return this.#fd;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** The whole chunk file (`bytes` long), for a caller that needs every line after all. */
  readAll(bytes: number): Buffer {
    const buffer = Buffer.allocUnsafe(bytes);
    for (let done = 0; done < bytes; ) {
      const read = readSync(this.#open, buffer, done, bytes - done, done);
      if (read === 0) return this.failed('chunks', new Error('ends early (changed while the index was open)'));
      done += read;
    }
    return buffer;
  }

  #line(spot: LineSpot): Buffer {
    try {
      return readLine(this.#open, spot);
    } catch (error) {
      return this.failed('chunks', error as Error);
    }
  }

  /** The chunk in row `row`. */
  chunk(row: number): Chunk {
    let chunk = this.#chunks.get(row);
    if (chunk === undefined) {
      const { offsets } = this;
      let id: string;
      try {
        id = offsets.chunkId(row);
      } catch (error) {
        return this.failed('offsets', error as Error);
      }
      const document = this.documentOfChunk(row);
      const line = this.#line(offsets.chunkLine(row));
      try {
        chunk = decodeChunkLine(line, { label: offsets.labelAt(row), id, start: 0, end: line.length }, document.docId);
      } catch (error) {
        return this.failed('chunks', error as Error);
      }
      this.#chunks.set(row, chunk);
    }
    return chunk;
  }

  /** The document of the chunk in row `row`. */
  documentOfChunk(row: number): StoredDocument {
    const index = this.offsets.documentOf(row);
    let document = this.#documents.get(index);
    if (document === undefined) {
      const line = this.#line(this.offsets.documentLine(index));
      try {
        document = decodeDocumentLine(line);
      } catch (error) {
        return this.failed('chunks', error as Error);
      }
      this.#documents.set(index, document);
    }
    return document;
  }
}
