import { stemmer } from 'stemmer';
import { normalizeText } from './normalize.js';
import { characterBigrams, splitRuns } from './scripts.js';
import { segmentChinese } from './jieba.js';
import { ENGLISH_STOPWORDS } from './stopwords.js';
import { DEFAULT_SCRIPT_FOLD, foldScript, type ScriptFold } from './script-fold.js';

/** How CJK runs are turned into tokens; several may be combined. */
export interface CjkTokenOptions {
  /** jieba words (default dictionary + HMM). */
  words: boolean;
  /** Overlapping character bigrams. */
  bigrams: boolean;
  /** Single characters. */
  unigrams: boolean;
}

/** Everything that decides which tokens a text yields. */
export interface AnalysisOptions {
  cjk: CjkTokenOptions;
  /** Drop words shorter than this many characters (before stemming); 2 matches bm25s's `\w\w+`. */
  minWordLength: number;
  /** Porter-stem non-CJK words. */
  stem: boolean;
  /** Character n-gram sizes taken from each (unstemmed) non-CJK word, padded with `_`; empty for none. */
  wordCharNgrams: readonly number[];
  /** Prefix each token with its kind (`w:`, `z:`, `b:`, `u:`, `g:`), so a jieba word and the same bigram stay apart. */
  tagKinds: boolean;
  /**
   * Simplified/Traditional folding of CJK runs (after NFKC), so `检索` and `檢索` give the same
   * tokens; see script-fold.ts. Absent means `none` (the analysis before folding existed).
   */
  scriptFold?: ScriptFold;
}

/**
 * Tokens for BM25: English words lowercased, Lucene stopwords removed, Porter-stemmed, at least two
 * characters (as bm25s does); Chinese as overlapping character bigrams, as the bm25s reference did.
 * On cmrc2018 bigrams and jieba words rank alike (nDCG@10 0.9841 vs 0.9843) but bigrams recall more
 * (R@100 0.9994 vs 0.9975) and index twice as fast (bench/lexical-quality.ts --bm25-jieba).
 */
export const BM25_ANALYSIS: Readonly<AnalysisOptions> = Object.freeze({
  cjk: Object.freeze({ words: false, bigrams: true, unigrams: false }),
  minWordLength: 2,
  stem: true,
  wordCharNgrams: Object.freeze([]),
  tagKinds: false,
  scriptFold: DEFAULT_SCRIPT_FOLD,
});

/**
 * Analyzes text into tokens: NFKC + lowercase, then each run of CJK characters and each
 * non-CJK word is tokenized according to `options`. Tokens are in text order (duplicates kept),
 * so counts are term frequencies.
 */
export function analyzeText(text: string, options: Readonly<AnalysisOptions>): string[] {
  const tokens: string[] = [];
  const tag = options.tagKinds;
  // One OpenCC call per text rather than per CJK run: the calls, not the characters, cost most.
  for (const run of splitRuns(foldScript(normalizeText(text), options.scriptFold ?? 'none'))) {
    if (run.kind === 'cjk') {
      const cjk = run.text;
      if (options.cjk.words) {
        for (const word of segmentChinese(cjk)) tokens.push(tag ? `z:${word}` : word);
      }
      if (options.cjk.bigrams) {
        for (const gram of characterBigrams(cjk)) tokens.push(tag ? `b:${gram}` : gram);
      }
      if (options.cjk.unigrams) {
        for (const char of cjk) tokens.push(tag ? `u:${char}` : char);
      }
      continue;
    }
    const word = run.text;
    if (word.length < options.minWordLength || ENGLISH_STOPWORDS.has(word)) continue;
    const term = options.stem ? stemmer(word) : word;
    tokens.push(tag ? `w:${term}` : term);
    for (const n of options.wordCharNgrams) pushCharNgrams(tokens, word, n, tag);
  }
  return tokens;
}

function pushCharNgrams(tokens: string[], word: string, n: number, tag: boolean): void {
  const padded = `_${word}_`;
  if (padded.length <= n) {
    tokens.push(tag ? `g:${padded}` : padded);
    return;
  }
  for (let i = 0; i + n <= padded.length; i++) {
    const gram = padded.slice(i, i + n);
    tokens.push(tag ? `g:${gram}` : gram);
  }
}

/**
 * Default features of the `hash` embedder: English words (stopwords removed, stemmed) plus the
 * padded character trigrams of each word, Chinese jieba words plus character bigrams, each tagged
 * with its kind. See `HashEmbedder` for the measurements behind the choice.
 */
export const HASH_ANALYSIS: Readonly<AnalysisOptions> = Object.freeze({
  cjk: Object.freeze({ words: true, bigrams: true, unigrams: false }),
  minWordLength: 2,
  stem: true,
  wordCharNgrams: Object.freeze([3]),
  tagKinds: true,
  scriptFold: DEFAULT_SCRIPT_FOLD,
});

/** Features for the `hash` embedder: {@link analyzeText} with {@link HASH_ANALYSIS} unless given other options. */
export function analyzeForHash(text: string, options: Readonly<AnalysisOptions> = HASH_ANALYSIS): string[] {
  return analyzeText(text, options);
}

/** Tokens for {@link Bm25Index}: {@link analyzeText} with {@link BM25_ANALYSIS}, under another script fold if given. */
export function analyzeForBm25(text: string, scriptFold: ScriptFold = DEFAULT_SCRIPT_FOLD): string[] {
  return analyzeText(text, scriptFold === BM25_ANALYSIS.scriptFold ? BM25_ANALYSIS : { ...BM25_ANALYSIS, scriptFold });
}

/** A BM25 analyzer bound to one script fold (documents and queries must share it). */
export function bm25Analyzer(scriptFold: ScriptFold = DEFAULT_SCRIPT_FOLD): (text: string) => string[] {
  const options: Readonly<AnalysisOptions> = { ...BM25_ANALYSIS, scriptFold };
  return (text) => analyzeText(text, options);
}
