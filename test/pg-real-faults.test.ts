/**
 * A real PostgreSQL 15 server (test/helpers/pg-cluster.ts) dying under rag: `pg_ctl stop -m
 * immediate` during an ingest, during queries, and while an index is open in this process. Each
 * must end in one clear line with exit code 2, nothing half-committed, and the next run resumes.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { RagError } from '../src/errors.js';
import { HashEmbedder } from '../src/embed/hash.js';
import { PgIndex } from '../src/store/pg/pg-index.js';
import { collect, runCli, spawnCli, tempDir, type CliResult } from './helpers/cli.js';
import { pgSkip, startPgCluster, type PgCluster } from './helpers/pg-cluster.js';
import { writeCorpus } from './helpers/pg-corpus.js';

const skip = pgSkip();
let cluster: PgCluster;
let work: string;

const UNREACHABLE = /^rag: (PostgreSQL at 127\.0\.0\.1:\d+ (closed the connection|shut down|is starting up or shutting down)|cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ \(connection refused\))/;

function oneErrorLine(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit ${result.code} / ${result.signal}: ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((l) => l.startsWith('rag:'));
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at |Unhandled|uncaught/i, 'no stack or unhandled error');
}

async function counts(table: string): Promise<{ documents: number; chunks: number; metaDocuments: number; metaChunks: number; listed: number }> {
  const [row] = await cluster.sql<Record<string, string>>(
    `SELECT (SELECT count(*) FROM "${table}_documents") AS documents, (SELECT count(*) FROM "${table}") AS chunks,
            (SELECT documents FROM "${table}_meta") AS meta_documents, (SELECT chunks FROM "${table}_meta") AS meta_chunks,
            (SELECT coalesce(sum(jsonb_array_length(chunk_ids)), 0) FROM "${table}_documents") AS listed`,
  );
  return { documents: Number(row!['documents']), chunks: Number(row!['chunks']), metaDocuments: Number(row!['meta_documents']), metaChunks: Number(row!['meta_chunks']), listed: Number(row!['listed']) };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

before(async () => {
  if (skip) return;
  cluster = await startPgCluster();
  work = await tempDir('pgc-fault');
});
after(async () => {
  await cluster?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('real PostgreSQL: the server dies mid-command', { skip }, () => {
  // A failed test must not leave the server down for the next one.
  afterEach(() => cluster.start());

  test('server stopped (immediate) during an ingest: one line, exit 2, whole commits only; the next ingest resumes', async (t) => {
    const dir = path.join(work, 'crash');
    const batch = 10;
    const total = 150;
    await writeCorpus(dir, { prefix: 'c', count: total });
    const url = cluster.url({ table: 'crash' });
    const args = ['ingest', dir, '--index', url, '--no-cache', '--commit-every', String(batch)];
    const child = spawnCli(args, { cwd: work });
    const result = collect(child, 180_000);
    // Crash once at least one batch is committed, while the rest is still being written.
    await waitFor('the first commit', async () => (await counts('crash')).documents >= batch);
    await cluster.crash();
    const crashed = await result;
    oneErrorLine(crashed, UNREACHABLE);
    t.diagnostic(crashed.stderr.split('\n').find((l) => l.startsWith('rag:'))!);
    await cluster.start();
    const after = await counts('crash');
    assert.equal(after.metaDocuments, after.documents);
    assert.equal(after.metaChunks, after.chunks);
    assert.equal(after.listed, after.chunks);
    assert.equal(after.documents % batch, 0, `${after.documents} documents: not whole ${batch}-document commits`);
    assert.ok(after.documents < total, 'the crash came before the end');
    const resumed = await runCli([...args, '--json'], { cwd: work });
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout) as { documents: { added: number; unchanged: number } };
    assert.equal(summary.documents.unchanged, after.documents, 'committed batches are kept');
    assert.equal(summary.documents.added, total - after.documents);
    const final = await counts('crash');
    assert.equal(final.documents, total);
    assert.equal(final.chunks, final.listed);
    assert.equal(final.metaChunks, final.chunks);
    const dupes = await cluster.sql<{ n: string }>('SELECT count(*) - count(DISTINCT id) AS n FROM crash');
    assert.equal(Number(dupes[0]!.n), 0);
  });

  test('queries while the server goes down and comes back: each fails in one line or succeeds', async (t) => {
    const url = cluster.url({ table: 'crash' });
    const results: CliResult[] = [];
    const loop = (async () => {
      for (let i = 0; i < 6; i++) results.push(await runCli(['query', 'zebramark index', '--mode', i % 2 ? 'bm25' : 'dense', '--index', url], { cwd: work }));
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cluster.crash();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await cluster.start();
    await loop;
    for (const r of results) {
      if (r.code === 0) assert.match(r.stdout, /zebramark/);
      else {
        oneErrorLine(r, UNREACHABLE);
        t.diagnostic(r.stderr.trim());
      }
    }
    const after = await runCli(['query', 'zebramark index', '--index', url], { cwd: work });
    assert.equal(after.code, 0, after.stderr);
  });

  test('an open index in this process: a restart between queries is a RagError, then the next query reconnects', async () => {
    const index = await PgIndex.open(cluster.url({ table: 'crash' }));
    const embedder = new HashEmbedder();
    try {
      const vector = await embedder.embedQuery('zebramark index');
      assert.equal((await index.searchVector(vector, 3)).length, 3);
      await cluster.crash();
      await assert.rejects(index.searchVector(vector, 3), (error: unknown) => error instanceof RagError && error.code === 'database-unreachable');
      await cluster.start();
      await waitFor('a query after the restart', async () => (await index.searchVector(vector, 3)).length === 3, 30_000);
    } finally {
      await index.close();
    }
  });
});
