/**
 * Which chunks are worth asking a model about, and in which language. Chunks that are too short
 * or mostly tables, code or markup make queries nobody would type ("what is in row 3?").
 */
import { splitRuns } from '../../text/scripts.js';

export type PassageLanguage = 'zh' | 'en';

/** Average characters of a Chinese word, to weigh CJK characters against English words. */
const CHARS_PER_CHINESE_WORD = 1.5;

/**
 * The language queries for this passage are written in: Chinese when Chinese words outnumber the
 * others (CJK characters / 1.5 against letter-or-digit words), else English. So a Chinese passage
 * dotted with English terms (HNSW, ef, Kubernetes) stays Chinese, and mixed text follows its majority.
 */
export function passageLanguage(text: string): PassageLanguage {
  let cjk = 0;
  let words = 0;
  for (const run of splitRuns(text.normalize('NFKC'))) {
    if (run.kind === 'cjk') cjk += Array.from(run.text).length;
    else words += 1;
  }
  return cjk / CHARS_PER_CHINESE_WORD > words ? 'zh' : 'en';
}

/** Why a chunk is not sampled, or undefined when it is fine. */
export type SkipReason = 'too-short' | 'markup';

export interface PassageRules {
  /** Fewest letters, digits and CJK characters (spaces and punctuation not counted). Default 60. */
  minContentChars: number;
  /** Largest share of the chunk's characters in table rows, code blocks, tag-only or symbol lines. Default 0.5. */
  maxMarkupShare: number;
}

export const DEFAULT_PASSAGE_RULES: PassageRules = { minContentChars: 60, maxMarkupShare: 0.5 };

export function skipReason(text: string, rules: PassageRules = DEFAULT_PASSAGE_RULES): SkipReason | undefined {
  const content = (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
  if (content < rules.minContentChars) return 'too-short';
  let markup = 0;
  let total = 0;
  let inFence = false;
  for (const line of text.split('\n')) {
    const length = line.trim().length;
    total += length;
    const fence = /^\s*(```|~~~)/.test(line);
    if (fence) inFence = !inFence;
    if (fence || inFence || isMarkupLine(line)) markup += length;
  }
  return total > 0 && markup / total > rules.maxMarkupShare ? 'markup' : undefined;
}

function isMarkupLine(line: string): boolean {
  const t = line.trim();
  if (t === '') return false;
  // A table row: `| a | b |`, or `a | b | c` without sentences in it. Prose with a few pipes
  // (Wikipedia's taxonomy lines, 辐鳍鱼纲|鲈形目|鲈亚目的一种。) is not one.
  const pipes = (t.match(/\|/g) ?? []).length;
  if (t.startsWith('|') || t.endsWith('|') || (pipes >= 2 && !/[。！？；，]|[.!?;,]\s/.test(t))) return true;
  if (/^<[^>]+>$/.test(t)) return true; // a line that is only a tag
  const letters = (t.match(/[\p{L}\p{N}]/gu) ?? []).length;
  return letters / t.length < 0.4; // rules, separators, formulas, ASCII art
}
