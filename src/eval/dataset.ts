/**
 * Labelled query sets for `rag eval`, in two layouts:
 *
 * - BEIR: `corpus.jsonl` ({"_id","title","text"}), `queries.jsonl` ({"_id","text"}) and
 *   `qrels/<split>.tsv` (header `query-id\tcorpus-id\tscore`, graded).
 * - Simple, for people labelling their own documents: a folder with `queries.jsonl` lines
 *   `{"query": "...", "relevant": ["guide/install.md"]}` (or `{"guide/install.md": 2, "faq.md": 1}`
 *   for graded labels, optional `"id"`), and the documents in `docs/` or next to queries.jsonl.
 *   A document's id is its path relative to the documents folder, with `/` separators.
 *
 * Labels that name unknown documents or queries are dropped and counted in `warnings`.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../errors.js';
import { assertDecoded, decodeText, encodingLabel, lineDecoder, type TextEncoding } from '../ingest/encoding.js';
import type { CountedIds, DatasetInfo, DatasetWarnings, EvalQuery } from './types.js';
import { closestId } from '../text/closest.js';

/** The qrels split a BEIR dataset is scored on unless told otherwise (`qrels/test.tsv`). */
export const DEFAULT_SPLIT = 'test';

/** A labelled query set ready for evaluation. */
export interface LabeledDataset {
  name: string;
  layout: 'beir' | 'simple';
  /** The dataset folder as given. */
  root: string;
  /** What to ingest: `corpus.jsonl` (BEIR) or the documents folder (simple). */
  documentsPath: string;
  /** Files in the documents folder that are not documents (simple layout: `queries.jsonl` when it sits among them). */
  excludeFromDocuments: string[];
  /** BEIR split; absent for the simple layout. */
  split?: string;
  /** Number of documents the labels were checked against. */
  documentCount: number;
  /** Query id -> text: the labelled queries of this split, in file order. */
  queries: Map<string, string>;
  /** Query id -> (document id -> grade). Every query in `queries` has an entry (possibly empty). */
  qrels: Map<string, Map<string, number>>;
  /** `sha256:<hex>` over the dataset files' bytes. */
  fingerprint: string;
  warnings: DatasetWarnings;
  /** Dataset files read in an encoding other than UTF-8 (GB18030, Big5), for a notice naming it. */
  encodings: Array<{ file: string; encoding: TextEncoding }>;
}

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Force a layout; by default BEIR when `qrels/` exists, otherwise simple. */
  layout?: 'beir' | 'simple';
  /** BEIR qrels split (`qrels/<split>.tsv`), or the path of a qrels file ending in `.tsv`; default `test`. */
  split?: string;
  /**
   * Ids of the documents actually ingested. When given, labels are checked against these instead of
   * the ids found in `corpus.jsonl` / the documents folder.
   */
  documentIds?: Iterable<string>;
  /** Read queries.jsonl, qrels and corpus.jsonl in this encoding instead of detecting it (`--encoding`). */
  encoding?: TextEncoding;
}

const MAX_EXAMPLES = 10;

class Counter {
  private readonly ids: string[] = [];
  private n = 0;
  add(id: string): void {
    this.n += 1;
    if (this.ids.length < MAX_EXAMPLES) this.ids.push(id);
  }
  done(): CountedIds {
    return { count: this.n, examples: [...this.ids] };
  }
  /** A label naming a document the corpus lacks; the examples say which real id it most likely meant. */
  addUnknownDocument(queryId: string, docId: string, docIds: ReadonlySet<string>): void {
    if (this.ids.length >= MAX_EXAMPLES) {
      this.n += 1;
      return;
    }
    const near = closestId(docId, docIds);
    this.add(near === undefined ? `${queryId} -> ${docId}` : `${queryId} -> ${docId} (did you mean ${near}?)`);
  }
}

async function exists(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** How much of a line file decides its encoding. */
const ENCODING_PROBE_BYTES = 1 << 20;

/**
 * The encoding of a dataset file (queries.jsonl, qrels, corpus.jsonl), judged on its first MiB cut
 * at a line break, by the same decoder as documents: BOM, UTF-8, GB18030/GBK or Big5 (HKSCS).
 * `forced` (`--encoding`) replaces the detection. Throws `encoding-unknown` rather than letting
 * a query set be read as mojibake.
 */
export async function detectFileEncoding(file: string, forced?: TextEncoding): Promise<TextEncoding> {
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(ENCODING_PROBE_BYTES);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
    if (bytesRead === buf.length) {
      const lastBreak = head.lastIndexOf(0x0a);
      if (lastBreak > 0) head = head.subarray(0, lastBreak);
    }
  } finally {
    await handle.close();
  }
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new RagError('encoding-unknown', `${file}: UTF-16 line files are not supported`, { hint: 'save it as UTF-8' });
  }
  if (forced !== undefined) {
    if (forced === 'utf-16le' || forced === 'utf-16be') {
      throw new RagError('usage', `encoding ${forced} is not supported for dataset files; save them as UTF-8`, { details: { advice: 'encoding-utf16-dataset', encoding: forced } });
    }
    const decoded = decodeText(head, { encoding: forced });
    if (decoded.replaced > Math.max(2, decoded.text.length * 0.01)) {
      throw new RagError('encoding-unknown', `${file}: not ${encodingLabel(forced)}, the encoding named (${decoded.replaced} invalid byte sequences)`, {
        hint: 'leave the encoding out to detect it, or name the right one',
        details: { advice: 'encoding-forced-wrong', file, label: encodingLabel(forced), replaced: decoded.replaced },
      });
    }
    return forced;
  }
  if (isUtf8(head)) return 'utf-8';
  const decoded = assertDecoded(decodeText(head), file);
  if (decoded.replaced > 0 && decoded.encoding !== 'utf-8') {
    throw new RagError('encoding-unknown', `${file}: ${decoded.replaced} byte sequences are invalid in ${encodingLabel(decoded.encoding)}, the closest encoding`, {
      hint: 'convert it to UTF-8, or name its encoding with the encoding option',
      details: { advice: 'encoding-closest', file },
    });
  }
  return decoded.encoding;
}

/**
 * Reads a text file line by line: yields [1-based line number, line]. Lines end at \n, \r\n or a
 * lone \r (as readline splits them). Splitting the bytes ourselves and decoding whole lines took
 * half the time of readline on SciFact's corpus, and never holds the whole file. Lines are
 * decoded in `encoding` (UTF-8 by default; see {@link detectFileEncoding}): a 0x0A or 0x0D byte is
 * always a line break in UTF-8, GB18030 and Big5.
 */
export async function* readLines(file: string, encoding: TextEncoding = 'utf-8'): AsyncGenerator<[number, string]> {
  let n = 0;
  let carry: Buffer | undefined;
  let pendingCr = false;
  const decodeLine = lineDecoder(encoding === 'utf-16le' || encoding === 'utf-16be' ? 'utf-8' : encoding);
  const emit = function* (bytes: Buffer): Generator<[number, string]> {
    for (const line of decodeLine(bytes).split('\r')) {
      n += 1;
      // A UTF-8 byte order mark would otherwise make the first line invalid JSON.
      yield [n, n === 1 ? line.replace(/^\uFEFF/, '') : line];
    }
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let data = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    carry = undefined;
    // A \r that ended the previous chunk, followed by \n here, was one line break.
    if (pendingCr && data[0] === 0x0a) data = data.subarray(1);
    pendingCr = false;
    let start = 0;
    for (let end = data.indexOf(0x0a, start); end >= 0; end = data.indexOf(0x0a, start)) {
      yield* emit(data.subarray(start, end > start && data[end - 1] === 0x0d ? end - 1 : end));
      start = end + 1;
    }
    if (start < data.length) {
      const rest = data.subarray(start);
      if (rest[rest.length - 1] === 0x0d) {
        // Hold a trailing \r back: it may be the first half of \r\n.
        pendingCr = true;
        yield* emit(rest.subarray(0, rest.length - 1));
      } else {
        carry = Buffer.from(rest);
      }
    }
  }
  if (carry !== undefined && carry.length > 0) yield* emit(carry);
}

function parseJsonLine(file: string, lineNo: number, line: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new RagError('dataset-invalid', `${file} line ${lineNo}: invalid JSON (${why})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RagError('dataset-invalid', `${file} line ${lineNo}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** String ids, or integer ids written as numbers (some BEIR exports do). */
function idValue(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return undefined;
}

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

/** Duplicate ids are errors: which of the two lines is right is for the author to say. */
function duplicateId(file: string, lineNo: number, what: string, id: string, firstLine: number): RagError {
  return new RagError('dataset-invalid', `${file} line ${lineNo}: duplicate ${what} ${JSON.stringify(id)} (first on line ${firstLine}); ids must be unique`);
}

/** Normalises a user-written document path to the id form the ingester uses: POSIX, no `./`. */
export function normalizeDocumentId(id: string): string {
  const posix = id.replace(/\\/g, '/');
  const normal = path.posix.normalize(posix);
  return normal.startsWith('./') ? normal.slice(2) : normal;
}

/** Relative POSIX paths of all files under `dir`, skipping hidden files and folders, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(childRel);
      else if (e.isFile()) out.push(childRel);
    }
  }
  await walk('');
  return out.sort();
}

/**
 * sha256 over the given files: each file contributes its name (relative to `base`), its size and
 * its bytes, in the given order, so renaming or editing any file changes the fingerprint.
 */
export async function fingerprintFiles(base: string, relativePaths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const rel of relativePaths) {
    const bytes = await readFile(path.join(base, rel));
    hash.update(`${rel}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Loads a labelled query set from a folder (layout detected unless given).
 * Throws a RagError for a missing folder or file, or a malformed line (naming file and line).
 */
export async function loadDataset(root: string, options: LoadDatasetOptions = {}): Promise<LabeledDataset> {
  if ((await exists(root)) !== 'dir') throw new RagError('dataset-invalid', `dataset folder not found: ${root}`);
  const layout = options.layout ?? ((await exists(path.join(root, 'qrels'))) === 'dir' ? 'beir' : 'simple');
  return layout === 'beir' ? loadBeir(root, options) : loadSimple(root, options);
}

async function loadBeir(root: string, options: LoadDatasetOptions): Promise<LabeledDataset> {
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

function parseGrade(file: string, lineNo: number, docId: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new RagError('dataset-invalid', `${file} line ${lineNo}: grade of ${JSON.stringify(docId)} must be a number, got ${JSON.stringify(v)}`);
  }
  return v;
}

async function loadSimple(root: string, options: LoadDatasetOptions): Promise<LabeledDataset> {
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

/**
 * Removes documents whose id equals the query id from a ranking. BEIR and MTEB do this for sets
 * like ArguAna where each query is itself a corpus document and would trivially rank first.
 */
export function removeSelfMatches(queryId: string, ranked: readonly string[]): string[] {
  return ranked.filter((d) => d !== queryId);
}

/** {@link removeSelfMatches} over a whole run (query id -> ranking); the `ignoreIdenticalIds` option. */
export function ignoreIdenticalIds(run: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [qid, ranked] of run) out.set(qid, removeSelfMatches(qid, ranked));
  return out;
}

/**
 * Re-checks the labels against the documents actually ingested (some files may have failed to
 * load or been filtered out): labels naming other documents are dropped and added to
 * `warnings.unknownDocuments`. Returns a new dataset; `dataset` is not changed.
 */
export function checkDocuments(dataset: LabeledDataset, documentIds: Iterable<string>): LabeledDataset {
  const ids = new Set(documentIds);
  const unknown = dataset.warnings.unknownDocuments;
  let count = unknown.count;
  const examples = [...unknown.examples];
  const qrels = new Map<string, Map<string, number>>();
  for (const [qid, labels] of dataset.qrels) {
    const kept = new Map<string, number>();
    for (const [docId, grade] of labels) {
      if (ids.has(docId)) {
        kept.set(docId, grade);
        continue;
      }
      count += 1;
      if (examples.length < MAX_EXAMPLES) examples.push(`${qid} -> ${docId}`);
    }
    qrels.set(qid, kept);
  }
  return {
    ...dataset,
    documentCount: ids.size,
    qrels,
    warnings: { ...dataset.warnings, unknownDocuments: { count, examples } },
  };
}

/** The labelled queries as plain data (results.json, reports), in dataset order. */
export function evalQueries(dataset: LabeledDataset): EvalQuery[] {
  return [...dataset.queries].map(([id, text]) => ({
    id,
    text,
    relevant: Object.fromEntries(dataset.qrels.get(id) ?? []),
  }));
}

/** Number of labels (including grade 0) in a qrels map. */
export function countQrels(qrels: ReadonlyMap<string, ReadonlyMap<string, number>>): number {
  let n = 0;
  for (const l of qrels.values()) n += l.size;
  return n;
}

/** The dataset part of results.json. */
export function datasetInfo(ds: LabeledDataset): DatasetInfo {
  const info: DatasetInfo = {
    name: ds.name,
    layout: ds.layout,
    path: ds.root,
    fingerprint: ds.fingerprint,
    documents: ds.documentCount,
    queries: ds.queries.size,
    qrels: countQrels(ds.qrels),
    warnings: ds.warnings,
  };
  if (ds.split !== undefined) info.split = ds.split;
  return info;
}
