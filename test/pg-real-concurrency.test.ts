/**
 * Writers and readers on a real PostgreSQL 15 + pgvector server (test/helpers/pg-cluster.ts),
 * as separate `rag` processes: what PGlite's single shared session cannot show. Skips with a
 * reason when no server binaries are installed (fails instead under RAG_REQUIRE_PG=1).
 */
import assert from 'node:assert/strict';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PgIndex } from '../src/store/pg/pg-index.js';
import { collect, REPO, runCli, spawnCli, tempDir, type CliResult } from './helpers/cli.js';
import { pgSkip, startPgCluster, type PgCluster } from './helpers/pg-cluster.js';
import { writeCorpus } from './helpers/pg-corpus.js';

const skip = pgSkip();
let cluster: PgCluster;
let work: string;

/** Counts straight from the server, read in one snapshot. */
async function tableCounts(table: string): Promise<{ documents: number; chunks: number; metaDocuments: number; metaChunks: number; distinctIds: number; listed: number }> {
  const client = await cluster.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const one = async (sql: string): Promise<number> => Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
    const result = {
      documents: await one(`SELECT count(*) AS n FROM "${table}_documents"`),
      chunks: await one(`SELECT count(*) AS n FROM "${table}"`),
      metaDocuments: await one(`SELECT documents AS n FROM "${table}_meta"`),
      metaChunks: await one(`SELECT chunks AS n FROM "${table}_meta"`),
      distinctIds: await one(`SELECT count(DISTINCT id) AS n FROM "${table}"`),
      listed: await one(`SELECT coalesce(sum(jsonb_array_length(chunk_ids)), 0) AS n FROM "${table}_documents"`),
    };
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end();
  }
}

function assertConsistent(counts: Awaited<ReturnType<typeof tableCounts>>): void {
  assert.equal(counts.metaDocuments, counts.documents, 'meta row documents = rows');
  assert.equal(counts.metaChunks, counts.chunks, 'meta row chunks = rows');
  assert.equal(counts.distinctIds, counts.chunks, 'no duplicated chunk');
  assert.equal(counts.listed, counts.chunks, 'every listed chunk id has a row');
}

function ok(result: CliResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed (${result.code}): ${result.stderr}`);
}

before(async () => {
  if (skip) return;
  cluster = await startPgCluster();
  work = await tempDir('pgc-conc');
});
after(async () => {
  await cluster?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('real PostgreSQL: concurrency', { skip }, () => {
  test('two rag ingest processes into one table at once are serialised: both finish, nothing lost or duplicated', async () => {
    const a = path.join(work, 'two-a');
    const b = path.join(work, 'two-b');
    await writeCorpus(a, { prefix: 'a', count: 120 });
    await writeCorpus(b, { prefix: 'b', count: 80, seed: 11 });
    const url = cluster.url({ table: 'two' });
    const args = (dir: string): string[] => ['ingest', dir, '--index', url, '--json', '--no-cache', '--lock-timeout', '300'];
    const [ra, rb] = await Promise.all([
      collect(spawnCli(args(a), { cwd: work }), 300_000),
      collect(spawnCli(args(b), { cwd: work }), 300_000),
    ]);
    ok(ra, 'ingest a');
    ok(rb, 'ingest b');
    const sa = JSON.parse(ra.stdout) as { documents: { added: number }; chunks: { embedded: number; total: number } };
    const sb = JSON.parse(rb.stdout) as { documents: { added: number }; chunks: { embedded: number; total: number } };
    assert.equal(sa.documents.added, 120);
    assert.equal(sb.documents.added, 80);
    const counts = await tableCounts('two');
    assertConsistent(counts);
    assert.equal(counts.documents, 200);
    assert.equal(counts.chunks, sa.chunks.embedded + sb.chunks.embedded);
    // Serialised: whichever ran second saw the first one's chunks already in the table.
    const totals = [sa.chunks.total, sb.chunks.total].sort((x, y) => x - y);
    assert.equal(totals[1], counts.chunks);
    assert.ok(totals[0] === sa.chunks.embedded || totals[0] === sb.chunks.embedded, `first writer saw only its own chunks: ${totals[0]}`);
  });

  test('an ingest waiting on another writer\'s lock gives up after --lock-timeout with the documented message', async () => {
    const dir = path.join(work, 'locked');
    await writeCorpus(dir, { prefix: 'l', count: 5 });
    const url = cluster.url({ table: 'locked' });
    ok(await runCli(['ingest', dir, '--index', url, '--no-cache'], { cwd: work }), 'first ingest');
    // Another writer (a long `rag ingest` elsewhere) holds the table's advisory lock.
    const holder = await cluster.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(x'726167'::int, hashtext('locked'))");
      await writeCorpus(dir, { prefix: 'm', count: 3 });
      const blocked = await runCli(['ingest', dir, '--index', url, '--no-cache', '--lock-timeout', '1'], { cwd: work });
      assert.equal(blocked.code, 2, blocked.stderr);
      assert.match(blocked.stderr, /^rag: index postgres:\/\/rag@127\.0\.0\.1:\d+\/rag\?table=locked is locked by another rag ingest \(a PostgreSQL advisory lock on locked\); wait for it to finish/m);
      assert.equal(blocked.stderr.trim().split('\n').filter((l) => l.startsWith('rag:')).length, 1);
    } finally {
      await holder.end();
    }
    const counts = await tableCounts('locked');
    assertConsistent(counts);
    assert.equal(counts.documents, 5, 'the timed-out ingest wrote nothing');
    // Once the holder is gone, the same command goes through.
    ok(await runCli(['ingest', dir, '--index', url, '--no-cache', '--lock-timeout', '1'], { cwd: work }), 'ingest after the lock is free');
    assert.equal((await tableCounts('locked')).documents, 8);
  });

  test('readers (rag query, dense and bm25) during ingest commits see whole commits only', async () => {
    const dir = path.join(work, 'rw');
    const batch = 10;
    await writeCorpus(dir, { prefix: 'r', count: 60, version: 1 });
    const url = cluster.url({ table: 'rw' });
    ok(await runCli(['ingest', dir, '--index', url, '--no-cache', '--commit-every', String(batch)], { cwd: work }), 'initial ingest');
    // Rewrite every document (version 2) and add 40; the re-ingest commits every `batch` documents.
    await writeCorpus(dir, { prefix: 'r', count: 100, version: 2 });
    const writer = collect(spawnCli(['ingest', dir, '--index', url, '--no-cache', '--commit-every', String(batch)], { cwd: work }), 300_000);
    let writing = true;
    void writer.finally(() => (writing = false));
    const seen = new Set<string>();
    let readers = 0;
    let sqlChecks = 0;
    const sqlLoop = (async () => {
      while (writing) {
        assertConsistent(await tableCounts('rw'));
        sqlChecks++;
      }
    })();
    while (writing || readers < 4) {
      const mode = readers % 2 === 0 ? 'bm25' : 'dense';
      const result = await runCli(['query', 'zebramark vtag1 vtag2', '--mode', mode, '-k', '100000', '--json', '--index', url], { cwd: work, timeoutMs: 120_000 });
      ok(result, `rag query --mode ${mode}`);
      readers++;
      const hits = (JSON.parse(result.stdout) as { results: Array<{ docId: string; chunkId: string; text: string }> }).results;
      const versions = new Map<string, Set<string>>();
      for (const hit of hits) {
        for (const v of hit.text.match(/vtag\d/g) ?? []) {
          const set = versions.get(hit.docId) ?? new Set<string>();
          set.add(v);
          versions.set(hit.docId, set);
        }
      }
      for (const [doc, set] of versions) assert.equal(set.size, 1, `${doc} mixes versions ${[...set].join(', ')} in one answer`);
      assert.equal(new Set(hits.map((h) => h.chunkId)).size, hits.length, 'no chunk twice');
      if (mode === 'bm25') {
        // Every chunk contains the marker, so BM25 returns them all: whole batches of documents.
        const changed = [...versions.values()].filter((set) => set.has('vtag2')).length;
        assert.equal(changed % batch, 0, `saw ${changed} rewritten documents, not a whole number of ${batch}-document commits`);
        seen.add(`${versions.size}:${changed}`);
      }
    }
    await sqlLoop;
    ok(await writer, 're-ingest');
    const counts = await tableCounts('rw');
    assertConsistent(counts);
    assert.equal(counts.documents, 100);
    assert.ok(readers >= 4 && sqlChecks >= 1, `${readers} CLI readers, ${sqlChecks} snapshot checks ran`);
  });

  test('an index opened before a commit streams its chunks (BM25) from one commit, with matching documents', async () => {
    const dir = path.join(work, 'stale');
    await writeCorpus(dir, { prefix: 's', count: 12, version: 1 });
    const url = cluster.url({ table: 'stale' });
    ok(await runCli(['ingest', dir, '--index', url, '--no-cache'], { cwd: work }), 'ingest v1');
    const reader = await PgIndex.open(url);
    try {
      const oldHashes = new Map([...reader.documents()].map((d) => [d.docId, d.contentHash]));
      await writeCorpus(dir, { prefix: 's', count: 12, version: 2 });
      ok(await runCli(['ingest', dir, '--index', url, '--no-cache'], { cwd: work }), 'ingest v2');
      const seen = new Map<string, { hash: string; texts: string[] }>();
      for await (const { chunk, document } of reader.allChunks()) {
        const entry = seen.get(document.docId) ?? { hash: document.contentHash, texts: [] };
        entry.texts.push(chunk.text);
        seen.set(document.docId, entry);
      }
      assert.equal(seen.size, 12);
      for (const [docId, { hash, texts }] of seen) {
        assert.notEqual(hash, oldHashes.get(docId), `${docId}: the document is the new commit's`);
        for (const text of texts) assert.match(text, /vtag2/, `${docId}: its chunks are the new commit's`);
        assert.equal(texts.length, reader.getDocument(docId)!.chunkIds.length, `${docId}: all its chunks`);
      }
    } finally {
      await reader.close();
    }
  });

  test('two rag eval --index postgres runs on the same table= at once both finish with the same scores', async () => {
    const dataset = path.join(work, 'en-sample');
    await cp(path.join(REPO, 'datasets', 'en-sample'), dataset, { recursive: true });
    const url = cluster.url({ table: 'ev' });
    const args = ['eval', '--dataset', dataset, '--mode', 'dense', '--mode', 'bm25', '--index', url, '--json', '--no-cache'];
    const [one, two] = await Promise.all([
      collect(spawnCli(args, { cwd: work }), 300_000),
      collect(spawnCli(args, { cwd: work }), 300_000),
    ]);
    ok(one, 'eval 1');
    ok(two, 'eval 2');
    const scores = (r: CliResult): unknown =>
      (JSON.parse(r.stdout) as { runs: Array<{ mode: string; metrics: unknown }> }).runs.map((run) => [run.mode, run.metrics]);
    assert.deepEqual(scores(one), scores(two));
    const left = await cluster.sql<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE tablename LIKE 'ev\\_%'");
    assert.equal(Number(left[0]!.n), 0, 'eval dropped its tables');
  });
});
