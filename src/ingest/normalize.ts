/**
 * Text clean-up shared by loaders.
 */

/** Convert CRLF and lone CR line endings to LF, so offsets and line logic see one convention. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * Join the visual line wraps that PDF extraction leaves inside paragraphs.
 *
 * - Between two CJK characters the newline is removed without a space ("来提\n高检索速度" →
 *   "来提高检索速度"); if either side is CJK no space is added either.
 * - Between Latin words the newline becomes one space.
 * - A word hyphenated across lines is rejoined ("retrie-\nval" → "retrieval") when the next line
 *   starts with a lowercase letter. The hyphen stays (without a space) when the next line starts
 *   with a capital or digit ("TF-\nIDF" → "TF-IDF") or the word already has inner hyphens
 *   ("state-of-the-\nart" → "state-of-the-art").
 * - Real breaks stay: blank lines (paragraphs, collapsed to one blank line), lines ending in
 *   sentence punctuation (optionally followed by a closing quote or bracket), and lines that
 *   start a list item.
 *
 * Trailing spaces on lines and leading/trailing blank lines are removed.
 */
export function joinLineWraps(text: string): string {
  const paragraphs = normalizeNewlines(text)
    .split(/\n[ \t\f\v\u00a0]*\n[\s]*/)
    .map((p) => joinParagraph(p))
    .filter((p) => p.length > 0);
  return paragraphs.join('\n\n');
}

function joinParagraph(paragraph: string): string {
  const lines = paragraph
    .split('\n')
    .map((l) => l.replace(/^[ \t\f\v]+|[ \t\f\v]+$/g, ''))
    .filter((l) => l.length > 0);
  let out = lines[0] ?? '';
  for (let i = 1; i < lines.length; i++) {
    const prev = lines[i - 1] ?? '';
    const next = lines[i] ?? '';
    const join = joiner(prev, next);
    // Only the previous line is inspected, so a long paragraph stays linear.
    out = join === DROP_HYPHEN ? out.slice(0, -1) + next : out + join + next;
  }
  return out;
}

const DROP_HYPHEN = Symbol('drop hyphen');

/** What replaces the newline between line `prev` and line `next`. */
function joiner(prev: string, next: string): string | typeof DROP_HYPHEN {
  if (SENTENCE_END.test(prev) || LIST_ITEM.test(next)) return '\n';
  const nextFirst = firstChar(next);
  const hyphenated = HYPHENATED_END.exec(prev);
  if (hyphenated && /^[\p{L}\p{N}]/u.test(nextFirst)) {
    // "state-of-the-\nart" and "TF-\nIDF" split at a real hyphen: keep it, add no space.
    if (!/^\p{Ll}/u.test(nextFirst) || (hyphenated[1] ?? '').includes('-')) return '';
    return DROP_HYPHEN;
  }
  if (isCjk(lastChar(prev)) || isCjk(nextFirst)) return '';
  return ' ';
}

/** Sentence-final punctuation, optionally followed by closing quotes or brackets. */
const SENTENCE_END = /[.!?。！？…；;:：][”’"'»)）」』】〕]*$/u;
/** A line that starts a list item: bullet glyphs, "- ", "1. ", "(1)", "（一）". */
const LIST_ITEM = /^(?:[•●○▪■◆◦·*-]\s|\d{1,3}[.)、]\s|[(（][\d一二三四五六七八九十]{1,3}[)）])/u;
/** A line ending in a letter followed by a hyphen: group 1 is the word before the hyphen. */
const HYPHENATED_END = /(?:^|[^\p{L}\p{N}-])([\p{L}\p{N}-]*\p{L})-$/u;

function lastChar(s: string): string {
  const cp = s.codePointAt(s.length - 1);
  if (cp === undefined) return '';
  // Low surrogate: take the whole astral character.
  if (cp >= 0xdc00 && cp <= 0xdfff && s.length >= 2) return s.slice(-2);
  return String.fromCodePoint(cp);
}

function firstChar(s: string): string {
  const cp = s.codePointAt(0);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/**
 * Han, kana, and CJK/full-width punctuation: scripts written without spaces between words.
 * Hangul is left out on purpose: Korean separates words with spaces and wraps at them.
 */
export function isCjk(ch: string): boolean {
  return CJK.test(ch);
}

const CJK = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef\u2e80-\u2fdf]$/u;
