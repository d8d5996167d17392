/**
 * Retrieval metrics as pure functions: ranked document ids plus relevance labels in, numbers out.
 * No model, no index: the runner produces the rankings, this module only scores them.
 *
 * Metric keys follow MTEB: `ndcg_at_10`, `recall_at_100`, ... (see {@link METRIC_NAMES}).
 */
import { RagError } from '../errors.js';

/** Cut-offs reported by default. nDCG@10 is the headline number of BEIR and MTEB. */
export const DEFAULT_KS = [1, 3, 5, 10, 100] as const;

/** Metric families, in the order their keys appear in results. */
export const METRIC_NAMES = ['ndcg', 'recall', 'precision', 'mrr', 'map', 'hit_rate', 'judged'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Key of one metric at one cut-off, e.g. `metricKey('ndcg', 10) === 'ndcg_at_10'`. */
export function metricKey(name: MetricName, k: number): string {
  return `${name}_at_${k}`;
}

/** All keys {@link scoreQuery} produces for these cut-offs, in output order. */
export function metricKeys(ks: readonly number[]): string[] {
  const keys: string[] = [];
  for (const name of METRIC_NAMES) for (const k of ks) keys.push(metricKey(name, k));
  return keys;
}

/**
 * Parses a metric key such as `ndcg_at_10` into its family and cut-off; undefined if it is not one.
 */
export function parseMetricKey(key: string): { name: MetricName; k: number } | undefined {
  const m = /^([a-z_]+)_at_([1-9][0-9]*)$/.exec(key);
  if (m === null) return undefined;
  const name = METRIC_NAMES.find((n) => n === m[1]);
  if (name === undefined) return undefined;
  return { name, k: Number(m[2]) };
}

function checkKs(ks: readonly number[]): void {
  if (ks.length === 0) throw new RagError('usage', 'no cut-offs given: pass at least one k (e.g. 10)');
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) {
      throw new RagError('usage', `invalid cut-off k=${String(k)}: k must be a positive integer`);
    }
  }
}

/** First occurrence of each id, in order: a document retrieved twice (two chunks) counts once, at its best rank. */
function dedupe(ranked: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ranked) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

/**
 * Scores one query's ranking against its relevance labels at each cut-off.
 *
 * @param ranked document ids, best first; duplicates are ignored after their first occurrence.
 * @param relevant document id -> graded relevance; a grade > 0 means relevant, 0 or less is
 *   "judged not relevant" and counts as no gain.
 * @param ks cut-offs (positive integers).
 * @returns one value per key of {@link metricKeys}. A query without any relevant document scores
 *   0 everywhere; {@link evaluateRun} leaves such queries out of the averages and lists them.
 *
 * Definitions (rank i starts at 1, only the first k deduplicated ids count):
 * - `ndcg`: DCG = Σ grade_i / log2(i + 1), linear gain as trec_eval's ndcg_cut (used by MTEB);
 *   the ideal DCG comes from ALL judged relevant documents sorted by grade and cut at k, not from
 *   the retrieved list, so missing a relevant document costs score.
 * - `recall`: relevant retrieved / all relevant. `precision`: relevant retrieved / k (also when the
 *   ranking is shorter than k). `hit_rate`: 1 if any relevant document is retrieved.
 * - `mrr`: 1 / rank of the first relevant document, 0 if none within k.
 * - `map`: average precision cut at k.
 * - `judged`: the fraction of the top k (divided by k, as precision) that carry any label, grade 0
 *   included: how much of the ranking the metrics above actually saw. Unjudged documents count as
 *   not relevant, so a run with low judged@k may be better than its scores say (ir_measures' Judged@k).
 */
export function scoreQuery(
  ranked: readonly string[],
  relevant: ReadonlyMap<string, number>,
  ks: readonly number[],
): Record<string, number> {
  checkKs(ks);
  const grades = [...relevant.values()].filter((g) => g > 0).sort((a, b) => b - a);
  const totalRelevant = grades.length;
  const maxK = Math.max(...ks);
  const list = dedupe(ranked).slice(0, maxK);

  // Prefix sums over ranks 1..maxK, so every k is a lookup.
  const dcg: number[] = [0];
  const idcg: number[] = [0];
  const hits: number[] = [0];
  const precisionSum: number[] = [0];
  const judged: number[] = [0];
  let firstRelevantRank = 0;
  for (let i = 1; i <= maxK; i += 1) {
    const id = list[i - 1];
    const g = id === undefined ? 0 : relevant.get(id) ?? 0;
    const gain = g > 0 ? g : 0;
    const discount = Math.log2(i + 1);
    const isRel = gain > 0 ? 1 : 0;
    const h = (hits[i - 1] ?? 0) + isRel;
    dcg.push((dcg[i - 1] ?? 0) + gain / discount);
    idcg.push((idcg[i - 1] ?? 0) + (grades[i - 1] ?? 0) / discount);
    hits.push(h);
    judged.push((judged[i - 1] ?? 0) + (id !== undefined && relevant.has(id) ? 1 : 0));
    precisionSum.push((precisionSum[i - 1] ?? 0) + (isRel === 1 ? h / i : 0));
    if (isRel === 1 && firstRelevantRank === 0) firstRelevantRank = i;
  }

  const out: Record<string, number> = {};
  const zero = totalRelevant === 0;
  for (const name of METRIC_NAMES) {
    for (const k of ks) {
      let value = 0;
      if (!zero) {
        const h = hits[k] ?? 0;
        switch (name) {
          case 'ndcg': {
            const ideal = idcg[k] ?? 0;
            value = ideal > 0 ? (dcg[k] ?? 0) / ideal : 0;
            break;
          }
          case 'recall':
            value = h / totalRelevant;
            break;
          case 'precision':
            value = h / k;
            break;
          case 'mrr':
            value = firstRelevantRank > 0 && firstRelevantRank <= k ? 1 / firstRelevantRank : 0;
            break;
          case 'map':
            // NOTE: trec_eval's map_cut divides by the number of relevant documents (all of them,
            // even beyond k); sentence-transformers divides by min(k, relevant) instead and so
            // reports higher MAP@k when a query has more than k relevant documents.
            value = (precisionSum[k] ?? 0) / totalRelevant;
            break;
          case 'hit_rate':
            value = h > 0 ? 1 : 0;
            break;
          case 'judged':
            value = (judged[k] ?? 0) / k;
            break;
        }
      }
      out[metricKey(name, k)] = value;
    }
  }
  return out;
}

/** Result of scoring a whole run; see {@link evaluateRun}. */
export interface RunEvaluation {
  /** Mean of each metric over the evaluated queries (0 when none were evaluated). */
  mean: Record<string, number>;
  /** Metrics of each evaluated query, in the order of the qrels. */
  perQuery: Map<string, Record<string, number>>;
  evaluatedQueries: number;
  /**
   * Queries left out of the averages because they have no relevant document (grade > 0): judged
   * queries whose labels are all 0, and queries present in the run but absent from the qrels.
   */
  skippedQueries: string[];
  /** Evaluated queries the run had no ranking for; they score 0 (and are included in the means). */
  unrankedQueries: string[];
}

/**
 * Scores every query of a run and averages over the queries that have at least one relevant document.
 *
 * @param run query id -> ranked document ids, best first.
 * @param qrels query id -> (document id -> graded relevance).
 * @param ks cut-offs.
 */
export function evaluateRun(
  run: ReadonlyMap<string, readonly string[]>,
  qrels: ReadonlyMap<string, ReadonlyMap<string, number>>,
  ks: readonly number[],
): RunEvaluation {
  checkKs(ks);
  const keys = metricKeys(ks);
  const sums = new Map<string, number>(keys.map((k) => [k, 0]));
  const perQuery = new Map<string, Record<string, number>>();
  const skippedQueries: string[] = [];
  const unrankedQueries: string[] = [];

  for (const [qid, labels] of qrels) {
    let anyRelevant = false;
    for (const g of labels.values()) if (g > 0) anyRelevant = true;
    if (!anyRelevant) {
      skippedQueries.push(qid);
      continue;
    }
    const ranked = run.get(qid);
    if (ranked === undefined) unrankedQueries.push(qid);
    const scores = scoreQuery(ranked ?? [], labels, ks);
    perQuery.set(qid, scores);
    for (const key of keys) sums.set(key, (sums.get(key) ?? 0) + (scores[key] ?? 0));
  }
  for (const qid of run.keys()) if (!qrels.has(qid)) skippedQueries.push(qid);

  const n = perQuery.size;
  const mean: Record<string, number> = {};
  for (const key of keys) mean[key] = n === 0 ? 0 : (sums.get(key) ?? 0) / n;
  return { mean, perQuery, evaluatedQueries: n, skippedQueries, unrankedQueries };
}
