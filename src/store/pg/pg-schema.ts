/**
 * The table layout the PostgreSQL reader (pg-index.ts) and writer (pg-write.ts) share: the
 * format version, table names, what the HNSW index is built over, and how rows become chunks
 * and documents.
 */
import type pg from 'pg';
import type { Chunk, DocumentFormat } from '../../model/document.js';
import type { StoredDocument } from '../../model/document.js';
import type { IndexInfo } from '../reader.js';

/** Version of the table layout this code writes and reads. */
export const PG_FORMAT_VERSION = 1;

/** pgvector refuses an HNSW index on `vector` columns of more dimensions than this. */
export const PG_HNSW_MAX_DIMENSION = 2000;

/** pgvector's HNSW limit for `halfvec` (16-bit floats). */
export const PG_HALFVEC_MAX_DIMENSION = 4000;

/**
 * What the HNSW index is built over, as an SQL expression of `column`: the `vector` itself up
 * to 2000 dimensions; above that its 16-bit `halfvec` cast, and above 4000 the halfvec of its
 * first 4000 components (pgvector cannot index more). The last two only choose candidates,
 * which are then re-ranked by the exact cosine of the full vectors (see searchVector).
 */
export function annExpression(column: string, dimension: number): string {
  if (dimension <= PG_HNSW_MAX_DIMENSION) return column;
  if (dimension <= PG_HALFVEC_MAX_DIMENSION) return `(${column})::halfvec(${dimension})`;
  return `subvector(${column}, 1, ${PG_HALFVEC_MAX_DIMENSION})::halfvec(${PG_HALFVEC_MAX_DIMENSION})`;
}

/** The operator class of the HNSW index over {@link annExpression}. */
export function annOperatorClass(dimension: number): string {
  return dimension <= PG_HNSW_MAX_DIMENSION ? 'vector_cosine_ops' : 'halfvec_cosine_ops';
}

export interface PgTables {
  chunks: string;
  documents: string;
  meta: string;
  /** The names as quoted identifiers, ready for SQL. */
  q: { chunks: string; documents: string; meta: string; hnswIndex: string; docIndex: string };
}

/** The three table names of an index (validated as identifiers by parsePgLocation). */
export function tablesOf(table: string): PgTables {
  const quote = (name: string): string => `"${name}"`;
  return {
    chunks: table,
    documents: `${table}_documents`,
    meta: `${table}_meta`,
    q: {
      chunks: quote(table),
      documents: quote(`${table}_documents`),
      meta: quote(`${table}_meta`),
      hnswIndex: quote(`${table}_embedding_hnsw`),
      docIndex: quote(`${table}_doc_id`),
    },
  };
}

/** @internal A pool or a client: what runs one query. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export interface MetaRow {
  format_version: number;
  model: IndexInfo['model'];
  model_fingerprint: string;
  chunking: IndexInfo['chunking'];
  hnsw: IndexInfo['hnsw'];
  documents: string | number;
  chunks: string | number;
  generation: string | number;
  created_at: Date;
  updated_at: Date;
  corpus_stats: Buffer | null;
}

export interface DocumentRow {
  doc_id: string;
  source: string;
  origin: string;
  format: string;
  title: string | null;
  content_hash: string;
  chunk_ids: string[];
}

export interface ChunkRow {
  id: string;
  doc_id: string;
  ord: number;
  text: string;
  metadata: { page?: number | null; start?: number; end?: number; headings?: string[] };
  similarity?: number | null;
}

/** @internal Whether an index's tables are absent, all there, or only some (not ours). */
export async function tableState(db: Queryable, tables: PgTables): Promise<'absent' | 'rag' | 'foreign'> {
  const { rows } = await db.query<{ chunks: string | null; meta: string | null; documents: string | null }>(
    'SELECT to_regclass($1)::text AS chunks, to_regclass($2)::text AS meta, to_regclass($3)::text AS documents',
    [tables.q.chunks, tables.q.meta, tables.q.documents],
  );
  const row = rows[0];
  if (row === undefined || (row.chunks === null && row.meta === null && row.documents === null)) return 'absent';
  return row.chunks !== null && row.meta !== null && row.documents !== null ? 'rag' : 'foreign';
}

/** pgvector's text input format. Float32 values print exactly enough digits to round-trip. */
export function vectorLiteral(vector: Float32Array): string {
  let text = '[';
  for (let i = 0; i < vector.length; i++) {
    if (i > 0) text += ',';
    const x = vector[i]!;
    text += x === 0 ? '0' : String(x);
  }
  return `${text}]`;
}

export function metadataOf(chunk: Chunk): { page: number | null; start: number; end: number; headings: string[] } {
  return { page: chunk.page, start: chunk.start, end: chunk.end, headings: chunk.headings };
}

export function chunkFromRow(row: ChunkRow): Chunk {
  const m = row.metadata;
  return {
    id: row.id,
    docId: row.doc_id,
    index: row.ord,
    text: row.text,
    page: m.page ?? null,
    start: m.start ?? 0,
    end: m.end ?? 0,
    headings: m.headings ?? [],
  };
}

export function documentFromRow(row: DocumentRow): StoredDocument {
  return {
    docId: row.doc_id,
    source: row.source,
    origin: row.origin,
    format: row.format as DocumentFormat,
    ...(row.title === null ? {} : { title: row.title }),
    contentHash: row.content_hash,
    chunkIds: row.chunk_ids,
  };
}
