/** One run of text in a single writing system, in document order. */
export interface TextRun {
  /** `cjk`: Han, kana or Hangul characters (no spaces between words); `word`: a letter/digit word. */
  kind: 'cjk' | 'word';
  text: string;
}

const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
// A word is a run of letters, digits and marks that are not CJK; CJK runs are kept whole so they can
// be segmented or cut into bigrams. Everything else (spaces, punctuation, symbols) separates runs.
const RUN_PATTERN = new RegExp(`([${CJK}]+)|((?:(?![${CJK}])[\\p{L}\\p{N}\\p{M}])+)`, 'gu');

/**
 * Splits already normalized text into CJK runs and word runs, so mixed Chinese/English text
 * (`用RAG检索`) is analyzed with the right method for each part.
 */
export function splitRuns(text: string): TextRun[] {
  const runs: TextRun[] = [];
  for (const match of text.matchAll(RUN_PATTERN)) {
    if (match[1] !== undefined) runs.push({ kind: 'cjk', text: match[1] });
    else if (match[2] !== undefined) runs.push({ kind: 'word', text: match[2] });
  }
  return runs;
}

/** Overlapping character bigrams of a CJK run; a one-character run yields that character. */
export function characterBigrams(run: string): string[] {
  const chars = Array.from(run);
  if (chars.length === 1) return chars;
  const grams: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) grams.push(chars[i]! + chars[i + 1]!);
  return grams;
}
