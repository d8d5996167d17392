/**
 * An index in PostgreSQL with pgvector (reading; pg-write.ts writes): the same documents, chunks, vectors and manifest as the
 * HNSW files, in three tables named after `table=NAME`:
 *
 * - `NAME`: one row per chunk: id, doc_id, ord, text, metadata (jsonb: page, offsets, headings)
 *   and `embedding vector(d)`, with an HNSW index `USING hnsw (embedding vector_cosine_ops)`
 *   when d ≤ {@link PG_HNSW_MAX_DIMENSION} (pgvector's limit for `vector`), else over a
 *   halfvec expression ({@link annExpression}) whose candidates are re-ranked exactly.
 * - `NAME_documents`: one row per document (content hash for incremental ingest, chunk ids).
 * - `NAME_meta`: one row: format version, model and fingerprint, chunking, HNSW parameters,
 *   counts, and the model's corpus statistics blob.
 *
 * A write holds a session advisory lock on the table name for its whole run (so two ingests
 * serialize, like the file store's lock file) and applies all its changes in one transaction,
 * so readers see the old or the new index and a failure never leaves half a document.
 * The table layout and row conversions reader and writer share are in pg-schema.ts.
 */
import type pg from 'pg';
import type { Chunk } from '../../model/document.js';
import { RagError } from '../../errors.js';
import type { StoredDocument } from '../../model/document.js';
import { efFor } from '../hnsw.js';
import { newManifestFields, type IndexInit, type Operation } from '../transaction.js';
import { damaged, noIndex } from '../manifest.js';
import type { IndexInfo, IndexReader, SearchHit } from '../reader.js';
import { createPool, endPool, errorCode, pgError } from './connect.js';
import type { PgPoolOptions } from './pool-options.js';
import { parsePgLocation, type PgLocation } from './location.js';
import {
  chunkFromRow,
  documentFromRow,
  PG_FORMAT_VERSION,
  PG_HNSW_MAX_DIMENSION,
  annExpression,
  tableState,
  tablesOf,
  vectorLiteral,
  type ChunkRow,
  type DocumentRow,
  type MetaRow,
  type PgTables,
  type Queryable,
} from './pg-schema.js';

/** pgvector's range for `hnsw.ef_search`. */
const MAX_EF_SEARCH = 1000;

/** Documents per query when streaming chunks for BM25. */
const STREAM_BATCH_DOCUMENTS = 500;

/** What `PgIndex` knows beyond IndexInfo. */
export interface PgIndexInfo extends IndexInfo {
  formatVersion: number;
  generation: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * A view of a PostgreSQL index: the manifest and documents are read when it opens, chunks and
 * vectors stay in the database (searches go to pgvector). Holds a connection pool: call
 * {@link close}.
 */
export class PgIndex implements IndexReader {
  readonly pgLocation: PgLocation;
  readonly tables: PgTables;
  private readonly pool: pg.Pool;
  private info: PgIndexInfo;
  private readonly docs = new Map<string, StoredDocument>();
  private stats: Buffer | undefined;
  /** Whether the table exists yet (false for a new index until its first commit). */
  private created: boolean;
  /** Whether the chunks table has an HNSW index (else dense searches scan exactly). */
  private annIndex = false;

  private constructor(pool: pg.Pool, location: PgLocation, info: PgIndexInfo, created: boolean) {
    this.pool = pool;
    this.pgLocation = location;
    this.tables = tablesOf(location.table);
    this.info = info;
    this.created = created;
  }

  /**
   * Opens the index at a `postgres://` URL. Throws RagError when the server cannot be reached,
   * refuses the login, has no such index, or the table is not a rag index.
   */
  static async open(url: string, options: PgPoolOptions = {}): Promise<PgIndex> {
    const location = parsePgLocation(url, options.env);
    const pool = createPool(location, options);
    try {
      const index = await PgIndex.load(pool, location);
      if (index === undefined) throw noIndex(location.display);
      return index;
    } catch (error) {
      await endPool(pool);
      throw pgError(error, location);
    }
  }

  /** Whether the URL's table holds a rag index (false when the tables do not exist). */
  static async exists(url: string, options: PgPoolOptions = {}): Promise<boolean> {
    const location = parsePgLocation(url, options.env);
    const pool = createPool(location, options);
    try {
      return (await tableState(pool, tablesOf(location.table))) === 'rag';
    } catch (error) {
      throw pgError(error, location);
    } finally {
      await endPool(pool);
    }
  }

  /**
   * @internal Reads the index through `db`; undefined when there is none. Without `db` the
   * reads run in one REPEATABLE READ snapshot, so a commit landing between the meta row and the
   * documents cannot make a consistent index look damaged.
   */
  static async load(pool: pg.Pool, location: PgLocation, db?: Queryable): Promise<PgIndex | undefined> {
    if (db !== undefined) return PgIndex.loadFrom(pool, location, db);
    return inSnapshot(pool, (client) => PgIndex.loadFrom(pool, location, client));
  }

  private static async loadFrom(pool: pg.Pool, location: PgLocation, db: Queryable): Promise<PgIndex | undefined> {
    const state = await readState(db, location);
    if (state === undefined) return undefined;
    const index = new PgIndex(pool, location, state.info, true);
    index.setState(state);
    return index;
  }

  private setState(state: IndexState): void {
    this.annIndex = state.annIndex;
    this.info = state.info;
    this.stats = state.stats;
    this.docs.clear();
    for (const [id, doc] of state.docs) this.docs.set(id, doc);
  }

  /** @internal An index that does not exist yet; the first write creates its tables. */
  static empty(pool: pg.Pool, location: PgLocation, init: IndexInit): PgIndex {
    return new PgIndex(pool, location, { ...newManifestFields(init), formatVersion: PG_FORMAT_VERSION, generation: 0 }, false);
  }

  get location(): string {
    return this.pgLocation.display;
  }

  get manifest(): PgIndexInfo {
    return this.info;
  }

  get documentCount(): number {
    return this.docs.size;
  }

  get chunkCount(): number {
    return this.info.counts.chunks;
  }

  /** Whether dense searches use an HNSW index (false for a table created before rag indexed > 2000 dimensions: exact scans). */
  get hasHnswIndex(): boolean {
    return this.annIndex;
  }

  documents(): IterableIterator<StoredDocument> {
    return this.docs.values();
  }

  getDocument(docId: string): StoredDocument | undefined {
    return this.docs.get(docId);
  }

  corpusStatistics(): Buffer | undefined {
    return this.stats;
  }

  async chunksOf(document: StoredDocument): Promise<Chunk[]> {
    if (!this.created) return [];
    const rows = await this.query<ChunkRow>(
      `SELECT id, doc_id, ord, text, metadata FROM ${this.tables.q.chunks} WHERE doc_id = $1 ORDER BY ord`,
      [document.docId],
    );
    return rows.map(chunkFromRow);
  }

  /**
   * Every chunk with its document, read in one REPEATABLE READ snapshot. If a writer committed
   * since this view was loaded, the view first moves to that snapshot's documents, so the
   * chunks and documents handed out always belong to the same commit.
   */
  async *allChunks(): AsyncGenerator<{ chunk: Chunk; document: StoredDocument }> {
    if (!this.created) return;
    const client = await this.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const generation = await client.query<{ generation: string }>(`SELECT generation FROM ${this.tables.q.meta}`);
      if (Number(generation.rows[0]?.generation) !== this.info.generation) {
        const state = await readState(client, this.pgLocation);
        if (state === undefined) throw noIndex(this.pgLocation.display);
        this.setState(state);
      }
      const docs = [...this.docs.values()];
      for (let i = 0; i < docs.length; i += STREAM_BATCH_DOCUMENTS) {
        const batch = docs.slice(i, i + STREAM_BATCH_DOCUMENTS);
        const { rows } = await client.query<ChunkRow>(
          `SELECT id, doc_id, ord, text, metadata FROM ${this.tables.q.chunks} WHERE doc_id = ANY($1::text[])`,
          [batch.map((d) => d.docId)],
        );
        const byId = new Map(rows.map((row) => [row.id, row]));
        for (const document of batch) {
          for (const id of document.chunkIds) {
            const row = byId.get(id);
            if (row !== undefined) yield { chunk: chunkFromRow(row), document };
          }
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw pgError(error, this.pgLocation);
    } finally {
      client.release();
    }
  }

  /**
   * Top-k by cosine similarity in pgvector. Runs in a transaction that sets `hnsw.ef_search`
   * (`SET LOCAL`, so pooled connections keep their defaults) to `ef` or `efFor(k, chunks)`,
   * capped at pgvector's 1000; a k above that cap scans exactly instead, since the HNSW scan
   * would return at most ef_search rows. Above 2000 dimensions the index (over halfvec, see
   * {@link annExpression}) picks ef_search candidates and the exact cosine of the full vectors
   * ranks them, so scores are exact and only the candidate set is approximate.
   */
  async searchVector(vector: Float32Array, k: number, options: { ef?: number; exact?: boolean } = {}): Promise<SearchHit[]> {
    const limit = Math.min(Math.floor(k), this.chunkCount);
    if (limit <= 0 || !this.created) return [];
    const dimension = this.info.model.dimension;
    if (vector.length !== dimension) {
      throw new Error(`query vector has dimension ${vector.length}, index expects ${dimension}`);
    }
    const ef = Math.min(Math.max(limit, options.ef ?? efFor(limit, this.chunkCount)), MAX_EF_SEARCH);
    const exact = options.exact === true || !this.annIndex || limit > MAX_EF_SEARCH;
    // Candidates from the halfvec index only pay off when they are fewer than all chunks.
    const candidates = !exact && dimension > PG_HNSW_MAX_DIMENSION && ef < this.chunkCount;
    const columns = 'id, doc_id, ord, text, metadata';
    const { chunks } = this.tables.q;
    let sql: string;
    let params: unknown[];
    if (!candidates) {
      sql = `SELECT ${columns}, 1 - (embedding <=> $1::vector) AS similarity FROM ${chunks} ORDER BY embedding <=> $1::vector LIMIT $2`;
      params = [vectorLiteral(vector), limit];
    } else {
      sql = `SELECT ${columns}, 1 - (embedding <=> $1::vector) AS similarity
               FROM (SELECT ${columns}, embedding FROM ${chunks}
                      ORDER BY ${annExpression('embedding', dimension)} <=> ${annExpression('$1::vector', dimension)} LIMIT $3) AS candidates
              ORDER BY embedding <=> $1::vector LIMIT $2`;
      params = [vectorLiteral(vector), limit, ef];
    }
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      if (exact) await client.query('SET LOCAL enable_indexscan = off');
      else await client.query(`SET LOCAL hnsw.ef_search = ${ef}`);
      // The planner cannot cost the index under the candidate subquery well and picks a full scan
      // on small tables; rag has already decided the index is worth it here.
      if (candidates) await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query<ChunkRow>(sql, params);
      await client.query('COMMIT');
      const hits: SearchHit[] = [];
      for (const row of rows) {
        const document = this.docs.get(row.doc_id);
        // A zero vector has no direction: pgvector gives NaN, the file store 0.
        const similarity = row.similarity === null || row.similarity === undefined || Number.isNaN(row.similarity) ? 0 : row.similarity;
        if (document !== undefined) hits.push({ chunk: chunkFromRow(row), document, similarity });
      }
      return hits;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw pgError(error, this.pgLocation);
    } finally {
      client.release();
    }
  }

  /** Table, TOAST and index bytes of the three tables. */
  async sizeBytes(): Promise<number> {
    if (!this.created) return 0;
    const { tables } = this;
    const rows = await this.query<{ bytes: string | null }>(
      `SELECT sum(pg_total_relation_size(to_regclass(quote_ident(t))))::text AS bytes FROM unnest($1::text[]) AS t`,
      [[tables.chunks, tables.documents, tables.meta]],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  async close(): Promise<void> {
    await endPool(this.pool);
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw pgError(error, this.pgLocation);
    }
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw pgError(error, this.pgLocation);
    }
  }

  // --- used by writePgIndex (pg-write.ts) only -------------------------------------------------------------

  /** @internal Applies committed operations to this view (after the transaction committed). */
  applyCommitted(operations: Iterable<Operation>, stats: Buffer | undefined, info: PgIndexInfo): void {
    for (const op of operations) {
      this.docs.delete(op.docId);
      if (op.kind === 'put') this.docs.set(op.docId, op.doc);
    }
    if (stats !== undefined) this.stats = stats;
    this.info = info;
    // A table is created with its HNSW index, in the same transaction.
    if (!this.created) this.annIndex = true;
    this.created = true;
  }
}

interface IndexState {
  info: PgIndexInfo;
  docs: Map<string, StoredDocument>;
  stats: Buffer | undefined;
  /** Whether the chunks table has its HNSW index (tables made before rag indexed > 2000 dimensions have none). */
  annIndex: boolean;
}

/** Runs `fn` on one connection inside a read-only REPEATABLE READ transaction. */
async function inSnapshot<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The meta row and documents as `db` sees them; undefined when the tables do not exist. */
async function readState(db: Queryable, location: PgLocation): Promise<IndexState | undefined> {
  const tables = tablesOf(location.table);
  const state = await tableState(db, tables);
  if (state === 'absent') return undefined;
  if (state === 'foreign') {
    throw new RagError('index-location', `table ${location.table} in ${location.display} exists and is not a rag index; choose another table=NAME`);
  }
  let meta: MetaRow | undefined;
  try {
    meta = (await db.query<MetaRow>(`SELECT * FROM ${tables.q.meta}`)).rows[0];
  } catch (error) {
    if (errorCode(error) === '42703' || errorCode(error) === '42P01') throw damagedPg(location, 'its tables do not have the expected columns', error);
    throw error;
  }
  if (meta === undefined) throw damagedPg(location, `${tables.meta} has no row`);
  if (meta.format_version > PG_FORMAT_VERSION) {
    throw new RagError('index-newer', `index ${location.display} was written by a newer rag (format ${meta.format_version}); upgrade rag or use another table`);
  }
  const info: PgIndexInfo = {
    formatVersion: meta.format_version,
    generation: Number(meta.generation),
    createdAt: meta.created_at.toISOString(),
    updatedAt: meta.updated_at.toISOString(),
    model: meta.model,
    modelFingerprint: meta.model_fingerprint,
    chunking: meta.chunking,
    hnsw: meta.hnsw,
    counts: { documents: Number(meta.documents), chunks: Number(meta.chunks) },
  };
  const docs = new Map<string, StoredDocument>();
  const rows = await db.query<DocumentRow>(
    `SELECT doc_id, source, origin, format, title, content_hash, chunk_ids FROM ${tables.q.documents} ORDER BY seq`,
  );
  for (const row of rows.rows) docs.set(row.doc_id, documentFromRow(row));
  if (docs.size !== info.counts.documents) {
    throw damagedPg(location, `${tables.documents} holds ${docs.size} documents, but ${tables.meta} says ${info.counts.documents}`);
  }
  const ann = await db.query<{ ann: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ann', [tables.q.hnswIndex]);
  return { info, docs, stats: meta.corpus_stats ?? undefined, annIndex: ann.rows[0]?.ann === true };
}

function damagedPg(location: PgLocation, what: string, cause?: unknown): RagError {
  return damaged(location.display, what, cause);
}
