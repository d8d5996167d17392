/**
 * BM25 analysis shared by the postings files, and the reader of lexical-<gen>.json: the postings
 * as rag wrote them before lexical-<gen>.bin (postings-file.ts) replaced them, still read for
 * indexes last changed by such a rag (their next commit writes the binary file).
 *
 *   {"format": 1, "analyzer": 1, "scriptFold": "t2s",
 *    "labels":  [17, 18, ...],          entry i = the chunk with this vector label
 *    "lengths": [52, 40, ...],          entry i's token count (|d| of BM25)
 *    "postings": {"term": [i, tf, i, tf, ...], ...}}
 *
 * Only the analysis is stored (term frequencies and lengths), not k1/b, so any BM25 parameters
 * can be used with it. It is valid for the one script fold it was analysed with and for
 * {@link ANALYZER_VERSION}; otherwise (or when absent: indexes written before it existed)
 * BM25 analyses the chunks on the fly as it always did.
 */
import { readFile } from 'node:fs/promises';
import type { ModelInfo } from '../model/model-info.js';
import { bm25Analyzer } from '../text/analyze.js';
import { DEFAULT_SCRIPT_FOLD, isScriptFold, type ScriptFold } from '../text/script-fold.js';

const FILE_FORMAT = 1;
/**
 * Bump whenever `bm25Analyzer` (text/analyze.ts) would give other tokens for the same text:
 * postings analysed by an older analyzer are then ignored instead of silently mismatching queries.
 */
export const ANALYZER_VERSION = 1;

/**
 * The script fold BM25 uses over an index unless told otherwise: the one its lexical model (`hash`)
 * was built with, so both halves of a hybrid search fold alike; for neural models {@link DEFAULT_SCRIPT_FOLD}.
 */
export function lexicalScriptFold(model: ModelInfo): ScriptFold {
  const recorded = model.params?.['scriptFold'];
  if (isScriptFold(recorded)) return recorded;
  // A `hash` index without the parameter was built with none (before folding, or `--script-fold none`).
  return model.provider === 'builtin' ? 'none' : DEFAULT_SCRIPT_FOLD;
}

/** One chunk's analysis: its token count and term frequencies. */
export interface AnalyzedChunk {
  length: number;
  terms: Map<string, number>;
}

/** Term frequencies of `text` under `fold`'s BM25 analyzer. */
export function chunkAnalyzer(fold: ScriptFold): (text: string) => AnalyzedChunk {
  const analyze = bm25Analyzer(fold);
  return (text) => {
    const tokens = analyze(text);
    const terms = new Map<string, number>();
    for (const token of tokens) terms.set(token, (terms.get(token) ?? 0) + 1);
    return { length: tokens.length, terms };
  };
}

/** lexical-<gen>.json as read: entry i is label `labels[i]`; `postings` holds [entry, tf, entry, tf, ...]. */
export interface LexicalPostings {
  scriptFold: ScriptFold;
  labels: number[];
  lengths: number[];
  postings: Map<string, number[]>;
}

/**
 * Reads a lexical-<gen>.json file; undefined when it is of another format or analyzer version (then BM25
 * analyses on the fly). Throws Error describing what is wrong when it is damaged.
 */
export async function readPostings(path: string): Promise<LexicalPostings | undefined> {
  const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
  if (typeof value !== 'object' || value === null) throw new Error('is not a JSON object');
  const record = value as Record<string, unknown>;
  if (record['format'] !== FILE_FORMAT || record['analyzer'] !== ANALYZER_VERSION) return undefined;
  const { scriptFold, labels, lengths, postings } = record;
  if (!isScriptFold(scriptFold) || !isCounts(labels) || !isCounts(lengths) || labels.length !== lengths.length) throw new Error('has invalid labels or lengths');
  if (typeof postings !== 'object' || postings === null || Array.isArray(postings)) throw new Error('has invalid postings');
  const map = new Map<string, number[]>();
  for (const [term, list] of Object.entries(postings as Record<string, unknown>)) {
    if (!isCounts(list) || list.length % 2 !== 0) throw new Error(`has an invalid posting list for ${JSON.stringify(term)}`);
    for (let i = 0; i < list.length; i += 2) if (list[i]! >= labels.length) throw new Error(`has a posting list for ${JSON.stringify(term)} naming no entry`);
    map.set(term, list);
  }
  return { scriptFold, labels, lengths, postings: map };
}

/** label → analysis, from a file's postings (to carry unchanged chunks into the next generation). */
export function analyzedChunks(stored: LexicalPostings): Map<number, AnalyzedChunk> {
  const out = new Map<number, AnalyzedChunk>();
  stored.labels.forEach((label, entry) => out.set(label, { length: stored.lengths[entry]!, terms: new Map() }));
  for (const [term, list] of stored.postings) {
    for (let i = 0; i < list.length; i += 2) out.get(stored.labels[list[i]!]!)!.terms.set(term, list[i + 1]!);
  }
  return out;
}

function isCounts(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0);
}
