import { joinLineWraps } from '../normalize.js';
import type { PageSpan } from '../types.js';
import { LoaderError } from './loader-error.js';

/**
 * PDF: text per page (pdf-parse), each page cleaned with {@link joinLineWraps}, pages joined with
 * a blank line. `pages` gives each page's character range in the joined text; pages without text
 * are left out of the text and of `pages`.
 */
export async function loadPdf(buf: Buffer): Promise<{ text: string; pages: PageSpan[] }> {
  // pdf-parse pulls in pdf.js (seconds to load): only when a PDF is actually read.
  const { PDFParse } = await import('pdf-parse');
  // pdf.js may detach the buffer it is given; hand it a copy.
  const parser = new PDFParse({ data: new Uint8Array(buf), verbosity: 0 });
  let result: { pages: { text: string; num: number }[] };
  try {
    result = await parser.getText();
  } catch (err) {
    throw new LoaderError(describePdfError(err), { cause: err });
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
    throw new LoaderError('no text layer (scanned pages?); run OCR on it first, e.g. with ocrmypdf');
  }
  return { text, pages };
}

function describePdfError(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  if (name === 'PasswordException') return 'the PDF is password-protected';
  if (name === 'InvalidPDFException') return `not a valid PDF (${message.replace(/\.$/, '')})`;
  return `could not read the PDF (${message.replace(/\.$/, '')})`;
}
