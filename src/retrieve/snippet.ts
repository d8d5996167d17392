/** A short excerpt of a chunk around the query's terms, with the matched spans marked. */
export interface Snippet {
  text: string;
  /** [start, end) offsets into `text` of matched query terms. */
  highlights: Array<[number, number]>;
  /** Whether text was cut at the start / end. */
  truncatedStart: boolean;
  truncatedEnd: boolean;
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
 * prefix so "rotate" also marks "rotating".
 */
export function matchSpans(query: string, text: string): Array<[number, number]> {
  const lowerText = text.toLowerCase();
  const marks = new Uint8Array(text.length);
  const q = query.toLowerCase().normalize('NFKC');

  const bigrams = new Set<string>();
  const chars = [...q];
  for (let i = 0; i + 1 < chars.length; i++) {
    const a = chars[i]!;
    const b = chars[i + 1]!;
    if (CJK.test(a) && CJK.test(b)) bigrams.add(a + b);
  }
  for (let i = 0; i + 1 < text.length; i++) {
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
 * Picks the window of about `width` characters that covers the most matched characters,
 * widened to nearby whitespace or punctuation so words are not cut in half.
 */
export function makeSnippet(query: string, text: string, width = 240): Snippet {
  const flat = text.replace(/\s+/g, ' ').trim();
  const spans = matchSpans(query, flat);
  if (flat.length <= width) {
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
  let start = bestStart;
  let end = Math.min(flat.length, start + width);
  if (start > 0) {
    const space = flat.lastIndexOf(' ', start);
    if (space !== -1 && start - space < 20) start = space + 1;
  }
  if (end < flat.length) {
    const space = flat.indexOf(' ', end);
    if (space !== -1 && space - end < 20) end = space;
  }
  const cut = flat.slice(start, end);
  const highlights = spans
    .filter(([a, b]) => b > start && a < end)
    .map(([a, b]) => [Math.max(a, start) - start, Math.min(b, end) - start] as [number, number]);
  return { text: cut, highlights, truncatedStart: start > 0, truncatedEnd: end < flat.length };
}
