import path from 'node:path';

import { looksLikeText } from '../encoding.js';
import { describeKind, sniffKind, type SniffedKind } from './sniff.js';
import type { DocumentFormat } from '../../model/document.js';

/** How many leading bytes of a file format detection looks at. */
export const HEAD_BYTES = 16 * 1024;

/** A format, or why the file is not loadable (for a `skipped` notice). */
export type Detection = { format: DocumentFormat; reason?: undefined } | { format: null; reason: string };

const BY_EXTENSION: ReadonlyMap<string, DocumentFormat> = new Map<string, DocumentFormat>([
  ['.md', 'markdown'],
  ['.markdown', 'markdown'],
  ['.txt', 'text'],
  ['.text', 'text'],
  ['.rst', 'text'],
  ['.pdf', 'pdf'],
  ['.html', 'html'],
  ['.htm', 'html'],
  ['.xhtml', 'html'],
  ['.docx', 'docx'],
]);

/** Kinds of content that are never text, whatever bytes they happen to use. */
const BINARY_KINDS: ReadonlySet<SniffedKind> = new Set<SniffedKind>(['pdf', 'zip', 'ole', 'png', 'jpeg', 'gif', 'gzip', 'elf']);

/** Formats whose content is decoded text, so binary bytes in them mean the file is not what it says. */
const TEXT_FORMATS: ReadonlySet<DocumentFormat> = new Set<DocumentFormat>(['markdown', 'text', 'html', 'beir']);

/**
 * Decide how to load a file from its name and first bytes (see {@link HEAD_BYTES}).
 *
 * By extension: .md/.markdown, .txt/.text/.rst, .pdf, .html/.htm/.xhtml, .docx. A file named
 * `corpus.jsonl`, or any other .jsonl whose first line has `_id`, `title` and `text`, is a BEIR
 * corpus; `title` is required there because BEIR `queries.jsonl` lines also have `_id` and
 * `text` (a file of that name is never a corpus). A file
 * without an extension is loaded as text when its bytes are text. Anything else, and text
 * formats whose bytes are binary, is not loadable.
 */
export function classifyFile(absPath: string, head: Buffer): Detection {
  const name = path.basename(absPath);
  const ext = path.extname(name).toLowerCase();
  let format: DocumentFormat | undefined;
  if (ext === '.jsonl') {
    const lower = name.toLowerCase();
    if (lower === 'queries.jsonl') {
      return { format: null, reason: 'a BEIR queries file, not documents (rag eval reads it)' };
    }
    if (lower !== 'corpus.jsonl' && !firstLineIsCorpusRecord(head)) {
      return {
        format: null,
        reason: 'a .jsonl file whose first line lacks "_id", "title" and "text" (not a BEIR corpus)',
      };
    }
    format = 'beir';
  } else if (ext === '') {
    format = 'text';
  } else {
    format = BY_EXTENSION.get(ext);
    if (format === undefined) return { format: null, reason: `unsupported file type ${ext}` };
  }
  const sniffed = TEXT_FORMATS.has(format) ? sniffKind(head) : null;
  if (sniffed !== null && BINARY_KINDS.has(sniffed)) {
    // A PDF written as plain ASCII passes for text; its header says what it is.
    return { format: null, reason: `binary content in a ${ext === '' ? 'file without extension' : `${ext} file`} (looks like ${describeKind(sniffed)})` };
  }
  if (TEXT_FORMATS.has(format) && !looksLikeText(head)) {
    const kind = ext === '' ? 'file without extension' : `${ext} file`;
    const looks = sniffed === null || sniffed === 'text' ? 'not UTF-8, UTF-16, GB18030, Big5 or Windows-1252 text' : `looks like ${describeKind(sniffed)}`;
    return { format: null, reason: `binary content in a ${kind} (${looks})` };
  }
  return { format };
}

/**
 * The format to load a file as, from its path and first bytes; null when the file is of an
 * unknown type or binary and should be skipped.
 */
export function detectFormat(absPath: string, head: Buffer): DocumentFormat | null {
  return classifyFile(absPath, head).format;
}

function firstLineIsCorpusRecord(head: Buffer): boolean {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const newline = text.indexOf('\n');
  if (newline >= 0) {
    try {
      const record: unknown = JSON.parse(text.slice(0, newline));
      return typeof record === 'object' && record !== null && '_id' in record && 'title' in record && 'text' in record;
    } catch {
      return false;
    }
  }
  // First line longer than the head: settle for the keys appearing in it.
  return /^\s*\{/.test(text) && ['"_id"', '"title"', '"text"'].every((key) => text.includes(key));
}
