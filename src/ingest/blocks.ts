/**
 * Paragraph and line structure of a stretch of text: the coarse levels of the chunker's
 * recursive split (paragraphs -> lines -> sentences).
 */
import { isWhitespace, trimSpan, type Span } from './sentences.js';

/** A paragraph (text between blank lines) or a fenced code block kept as one unit. */
export interface Block extends Span {
  kind: 'prose' | 'code';
}

function isBlankLine(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isWhitespace(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Splits `[start, end)` into blocks at blank lines. `codeFences` (sorted, from the Markdown
 * structure) become blocks of their own even when blank lines are inside them or no blank line
 * separates them from prose. Blocks are trimmed.
 */
export function splitBlocks(text: string, start: number, end: number, codeFences: readonly Span[] = []): Block[] {
  const blocks: Block[] = [];
  let fenceIndex = 0;
  let paragraphStart = -1;
  let paragraphEnd = -1;
  const flush = (): void => {
    if (paragraphStart === -1) return;
    const span = trimSpan(text, paragraphStart, paragraphEnd);
    if (span) blocks.push({ ...span, kind: 'prose' });
    paragraphStart = -1;
  };

  let lineStart = start;
  while (lineStart < end) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 || newline > end ? end : newline;
    while (fenceIndex < codeFences.length && (codeFences[fenceIndex]?.end ?? 0) <= lineStart) fenceIndex++;
    const fence = codeFences[fenceIndex];
    if (fence && fence.start <= lineStart && lineStart < fence.end) {
      flush();
      const span = trimSpan(text, lineStart, Math.min(fence.end, end));
      if (span) blocks.push({ ...span, kind: 'code' });
      lineStart = Math.min(fence.end, end) + 1;
      continue;
    }
    if (isBlankLine(text, lineStart, lineEnd)) {
      flush();
    } else {
      if (paragraphStart === -1) paragraphStart = lineStart;
      paragraphEnd = lineEnd;
    }
    lineStart = lineEnd + 1;
  }
  flush();
  return blocks;
}

/** Raw lines of `[start, end)`, trimmed, blank ones dropped. */
export function splitRawLines(text: string, start: number, end: number): Span[] {
  const lines: Span[] = [];
  let lineStart = start;
  while (lineStart < end) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 || newline > end ? end : newline;
    const span = trimSpan(text, lineStart, lineEnd);
    if (span) lines.push(span);
    lineStart = lineEnd + 1;
  }
  return lines;
}

// Lines that start a new Markdown-ish block item: list items, quotes, tables, headings.
const BLOCK_ITEM = /^(?:[-*+•]\s|\d{1,9}[.)]\s|[a-z][.)]\s|[#>|])/;

/**
 * Lines of a prose paragraph, with hard-wrapped prose joined back: a line break continues the
 * line when the next line starts with a lowercase Latin letter (and is not a list item) and
 * the line before it is not a heading. That keeps a sentence wrapped at 72 columns one
 * sentence, while list items, table rows and Chinese lines stay separate.
 */
export function splitLogicalLines(text: string, start: number, end: number): Span[] {
  const lines: Span[] = [];
  for (const line of splitRawLines(text, start, end)) {
    const previous = lines[lines.length - 1];
    if (previous && continuesLine(text, previous, line)) previous.end = line.end;
    else lines.push({ ...line });
  }
  return lines;
}

function continuesLine(text: string, previous: Span, line: Span): boolean {
  const first = text.charCodeAt(line.start);
  if (first < 0x61 || first > 0x7a) return false;
  if (text.charCodeAt(previous.start) === 0x23 /* # */) return false;
  return !BLOCK_ITEM.test(text.slice(line.start, Math.min(line.end, line.start + 12)));
}
