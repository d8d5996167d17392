/**
 * Writing a PostgreSQL index (layout in pg-index.ts and pg-schema.ts): the advisory lock, pgvector check, table
 * creation, and the one transaction that applies an ingest's changes with multi-row INSERTs.
 */
import type pg from 'pg';
import type { Chunk } from '../../model/document.js';
import { RagError } from '../../errors.js';
import { ragWarning, type RagWarning } from '../../warnings.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../lock.js';
import { normalized } from '../exact-scan.js';
import { assertWritable, Transaction, type IndexInit, type Operation } from '../transaction.js';
import type { IndexWriter } from '../reader.js';
import { createPool, endPool, pgError } from './connect.js';
import type { PgPoolOptions } from './pool-options.js';
import { parsePgLocation, type PgLocation } from './location.js';
import { PgIndex, type PgIndexInfo } from './pg-index.js';
import { annExpression, annOperatorClass, metadataOf, PG_FORMAT_VERSION, tableState, tablesOf, vectorLiteral, type PgTables } from './pg-schema.js';

/** Rows per multi-row INSERT: large enough to amortise round trips, small enough for one message. */
const INSERT_BATCH_ROWS = 200;

/** First key of our advisory locks (the second is the table name's hash): "rag" in ASCII. */
const LOCK_NAMESPACE = 0x726167;

/** First key of eval's lock on its per-model tables (apart from ingests' locks, whatever the table is called). */
const EVAL_LOCK_NAMESPACE = LOCK_NAMESPACE + 1;

export interface PgWriteOptions extends PgPoolOptions {
  /** How long to wait for another writer's lock. Default 10 s. */
  lockTimeoutMs?: number;
  /**
   * Start from an empty index: the old tables are not read, and are dropped in the same
   * transaction that creates the new ones, so until that commit the old index stays as it was.
   */
  rebuild?: boolean;
}

/**
 * {@link writeIndex} for a PostgreSQL URL: takes the table's advisory lock, opens (or creates)
 * the index, runs `fn`, then applies its changes in one transaction (one per batch when `fn`
 * calls `tx.commit()`). If `fn` throws, nothing since the last commit is written.
 */
export async function writePgIndex<T>(url: string, init: IndexInit, fn: (tx: IndexWriter) => Promise<T>, options: PgWriteOptions = {}): Promise<T> {
  const location = parsePgLocation(url, options.env);
  const tables = tablesOf(location.table);
  const pool = createPool(location, options);
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    await lockTable(client, location, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
    await ensurePgvector(client, location);
    const rebuild = options.rebuild === true;
    // A rebuild never reads the old index (it may be damaged), but must not drop foreign tables.
    if (rebuild && (await tableState(client, tables)) === 'foreign') {
      throw new RagError('index-location', `table ${location.table} in ${location.display} exists and is not a rag index; choose another table=NAME`);
    }
    const existing = rebuild ? undefined : await PgIndex.load(pool, location, client);
    if (existing !== undefined) assertWritable(existing, init);
    const wanted = {
      ...(location.hnswM === undefined ? {} : { M: location.hnswM }),
      ...(location.hnswEfConstruction === undefined ? {} : { efConstruction: location.hnswEfConstruction }),
    };
    if (existing !== undefined && Object.entries(wanted).some(([key, value]) => existing.manifest.hnsw[key as 'M' | 'efConstruction'] !== value)) {
      options.onWarning?.(
        ragWarning('pg-hnsw-settings', { table: location.table, m: existing.manifest.hnsw.M, efConstruction: existing.manifest.hnsw.efConstruction }),
      );
    }
    const store = existing ?? PgIndex.empty(pool, location, { ...init, hnsw: { ...init.hnsw, ...wanted } });
    if (existing !== undefined && !existing.hasHnswIndex) {
      options.onWarning?.(ragWarning('pg-no-hnsw', { table: location.table, dimension: init.model.dimension }));
    }

    const connection = client;
    const tx = new Transaction(
      store,
      init.model.dimension,
      (operations, stats) => commit(connection, store, tables, [...operations], stats, rebuild),
      () => store.manifest.generation === 0,
    );
    const result = await fn(tx);
    tx.close();
    const stats = tx.statsChange();
    const ops = [...tx.operations.values()];
    if (ops.length > 0 || stats !== undefined || store.manifest.generation === 0) {
      await commit(client, store, tables, ops, stats, rebuild);
    }
    return result;
  } catch (error) {
    throw pgError(error, location);
  } finally {
    if (client !== undefined) {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, location.table]).catch(() => undefined);
      client.release();
    }
    await endPool(pool);
  }
}

/** Drops an index's tables (eval's per-model indexes). */
export async function dropPgIndex(url: string, options: PgPoolOptions = {}): Promise<void> {
  const location = parsePgLocation(url, options.env);
  const { q } = tablesOf(location.table);
  const pool = createPool(location, options);
  try {
    await pool.query(`DROP TABLE IF EXISTS ${q.chunks}, ${q.documents}, ${q.meta}`);
  } catch (error) {
    throw pgError(error, location);
  } finally {
    await endPool(pool);
  }
}

/**
 * Holds a session advisory lock on `<table>_eval` until the returned release is called: eval's
 * per-model tables (`<table>_eval<i>`) are dropped and rebuilt by each run, so two evals on the
 * same table= take turns instead of dropping each other's tables. Waits as long as it takes
 * (`onWait` is told once); the lock goes away with the connection if the process dies.
 */
export async function lockPgEvalTables(url: string, options: PgPoolOptions & { onWait?: (warning: RagWarning) => void } = {}): Promise<() => Promise<void>> {
  const location = parsePgLocation(url, options.env);
  const pool = createPool(location, { ...options, max: 1 });
  const key = `${location.table}_eval`;
  try {
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [EVAL_LOCK_NAMESPACE, key]);
      if (rows[0]?.locked !== true) {
        options.onWait?.(ragWarning('eval-waiting', { tables: key, location: location.display }));
        await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [EVAL_LOCK_NAMESPACE, key]);
      }
    } catch (error) {
      client.release();
      throw error;
    }
    return async () => {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [EVAL_LOCK_NAMESPACE, key]).catch(() => undefined);
      client.release();
      await endPool(pool);
    };
  } catch (error) {
    await endPool(pool);
    throw pgError(error, location);
  }
}

/** Session advisory lock on the table name, polled until `timeoutMs`. */
async function lockTable(client: pg.PoolClient, location: PgLocation, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
      LOCK_NAMESPACE,
      location.table,
    ]);
    if (rows[0]?.locked === true) return;
    if (Date.now() >= deadline) {
      throw new RagError('index-locked', `index ${location.display} is locked by another writer (a PostgreSQL advisory lock on ${location.table}); wait for it to finish`, {
        details: { advice: 'pg-locked', location: location.display, table: location.table },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 250);
  }
}

/** Creates the `vector` extension if needed; one clear line when the server cannot. */
async function ensurePgvector(client: pg.PoolClient, location: PgLocation): Promise<void> {
  const { rows } = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
  if (rows.length > 0) return;
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new RagError(
      'pgvector-missing',
      `pgvector is not available in ${location.display} (CREATE EXTENSION vector: ${message}); install pgvector on the server or ask your provider to enable it`,
      { cause: error },
    );
  }
}

async function createTables(client: pg.PoolClient, tables: PgTables, dimension: number): Promise<void> {
  const { q } = tables;
  await client.query(`CREATE TABLE ${q.meta} (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    format_version integer NOT NULL,
    generation bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    model jsonb NOT NULL,
    model_fingerprint text NOT NULL,
    chunking jsonb NOT NULL,
    hnsw jsonb NOT NULL,
    documents bigint NOT NULL,
    chunks bigint NOT NULL,
    corpus_stats bytea
  )`);
  await client.query(`CREATE TABLE ${q.documents} (
    doc_id text PRIMARY KEY,
    seq bigserial NOT NULL,
    source text NOT NULL,
    origin text NOT NULL,
    format text NOT NULL,
    title text,
    content_hash text NOT NULL,
    chunk_ids jsonb NOT NULL
  )`);
  await client.query(`CREATE TABLE ${q.chunks} (
    id text PRIMARY KEY,
    doc_id text NOT NULL REFERENCES ${q.documents} (doc_id) ON DELETE CASCADE,
    ord integer NOT NULL,
    text text NOT NULL,
    metadata jsonb NOT NULL,
    embedding vector(${dimension}) NOT NULL
  )`);
  await client.query(`CREATE INDEX ${q.docIndex} ON ${q.chunks} (doc_id, ord)`);
}

async function commit(
  client: pg.PoolClient,
  store: PgIndex,
  tables: PgTables,
  ops: Operation[],
  stats: Buffer | undefined,
  rebuild: boolean,
): Promise<void> {
  const { q } = tables;
  const before = store.manifest;
  const isNew = before.generation === 0;
  const dimension = before.model.dimension;
  await client.query('BEGIN');
  try {
    // DDL is transactional in PostgreSQL: readers see the old tables until this commits.
    if (isNew && rebuild) await client.query(`DROP TABLE IF EXISTS ${q.chunks}, ${q.documents}, ${q.meta}`);
    if (isNew) await createTables(client, tables, dimension);
    const touched = ops.map((op) => op.docId).filter((id) => store.getDocument(id) !== undefined);
    // The chunks go with their documents (ON DELETE CASCADE).
    if (touched.length > 0) await client.query(`DELETE FROM ${q.documents} WHERE doc_id = ANY($1::text[])`, [touched]);

    const puts = ops.filter((op): op is Extract<Operation, { kind: 'put' }> => op.kind === 'put');
    for (let i = 0; i < puts.length; i += INSERT_BATCH_ROWS) {
      const batch = puts.slice(i, i + INSERT_BATCH_ROWS);
      const params: unknown[] = [];
      const values = batch.map(({ doc }) => {
        const at = params.length;
        params.push(doc.docId, doc.source, doc.origin, doc.format, doc.title ?? null, doc.contentHash, JSON.stringify(doc.chunkIds));
        return `(${[1, 2, 3, 4, 5, 6].map((n) => `$${at + n}`).join(', ')}, $${at + 7}::jsonb)`;
      });
      await client.query(
        `INSERT INTO ${q.documents} (doc_id, source, origin, format, title, content_hash, chunk_ids) VALUES ${values.join(', ')}`,
        params,
      );
    }
    let rows: Array<{ chunk: Chunk; vector: Float32Array }> = [];
    const flush = async (): Promise<void> => {
      if (rows.length === 0) return;
      const params: unknown[] = [];
      const values = rows.map(({ chunk, vector }) => {
        const at = params.length;
        params.push(chunk.id, chunk.docId, chunk.index, chunk.text, JSON.stringify(metadataOf(chunk)), vectorLiteral(normalized(vector)));
        return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}::jsonb, $${at + 6}::vector)`;
      });
      await client.query(`INSERT INTO ${q.chunks} (id, doc_id, ord, text, metadata, embedding) VALUES ${values.join(', ')}`, params);
      rows = [];
    };
    let added = 0;
    for (const put of puts) {
      for (let i = 0; i < put.chunks.length; i++) {
        rows.push({ chunk: put.chunks[i]!, vector: put.vectors[i]! });
        if (rows.length >= INSERT_BATCH_ROWS) await flush();
      }
      added += put.chunks.length;
    }
    await flush();

    // A new table gets its HNSW index after the bulk load: building once is much faster than
    // maintaining the graph row by row.
    if (isNew) {
      await client.query(
        `CREATE INDEX ${q.hnswIndex} ON ${q.chunks} USING hnsw ((${annExpression('embedding', dimension)}) ${annOperatorClass(dimension)}) WITH (m = ${before.hnsw.M}, ef_construction = ${before.hnsw.efConstruction})`,
      );
    }

    let removed = 0;
    for (const id of touched) removed += store.getDocument(id)!.chunkIds.length;
    let documents = store.documentCount - touched.length + puts.length;
    const chunks = before.counts.chunks - removed + added;
    const now = new Date();
    const info: PgIndexInfo = {
      ...before,
      generation: before.generation + 1,
      updatedAt: now.toISOString(),
      counts: { documents, chunks },
    };
    if (isNew) {
      await client.query(
        `INSERT INTO ${q.meta} (format_version, generation, created_at, updated_at, model, model_fingerprint, chunking, hnsw, documents, chunks, corpus_stats)
         VALUES ($1, $2, $3, $3, $4::jsonb, $5, $6::jsonb, $7::jsonb, $8, $9, $10)`,
        [PG_FORMAT_VERSION, info.generation, now, JSON.stringify(info.model), info.modelFingerprint, JSON.stringify(info.chunking), JSON.stringify(info.hnsw), documents, chunks, stats ?? null],
      );
    } else {
      await client.query(
        `UPDATE ${q.meta} SET format_version = $1, generation = $2, updated_at = $3, documents = $4, chunks = $5, corpus_stats = coalesce($6, corpus_stats)`,
        [PG_FORMAT_VERSION, info.generation, now, documents, chunks, stats ?? null],
      );
    }
    // Counted in the same transaction, so a bug in the arithmetic above cannot commit a lie.
    const counted = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${q.documents}`);
    documents = Number(counted.rows[0]?.n);
    if (documents !== info.counts.documents) throw new Error(`document count mismatch: ${documents} rows, expected ${info.counts.documents}`);
    crashPoint();
    await client.query('COMMIT');
    store.applyCommitted(ops, stats, info);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Crash tests kill the writer just before COMMIT (`RAG_TEST_CRASH_AT=pg-before-commit`). */
function crashPoint(): void {
  if (process.env['RAG_TEST_CRASH_AT'] === 'pg-before-commit') process.kill(process.pid, 'SIGKILL');
}

