import { readFile, stat } from 'node:fs/promises';
import { ragWarning, type RagWarning } from '../warnings.js';
import path from 'node:path';

import { RagError } from '../errors.js';
import type { Chunk, DocumentFormat, StoredDocument } from '../model/document.js';
import { openIndex, type OpenIndexOptions } from '../store/open.js';
import type { IndexReader } from '../store/reader.js';
import { closestId } from '../text/closest.js';
import { decodeText, type TextEncoding } from './encoding.js';
import { frontMatterLength } from './loaders/markdown.js';

/** One document of an index, as `rag inspect` lists it. */
export interface InspectedDocument {
  docId: string;
  source: string;
  origin: string;
  format: DocumentFormat;
  title?: string;
  chunkCount: number;
}

/**
 * A position: a character offset, and in a file also its 1-based line and column (columns count
 * characters, not bytes).
 */
export interface FilePosition {
  offset: number;
  line?: number;
  column?: number;
}

/**
 * Where a chunk lies. `in: 'file'`: in the original file as it is on disk now (front matter and
 * CRLF line ends counted), character offsets into its decoded text. `in: 'text'`: in the text
 * the loader extracted (PDF, HTML, DOCX, corpus records), the same as the chunk's `start`/`end`;
 * also when the file has changed or gone since it was ingested (`note` says which).
 */
export interface ChunkSpan {
  in: 'file' | 'text';
  start: FilePosition;
  end: FilePosition;
}

export interface InspectedChunk {
  id: string;
  index: number;
  text: string;
  headings: string[];
  page: number | null;
  /** Offsets into the document's extracted text, as stored (and as `rag query --json` reports them). */
  textStart: number;
  textEnd: number;
  span: ChunkSpan;
}

export interface InspectResult {
  index: string;
  model: string;
  documents: InspectedDocument[];
  /** With `doc`: that document's chunks, in order. */
  chunks?: InspectedChunk[];
  /** Why spans are given in the extracted text rather than the file, when they are (English). */
  note?: string;
  /** The same as a code and params. */
  notice?: RagWarning;
}

export interface InspectOptions extends OpenIndexOptions {
  /** Index directory or postgres:// URL. */
  index: string;
  /** A document id, its source, or a path to its file (relative to the working directory or absolute). */
  doc?: string;
  /** How the original file was decoded at ingest (`--encoding`), when not detected. */
  encoding?: TextEncoding;
}

/**
 * What an index holds: its documents with chunk counts, and for one document (`doc`) every
 * chunk with its text, heading path and span in the original file.
 *
 * @throws RagError `index-missing` without an index; `usage` when `doc` names no document (the
 *   message suggests the closest id).
 */
export async function inspectIndex(options: InspectOptions): Promise<InspectResult> {
  const reader = await openIndex(options.index, options);
  try {
    const documents = [...reader.documents()].map(describe).sort((a, b) => (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
    const result: InspectResult = { index: reader.location, model: reader.manifest.model.id, documents };
    if (options.doc === undefined) return result;
    const doc = await findDocument(reader, options.doc);
    const chunks = await reader.chunksOf(doc);
    const mapped = await mapToFile(doc, chunks, options.encoding);
    return {
      ...result,
      documents: documents.filter((d) => d.docId === doc.docId),
      chunks: chunks.map((chunk, i) => ({
        id: chunk.id,
        index: chunk.index,
        text: chunk.text,
        headings: chunk.headings,
        page: chunk.page,
        textStart: chunk.start,
        textEnd: chunk.end,
        span: mapped.spans[i]!,
      })),
      ...(mapped.notice === undefined ? {} : { note: mapped.notice.message, notice: mapped.notice }),
    };
  } finally {
    await reader.close();
  }
}

function describe(doc: StoredDocument): InspectedDocument {
  return {
    docId: doc.docId,
    source: doc.source,
    origin: doc.origin,
    format: doc.format,
    ...(doc.title === undefined ? {} : { title: doc.title }),
    chunkCount: doc.chunkIds.length,
  };
}

async function findDocument(reader: IndexReader, wanted: string): Promise<StoredDocument> {
  const direct = reader.getDocument(wanted);
  if (direct) return direct;
  const asPath = path.resolve(wanted);
  for (const doc of reader.documents()) {
    if (doc.source === wanted || filePathOf(doc) === asPath) return doc;
  }
  const ids = new Set<string>();
  for (const doc of reader.documents()) ids.add(doc.docId);
  const near = closestId(wanted.replace(/\\/g, '/'), ids) ?? closestId(path.basename(wanted), ids);
  throw new RagError('usage', `no document '${wanted}' in ${reader.location}`, {
    hint: near === undefined ? 'inspectIndex() without a doc lists the document ids' : `did you mean ${near}? (inspectIndex() without a doc lists the document ids)`,
    details: near === undefined ? { advice: 'document-unknown', wanted, location: reader.location } : { advice: 'document-unknown-near', near, wanted, location: reader.location },
  });
}

/** The file a document was loaded from: its origin (a file ingested on its own) or origin/docId. */
function filePathOf(doc: StoredDocument): string {
  if (doc.format === 'beir') return doc.origin;
  return path.basename(doc.origin) === doc.docId ? doc.origin : path.join(doc.origin, ...doc.docId.split('/'));
}

interface Mapped {
  spans: ChunkSpan[];
  notice?: RagWarning;
}

/**
 * Markdown and plain text keep their source text (minus front matter, CRLF as LF), so chunk
 * offsets map back onto the file exactly; the mapping is checked against the chunk text, so a
 * file edited since the ingest falls back to extracted-text positions instead of wrong ones.
 */
async function mapToFile(doc: StoredDocument, chunks: Chunk[], encoding: TextEncoding | undefined): Promise<Mapped> {
  if (doc.format !== 'markdown' && doc.format !== 'text') {
    return { spans: textSpans(chunks), notice: ragWarning('inspect-extracted', { format: doc.format }) };
  }
  const file = filePathOf(doc);
  let raw: string;
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
    raw = decodeText(await readFile(file), encoding === undefined ? {} : { encoding }).text;
  } catch {
    return { spans: textSpans(chunks), notice: ragWarning('inspect-file-gone', { file }) };
  }
  const normalized = raw.replace(/\r\n?/g, '\n');
  const skip = doc.format === 'markdown' ? frontMatterLength(normalized) : 0;
  const toRaw = crlfMapper(raw);
  const spans: ChunkSpan[] = [];
  const lines = lineStarts(raw);
  for (const chunk of chunks) {
    const a = chunk.start + skip;
    const b = chunk.end + skip;
    if (normalized.slice(a, b) !== chunk.text) {
      return { spans: textSpans(chunks), notice: ragWarning('inspect-file-changed', { file }) };
    }
    spans.push({ in: 'file', start: position(raw, lines, toRaw(a)), end: position(raw, lines, toRaw(b)) });
  }
  return { spans };
}

function textSpans(chunks: Chunk[]): ChunkSpan[] {
  // The extracted text itself is not stored (only its chunks), so it has no lines to count.
  return chunks.map((c) => ({ in: 'text', start: { offset: c.start }, end: { offset: c.end } }));
}

/** Maps an offset in the CRLF-normalised text to the offset in `raw` (each "\r\n" is one "\n" there). */
function crlfMapper(raw: string): (offset: number) => number {
  const collapsed: number[] = []; // normalised offsets of the "\n" of each "\r\n"
  let removed = 0;
  for (let i = raw.indexOf('\r\n'); i !== -1; i = raw.indexOf('\r\n', i + 2)) {
    collapsed.push(i - removed);
    removed++;
  }
  return (offset) => {
    let lo = 0;
    let hi = collapsed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (collapsed[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return offset + lo;
  };
}

/** Offsets at which each line of `text` starts (a line ends at "\n", "\r\n" or a lone "\r"). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) starts.push(i + 1);
  }
  return starts;
}

function position(text: string, starts: number[], offset: number): FilePosition {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  // Columns count code points, so a line of Chinese or emoji reads as an editor shows it.
  const column = [...text.slice(starts[lo]!, offset)].length + 1;
  return { offset, line: lo + 1, column };
}

