import { isUtf8 } from 'node:buffer';
import path from 'node:path';

import { RagError } from '../../errors.js';
import type { SourceFile } from '../discover.js';
import { decodeText, encodingLabel, type DecodedText, type TextEncoding } from '../encoding.js';
import { codeForSystemError, systemErrorParams } from '../failures.js';
import type { NoticeCode } from '../failures.js';
import { DEFAULT_MAX_FILE_SIZE, FileTooLargeError, readBounded, tooLargeParams } from '../limits.js';
import { reason, reasonText, type NoticeReason } from '../notice-reasons.js';
import type { LoadedDocument } from '../types.js';
import { loadBeirCorpus } from './beir.js';
import { makeDocument } from './content-hash.js';
import { detectFormat, HEAD_BYTES } from './detect.js';
import { loadDocx } from './docx.js';
import { LoaderError } from './loader-error.js';
import { loadMarkdown } from './markdown.js';
import { loadPdf } from './pdf.js';
import { formatMismatch } from './sniff.js';
import { loadText } from './text.js';

export { computeContentHash } from './content-hash.js';
export { classifyFile, detectFormat, HEAD_BYTES } from './detect.js';
export type { Detection } from './detect.js';

/** What one file yields: a BEIR corpus.jsonl many documents, any other file one. */
export interface LoadedFile {
  documents: LoadedDocument[];
  /** Caveats about a file that was loaded, e.g. invalid bytes replaced by U+FFFD. */
  warnings: Array<{ code: NoticeCode; reason: string; why: NoticeReason }>;
  /** The encoding a text file was decoded from, when it was not plain UTF-8 (absent for PDF and DOCX). */
  encoding?: TextEncoding;
}

export interface LoadFileOptions {
  /** Refuse files larger than this many bytes (default {@link DEFAULT_MAX_FILE_SIZE}); never read more. */
  maxFileSize?: number;
  /** Decode text files as this encoding instead of detecting it (`--encoding`); a BOM still wins. */
  encoding?: TextEncoding;
}

/**
 * A file that could not be loaded. `message` is `<file>: <reason>` for showing on its own;
 * `reason` (e.g. `line 17: not valid JSON`) is for callers that print the path themselves, and
 * `why` the same as a code and params.
 */
export class FileLoadError extends RagError {
  override name = 'FileLoadError';
  readonly absPath: string;
  readonly reason: string;
  readonly why: NoticeReason;
  /** Why, for counting: `corrupt`, `encrypted`, `no-text`, `too-large`, `unreadable`, `vanished` ... */
  readonly notice: NoticeCode;
  constructor(absPath: string, why: NoticeReason, options?: { code?: NoticeCode; cause?: unknown }) {
    const text = reasonText(why);
    // `a.jsonl line 17: not valid JSON`, not `a.jsonl: line 17: ...`.
    const message = typeof why.params['line'] === 'number' ? `${displayPath(absPath)} ${text}` : `${displayPath(absPath)}: ${text}`;
    super('file-unloadable', message, { cause: options?.cause });
    this.absPath = absPath;
    this.reason = text;
    this.why = why;
    this.notice = options?.code ?? 'corrupt';
  }
}

/**
 * Read and parse one discovered file.
 *
 * A single-document file gets docId and source = `file.relPath`; a BEIR corpus gets one document
 * per line (see {@link loadBeirCorpus}). Every document carries its `contentHash`.
 *
 * @throws FileLoadError (a RagError) with a one-line message `<file>: <reason>` (for a corpus
 *   line `<file> line N: <reason>`) when the file cannot be read or parsed: corrupt PDF, broken
 *   .docx, malformed corpus line, unsupported type, larger than `maxFileSize`, gone or unreadable;
 *   its `code` says which. The file is named by its path relative to the working directory when
 *   it lies inside it, else absolute.
 */
export async function loadFile(file: SourceFile, options: LoadFileOptions = {}): Promise<LoadedFile> {
  let buf: Buffer;
  try {
    buf = await readBounded(file.absPath, options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
  } catch (err) {
    if (err instanceof FileTooLargeError) {
      throw new FileLoadError(file.absPath, reason('too-large', tooLargeParams(err.size, err.limit)), { code: 'too-large', cause: err });
    }
    throw new FileLoadError(file.absPath, reason('read-failed', systemErrorParams(err)), { code: codeForSystemError(err), cause: err });
  }
  const format = detectFormat(file.absPath, buf.subarray(0, HEAD_BYTES));
  if (format === null) throw new FileLoadError(file.absPath, reason('not-supported'), { code: 'unsupported' });

  if (format === 'pdf' || format === 'docx' || format === 'beir') {
    const mismatch = formatMismatch(format, buf.subarray(0, HEAD_BYTES));
    if (mismatch !== null) throw new FileLoadError(file.absPath, mismatch, { code: 'corrupt' });
  }

  const warnings: LoadedFile['warnings'] = [];
  // Decoded here once, not in every text loader: the loaders then read UTF-8. Valid UTF-8 (the
  // usual case) costs one fast scan. A large corpus.jsonl is decoded line by line by its loader.
  const forced = options.encoding;
  let used: TextEncoding | undefined;
  if (format !== 'pdf' && format !== 'docx' && (!isUtf8(buf) || (forced !== undefined && forced !== 'utf-8') || (format !== 'beir' && buf.includes(0)))) {
    const decoded = decodeText(buf, forced === undefined ? {} : { encoding: forced });
    const { replaced, encoding } = decoded;
    if (decoded.undecodable) {
      throw new FileLoadError(file.absPath, reason('undecodable'), { code: 'unknown-encoding' });
    }
    if (forced !== undefined && replaced > Math.max(2, decoded.text.length * 0.01)) {
      throw new FileLoadError(file.absPath, reason('not-given-encoding', { encoding: encodingLabel(forced), replaced }), { code: 'unknown-encoding' });
    }
    const notice = encodingNotice(decoded, forced);
    if (notice !== undefined) warnings.push(notice);
    if (format !== 'beir') buf = Buffer.from(decoded.text, 'utf8');
    used = encoding;
  }

  const found = await loadDecoded(file, format, buf, warnings, forced);
  return used === undefined ? found : { ...found, encoding: used };
}

async function loadDecoded(
  file: SourceFile,
  format: NonNullable<ReturnType<typeof detectFormat>>,
  buf: Buffer,
  warnings: LoadedFile['warnings'],
  forced: TextEncoding | undefined,
): Promise<LoadedFile> {
  try {
    if (format === 'beir') return { documents: loadBeirCorpus(buf, file.relPath, forced === undefined ? {} : { encoding: forced }), warnings };
    const base = { docId: file.relPath, source: file.relPath, format };
    switch (format) {
      case 'markdown':
        return { documents: [makeDocument({ ...base, ...loadMarkdown(buf) })], warnings };
      case 'text':
        return { documents: [makeDocument({ ...base, ...loadText(buf) })], warnings };
      case 'html': {
        // htmlparser2 costs ~75 ms to import: only runs that meet an HTML file pay for it.
        const { loadHtml } = await import('./html.js');
        return { documents: [makeDocument({ ...base, ...loadHtml(buf) })], warnings };
      }
      case 'pdf':
        return { documents: [makeDocument({ ...base, ...(await loadPdf(buf)) })], warnings };
      case 'docx':
        return { documents: [makeDocument({ ...base, ...(await loadDocx(buf)) })], warnings };
    }
  } catch (err) {
    if (err instanceof LoaderError) {
      throw new FileLoadError(file.absPath, err.why, { code: err.code, cause: err });
    }
    // A parser library tripping over one odd file must not end a whole ingest run.
    throw new FileLoadError(file.absPath, reason('load-failed', { error: firstLine(err) }), { cause: err });
  }
}

/** One notice saying everything that was done to decode a file, or none for clean UTF-8. */
function encodingNotice(decoded: DecodedText, forced: TextEncoding | undefined): LoadedFile['warnings'][number] | undefined {
  const { replaced, encoding } = decoded;
  const nuls = decoded.nulsDropped ?? 0;
  const label = encodingLabel(encoding);
  if (replaced === 0 && nuls === 0) {
    if (encoding === 'utf-8') return undefined;
    const why = reason(forced === undefined ? 'read-as-detected' : 'read-as', { encoding: label });
    return { code: 'legacy-encoding', reason: reasonText(why), why };
  }
  const why = reason(replaced > 0 ? 'bytes-replaced' : 'nuls-dropped', { encoding: label, replaced, nuls });
  return { code: 'invalid-encoding', reason: reasonText(why), why };
}

function firstLine(err: unknown): string {
  return ((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '').trim();
}

/** A path as the user would type it: relative to the working directory when inside it. */
function displayPath(absPath: string): string {
  const rel = path.relative(process.cwd(), absPath);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? absPath : rel.split(path.sep).join('/');
}
