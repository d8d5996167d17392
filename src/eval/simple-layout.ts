/**
 * The simple layout, for people labelling their own documents: a folder with `queries.jsonl` lines
 * `{"query": "...", "relevant": ["guide/install.md"]}` (or `{"guide/install.md": 2, "faq.md": 1}`
 * for graded labels, optional `"id"`), and the documents in `docs/` or next to queries.jsonl.
 * A document's id is its path relative to the documents folder, with `/` separators.
 */
import path from 'node:path';
import { RagError } from '../errors.js';
import type { LabeledDataset, LoadDatasetOptions } from './dataset.js';
import { exists, fingerprintFiles, listFiles, normalizeDocumentId } from './dataset-files.js';
import { Counter } from './dataset-labels.js';
import { detectFileEncoding, duplicateId, idValue, parseJsonLine, readLines } from './dataset-lines.js';

function parseGrade(file: string, lineNo: number, docId: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new RagError('dataset-invalid', `${file} line ${lineNo}: grade of ${JSON.stringify(docId)} must be a number, got ${JSON.stringify(v)}`);
  }
  return v;
}

export async function loadSimple(root: string, options: LoadDatasetOptions): Promise<LabeledDataset> {
  const queriesFile = path.join(root, 'queries.jsonl');
  // Ignoring it would score every query, the training ones included, as if held out.
  if (options.split?.endsWith('.tsv')) {
    throw new RagError('usage', `split ${options.split}: a qrels file as split needs a BEIR-layout dataset (corpus.jsonl, queries.jsonl, qrels/); ${root} has the simple layout`, {
      details: { advice: 'split-file-simple', split: options.split, root },
    });
  }
  if ((await exists(queriesFile)) !== 'file') {
    throw new RagError('dataset-invalid', `no queries.jsonl in ${root}: write one line per query, e.g. {"query": "...", "relevant": ["guide/install.md"]}`);
  }
  const docsDir = (await exists(path.join(root, 'docs'))) === 'dir' ? path.join(root, 'docs') : root;
  const docsAreRoot = docsDir === root;
  let files = await listFiles(docsDir);
  if (docsAreRoot) files = files.filter((f) => f !== 'queries.jsonl');
  const docIds = new Set(options.documentIds === undefined ? files : [...options.documentIds].map(normalizeDocumentId));

  const queries = new Map<string, string>();
  const queryLines = new Map<string, number>();
  const qrels = new Map<string, Map<string, number>>();
  const unknownDocuments = new Counter();
  const duplicateLabels = new Counter();
  const queriesEncoding = await detectFileEncoding(queriesFile, options.encoding);
  for await (const [lineNo, line] of readLines(queriesFile, queriesEncoding)) {
    if (line.trim() === '') continue;
    const obj = parseJsonLine(queriesFile, lineNo, line);
    if (!('query' in obj)) throw new RagError('dataset-invalid', `${queriesFile} line ${lineNo}: missing "query"`);
    if (typeof obj.query !== 'string' || obj.query.trim() === '') {
      throw new RagError('dataset-invalid', `${queriesFile} line ${lineNo}: "query" must be a non-empty string`);
    }
    let id = `q${lineNo}`;
    if ('id' in obj) {
      const given = idValue(obj.id);
      if (given === undefined) throw new RagError('dataset-invalid', `${queriesFile} line ${lineNo}: "id" must be a non-empty string`);
      id = given;
    }
    const first = queryLines.get(id);
    if (first !== undefined) throw duplicateId(queriesFile, lineNo, 'query id', id, first);
    queryLines.set(id, lineNo);
    if (!('relevant' in obj)) {
      throw new RagError('dataset-invalid', `${queriesFile} line ${lineNo}: missing "relevant" (a list of document paths, or {"path": grade})`);
    }

    const graded: Array<[string, number]> = [];
    const rel = obj.relevant;
    if (Array.isArray(rel)) {
      for (const d of rel) {
        if (typeof d !== 'string' || d === '') {
          throw new RagError('dataset-invalid', `${queriesFile} line ${lineNo}: "relevant" must list document paths as strings`);
        }
        graded.push([d, 1]);
      }
    } else if (typeof rel === 'object' && rel !== null) {
      for (const [d, g] of Object.entries(rel)) graded.push([d, parseGrade(queriesFile, lineNo, d, g)]);
    } else {
      throw new RagError('dataset-invalid', `${queriesFile} line ${lineNo}: "relevant" must be a list of document paths or an object {"path": grade}`);
    }

    const labels = new Map<string, number>();
    for (const [rawId, grade] of graded) {
      const docId = normalizeDocumentId(rawId);
      if (!docIds.has(docId)) {
        unknownDocuments.addUnknownDocument(id, docId, docIds);
        continue;
      }
      if (labels.has(docId)) duplicateLabels.add(`${id} -> ${docId}`);
      labels.set(docId, grade);
    }
    queries.set(id, obj.query);
    qrels.set(id, labels);
  }

  if (queries.size === 0) {
    throw new RagError('dataset-invalid', `${queriesFile} has no queries; write one line per query, e.g. {"query": "...", "relevant": ["guide/install.md"]}`);
  }

  const hashed = ['queries.jsonl', ...files.map((f) => (docsAreRoot ? f : `docs/${f}`))];
  return {
    name: path.basename(path.resolve(root)),
    layout: 'simple',
    root,
    documentsPath: docsDir,
    excludeFromDocuments: docsAreRoot ? ['queries.jsonl'] : [],
    documentCount: docIds.size,
    queries,
    qrels,
    fingerprint: await fingerprintFiles(root, hashed),
    warnings: {
      unknownDocuments: unknownDocuments.done(),
      unknownQueries: { count: 0, examples: [] },
      duplicateLabels: duplicateLabels.done(),
      unjudgedQueries: { count: 0, examples: [] },
    },
    encodings: queriesEncoding === 'utf-8' ? [] : [{ file: queriesFile, encoding: queriesEncoding }],
  };
}
