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
import { createReadStream } from 'node:fs';
import type { Chunk, StoredDocument } from '../model/document.js';

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
  yield `${JSON.stringify({ kind: 'header', formatVersion: CHUNK_FILE_VERSION })}\n`;
  let docCount = 0;
  let chunkCount = 0;
  for (const document of documents) {
    yield `${JSON.stringify({ kind: 'document', document })}\n`;
    docCount++;
    for (const { label, chunk } of chunksOf(document)) {
      yield `${JSON.stringify({ kind: 'chunk', label, chunk })}\n`;
      chunkCount++;
    }
  }
  yield `${JSON.stringify({ kind: 'end', documents: docCount, chunks: chunkCount })}\n`;
}

/** Thrown by {@link readChunkFile} with what is wrong (the caller adds the file name and advice). */
export class ChunkFileError extends Error {}

/**
 * Streams a chunk file, calling `onDocument` with each document and its chunk records.
 * Throws ChunkFileError describing the first problem (bad JSON, wrong order, truncation).
 */
export async function readChunkFile(
  path: string,
  onDocument: (document: StoredDocument, chunks: ChunkRecord[]) => void,
): Promise<{ documents: number; chunks: number }> {
  let lineNo = 0;
  let sawHeader = false;
  let end: { documents: number; chunks: number } | undefined;
  let current: { document: StoredDocument; chunks: ChunkRecord[] } | undefined;
  let documents = 0;
  let chunks = 0;
  const fail = (what: string): never => {
    throw new ChunkFileError(`line ${lineNo} ${what}`);
  };
  const finishDocument = (): void => {
    if (current === undefined) return;
    const ids = current.chunks.map((r) => r.chunk.id);
    const expected = current.document.chunkIds;
    if (ids.length !== expected.length || ids.some((id, i) => id !== expected[i])) {
      fail(`ends document ${JSON.stringify(current.document.docId)} with chunks that do not match its chunkIds`);
    }
    onDocument(current.document, current.chunks);
    documents++;
    current = undefined;
  };

  for await (const block of readLineBlocks(path)) for (const line of block) {
    lineNo++;
    if (line === '') continue;
    if (end !== undefined) fail('follows the end marker');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      fail('is not valid JSON');
    }
    if (typeof value !== 'object' || value === null) fail('is not a JSON object');
    const record = value as Record<string, unknown>;
    if (!sawHeader) {
      if (record['kind'] !== 'header' || record['formatVersion'] !== CHUNK_FILE_VERSION) fail('is not a chunk file header');
      sawHeader = true;
      continue;
    }
    switch (record['kind']) {
      case 'document': {
        finishDocument();
        const document = record['document'];
        if (!isStoredDocument(document)) fail('has an invalid document');
        current = { document: document as StoredDocument, chunks: [] };
        break;
      }
      case 'chunk': {
        const { label, chunk } = record;
        if (current === undefined) fail('has a chunk before any document');
        if (typeof label !== 'number' || !Number.isInteger(label) || label < 0) fail('has an invalid label');
        if (!isChunk(chunk) || (chunk as Chunk).docId !== current!.document.docId) fail('has an invalid chunk');
        current!.chunks.push({ label: label as number, chunk: chunk as Chunk });
        chunks++;
        break;
      }
      case 'end': {
        finishDocument();
        end = { documents: Number(record['documents']), chunks: Number(record['chunks']) };
        if (end.documents !== documents || end.chunks !== chunks) {
          fail(`says ${end.documents} documents and ${end.chunks} chunks, but the file has ${documents} and ${chunks}`);
        }
        break;
      }
      default:
        fail('has an unknown record kind');
    }
  }
  if (!sawHeader) throw new ChunkFileError('is empty');
  if (end === undefined) throw new ChunkFileError('ends early (no end marker): it was truncated');
  return { documents, chunks };
}

/**
 * The file's lines (without "\n"), one array per 4 MiB block read, split on the byte 0x0A (in
 * UTF-8 never part of another character): no regular expression and no promise per line, as
 * with readline.
 */
async function* readLineBlocks(path: string): AsyncGenerator<string[]> {
  let carry: Buffer | undefined;
  for await (const block of createReadStream(path, { highWaterMark: 1 << 22 }) as AsyncIterable<Buffer>) {
    const lines: string[] = [];
    let start = 0;
    let end = block.indexOf(0x0a);
    if (carry !== undefined && end >= 0) {
      lines.push(Buffer.concat([carry, block.subarray(0, end)]).toString('utf8'));
      carry = undefined;
      start = end + 1;
      end = block.indexOf(0x0a, start);
    }
    for (; end >= 0; end = block.indexOf(0x0a, start)) {
      lines.push(block.toString('utf8', start, end));
      start = end + 1;
    }
    if (start < block.length) carry = carry === undefined ? block.subarray(start) : Buffer.concat([carry, block.subarray(start)]);
    yield lines;
  }
  if (carry !== undefined && carry.length > 0) yield [carry.toString('utf8')];
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
