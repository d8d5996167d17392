/**
 * Hard negatives mined from the model's own ranking, as FlagEmbedding's `hn_mine` does: sample
 * from a rank window that skips the top few (those are the likeliest unlabelled positives), and
 * never take a document judged relevant. Documents judged not relevant (grade 0) are the surest
 * negatives and are always eligible inside the window; an unjudged document near the top can be
 * kept out with `excludeUnjudgedTop`.
 */
import { createHash } from 'node:crypto';
import { RagError } from '../errors.js';
import { seededRandom } from '../random.js';
import type { RankedDoc } from './corpus.js';

export { DEFAULT_NEGATIVE_RANGE, DEFAULT_NEGATIVES } from './defaults.js';

/** Sample from ranks `skip + 1` .. `depth` (1-based), as `--range SKIP-DEPTH` says it. */
export interface NegativeRange {
  skip: number;
  depth: number;
}

export interface NegativeOptions {
  negatives: number;
  range: NegativeRange;
  /** Unjudged documents ranked in the top N are not used (they may be unlabelled positives). */
  excludeUnjudgedTop?: number;
  seed: number;
}

/** Parses `10-100`. */
export function parseNegativeRange(text: string): NegativeRange {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  const skip = Number(m?.[1]);
  const depth = Number(m?.[2]);
  if (m === null || !(depth > skip)) throw new RagError('usage', `invalid negative range "${text}": expected SKIP-DEPTH with SKIP < DEPTH, e.g. 10-100`, { details: { advice: 'negative-range', text } });
  return { skip, depth };
}

/**
 * Up to `negatives` documents for one query, in ranking order. `labels` is the query's
 * judgments (document id -> grade); `docIds` maps ranking entries to ids. Seeded per query, so a
 * query's negatives do not change when other queries are added or removed.
 */
export function mineNegatives(
  queryId: string,
  ranking: readonly RankedDoc[],
  docIds: readonly string[],
  labels: Readonly<Record<string, number>>,
  options: NegativeOptions,
): RankedDoc[] {
  const excludeTop = options.excludeUnjudgedTop ?? 0;
  const eligible: Array<{ r: RankedDoc; rank: number }> = [];
  ranking.forEach((r, i) => {
    const rank = i + 1;
    if (rank <= options.range.skip || rank > options.range.depth) return;
    const grade = labels[docIds[r.doc]!];
    if (grade !== undefined && grade > 0) return;
    if (grade === undefined && rank <= excludeTop) return;
    eligible.push({ r, rank });
  });
  const random = seededRandom(querySeed(options.seed, queryId));
  for (let i = eligible.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [eligible[i], eligible[j]] = [eligible[j]!, eligible[i]!];
  }
  return eligible
    .slice(0, options.negatives)
    .sort((a, b) => a.rank - b.rank)
    .map((e) => e.r);
}

function querySeed(seed: number, queryId: string): number {
  return createHash('sha256').update(`${seed}\0${queryId}`).digest().readUInt32LE(0);
}
