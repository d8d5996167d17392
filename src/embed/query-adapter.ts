/**
 * A linear query adapter: a d×d matrix applied to query vectors only (the corpus keeps its
 * vectors), then L2-normalised. `rag tune adapter` learns it; `rag query` and `rag eval` apply it
 * with `--adapter FILE`. It lives here, beside the embedders, because applying it is part of
 * turning a query into a vector, which both the retrieve and the eval layer need.
 *
 * The file is JSON. The matrix is stored as the columns that differ from the identity (base64
 * little-endian float32, column-major): an adapter trained on sparse `hash` queries touches only
 * the columns of the features its training queries had, and the rest stays the identity.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RagError } from '../errors.js';
import type { Embedder } from './types.js';
import { withEmbedQuery } from './wrap-queries.js';

export const ADAPTER_FORMAT_VERSION = 1;
export const ADAPTER_KIND = 'rag-query-adapter';

/** What the adapter was trained on and how; recorded so a result can be traced back. */
export interface AdapterProvenance {
  /** `sha256:<hex>` over the training split: query ids, texts, positives and negatives. */
  trainingDataHash: string;
  dataset: { name: string; fingerprint: string; split?: string };
  seed: number;
  testFraction: number;
  /** Ids of the queries the matrix was trained on: scoring them again would not be held out. */
  trainQueryIds: string[];
  testQueryIds: string[];
  /** Held-out nDCG@10 of the plain model and of the adapter at the epoch kept. */
  heldOut: { plain: number; adapted: number; metric: string };
  epochs: number;
  bestEpoch: number;
  learningRate: number;
  temperature: number;
  negatives: number;
  trainSeconds: number;
}

/** A query adapter in memory. */
export interface QueryAdapter {
  /** The model the matrix belongs to: another model's query vectors live in another space. */
  model: { id: string; fingerprint: string; dimension: number };
  /** Column-major d×d matrix (column j is `matrix.subarray(j*d, (j+1)*d)`). */
  matrix: Float32Array;
  provenance: AdapterProvenance;
}

interface AdapterFile {
  formatVersion: number;
  kind: string;
  model: QueryAdapter['model'];
  provenance: AdapterProvenance;
  /** Columns that are not the identity's, with their values (base64 float32, d per column). */
  columns: number[];
  values: string;
}

/** The identity matrix of dimension d, column-major. */
export function identityMatrix(d: number): Float32Array {
  const m = new Float32Array(d * d);
  for (let j = 0; j < d; j++) m[j * d + j] = 1;
  return m;
}

/** W·q, L2-normalised (retrieval compares cosines); a zero result stays zero. */
export function applyAdapter(matrix: Float32Array, query: Float32Array): Float32Array {
  const d = query.length;
  const out = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    const x = query[j]!;
    if (x === 0) continue;
    const base = j * d;
    for (let i = 0; i < d; i++) out[i]! += x * matrix[base + i]!;
  }
  let norm = 0;
  for (let i = 0; i < d; i++) norm += out[i]! * out[i]!;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < d; i++) out[i]! *= inv;
  }
  return out;
}

/** The JSON text of an adapter file. */
export function serializeAdapter(adapter: QueryAdapter): string {
  const d = adapter.model.dimension;
  const columns: number[] = [];
  for (let j = 0; j < d; j++) {
    const base = j * d;
    for (let i = 0; i < d; i++) {
      if (adapter.matrix[base + i] !== (i === j ? 1 : 0)) {
        columns.push(j);
        break;
      }
    }
  }
  const values = new Float32Array(columns.length * d);
  columns.forEach((j, n) => values.set(adapter.matrix.subarray(j * d, (j + 1) * d), n * d));
  const file: AdapterFile = {
    formatVersion: ADAPTER_FORMAT_VERSION,
    kind: ADAPTER_KIND,
    model: adapter.model,
    provenance: adapter.provenance,
    columns,
    values: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'),
  };
  return `${JSON.stringify(file)}\n`;
}

/** Parses an adapter file's text; `where` names it in errors. */
export function parseAdapter(text: string, where: string): QueryAdapter {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RagError('adapter-invalid', `${where} is not a query adapter (not JSON)`, { hint: 'make one with trainAdapter()', details: { advice: 'adapter-make', file: where } });
  }
  const file = raw as Partial<AdapterFile>;
  if (typeof raw !== 'object' || raw === null || file.kind !== ADAPTER_KIND) {
    throw new RagError('adapter-invalid', `${where} is not a query adapter (no "kind": "${ADAPTER_KIND}")`, { hint: 'make one with trainAdapter()', details: { advice: 'adapter-make', file: where } });
  }
  if (file.formatVersion !== ADAPTER_FORMAT_VERSION) {
    throw new RagError('adapter-invalid', `${where} has adapter format ${String(file.formatVersion)}; this rag reads format ${ADAPTER_FORMAT_VERSION}`, {
      hint: 'train it again with this version of rag',
      details: { advice: 'adapter-retrain', file: where },
    });
  }
  const d = file.model?.dimension;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || typeof file.model?.fingerprint !== 'string' || !Array.isArray(file.columns) || typeof file.values !== 'string') {
    throw new RagError('adapter-invalid', `${where}: the adapter's model or matrix fields are missing or malformed`);
  }
  const bytes = Buffer.from(file.values, 'base64');
  if (bytes.length !== file.columns.length * d * 4) {
    throw new RagError('adapter-invalid', `${where}: the matrix holds ${bytes.length} bytes, expected ${file.columns.length * d * 4} (${file.columns.length} columns of ${d})`);
  }
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const matrix = identityMatrix(d);
  file.columns.forEach((j, n) => {
    if (!Number.isInteger(j) || j < 0 || j >= d) throw new RagError('adapter-invalid', `${where}: column ${String(j)} is outside 0..${d - 1}`);
    matrix.set(values.subarray(n * d, (n + 1) * d), j * d);
  });
  return { model: file.model, matrix, provenance: file.provenance as AdapterProvenance };
}

/** Where `rag tune adapter --index DIR` saves an adapter, and where `rag query` looks for one. */
export const INDEX_ADAPTER_FILE = 'adapter.json';

/** The adapter saved in an index folder, or undefined when there is none. */
export async function readIndexAdapter(indexDir: string): Promise<{ adapter: QueryAdapter; file: string } | undefined> {
  const file = join(indexDir, INDEX_ADAPTER_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
  return { adapter: parseAdapter(text, file), file };
}

/** Reads an adapter file (`--adapter FILE`). */
export async function readAdapter(file: string): Promise<QueryAdapter> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new RagError('path-not-found', `adapter file not found: ${file}`, { hint: 'make one with trainAdapter() and save it there', details: { advice: 'adapter-make-file', file } });
  }
  return parseAdapter(text, file);
}

/**
 * Refuses an adapter trained for another model, or the same model under other settings (its
 * fingerprint covers everything that changes vectors: revision, pooling, prefixes, dimension).
 */
export function assertAdapterFits(adapter: QueryAdapter, embedder: Pick<Embedder, 'info' | 'fingerprint'>, where = 'the adapter'): void {
  if (adapter.model.fingerprint !== embedder.fingerprint || adapter.model.dimension !== embedder.info.dimension) {
    throw new RagError(
      'model-mismatch',
      `${where} was trained for ${adapter.model.id} (${adapter.model.fingerprint.slice(0, 19)}…, ${adapter.model.dimension} dims), not ${embedder.info.id} (${embedder.fingerprint.slice(0, 19)}…, ${embedder.info.dimension} dims)`,
      { hint: 'train an adapter for this model, or query without one', details: { advice: 'adapter-model', file: where } },
    );
  }
}

/** The same embedder with its query vectors passed through the adapter (documents unchanged). */
export function withQueryAdapter(embedder: Embedder, adapter: QueryAdapter): Embedder {
  assertAdapterFits(adapter, embedder);
  return withEmbedQuery(embedder, async (text) => applyAdapter(adapter.matrix, await embedder.embedQuery(text)));
}
