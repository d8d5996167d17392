/**
 * Marks the query's terms in a passage, for the label page: English words by prefix (backup ->
 * backups), Chinese by the query's character bigrams (单字 alone would light up half the page).
 */
import { characterBigrams, splitRuns } from '../../text/scripts.js';
import { ENGLISH_STOPWORDS } from '../../text/stopwords.js';

export interface Segment {
  text: string;
  hit: boolean;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const run of splitRuns(query.normalize('NFKC').toLowerCase())) {
    if (run.kind === 'cjk') {
      if (Array.from(run.text).length >= 2) for (const g of characterBigrams(run.text)) terms.add(g);
    } else if ((run.text.length >= 3 || /\d/.test(run.text)) && !ENGLISH_STOPWORDS.has(run.text)) {
      // Plurals match the singular too (backups -> backup, backup's, backups).
      terms.add(run.text.length > 4 && run.text.endsWith('s') && !run.text.endsWith('ss') ? run.text.slice(0, -1) : run.text);
    }
  }
  return [...terms].sort((a, b) => b.length - a.length);
}

export function highlight(passage: string, query: string): Segment[] {
  const terms = queryTerms(query);
  if (terms.length === 0) return [{ text: passage, hit: false }];
  const pattern = new RegExp(terms.map((t) => (/^[\p{L}\p{N}]/u.test(t) && !/\p{Script=Han}/u.test(t) ? `(?<![\\p{L}\\p{N}])${escapeRegExp(t)}[\\p{L}\\p{N}]*` : escapeRegExp(t))).join('|'), 'giu');
  const segments: Segment[] = [];
  let last = 0;
  for (const m of passage.matchAll(pattern)) {
    const at = m.index ?? 0;
    if (at > last) segments.push({ text: passage.slice(last, at), hit: false });
    const prev = segments.at(-1);
    // Adjacent bigram hits (检索 + 索速) read as one marked span.
    if (prev?.hit && at === last) prev.text += m[0];
    else segments.push({ text: m[0], hit: true });
    last = at + m[0].length;
  }
  if (last < passage.length) segments.push({ text: passage.slice(last), hit: false });
  return segments;
}
