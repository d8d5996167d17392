/**
 * A Traditional-Chinese retrieval set made from the public CMRC 2018 set (../shared/datasets/cmrc2018,
 * Simplified, CC BY-SA 4.0): every document (title + text) converted to Traditional (Taiwan
 * characters) with OpenCC's s2tw converter (opencc-js `{ from: 'cn', to: 'tw' }`: characters and
 * variants only, no regional vocabulary), the qrels unchanged. Queries come in two scripts: the
 * original Simplified questions (cross-script) and the same questions converted the same way
 * (same-script). Nothing is written to disk: the set is rebuilt from the shared files on each run.
 *
 * Used by test/script-fold.test.ts and bench/script-fold.ts, so the test and the published numbers
 * measure the same thing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Bm25Index } from '../../src/retrieve/bm25.js';
import { HashEmbedder } from '../../src/embed/hash.js';
import { RRF_K } from '../../src/retrieve/hybrid.js';
import { scoreQuery } from '../../src/eval/metrics.js';
import type { ScriptFold } from '../../src/text/script-fold.js';

export const CMRC_DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'datasets', 'cmrc2018');

export interface LexicalSet {
  docs: Array<{ id: string; text: string }>;
  queries: Array<{ id: string; text: string }>;
  qrels: Map<string, Map<string, number>>;
}

export interface TraditionalCmrc {
  /** Documents in Traditional script. */
  traditionalDocs: LexicalSet['docs'];
  /** The original Simplified documents. */
  simplifiedDocs: LexicalSet['docs'];
  /** Original questions (Simplified). */
  simplifiedQueries: LexicalSet['queries'];
  /** The same questions converted to Traditional. */
  traditionalQueries: LexicalSet['queries'];
  qrels: LexicalSet['qrels'];
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** The set, or undefined when ../shared/datasets/cmrc2018 is absent. `queryLimit` keeps the first n labelled queries. */
export function loadTraditionalCmrc(queryLimit?: number): TraditionalCmrc | undefined {
  if (!existsSync(path.join(CMRC_DIR, 'corpus.jsonl'))) return undefined;
  const require = createRequire(import.meta.url);
  const OpenCC = require('opencc-js') as typeof import('opencc-js');
  const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
  const simplifiedDocs = readJsonl<{ _id: string; title?: string; text: string }>(path.join(CMRC_DIR, 'corpus.jsonl')).map((d) => ({
    id: d._id,
    text: `${d.title ?? ''}\n${d.text}`,
  }));
  const qrels = new Map<string, Map<string, number>>();
  for (const line of readFileSync(path.join(CMRC_DIR, 'qrels', 'test.tsv'), 'utf8').split('\n').slice(1)) {
    const [qid, did, grade] = line.split('\t');
    if (qid === undefined || did === undefined || grade === undefined) continue;
    let judged = qrels.get(qid);
    if (judged === undefined) qrels.set(qid, (judged = new Map()));
    judged.set(did, Number(grade));
  }
  let simplifiedQueries = readJsonl<{ _id: string; text: string }>(path.join(CMRC_DIR, 'queries.jsonl'))
    .filter((q) => qrels.has(q._id))
    .map((q) => ({ id: q._id, text: q.text }));
  if (queryLimit !== undefined) simplifiedQueries = simplifiedQueries.slice(0, queryLimit);
  return {
    simplifiedDocs,
    traditionalDocs: simplifiedDocs.map((d) => ({ id: d.id, text: toTraditional(d.text) })),
    simplifiedQueries,
    traditionalQueries: simplifiedQueries.map((q) => ({ id: q.id, text: toTraditional(q.text) })),
    qrels,
  };
}

export type LexicalSystem = 'bm25' | 'hash' | 'hybrid';

/** Mean nDCG@10 of bm25, hash (exact inner product, default 4096 dimensions) and their RRF fusion. */
export async function lexicalNdcg(set: LexicalSet, scriptFold: ScriptFold): Promise<Record<LexicalSystem, number>> {
  const bm25 = new Bm25Index({ scriptFold });
  for (const doc of set.docs) bm25.add(doc.id, doc.text);
  const hash = new HashEmbedder({ scriptFold });
  const texts = set.docs.map((d) => d.text);
  const { vectors } = await hash.embedDocuments(texts);
  hash.corpusStatistics.add(texts);
  const sums: Record<LexicalSystem, number> = { bm25: 0, hash: 0, hybrid: 0 };
  for (const query of set.queries) {
    const judged = set.qrels.get(query.id)!;
    const lexical = bm25.search(query.text, 100).map((h) => h.id);
    const q = hash.embedQueryVector(query.text);
    const nonZero: number[] = [];
    for (let i = 0; i < q.length; i++) if (q[i] !== 0) nonZero.push(i);
    const scored = vectors.map((vector, j) => {
      let score = 0;
      for (const i of nonZero) score += vector[i]! * q[i]!;
      return { id: set.docs[j]!.id, score };
    });
    scored.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    const dense = scored.slice(0, 100).map((s) => s.id);
    const fused = new Map<string, number>();
    for (const ranking of [dense, lexical]) ranking.forEach((id, i) => fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + i + 1)));
    const hybrid = [...fused].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([id]) => id);
    sums.bm25 += scoreQuery(lexical, judged, [10]).ndcg_at_10 ?? 0;
    sums.hash += scoreQuery(dense, judged, [10]).ndcg_at_10 ?? 0;
    sums.hybrid += scoreQuery(hybrid, judged, [10]).ndcg_at_10 ?? 0;
  }
  const n = set.queries.length;
  return { bm25: sums.bm25 / n, hash: sums.hash / n, hybrid: sums.hybrid / n };
}
