import { foldScriptAligned, type ScriptFold } from '../text/script-fold.js';

/** A short excerpt of a chunk around the query's terms, with the matched spans marked. */
export interface Snippet {
  /**
   * Readable text: Markdown markup stripped, each line trimmed, blank lines collapsed; line breaks
   * are kept, so a table or a code block still reads as one (each line is one row or one line).
   */
  text: string;
  /** [start, end) offsets into `text` of matched query terms. */
  highlights: Array<[number, number]>;
  /** Whether text was cut at the start / end. */
  truncatedStart: boolean;
  truncatedEnd: boolean;
}

export interface SnippetOptions {
  /** About this many characters. Default 240. */
  width?: number;
  /** At most this many lines. Default 8. */
  maxLines?: number;
  /** Simplified/Traditional folding for matching (the text shown is never folded). Default `none`. */
  scriptFold?: ScriptFold;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;
const LATIN_WORD = /[\p{L}\p{N}]+/gu;
const SKIP_WORDS = new Set([
  'the', 'and', 'for', 'with', 'how', 'what', 'why', 'when', 'where', 'who', 'which', 'does', 'are', 'was',
  'were', 'can', 'this', 'that', 'from', 'into', 'about', 'our', 'your', 'you', 'has', 'have', 'not', 'its',
]);

/**
 * Finds the spans of `text` that match the query: Chinese by shared character bigrams (no
 * segmenter needed, and a bigram match is what a reader recognises), Latin words by a shared
 * prefix so "rotate" also marks "rotating". With a script fold, `检索` also marks `檢索`.
 */
export function matchSpans(query: string, text: string, scriptFold: ScriptFold = 'none'): Array<[number, number]> {
  // Aligned folding keeps offsets, so spans found in the folded text mark the original.
  const lowerText = foldScriptAligned(text.toLowerCase(), scriptFold);
  const marks = new Uint8Array(text.length);
  const q = foldScriptAligned(query.toLowerCase().normalize('NFKC'), scriptFold);

  const bigrams = new Set<string>();
  const chars = [...q];
  for (let i = 0; i + 1 < chars.length; i++) {
    const a = chars[i]!;
    const b = chars[i + 1]!;
    if (CJK.test(a) && CJK.test(b)) bigrams.add(a + b);
  }
  for (let i = 0; i + 1 < lowerText.length; i++) {
    if (bigrams.has(lowerText.slice(i, i + 2))) marks.fill(1, i, i + 2);
  }

  const stems = [...q.matchAll(LATIN_WORD)]
    .map((m) => m[0])
    .filter((w) => !CJK.test(w) && w.length >= 2 && !SKIP_WORDS.has(w))
    .map((w) => (w.length > 5 ? w.slice(0, Math.max(4, w.length - 3)) : w));
  if (stems.length) {
    for (const m of lowerText.matchAll(LATIN_WORD)) {
      const word = m[0];
      if (CJK.test(word)) continue;
      if (stems.some((s) => word.startsWith(s) && (s.length >= 4 || word === s))) {
        marks.fill(1, m.index, m.index + word.length);
      }
    }
  }

  const spans: Array<[number, number]> = [];
  for (let i = 0; i < marks.length; i++) {
    if (!marks[i]) continue;
    let j = i;
    while (j < marks.length && marks[j]) j++;
    spans.push([i, j]);
    i = j;
  }
  return spans;
}

/**
 * Chunk text as a reader wants it in a terminal: Markdown images become their alt text, links
 * their label, heading marks, emphasis, inline-code ticks, code fences and table rule rows
 * (`|---|---|`) go; each line is trimmed with inner runs of spaces collapsed, and blank lines
 * are dropped. Table rows keep their cells apart with ` | `.
 */
export function readableText(text: string): string {
  const lines: string[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    let line = raw.trim();
    if (line === '' || /^(```|~~~)/.test(line)) continue;
    if (/^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$/.test(line)) continue;
    line = line
      .replace(/^#{1,6}\s+/, '')
      .replace(/^>\s?/, '')
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, (_m, alt: string) => (alt.trim() === '' ? '' : `[${alt.trim()}]`))
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
      .replace(/`([^`]+)`/g, '$1')
      .replace(/<\/?[a-zA-Z][^>]*>/g, '');
    if (line.startsWith('|')) {
      line = line
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split('|')
        .map((cell) => cell.trim())
        .join(' | ');
    }
    line = line.replace(/[ \t\u3000]+/g, ' ').trim();
    if (line !== '') lines.push(line);
  }
  return lines.join('\n');
}

/** Where a sentence may end: Chinese and Latin sentence punctuation, and line breaks. */
const SENTENCE_END = /[。！？；!?;.\n]/u;

/**
 * Picks the window of about `width` characters (at most `maxLines` lines) of the chunk's
 * {@link readableText} that covers the most matched characters. It starts at a sentence start
 * when one is close before the window (else at a space, never inside a word) and ends at a
 * sentence end or space close after it.
 */
export function makeSnippet(query: string, text: string, options: SnippetOptions | number = {}): Snippet {
  const { width = 240, maxLines = 8, scriptFold = 'none' } = typeof options === 'number' ? { width: options } : options;
  const flat = readableText(text);
  const spans = matchSpans(query, flat, scriptFold);
  if (flat.length <= width && lineCount(flat) <= maxLines) {
    return { text: flat, highlights: spans, truncatedStart: false, truncatedEnd: false };
  }
  let bestStart = 0;
  let bestScore = -1;
  for (const [s] of spans.length ? spans : [[0, 0] as [number, number]]) {
    const start = Math.max(0, Math.min(s - Math.floor(width / 4), flat.length - width));
    const end = start + width;
    let score = 0;
    for (const [a, b] of spans) if (a >= start && b <= end) score += b - a;
    if (score > bestScore) {
      bestScore = score;
      bestStart = start;
    }
  }
  let start = snapStart(flat, bestStart, spans);
  // The end follows the chosen window, not the snapped start, so snapping never loses matches.
  let end = snapEnd(flat, Math.min(flat.length, bestStart + width));
  // Keep to maxLines around the first highlight in the window.
  const lines = flat.slice(start, end).split('\n');
  if (lines.length > maxLines) {
    const firstHit = spans.find(([a]) => a >= start)?.[0] ?? start;
    const lineOfHit = flat.slice(start, firstHit).split('\n').length - 1;
    const skip = Math.max(0, Math.min(lineOfHit - 1, lines.length - maxLines));
    for (let i = 0; i < skip; i++) start += lines[i]!.length + 1;
    end = start + lines.slice(skip, skip + maxLines).join('\n').length;
  }
  const cut = flat.slice(start, end);
  const highlights = spans
    .filter(([a, b]) => b > start && a < end)
    .map(([a, b]) => [Math.max(a, start) - start, Math.min(b, end) - start] as [number, number]);
  return { text: cut, highlights, truncatedStart: start > 0, truncatedEnd: end < flat.length };
}

function lineCount(text: string): number {
  let n = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/** A sentence start up to 40 characters back (not past the first match), else a space up to 20 back, else `at`. */
function snapStart(text: string, at: number, spans: ReadonlyArray<[number, number]>): number {
  if (at <= 0) return 0;
  const firstHit = spans.find(([, b]) => b > at)?.[0] ?? at;
  for (let i = at; i > Math.max(0, at - 40); i--) {
    if (SENTENCE_END.test(text[i - 1]!) && i <= firstHit) return skipSpace(text, i);
  }
  if (at - 40 <= 0) return 0;
  for (let i = at; i > at - 20; i--) if (text[i - 1] === ' ') return i;
  // Inside a Latin word: move forward to its end instead of cutting it.
  if (/[\p{L}\p{N}]/u.test(text[at - 1]!) && !CJK.test(text[at - 1]!)) {
    let i = at;
    while (i < text.length && /[\p{L}\p{N}]/u.test(text[i]!) && !CJK.test(text[i]!)) i++;
    return skipSpace(text, i);
  }
  return at;
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n')) i++;
  return i;
}

/** A sentence end up to 40 characters on, else a space up to 20 on, else `at`. */
function snapEnd(text: string, at: number): number {
  if (at >= text.length) return text.length;
  for (let i = at; i < Math.min(text.length, at + 40); i++) {
    if (SENTENCE_END.test(text[i]!)) return text[i] === '\n' ? i : i + 1;
  }
  for (let i = at; i < Math.min(text.length, at + 20); i++) if (text[i] === ' ') return i;
  return at;
}
