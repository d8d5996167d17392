/**
 * Retrieval quality of the two lexical systems, BM25 and the built-in `hash` embedder, on the shared
 * BEIR-layout datasets (../shared/datasets/{scifact,cmrc2018}), next to the independent bm25s
 * reference scores from their PROVENANCE.md files.
 *
 *   node --import tsx bench/lexical-quality.ts [--datasets scifact,cmrc2018] [--dims 1024,2048,4096]
 *     [--char-ngrams 3] [--bm25-jieba]
 *
 * Documents are whole docs (title + "\n" + text), not chunks. The hash embedder is searched exactly:
 * inner product of the query with every document vector (only the query's non-zero components are
 * visited, which gives the same numbers as a dense product, faster). Wall times include analysis.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Bm25Index } from '../src/retrieve/bm25.js';
import { HashEmbedder } from '../src/embed/hash.js';
import { scoreQuery } from '../src/eval/metrics.js';
import { analyzeText, BM25_ANALYSIS } from '../src/text/analyze.js';

const DATASETS_DIR = fileURLToPath(new URL('../../shared/datasets/', import.meta.url));

/** Independent bm25s nDCG@10 on these exact files (see each PROVENANCE.md). */
const REFERENCE_NDCG10: Record<string, number> = { scifact: 0.7403, cmrc2018: 0.9845 };

interface Dataset {
  name: string;
  docs: Array<{ id: string; text: string }>;
  queries: Array<{ id: string; text: string }>;
  /** query id => (doc id => grade) */
  qrels: Map<string, Map<string, number>>;
}

interface Row {
  dataset: string;
  system: string;
  ndcg10: number;
  recall100: number;
  indexSeconds: number;
  searchSeconds: number;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

function loadDataset(name: string): Dataset {
  const dir = `${DATASETS_DIR}${name}/`;
  const docs = readJsonl<{ _id: string; title?: string; text: string }>(`${dir}corpus.jsonl`).map((d) => ({
    id: d._id,
    text: `${d.title ?? ''}\n${d.text}`,
  }));
  const qrels = new Map<string, Map<string, number>>();
  for (const line of readFileSync(`${dir}qrels/test.tsv`, 'utf8').split('\n').slice(1)) {
    const [queryId, docId, grade] = line.split('\t');
    if (queryId === undefined || docId === undefined || grade === undefined) continue;
    let judged = qrels.get(queryId);
    if (judged === undefined) {
      judged = new Map();
      qrels.set(queryId, judged);
    }
    judged.set(docId, Number(grade));
  }
  const all = readJsonl<{ _id: string; text: string }>(`${dir}queries.jsonl`);
  const queries = all.filter((q) => qrels.has(q._id)).map((q) => ({ id: q._id, text: q.text }));
  if (queries.length < all.length) console.log(`${name}: ${all.length - queries.length} queries without qrels dropped`);
  return { name, docs, queries, qrels };
}

function averageMetrics(dataset: Dataset, rankings: Map<string, string[]>): { ndcg10: number; recall100: number } {
  let ndcg = 0;
  let recall = 0;
  for (const query of dataset.queries) {
    const scores = scoreQuery(rankings.get(query.id) ?? [], dataset.qrels.get(query.id)!, [10, 100]);
    ndcg += scores.ndcg_at_10 ?? 0;
    recall += scores.recall_at_100 ?? 0;
  }
  return { ndcg10: ndcg / dataset.queries.length, recall100: recall / dataset.queries.length };
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function runBm25(dataset: Dataset, system: string, analyzer?: (text: string) => string[]): Row {
  const start = process.hrtime.bigint();
  const index = new Bm25Index(analyzer === undefined ? {} : { analyzer });
  for (const doc of dataset.docs) index.add(doc.id, doc.text);
  const indexSeconds = seconds(start);
  const searchStart = process.hrtime.bigint();
  const rankings = new Map<string, string[]>();
  for (const query of dataset.queries) {
    rankings.set(query.id, index.search(query.text, 100).map((hit) => hit.id));
  }
  const searchSeconds = seconds(searchStart);
  return { dataset: dataset.name, system, ...averageMetrics(dataset, rankings), indexSeconds, searchSeconds };
}

async function runHash(dataset: Dataset, dimension: number, charNgrams: readonly number[] | undefined): Promise<Row> {
  const start = process.hrtime.bigint();
  const model = new HashEmbedder(charNgrams === undefined ? { dimension } : { dimension, wordCharNgrams: charNgrams });
  const texts = dataset.docs.map((doc) => doc.text);
  const { vectors } = await model.embedDocuments(texts);
  model.corpusStatistics.add(texts);
  const indexSeconds = seconds(start);
  const searchStart = process.hrtime.bigint();
  const rankings = new Map<string, string[]>();
  for (const query of dataset.queries) {
    const q = model.embedQueryVector(query.text);
    const nonZero: number[] = [];
    for (let i = 0; i < q.length; i++) if (q[i] !== 0) nonZero.push(i);
    const scored = vectors.map((vector, j) => {
      let score = 0;
      for (const i of nonZero) score += vector[i]! * q[i]!;
      return { id: dataset.docs[j]!.id, score };
    });
    scored.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    rankings.set(query.id, scored.slice(0, 100).map((s) => s.id));
  }
  const searchSeconds = seconds(searchStart);
  const ngramLabel = charNgrams === undefined ? '' : ` ngrams=${charNgrams.length === 0 ? 'none' : charNgrams.join(',')}`;
  const row: Row = {
    dataset: dataset.name,
    system: `hash d=${dimension}${ngramLabel}`,
    ...averageMetrics(dataset, rankings),
    indexSeconds,
    searchSeconds,
  };
  console.log(`  ${row.system}: statistics ${model.corpusStatistics.serialize().length} bytes`);
  return row;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      datasets: { type: 'string', default: 'scifact,cmrc2018' },
      dims: { type: 'string', default: '1024,2048,4096' },
      'char-ngrams': { type: 'string' },
      'bm25-jieba': { type: 'boolean', default: false },
    },
  });
  if (!existsSync(DATASETS_DIR)) {
    console.log(`skipped: ${DATASETS_DIR} is absent (the shared datasets live next to the repo)`);
    return;
  }
  const dims = values.dims.split(',').map(Number);
  const ngramsArg = values['char-ngrams'];
  const charNgrams = ngramsArg === undefined ? undefined : ngramsArg === 'none' || ngramsArg === '' ? [] : ngramsArg.split(',').map(Number);
  const rows: Row[] = [];
  for (const name of values.datasets.split(',')) {
    if (!existsSync(`${DATASETS_DIR}${name}/corpus.jsonl`)) {
      console.log(`skipped ${name}: not found in ${DATASETS_DIR}`);
      continue;
    }
    const dataset = loadDataset(name);
    console.log(`${name}: ${dataset.docs.length} docs, ${dataset.queries.length} queries`);
    rows.push(runBm25(dataset, 'bm25'));
    if (values['bm25-jieba']) {
      const jiebaAnalysis = { ...BM25_ANALYSIS, cjk: { words: true, bigrams: false, unigrams: false } };
      rows.push(runBm25(dataset, 'bm25 jieba', (text) => analyzeText(text, jiebaAnalysis)));
    }
    for (const dimension of dims) rows.push(await runHash(dataset, dimension, charNgrams));
  }
  console.log('');
  console.log('| dataset | system | nDCG@10 | R@100 | vs bm25 | vs reference | index s | search s |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const bm25 = rows.find((r) => r.dataset === row.dataset && r.system === 'bm25');
    const reference = REFERENCE_NDCG10[row.dataset];
    const vsBm25 = bm25 === undefined ? '' : (row.ndcg10 / bm25.ndcg10).toFixed(3);
    const vsReference = reference === undefined ? '' : (row.ndcg10 / reference).toFixed(3);
    console.log(
      `| ${row.dataset} | ${row.system} | ${row.ndcg10.toFixed(4)} | ${row.recall100.toFixed(4)} | ${vsBm25} | ${vsReference} | ${row.indexSeconds.toFixed(2)} | ${row.searchSeconds.toFixed(2)} |`,
    );
  }
}

await main();
