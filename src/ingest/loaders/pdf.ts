import { joinLineWraps } from '../normalize.js';
import type { PageSpan } from '../../model/document.js';
import type { MarkdownSection } from '../markdown-sections.js';
import { LoaderError } from './loader-error.js';
import { reason } from '../notice-reasons.js';
import { pageBlocks, type PdfBlock, type PdfTextItem } from './pdf-layout.js';

/** The part of the pdf.js document pdf-parse 2.4.5 keeps in its (TypeScript-private) `doc` field. */
interface PdfjsDocument {
  getPage(num: number): Promise<{ getTextContent(): Promise<{ items: Array<PdfTextItem | { type: string }> }>; cleanup(): void }>;
}

/**
 * PDF: text per page (pdf-parse), each page cleaned with {@link joinLineWraps}, pages joined with
 * a blank line. `pages` gives each page's character range in the joined text; pages without text
 * are left out of the text and of `pages`.
 */
export async function loadPdf(buf: Buffer): Promise<{ text: string; pages: PageSpan[]; sections?: MarkdownSection[] }> {
  // pdf.js rebuilds a damaged cross-reference table and would hand back the pages before the cut
  // as if they were the whole document; refusing keeps the previously stored version instead.
  if (!endsWithEofMarker(buf)) {
    throw new LoaderError(reason('pdf-truncated'));
  }
  // pdf-parse pulls in pdf.js (seconds to load): only when a PDF is actually read.
  const { PDFParse } = await import('pdf-parse');
  // pdf.js may detach the buffer it is given; hand it a copy.
  const parser = new PDFParse({ data: new Uint8Array(buf), verbosity: 0 });
  let result: { pages: { text: string; num: number }[] };
  const layout = new Map<number, PdfBlock[]>();
  try {
    result = await parser.getText();
    // pdf-parse's text has no paragraph breaks; the item positions of the document it opened do.
    const doc = (parser as unknown as { doc?: PdfjsDocument }).doc;
    if (doc !== undefined) {
      for (const { num } of result.pages) {
        const page = await doc.getPage(num);
        const items = (await page.getTextContent()).items.filter((i): i is PdfTextItem => 'str' in i);
        layout.set(num, pageBlocks(items));
        page.cleanup();
      }
    }
  } catch (err) {
    throw describePdfError(err);
  } finally {
    await parser.destroy().catch(() => undefined);
  }

  let text = '';
  const pages: PageSpan[] = [];
  const titles: Array<{ start: number; end: number; level: number; text: string }> = [];
  for (const page of [...result.pages].sort((a, b) => a.num - b.num)) {
    const blocks = layout.get(page.num) ?? [{ text: joinLineWraps(page.text), titleLevel: undefined }];
    const kept = blocks.filter((b) => b.text !== '');
    if (kept.length === 0) continue;
    if (text !== '') text += '\n\n';
    const start = text.length;
    kept.forEach((block, i) => {
      if (i > 0) text += '\n\n';
      if (block.titleLevel !== undefined) titles.push({ start: text.length, end: text.length + block.text.length, level: block.titleLevel, text: block.text });
      text += block.text;
    });
    pages.push({ page: page.num, start, end: text.length });
  }
  if (text === '') {
    const pageCount = result.pages.length;
    throw new LoaderError(reason(pageCount === 1 ? 'pdf-no-text-one' : 'pdf-no-text', { pages: pageCount }), { code: 'no-text' });
  }
  const sections = sectionsOf(text.length, titles);
  return sections === undefined ? { text, pages } : { text, pages, sections };
}

/** Sections from each title to the next, with the path of titles above (larger fonts first). */
function sectionsOf(length: number, titles: ReadonlyArray<{ start: number; end: number; level: number; text: string }>): MarkdownSection[] | undefined {
  if (titles.length === 0) return undefined;
  const sections: MarkdownSection[] = [];
  const first = titles[0]!;
  if (first.start > 0) sections.push({ start: 0, end: first.start, bodyStart: 0, headings: [] });
  const path: Array<{ level: number; text: string }> = [];
  titles.forEach((t, i) => {
    while (path.length > 0 && path[path.length - 1]!.level >= t.level) path.pop();
    path.push({ level: t.level, text: t.text });
    sections.push({ start: t.start, end: titles[i + 1]?.start ?? length, bodyStart: t.end, headings: path.map((p) => p.text) });
  });
  return sections;
}

/** The spec puts `%%EOF` within the last 1024 bytes; writers often add a newline or a few bytes after it. */
function endsWithEofMarker(buf: Buffer): boolean {
  return buf.subarray(Math.max(0, buf.length - 1024)).includes('%%EOF');
}

function describePdfError(err: unknown): LoaderError {
  const name = err instanceof Error ? err.name : '';
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  if (name === 'PasswordException') {
    return new LoaderError(reason('pdf-encrypted'), { code: 'encrypted', cause: err });
  }
  const error = message.replace(/\.$/, '');
  return new LoaderError(reason(name === 'InvalidPDFException' ? 'pdf-invalid' : 'pdf-unreadable', { error }), { cause: err });
}
