import { joinLineWraps } from '../normalize.js';
import type { PageSpan } from '../../model/document.js';
import { LoaderError } from './loader-error.js';

/**
 * PDF: text per page (pdf-parse), each page cleaned with {@link joinLineWraps}, pages joined with
 * a blank line. `pages` gives each page's character range in the joined text; pages without text
 * are left out of the text and of `pages`.
 */
export async function loadPdf(buf: Buffer): Promise<{ text: string; pages: PageSpan[] }> {
  // pdf.js rebuilds a damaged cross-reference table and would hand back the pages before the cut
  // as if they were the whole document; refusing keeps the previously stored version instead.
  if (!endsWithEofMarker(buf)) {
    throw new LoaderError('truncated PDF (no %%EOF marker at the end; the file was cut off): download or export it again');
  }
  // pdf-parse pulls in pdf.js (seconds to load): only when a PDF is actually read.
  const { PDFParse } = await import('pdf-parse');
  // pdf.js may detach the buffer it is given; hand it a copy.
  const parser = new PDFParse({ data: new Uint8Array(buf), verbosity: 0 });
  let result: { pages: { text: string; num: number }[] };
  try {
    result = await parser.getText();
  } catch (err) {
    throw describePdfError(err);
  } finally {
    await parser.destroy().catch(() => undefined);
  }

  let text = '';
  const pages: PageSpan[] = [];
  for (const page of [...result.pages].sort((a, b) => a.num - b.num)) {
    const pageText = joinLineWraps(page.text);
    if (pageText === '') continue;
    if (text !== '') text += '\n\n';
    pages.push({ page: page.num, start: text.length, end: text.length + pageText.length });
    text += pageText;
  }
  if (text === '') {
    const pageCount = result.pages.length;
    throw new LoaderError(
      `no text: none of its ${pageCount} page${pageCount === 1 ? ' has' : 's have'} a text layer (scanned?); run OCR on it first, e.g. with ocrmypdf`,
      { code: 'no-text' },
    );
  }
  return { text, pages };
}

/** The spec puts `%%EOF` within the last 1024 bytes; writers often add a newline or a few bytes after it. */
function endsWithEofMarker(buf: Buffer): boolean {
  return buf.subarray(Math.max(0, buf.length - 1024)).includes('%%EOF');
}

function describePdfError(err: unknown): LoaderError {
  const name = err instanceof Error ? err.name : '';
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  if (name === 'PasswordException') {
    return new LoaderError('encrypted (password required); save an unprotected copy to ingest it', { code: 'encrypted', cause: err });
  }
  if (name === 'InvalidPDFException') return new LoaderError(`not a valid PDF (${message.replace(/\.$/, '')})`, { cause: err });
  return new LoaderError(`could not read the PDF (${message.replace(/\.$/, '')})`, { cause: err });
}
