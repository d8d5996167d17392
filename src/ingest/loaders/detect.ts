import path from 'node:path';

import { looksLikeText } from '../encoding.js';
import { sniffKind, type SniffedKind } from './sniff.js';
import type { DocumentFormat } from '../../model/document.js';
import { reason, reasonText, type NoticeReason } from '../notice-reasons.js';

/** How many leading bytes of a file format detection looks at. */
export const HEAD_BYTES = 16 * 1024;

/** A format, or why the file is not loadable (for a `skipped` notice). */
export type Detection =
  | { format: DocumentFormat; reason?: undefined; why?: undefined }
  | { format: null; reason: string; why: NoticeReason };

function notLoadable(why: NoticeReason): Detection {
  return { format: null, reason: reasonText(why), why };
}

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
      return notLoadable(reason('queries-file'));
    }
    if (lower !== 'corpus.jsonl' && !firstLineIsCorpusRecord(head)) {
      return notLoadable(reason('jsonl-not-corpus'));
    }
    format = 'beir';
  } else if (ext === '') {
    format = 'text';
  } else {
    format = BY_EXTENSION.get(ext);
    if (format === undefined) return notLoadable(reason('unsupported-type', { ext }));
  }
  const sniffed = TEXT_FORMATS.has(format) ? sniffKind(head) : null;
  if (sniffed !== null && BINARY_KINDS.has(sniffed)) {
    // A PDF written as plain ASCII passes for text; its header says what it is.
    return notLoadable(reason('binary-looks-like', { ext, kind: sniffed }));
  }
  if (TEXT_FORMATS.has(format) && !looksLikeText(head)) {
    return notLoadable(sniffed === null || sniffed === 'text' ? reason('binary-not-text', { ext }) : reason('binary-looks-like', { ext, kind: sniffed }));
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
