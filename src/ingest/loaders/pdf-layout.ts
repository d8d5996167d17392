/**
 * Paragraphs and titles of a PDF page from the positions of its text items (pdf.js
 * getTextContent): pdf-parse's plain text has one line per text line and no blank lines, so a
 * title that does not end in 。 would be joined to the paragraph under it. Here a line set in a
 * clearly larger font than the body is a title (its own block, and a heading), and a vertical gap
 * clearly wider than the usual line spacing ends a paragraph.
 */
import { joinLineWraps } from '../normalize.js';

/** The fields of a pdf.js TextItem this reads. */
export interface PdfTextItem {
  str: string;
  /** [a, b, c, d, x, y]: y is the baseline in PDF units, upwards. */
  transform: number[];
  height: number;
  hasEOL?: boolean;
}

interface Line {
  text: string;
  y: number;
  size: number;
}

/** One block of a page: a title (with its level, 1 = largest) or a paragraph. */
export interface PdfBlock {
  text: string;
  titleLevel: number | undefined;
}

/** A title's font is at least this much larger than the body's. */
const TITLE_RATIO = 1.15;
/** A gap this much wider than the usual baseline distance is a paragraph break. */
const GAP_RATIO = 1.4;
/** Longer lines are body text even in a large font (a pull quote, a large-print page). */
const TITLE_MAX_CHARS = 80;

function linesOf(items: readonly PdfTextItem[]): Line[] {
  const lines: Line[] = [];
  let current: Line | undefined;
  for (const item of items) {
    const y = item.transform[5] ?? 0;
    const size = item.height > 0 ? item.height : Math.hypot(item.transform[2] ?? 0, item.transform[3] ?? 0);
    if (current !== undefined && Math.abs(current.y - y) > Math.max(current.size, size) * 0.5) {
      lines.push(current);
      current = undefined;
    }
    if (current === undefined) current = { text: '', y, size: 0 };
    current.text += item.str;
    if (item.str.trim() !== '') current.size = Math.max(current.size, size);
    if (item.hasEOL === true) {
      lines.push(current);
      current = undefined;
    }
  }
  if (current !== undefined) lines.push(current);
  return lines.filter((l) => l.text.trim() !== '');
}

/** The font size carrying the most characters: the body text's. */
function bodySize(lines: readonly Line[]): number {
  const chars = new Map<number, number>();
  for (const l of lines) {
    const key = Math.round(l.size * 10) / 10;
    chars.set(key, (chars.get(key) ?? 0) + l.text.length);
  }
  let best = 0;
  let most = -1;
  for (const [size, n] of chars) if (n > most) [best, most] = [size, n];
  return best;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The blocks of one page, top down, each paragraph's wrapped lines joined. */
export function pageBlocks(items: readonly PdfTextItem[]): PdfBlock[] {
  const lines = linesOf(items);
  if (lines.length === 0) return [];
  const body = bodySize(lines);
  const isTitle = (l: Line): boolean => body > 0 && l.size >= body * TITLE_RATIO && l.text.trim().length <= TITLE_MAX_CHARS;
  const titleSizes = [...new Set(lines.filter(isTitle).map((l) => Math.round(l.size * 10) / 10))].sort((a, b) => b - a);
  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const a = lines[i - 1]!;
    const b = lines[i]!;
    if (!isTitle(a) && !isTitle(b) && a.y > b.y) gaps.push(a.y - b.y);
  }
  const spacing = median(gaps);

  const blocks: PdfBlock[] = [];
  let paragraph: string[] = [];
  const flush = (): void => {
    const text = joinLineWraps(paragraph.join('\n'));
    if (text !== '') blocks.push({ text, titleLevel: undefined });
    paragraph = [];
  };
  let previous: Line | undefined;
  for (const line of lines) {
    if (isTitle(line)) {
      flush();
      blocks.push({ text: line.text.trim(), titleLevel: titleSizes.indexOf(Math.round(line.size * 10) / 10) + 1 });
    } else {
      const gap = previous === undefined ? 0 : previous.y - line.y;
      // A line above the previous one (a new column) or far below it starts a paragraph.
      if (previous !== undefined && !isTitle(previous) && spacing !== undefined && (gap > spacing * GAP_RATIO || gap < 0)) flush();
      paragraph.push(line.text);
    }
    previous = line;
  }
  flush();
  return blocks;
}
