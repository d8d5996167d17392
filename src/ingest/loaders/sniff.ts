/**
 * What a file's first bytes say it is, whatever its name says: a `.pdf` saved from a browser
 * error page is HTML, a `.docx` may be an old binary Word file. Loaders check this before
 * parsing, so the error names what the file really is instead of a parser's guess
 * ("truncated PDF", "not a zip archive").
 */
import type { NoticeReason } from '../notice-reasons.js';

export type SniffedKind = 'pdf' | 'zip' | 'ole' | 'html' | 'xml' | 'json' | 'png' | 'jpeg' | 'gif' | 'gzip' | 'elf' | 'rtf' | 'text';

const KIND_NAMES: Readonly<Record<SniffedKind, string>> = {
  pdf: 'a PDF',
  zip: 'a ZIP archive',
  ole: 'an old Office file (.doc/.xls/.ppt)',
  html: 'HTML',
  xml: 'XML',
  json: 'JSON',
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  gif: 'a GIF image',
  gzip: 'a gzip archive',
  elf: 'a program (ELF)',
  rtf: 'RTF',
  text: 'plain text',
};

/** How {@link SniffedKind} is named in messages: `looks like HTML`. */
export function describeKind(kind: SniffedKind): string {
  return KIND_NAMES[kind];
}

function startsWith(head: Buffer, bytes: readonly number[], at = 0): boolean {
  return head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);
}

/** The kind of content in `head` (a file's first bytes), or null when nothing is recognised (binary). */
export function sniffKind(head: Buffer): SniffedKind | null {
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) return 'elf';
  // PDF readers accept the marker anywhere in the first KiB (some writers put bytes before it).
  if (head.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  const text = head.subarray(0, 2048).toString('latin1').replace(/^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  if (text.startsWith('{\\rtf')) return 'rtf';
  if (/^(?:<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/.test(text) || (/^<!--/.test(text) && /<html[\s>]/.test(text))) return 'html';
  if (text.startsWith('<?xml')) return /<html[\s>]/.test(text) ? 'html' : 'xml';
  if (/^[{[]\s*["{[\]]/.test(text)) return 'json';
  if (head.length === 0 || !head.subarray(0, 1024).some((b) => b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b))) return 'text';
  return null;
}

/**
 * Why `head` is not the format its name says, or null when it may be: a PDF must carry `%PDF-`
 * in its first KiB, a .docx must be a ZIP archive, a corpus.jsonl must not be an HTML page.
 */
export function formatMismatch(format: 'pdf' | 'docx' | 'beir', head: Buffer): NoticeReason | null {
  const kind = sniffKind(head);
  if (format === 'beir') {
    // JSON lines start with `{`; a corpus.jsonl saved from a browser is an HTML page.
    return kind === 'html' || kind === 'xml' ? { reasonCode: 'not-jsonl', params: { kind } } : null;
  }
  if (format === 'pdf') {
    if (kind === 'pdf') return null;
    return kind === null ? { reasonCode: 'not-pdf-no-header', params: {} } : { reasonCode: 'not-pdf', params: { kind } };
  }
  if (kind === 'zip') return null;
  if (kind === 'ole') return { reasonCode: 'docx-is-doc', params: {} };
  return kind === null ? { reasonCode: 'not-docx-not-zip', params: {} } : { reasonCode: 'not-docx', params: { kind } };
}
