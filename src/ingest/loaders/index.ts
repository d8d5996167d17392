import { promises as fs } from 'node:fs';
import path from 'node:path';

import { RagError } from '../../errors.js';
import type { SourceFile } from '../discover.js';
import type { LoadedDocument } from '../types.js';
import { loadBeirCorpus } from './beir.js';
import { makeDocument } from './content-hash.js';
import { detectFormat, HEAD_BYTES } from './detect.js';
import { loadDocx } from './docx.js';
import { loadHtml } from './html.js';
import { LoaderError } from './loader-error.js';
import { loadMarkdown } from './markdown.js';
import { loadPdf } from './pdf.js';
import { loadText } from './text.js';

export { computeContentHash } from './content-hash.js';
export { classifyFile, detectFormat, HEAD_BYTES } from './detect.js';
export type { Detection } from './detect.js';

/** What one file yields: a BEIR corpus.jsonl many documents, any other file one. */
export interface LoadedFile {
  documents: LoadedDocument[];
}

/**
 * A file that could not be loaded. `message` is `<file>: <reason>` for showing on its own;
 * `reason` (e.g. `line 17: not valid JSON`) is for callers that print the path themselves.
 */
export class FileLoadError extends RagError {
  override name = 'FileLoadError';
  readonly absPath: string;
  readonly reason: string;
  constructor(absPath: string, problem: string, options?: { location?: string; cause?: unknown }) {
    const where = options?.location;
    super(where === undefined ? `${displayPath(absPath)}: ${problem}` : `${displayPath(absPath)} ${where}: ${problem}`, {
      cause: options?.cause,
    });
    this.absPath = absPath;
    this.reason = where === undefined ? problem : `${where}: ${problem}`;
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
 *   .docx, malformed corpus line, unsupported type. The file is named by its path relative to the
 *   working directory when it lies inside it, else absolute.
 */
export async function loadFile(file: SourceFile): Promise<LoadedFile> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file.absPath);
  } catch (err) {
    throw new FileLoadError(file.absPath, `cannot read (${firstLine(err)})`, { cause: err });
  }
  const format = detectFormat(file.absPath, buf.subarray(0, HEAD_BYTES));
  if (format === null) throw new FileLoadError(file.absPath, 'not a supported document type');

  try {
    if (format === 'beir') return { documents: loadBeirCorpus(buf, file.relPath) };
    const base = { docId: file.relPath, source: file.relPath, format };
    switch (format) {
      case 'markdown':
        return { documents: [makeDocument({ ...base, ...loadMarkdown(buf) })] };
      case 'text':
        return { documents: [makeDocument({ ...base, ...loadText(buf) })] };
      case 'html':
        return { documents: [makeDocument({ ...base, ...loadHtml(buf) })] };
      case 'pdf':
        return { documents: [makeDocument({ ...base, ...(await loadPdf(buf)) })] };
      case 'docx':
        return { documents: [makeDocument({ ...base, ...(await loadDocx(buf)) })] };
    }
  } catch (err) {
    if (err instanceof LoaderError) {
      throw new FileLoadError(file.absPath, err.message, { location: err.location, cause: err });
    }
    // A parser library tripping over one odd file must not end a whole ingest run.
    throw new FileLoadError(file.absPath, `could not be loaded (${firstLine(err)})`, { cause: err });
  }
}

function firstLine(err: unknown): string {
  return ((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '').trim();
}

/** A path as the user would type it: relative to the working directory when inside it. */
function displayPath(absPath: string): string {
  const rel = path.relative(process.cwd(), absPath);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? absPath : rel.split(path.sep).join('/');
}
