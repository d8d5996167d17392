/**
 * The BEIR layout: `corpus.jsonl` ({"_id","title","text"}), `queries.jsonl` ({"_id","text"}) and
 * `qrels/<split>.tsv` (header `query-id\tcorpus-id\tscore`, graded).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../errors.js';
import type { TextEncoding } from '../ingest/encoding.js';
import type { LabeledDataset, LoadDatasetOptions } from './dataset.js';
import { exists, fingerprintFiles } from './dataset-files.js';
import { Counter } from './dataset-labels.js';
import { detectFileEncoding, duplicateId, idValue, parseJsonLine, readLines } from './dataset-lines.js';

/** The qrels split a BEIR dataset is scored on unless told otherwise (`qrels/test.tsv`). */
export const DEFAULT_SPLIT = 'test';

/**
 * Ids of the documents in a BEIR `corpus.jsonl`, in file order, without loading their text.
 * Throws a RagError naming the line for malformed lines, missing or duplicate `_id`.
 */
export async function readCorpusIds(file: string, encoding?: TextEncoding): Promise<string[]> {
  if ((await exists(file)) !== 'file') throw new RagError('dataset-invalid', `corpus file not found: ${file}`);
  const ids: string[] = [];
  const seen = new Map<string, number>();
  for await (const [lineNo, line] of readLines(file, encoding ?? (await detectFileEncoding(file)))) {
    if (line.trim() === '') continue;
    const obj = parseJsonLine(file, lineNo, line);
    const id = idValue(obj._id);
    if (id === undefined) throw new RagError('dataset-invalid', `${file} line ${lineNo}: missing "_id"`);
    const first = seen.get(id);
    if (first !== undefined) throw duplicateId(file, lineNo, '"_id"', id, first);
    seen.set(id, lineNo);
    ids.push(id);
  }
  return ids;
}

export async function loadBeir(root: string, options: LoadDatasetOptions): Promise<LabeledDataset> {
  const split = options.split ?? DEFAULT_SPLIT;
  const corpusFile = path.join(root, 'corpus.jsonl');
  const queriesFile = path.join(root, 'queries.jsonl');
  // A split ending in .tsv is a qrels file of its own (`rag tune export` writes the held-out one).
  const qrelsFile = split.endsWith('.tsv') ? path.resolve(split) : path.join(root, 'qrels', `${split}.tsv`);
  const qrelsRel = split.endsWith('.tsv') ? path.relative(root, qrelsFile) : `qrels/${split}.tsv`;
  for (const f of [corpusFile, queriesFile]) {
    if ((await exists(f)) !== 'file') throw new RagError('dataset-invalid', `not a BEIR dataset: ${f} is missing`);
  }
  if ((await exists(qrelsFile)) !== 'file') {
    const available = (await exists(path.join(root, 'qrels'))) === 'dir'
      ? (await readdir(path.join(root, 'qrels'))).filter((f) => f.endsWith('.tsv')).map((f) => f.slice(0, -4))
      : [];
    throw new RagError('dataset-invalid', 
      `no qrels for split "${split}": ${qrelsFile} is missing` +
        (available.length > 0 ? ` (available: ${available.sort().join(', ')})` : ''),
    );
  }

  const encodings: LabeledDataset['encodings'] = [];
  const encodingOf = async (file: string): Promise<TextEncoding> => {
    const encoding = await detectFileEncoding(file, options.encoding);
    if (encoding !== 'utf-8') encodings.push({ file, encoding });
    return encoding;
  };
  const allQueries = new Map<string, string>();
  const queryLines = new Map<string, number>();
  for await (const [lineNo, line] of readLines(queriesFile, await encodingOf(queriesFile))) {
    if (line.trim() === '') continue;
    const obj = parseJsonLine(queriesFile, lineNo, line);
    const id = idValue(obj._id);
    if (id === undefined) throw new RagError('dataset-invalid', `${queriesFile} line ${lineNo}: missing "_id"`);
    if (typeof obj.text !== 'string') throw new RagError('dataset-invalid', `${queriesFile} line ${lineNo}: missing "text"`);
    const first = queryLines.get(id);
    if (first !== undefined) throw duplicateId(queriesFile, lineNo, '"_id"', id, first);
    queryLines.set(id, lineNo);
    allQueries.set(id, obj.text);
  }

  const docIds = new Set(options.documentIds ?? (await readCorpusIds(corpusFile, await encodingOf(corpusFile))));
  const unknownDocuments = new Counter();
  const unknownQueries = new Counter();
  const duplicateLabels = new Counter();
  const labels = new Map<string, Map<string, number>>();
  for await (const [lineNo, raw] of readLines(qrelsFile, await encodingOf(qrelsFile))) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const cols = line.split('\t');
    if (lineNo === 1 && cols[0] === 'query-id') continue;
    if (cols.length !== 3) {
      throw new RagError('dataset-invalid', `${qrelsFile} line ${lineNo}: expected 3 tab-separated columns (query-id, corpus-id, score), got ${cols.length}`);
    }
    const [qid = '', did = '', scoreText = ''] = cols;
    const score = Number(scoreText);
    if (qid === '' || did === '' || scoreText.trim() === '' || !Number.isFinite(score)) {
      throw new RagError('dataset-invalid', `${qrelsFile} line ${lineNo}: expected query-id, corpus-id and a numeric score`);
    }
    if (!allQueries.has(qid)) {
      unknownQueries.add(qid);
      continue;
    }
    let forQuery = labels.get(qid);
    if (forQuery === undefined) {
      forQuery = new Map();
      labels.set(qid, forQuery);
    }
    if (!docIds.has(did)) {
      unknownDocuments.addUnknownDocument(qid, did, docIds);
      continue;
    }
    if (forQuery.has(did)) duplicateLabels.add(`${qid} -> ${did}`);
    forQuery.set(did, score);
  }

  if (labels.size === 0) {
    const unknown = unknownQueries.done();
    throw new RagError('dataset-invalid', 
      unknown.count > 0
        ? `${qrelsFile}: none of the ${unknown.count} labels of split "${split}" names a query of ${queriesFile} (e.g. ${JSON.stringify(unknown.examples[0])})`
        : `${qrelsFile}: split "${split}" is empty (no labels); add query-id, corpus-id, score lines or choose another split`,
      unknown.count > 0 ? {} : { details: { advice: 'split-empty', file: qrelsFile, split } },
    );
  }

  // Queries of this split, in queries.jsonl order; the others belong to other splits.
  const queries = new Map<string, string>();
  const unjudgedQueries = new Counter();
  const qrels = new Map<string, Map<string, number>>();
  for (const [qid, text] of allQueries) {
    const l = labels.get(qid);
    if (l === undefined) {
      unjudgedQueries.add(qid);
      continue;
    }
    queries.set(qid, text);
    qrels.set(qid, l);
  }

  return {
    name: path.basename(path.resolve(root)),
    layout: 'beir',
    root,
    documentsPath: corpusFile,
    excludeFromDocuments: [],
    split,
    documentCount: docIds.size,
    queries,
    qrels,
    fingerprint: await fingerprintFiles(root, ['corpus.jsonl', 'queries.jsonl', qrelsRel]),
    warnings: {
      unknownDocuments: unknownDocuments.done(),
      unknownQueries: unknownQueries.done(),
      duplicateLabels: duplicateLabels.done(),
      unjudgedQueries: unjudgedQueries.done(),
    },
    encodings,
  };
}
