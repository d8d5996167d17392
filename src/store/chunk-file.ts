/**
 * chunks-<gen>.jsonl: documents and their chunks, one JSON object per line, written and read
 * as a stream so an index is never limited by V8's maximum string length.
 *
 *   {"kind":"header","formatVersion":1}
 *   {"kind":"document","document":{...StoredDocument}}
 *   {"kind":"chunk","label":17,"chunk":{...Chunk}}      (the document's chunks, in order)
 *   ...
 *   {"kind":"end","documents":2,"chunks":5}
 *
 * The end line makes a truncated file detectable even when it was cut at a line boundary.
 */
import { createReadStream, readFileSync } from 'node:fs';
import type { Chunk, StoredDocument } from '../model/document.js';
import type { ChunkFileLineKind } from './offsets-file.js';

/**
 * The chunk file's own format. Independent of the index format (manifest.ts): index format 2
 * changed only how vectors are stored, so format-1 and format-2 indexes share this chunk file.
 */
const CHUNK_FILE_VERSION = 1;

export interface ChunkRecord {
  /** The HNSW label of the chunk's vector. */
  label: number;
  chunk: Chunk;
}

/** Lines of a chunk file (each ends with "\n"). */
export function* chunkFileLines(
  documents: Iterable<StoredDocument>,
  chunksOf: (doc: StoredDocument) => Iterable<ChunkRecord>,
): Generator<string> {
  for (const { line } of chunkFileEntries(documents, chunksOf)) yield line;
}

/** {@link chunkFileLines}, each with what it is (for the offsets file written beside it: offsets-file.ts). */
export function* chunkFileEntries(
  documents: Iterable<StoredDocument>,
  chunksOf: (doc: StoredDocument) => Iterable<ChunkRecord>,
): Generator<{ line: string; what: ChunkFileLineKind }> {
  const other = { kind: 'other' } as const;
  const isDocument = { kind: 'document' } as const;
  yield { line: `${JSON.stringify({ kind: 'header', formatVersion: CHUNK_FILE_VERSION })}\n`, what: other };
  let docCount = 0;
  let chunkCount = 0;
  for (const document of documents) {
    yield { line: `${JSON.stringify({ kind: 'document', document })}\n`, what: isDocument };
    docCount++;
    for (const { label, chunk } of chunksOf(document)) {
      yield { line: `${JSON.stringify({ kind: 'chunk', label, chunk })}\n`, what: { kind: 'chunk', label, id: chunk.id } };
      chunkCount++;
    }
  }
  yield { line: `${JSON.stringify({ kind: 'end', documents: docCount, chunks: chunkCount })}\n`, what: other };
}

/** Thrown by {@link readChunkFile} with what is wrong (the caller adds the file name and advice). */
export class ChunkFileError extends Error {}

export interface ReadChunkFileOptions {
  /** Sees every byte of the file once, in order: a checksum of what was parsed, in the same read. */
  onBytes?: (bytes: Buffer) => void;
  /**
   * Do not parse chunk lines: `onDocument` gets no chunk records, and a document's chunks are
   * only counted against its chunkIds. For a writer that may need no chunk at all (an unchanged
   * re-ingest reads documents and their content hashes only).
   */
  skipChunks?: boolean;
}

/**
 * Streams a chunk file, calling `onDocument` with each document and its chunk records.
 * Throws ChunkFileError describing the first problem (bad JSON, wrong order, truncation).
 */
export async function readChunkFile(
  path: string,
  onDocument: (document: StoredDocument, chunks: ChunkRecord[]) => void,
  options: ReadChunkFileOptions = {},
): Promise<{ documents: number; chunks: number }> {
  const skip = options.skipChunks === true;
  const parser = new ChunkFileParser(onDocument, skip);
  for await (const block of readLineBlocks(path, skip ? CHUNK_LINE_BYTES : undefined, options.onBytes)) for (const line of block) parser.line(line);
  return parser.finish();
}

/** {@link readChunkFile} without awaiting, for a synchronous first use of a lazily opened index. */
export function readChunkFileSync(path: string, onDocument: (document: StoredDocument, chunks: ChunkRecord[]) => void): { documents: number; chunks: number } {
  const parser = new ChunkFileParser(onDocument, false);
  const buffer = readFileSync(path);
  let start = 0;
  for (let end = buffer.indexOf(0x0a); end >= 0; end = buffer.indexOf(0x0a, start)) {
    parser.line(buffer.toString('utf8', start, end));
    start = end + 1;
  }
  if (start < buffer.length) parser.line(buffer.toString('utf8', start));
  return parser.finish();
}

const CHUNK_LINE_START = '{"kind":"chunk",';
const CHUNK_LINE_BYTES = Buffer.from(CHUNK_LINE_START, 'utf8');
/** Stands for a chunk line not decoded at all (a raw NUL cannot occur in a JSON line). */
const SKIPPED_CHUNK_LINE = '\u0000';

/** The checks of a chunk file, fed one line at a time. */
class ChunkFileParser {
  private lineNo = 0;
  private sawHeader = false;
  private end: { documents: number; chunks: number } | undefined;
  private current: { document: StoredDocument; chunks: ChunkRecord[]; skipped: number } | undefined;
  private documents = 0;
  private chunks = 0;

  constructor(
    private readonly onDocument: (document: StoredDocument, chunks: ChunkRecord[]) => void,
    private readonly skipChunks: boolean,
  ) {}

  private fail(what: string): never {
    throw new ChunkFileError(`line ${this.lineNo} ${what}`);
  }

  private finishDocument(): void {
    const current = this.current;
    if (current === undefined) return;
    const expected = current.document.chunkIds;
    const ids = current.chunks.map((r) => r.chunk.id);
    const matches = this.skipChunks ? current.skipped === expected.length : ids.length === expected.length && ids.every((id, i) => id === expected[i]);
    if (!matches) this.fail(`ends document ${JSON.stringify(current.document.docId)} with chunks that do not match its chunkIds`);
    this.onDocument(current.document, current.chunks);
    this.documents++;
    this.current = undefined;
  }

  line(line: string): void {
    this.lineNo++;
    if (line === '') return;
    if (this.end !== undefined) this.fail('follows the end marker');
    if (this.skipChunks && this.sawHeader && (line === SKIPPED_CHUNK_LINE || line.startsWith(CHUNK_LINE_START))) {
      // Written by chunkFileLines, so a chunk line always starts like this; checked in full on load.
      if (this.current === undefined) this.fail('has a chunk before any document');
      this.current.skipped++;
      this.chunks++;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.fail('is not valid JSON');
    }
    if (typeof value !== 'object' || value === null) this.fail('is not a JSON object');
    const record = value as Record<string, unknown>;
    if (!this.sawHeader) {
      if (record['kind'] !== 'header' || record['formatVersion'] !== CHUNK_FILE_VERSION) this.fail('is not a chunk file header');
      this.sawHeader = true;
      return;
    }
    switch (record['kind']) {
      case 'document': {
        this.finishDocument();
        const document = record['document'];
        if (!isStoredDocument(document)) this.fail('has an invalid document');
        this.current = { document: document as StoredDocument, chunks: [], skipped: 0 };
        break;
      }
      case 'chunk': {
        const { label, chunk } = record;
        const current = this.current;
        if (current === undefined) this.fail('has a chunk before any document');
        if (typeof label !== 'number' || !Number.isInteger(label) || label < 0) this.fail('has an invalid label');
        if (!isChunk(chunk) || (chunk as Chunk).docId !== current.document.docId) this.fail('has an invalid chunk');
        if (this.skipChunks) current.skipped++;
        else current.chunks.push({ label: label as number, chunk: chunk as Chunk });
        this.chunks++;
        break;
      }
      case 'end': {
        this.finishDocument();
        const end = { documents: Number(record['documents']), chunks: Number(record['chunks']) };
        this.end = end;
        if (end.documents !== this.documents || end.chunks !== this.chunks) {
          this.fail(`says ${end.documents} documents and ${end.chunks} chunks, but the file has ${this.documents} and ${this.chunks}`);
        }
        break;
      }
      default:
        this.fail('has an unknown record kind');
    }
  }

  finish(): { documents: number; chunks: number } {
    if (!this.sawHeader) throw new ChunkFileError('is empty');
    if (this.end === undefined) throw new ChunkFileError('ends early (no end marker): it was truncated');
    return { documents: this.documents, chunks: this.chunks };
  }
}

/**
 * The file's lines (without "\n"), one array per 4 MiB block read, split on the byte 0x0A (in
 * UTF-8 never part of another character): no regular expression and no promise per line, as
 * with readline.
 */
async function* readLineBlocks(path: string, skipPrefix?: Buffer, onBytes?: (bytes: Buffer) => void): AsyncGenerator<string[]> {
  let carry: Buffer | undefined;
  // Lines starting with `skipPrefix` come back as SKIPPED_CHUNK_LINE, never decoded.
  const decode = (buf: Buffer, start: number, end: number): string =>
    skipPrefix !== undefined && end - start >= skipPrefix.length && buf.compare(skipPrefix, 0, skipPrefix.length, start, start + skipPrefix.length) === 0
      ? SKIPPED_CHUNK_LINE
      : buf.toString('utf8', start, end);
  for await (const block of createReadStream(path, { highWaterMark: 1 << 22 }) as AsyncIterable<Buffer>) {
    onBytes?.(block);
    const lines: string[] = [];
    let start = 0;
    let end = block.indexOf(0x0a);
    if (carry !== undefined && end >= 0) {
      const joined = Buffer.concat([carry, block.subarray(0, end)]);
      lines.push(decode(joined, 0, joined.length));
      carry = undefined;
      start = end + 1;
      end = block.indexOf(0x0a, start);
    }
    for (; end >= 0; end = block.indexOf(0x0a, start)) {
      lines.push(decode(block, start, end));
      start = end + 1;
    }
    if (start < block.length) carry = carry === undefined ? block.subarray(start) : Buffer.concat([carry, block.subarray(start)]);
    yield lines;
  }
  if (carry !== undefined && carry.length > 0) yield [decode(carry, 0, carry.length)];
}

function isStoredDocument(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return (
    typeof d['docId'] === 'string' &&
    typeof d['source'] === 'string' &&
    typeof d['origin'] === 'string' &&
    typeof d['format'] === 'string' &&
    typeof d['contentHash'] === 'string' &&
    Array.isArray(d['chunkIds']) &&
    d['chunkIds'].every((id) => typeof id === 'string')
  );
}

function isChunk(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c['id'] === 'string' &&
    typeof c['docId'] === 'string' &&
    typeof c['text'] === 'string' &&
    typeof c['index'] === 'number' &&
    typeof c['start'] === 'number' &&
    typeof c['end'] === 'number' &&
    (c['page'] === null || typeof c['page'] === 'number') &&
    Array.isArray(c['headings'])
  );
}

/** A chunk line located but not decoded by {@link skimChunkFile}. */
export interface SkimmedChunk {
  label: number;
  /** The chunk's id, from its document's chunkIds (chunk lines follow them in order). */
  id: string;
  /** The line's byte range in the file. */
  start: number;
  end: number;
}

const LABEL_KEY = Buffer.from('"label":', 'utf8');

/** The number after `"label":` at `at` (then a comma), read from the bytes without decoding the line. */
function labelAt(buffer: Buffer, at: number, end: number): number | undefined {
  if (end - at <= LABEL_KEY.length || buffer.compare(LABEL_KEY, 0, LABEL_KEY.length, at, at + LABEL_KEY.length) !== 0) return undefined;
  let i = at + LABEL_KEY.length;
  let value = 0;
  const first = i;
  for (; i < end && buffer[i]! >= 0x30 && buffer[i]! <= 0x39; i++) value = value * 10 + (buffer[i]! - 0x30);
  return i > first && i - first <= 15 && buffer[i] === 0x2c ? value : undefined;
}

/**
 * Reads a chunk file already in memory, decoding only its header, document and end lines: each
 * chunk line is located and its label read from the prefix chunkFileLines writes, its text left
 * undecoded ({@link decodeChunkLine} decodes one when asked). For readers of a file whose
 * checksum matched: its bytes are those that were written, so the structure the full parse
 * checks was checked when it was written; counts and chunk order are still checked here.
 */
export function skimChunkFile(buffer: Buffer, onDocument: (document: StoredDocument, chunks: SkimmedChunk[]) => void): { documents: number; chunks: number } {
  let current: { document: StoredDocument; chunks: SkimmedChunk[] } | undefined;
  let documents = 0;
  let chunks = 0;
  let lineNo = 0;
  let sawEnd = false;
  const fail: (what: string) => never = (what) => {
    throw new ChunkFileError(`line ${lineNo} ${what}`);
  };
  const finishDocument = (): void => {
    if (current === undefined) return;
    if (current.chunks.length !== current.document.chunkIds.length) fail(`ends document ${JSON.stringify(current.document.docId)} with chunks that do not match its chunkIds`);
    onDocument(current.document, current.chunks);
    documents++;
    current = undefined;
  };
  let start = 0;
  while (start < buffer.length) {
    let end = buffer.indexOf(0x0a, start);
    if (end < 0) end = buffer.length;
    lineNo++;
    if (end > start) {
      if (sawEnd) fail('follows the end marker');
      if (lineNo > 1 && buffer.compare(CHUNK_LINE_BYTES, 0, CHUNK_LINE_BYTES.length, start, Math.min(end, start + CHUNK_LINE_BYTES.length)) === 0) {
        const label = labelAt(buffer, start + CHUNK_LINE_BYTES.length, end);
        if (label === undefined) fail('has an invalid label');
        if (current === undefined) fail('has a chunk before any document');
        const id = current.document.chunkIds[current.chunks.length];
        if (id === undefined) fail(`has more chunks than document ${JSON.stringify(current.document.docId)} lists`);
        current.chunks.push({ label, id, start, end });
        chunks++;
      } else {
        let value: unknown;
        try {
          value = JSON.parse(buffer.toString('utf8', start, end));
        } catch {
          fail('is not valid JSON');
        }
        const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
        if (lineNo === 1) {
          if (record['kind'] !== 'header' || record['formatVersion'] !== CHUNK_FILE_VERSION) fail('is not a chunk file header');
        } else if (record['kind'] === 'document') {
          finishDocument();
          if (!isStoredDocument(record['document'])) fail('has an invalid document');
          current = { document: record['document'] as StoredDocument, chunks: [] };
        } else if (record['kind'] === 'end') {
          finishDocument();
          sawEnd = true;
          if (Number(record['documents']) !== documents || Number(record['chunks']) !== chunks) {
            fail(`says ${String(record['documents'])} documents and ${String(record['chunks'])} chunks, but the file has ${documents} and ${chunks}`);
          }
        } else {
          fail('has an unknown record kind');
        }
      }
    }
    start = end + 1;
  }
  if (lineNo === 0) throw new ChunkFileError('is empty');
  if (!sawEnd) throw new ChunkFileError('ends early (no end marker): it was truncated');
  return { documents, chunks };
}

/** The chunk of one line located by {@link skimChunkFile}, checked against what the skim saw. */
export function decodeChunkLine(buffer: Buffer, skimmed: SkimmedChunk, docId: string): Chunk {
  let value: unknown;
  try {
    value = JSON.parse(buffer.toString('utf8', skimmed.start, skimmed.end));
  } catch {
    throw new ChunkFileError(`has a chunk line that is not valid JSON (label ${skimmed.label})`);
  }
  const chunk = (value as Record<string, unknown> | null)?.['chunk'];
  if (!isChunk(chunk) || (chunk as Chunk).id !== skimmed.id || (chunk as Chunk).docId !== docId) throw new ChunkFileError(`has an invalid chunk (label ${skimmed.label})`);
  return chunk as Chunk;
}

/** The document of one document line (read by its offsets: offsets-file.ts), checked like the full parse checks it. */
export function decodeDocumentLine(line: Buffer): StoredDocument {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    throw new ChunkFileError('has a document line that is not valid JSON');
  }
  const record = value as Record<string, unknown> | null;
  if (record?.['kind'] !== 'document' || !isStoredDocument(record['document'])) throw new ChunkFileError('has an invalid document');
  return record['document'] as StoredDocument;
}

/**
 * A chunk located in the chunk file by {@link skimChunkFile} and decoded from its line
 * on first use. A class, not an object literal with a getter: 6,528 of those took 30 ms to make.
 */
export class SkimmedChunkRecord implements ChunkRecord {
  readonly label: number;
  #chunk: Chunk | undefined;

  constructor(
    private readonly line: SkimmedChunk,
    readonly docId: string,
    private readonly buffer: Buffer,
    private readonly failed: (error: unknown) => never,
  ) {
    this.label = line.label;
  }

  get id(): string {
    return this.line.id;
  }

  get chunk(): Chunk {
    if (this.#chunk === undefined) {
      try {
        this.#chunk = decodeChunkLine(this.buffer, this.line, this.docId);
      } catch (error) {
        this.failed(error);
      }
    }
    return this.#chunk;
  }
}
