/**
 * Sentence, clause and word boundaries for Chinese, English and mixed text.
 *
 * Everything here works on ranges of one string so that chunk offsets stay exact: a function takes
 * `[start, end)` of `text` and returns trimmed, non-empty sub-ranges in order. Nothing calls
 * `Intl.Segmenter`: it is pathologically slow on long strings (see REFERENCES.md), and punctuation is
 * all that sentence ends need.
 */

/** A half-open range `[start, end)` of UTF-16 offsets into a text. */
export interface Span {
  start: number;
  end: number;
}

/** Sentence ends that need nothing after them: Chinese/Japanese text has no space between sentences. */
const CJK_SENTENCE_ENDS = new Set([
  0x3002, // 。
  0xff01, // ！
  0xff1f, // ？
  0xff1b, // ；
  0x2026, // …
  0xff61, // ｡ (half-width ideographic full stop)
  0xff0e, // ． (full-width full stop)
]);

const MIN_CJK_SENTENCE_END = Math.min(...CJK_SENTENCE_ENDS);

/** Latin sentence ends; they end a sentence only when followed by whitespace (or a CJK character). */
const LATIN_SENTENCE_ENDS = new Set([0x2e /* . */, 0x21 /* ! */, 0x3f /* ? */]);

/** Closing quotes and brackets that belong to the sentence whose end mark they follow. */
const CLOSERS = new Set(
  [...'”’"\'」』）)］]】》〉}»›〕〗〙｣'].map((c) => c.charCodeAt(0)),
);

/** Clause marks that split wherever they are (CJK text has no spaces after them). */
const CJK_CLAUSE_MARKS = new Set([...'，、；：'].map((c) => c.charCodeAt(0)));
/** Clause marks that split only before whitespace, so `1,000` and `http://` stay whole. */
const LATIN_CLAUSE_MARKS = new Set([...',;:'].map((c) => c.charCodeAt(0)));

/**
 * Words that end with a period without ending the sentence when a capitalised word follows
 * ("Dr. Smith", "Fig. 3", "et al. The"). A lowercase next word is handled separately, so
 * "etc." is deliberately absent: it ends sentences about as often as not.
 */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'rev', 'gen', 'col', 'lt', 'sgt', 'hon',
  'vs', 'cf', 'al', 'viz', 'approx', 'ca', 'resp', 'dept', 'est',
  'fig', 'figs', 'eq', 'eqs', 'ref', 'refs', 'no', 'nos', 'vol', 'vols', 'pp', 'p', 'sec', 'ch', 'chap',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
  'e.g', 'i.e', 'ph.d',
]);

/** `true` for the characters `String.prototype.trim` removes (plus U+0085). */
export function isWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Han, kana, Hangul and CJK punctuation/full-width forms (BMP only, which is what matters here). */
export function isCjk(code: number): boolean {
  return (
    (code >= 0x3000 && code <= 0x30ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xff00 && code <= 0xffef)
  );
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isLowerLatin(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

function isLatinLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || isLowerLatin(code);
}

/**
 * Punctuation that belongs at the end of what precedes it (end marks, clause marks, closing
 * quotes/brackets): a cut must not leave it at the start of the next piece.
 */
export function isTrailingPunctuation(code: number): boolean {
  return (
    CJK_SENTENCE_ENDS.has(code) ||
    LATIN_SENTENCE_ENDS.has(code) ||
    CJK_CLAUSE_MARKS.has(code) ||
    LATIN_CLAUSE_MARKS.has(code) ||
    CLOSERS.has(code)
  );
}

/** `[start, end)` without leading and trailing whitespace, or `null` when nothing is left. */
export function trimSpan(text: string, start: number, end: number): Span | null {
  let s = start;
  let e = end;
  while (s < e && isWhitespace(text.charCodeAt(s))) s++;
  while (e > s && isWhitespace(text.charCodeAt(e - 1))) e--;
  return s < e ? { start: s, end: e } : null;
}

function pushTrimmed(out: Span[], text: string, start: number, end: number): void {
  const span = trimSpan(text, start, end);
  if (span) out.push(span);
}

function skipClosers(text: string, i: number, end: number): number {
  while (i < end && CLOSERS.has(text.charCodeAt(i))) i++;
  return i;
}

/** The first non-whitespace character code at or after `i`, or -1. */
function nextVisible(text: string, i: number, end: number): number {
  while (i < end) {
    const code = text.charCodeAt(i);
    if (!isWhitespace(code)) return code;
    i++;
  }
  return -1;
}

/**
 * Whether the single `.` at `dot` is not a sentence end although whitespace follows it:
 * an abbreviation, an initial ("J. Smith"), a list marker ("1. Install") or a lowercase
 * continuation ("e.g. the").
 */
function periodContinues(text: string, sentenceStart: number, dot: number, after: number, end: number): boolean {
  if (isLowerLatin(nextVisible(text, after, end))) return true;
  // The word before the dot, letters and inner dots only ("e.g", "U.S", "Dr"); bounded look-back.
  let w = dot;
  while (w > sentenceStart && dot - w < 12) {
    const code = text.charCodeAt(w - 1);
    if (!isLatinLetter(code) && code !== 0x2e) break;
    w--;
  }
  const wordStartsClean = w === sentenceStart || !isLatinLetter(text.charCodeAt(w - 1));
  if (w < dot && wordStartsClean) {
    const word = text.slice(w, dot);
    if (ABBREVIATIONS.has(word.toLowerCase())) return true;
    if (/^[A-Z]$/.test(word) || /^(?:[A-Za-z]\.)+[A-Za-z]$/.test(word)) return true;
  }
  // "1. Install", "a. Option", "IV. Results": a list marker (at a sentence or line start) is not a sentence.
  let lineStart = dot;
  while (lineStart > sentenceStart && dot - lineStart < 8 && text.charCodeAt(lineStart - 1) !== 0x0a) lineStart--;
  const first = trimSpan(text, lineStart, dot);
  const atLineStart = lineStart === sentenceStart || text.charCodeAt(lineStart - 1) === 0x0a;
  if (first && atLineStart && dot - first.start <= 5) {
    return /^(?:\d{1,3}|[A-Za-z]|[ivxlcdm]{1,5}|[IVXLCDM]{1,5})$/.test(text.slice(first.start, dot));
  }
  return false;
}

/**
 * Splits `[start, end)` of `text` into sentences. An end mark stays with its own sentence, together
 * with closing quotes or brackets after it (`“好。”`, `(see below.)`).
 *
 * - Chinese ends `。！？；…` (runs like `……` or `？！` count as one) split wherever they are.
 * - `.`, `!`, `?` split when whitespace or the end follows, not inside `3.14`, `Node.js` or URLs;
 *   a `.` after a common abbreviation, an initial or a list number does not split, nor one followed
 *   by a lowercase word. Between two CJK characters they split without a space (`好!下一句`).
 * - Newlines are plain whitespace here: callers split lines first when lines matter.
 */
export function splitSentences(text: string, start = 0, end = text.length): Span[] {
  const out: Span[] = [];
  let sentenceStart = start;
  let i = start;
  while (i < end) {
    const code = text.charCodeAt(i);
    // Nearly every character is no end mark: skip those before the two set lookups.
    if (code < MIN_CJK_SENTENCE_END && code !== 0x2e && code !== 0x21 && code !== 0x3f) {
      i++;
      continue;
    }
    if (CJK_SENTENCE_ENDS.has(code)) {
      // A full-width stop between digits is a decimal point ("3．14").
      if (code === 0xff0e && i > start && isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1))) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < end && (CJK_SENTENCE_ENDS.has(text.charCodeAt(j)) || LATIN_SENTENCE_ENDS.has(text.charCodeAt(j)))) j++;
      // "so… maybe": an ellipsis before a lowercase word is a pause, not an end.
      if (code === 0x2026 && isLowerLatin(nextVisible(text, j, end))) {
        i = j;
        continue;
      }
      j = skipClosers(text, j, end);
      pushTrimmed(out, text, sentenceStart, j);
      sentenceStart = i = j;
      continue;
    }
    if (LATIN_SENTENCE_ENDS.has(code)) {
      let runEnd = i + 1;
      while (runEnd < end && LATIN_SENTENCE_ENDS.has(text.charCodeAt(runEnd))) runEnd++;
      const after = skipClosers(text, runEnd, end);
      let boundary = false;
      if (after >= end || isWhitespace(text.charCodeAt(after))) {
        if (code !== 0x2e) boundary = true;
        else if (runEnd - i > 1) boundary = !isLowerLatin(nextVisible(text, after, end));
        else boundary = !periodContinues(text, sentenceStart, i, after, end);
      } else if (i > start && isCjk(text.charCodeAt(i - 1)) && isCjk(text.charCodeAt(after))) {
        boundary = true;
      }
      if (boundary) {
        pushTrimmed(out, text, sentenceStart, after);
        sentenceStart = after;
        i = after;
      } else {
        i = runEnd;
      }
      continue;
    }
    i++;
  }
  pushTrimmed(out, text, sentenceStart, end);
  return out;
}

/**
 * Splits an overlong sentence after clause marks: `，、；：` anywhere, `,;:` before whitespace.
 * The mark stays at the end of its clause.
 */
export function splitClauses(text: string, start = 0, end = text.length): Span[] {
  const out: Span[] = [];
  let clauseStart = start;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    const splits =
      CJK_CLAUSE_MARKS.has(code) ||
      (LATIN_CLAUSE_MARKS.has(code) && (i + 1 >= end || isWhitespace(text.charCodeAt(i + 1))));
    if (!splits) continue;
    const after = skipClosers(text, i + 1, end);
    pushTrimmed(out, text, clauseStart, after);
    clauseStart = after;
    i = after - 1;
  }
  pushTrimmed(out, text, clauseStart, end);
  return out;
}

/** Splits at runs of whitespace. */
export function splitWords(text: string, start = 0, end = text.length): Span[] {
  const out: Span[] = [];
  let wordStart = -1;
  for (let i = start; i < end; i++) {
    if (isWhitespace(text.charCodeAt(i))) {
      if (wordStart !== -1) out.push({ start: wordStart, end: i });
      wordStart = -1;
    } else if (wordStart === -1) {
      wordStart = i;
    }
  }
  if (wordStart !== -1) out.push({ start: wordStart, end });
  return out;
}
