/**
 * Quality filters on generated queries: leakage (a long verbatim copy of the passage makes the
 * query a string-matching test), exact and near duplicates, empty and over-long replies.
 */
import { characterBigrams, splitRuns } from '../../text/scripts.js';

export interface LeakRule {
  /** This many consecutive CJK characters of the passage in the query is a leak. Default 12. */
  cjkChars: number;
  /** This many consecutive words of the passage in the query is a leak. Default 8. */
  words: number;
}

export const DEFAULT_LEAK_RULE: LeakRule = { cjkChars: 12, words: 8 };

/** Longest query kept, in characters (code points). */
export const MAX_QUERY_CHARS = 200;

/** NFKC, lower case, everything but letters, digits and CJK removed: the form duplicates are found in. */
export function normalizeQuery(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The passage's leak detector: tells whether a query copies a long span of it verbatim. */
export function leakDetector(passage: string, rule: LeakRule = DEFAULT_LEAK_RULE): (query: string) => string | undefined {
  const runs = splitRuns(passage.normalize('NFKC').toLowerCase());
  // CJK text is compared with everything but CJK removed, so punctuation or a space inside the copied span does not hide it.
  const cjkText = runs.filter((r) => r.kind === 'cjk').map((r) => r.text).join('');
  const words = runs.filter((r) => r.kind === 'word').map((r) => r.text);
  const wordGrams = new Set<string>();
  for (let i = 0; i + rule.words <= words.length; i++) wordGrams.add(words.slice(i, i + rule.words).join(' '));
  return (query: string): string | undefined => {
    const q = splitRuns(query.normalize('NFKC').toLowerCase());
    const qCjk = Array.from(q.filter((r) => r.kind === 'cjk').map((r) => r.text).join(''));
    for (let i = 0; i + rule.cjkChars <= qCjk.length; i++) {
      const span = qCjk.slice(i, i + rule.cjkChars).join('');
      if (cjkText.includes(span)) return span;
    }
    const qWords = q.filter((r) => r.kind === 'word').map((r) => r.text);
    for (let i = 0; i + rule.words <= qWords.length; i++) {
      const span = qWords.slice(i, i + rule.words).join(' ');
      if (wordGrams.has(span)) return span;
    }
    return undefined;
  };
}

/** Similarity at or above which two queries are near duplicates. */
export const NEAR_DUPLICATE_SIMILARITY = 0.8;

/** The features near duplicates are compared on: CJK character bigrams plus lower-cased words. */
function features(text: string): Set<string> {
  const out = new Set<string>();
  for (const run of splitRuns(text.normalize('NFKC').toLowerCase())) {
    if (run.kind === 'cjk') for (const g of characterBigrams(run.text)) out.add(g);
    else out.add(run.text);
  }
  return out;
}

/**
 * Dice rather than Jaccard: one character inserted into a short Chinese query changes two of its
 * ten bigrams, which drops Jaccard to ~0.79 for what is plainly the same query; Dice stays ~0.88.
 */
function dice(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) shared++;
  return (2 * shared) / (a.size + b.size);
}

/**
 * Keeps the first of each group of duplicates: `check` answers `exact` (same normalised text),
 * `near` (Dice similarity of CJK bigrams and words >= 0.8) or undefined, and remembers what it accepted.
 */
export class DuplicateFilter {
  private readonly exact = new Set<string>();
  // Inverted lists from feature to accepted queries, so a check compares only with queries sharing a feature.
  private readonly kept: Array<Set<string>> = [];
  private readonly byFeature = new Map<string, number[]>();

  constructor(private readonly threshold = NEAR_DUPLICATE_SIMILARITY) {}

  check(query: string): 'exact' | 'near' | undefined {
    const normal = normalizeQuery(query);
    if (this.exact.has(normal)) return 'exact';
    const f = features(query);
    const seen = new Set<number>();
    for (const x of f) {
      for (const i of this.byFeature.get(x) ?? []) {
        if (seen.has(i)) continue;
        seen.add(i);
        if (dice(f, this.kept[i]!) >= this.threshold) return 'near';
      }
    }
    this.exact.add(normal);
    const id = this.kept.push(f) - 1;
    for (const x of f) {
      const list = this.byFeature.get(x);
      if (list === undefined) this.byFeature.set(x, [id]);
      else list.push(id);
    }
    return undefined;
  }
}
