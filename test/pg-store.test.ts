/**
 * The PostgreSQL + pgvector store against a real PostgreSQL-protocol server on 127.0.0.1
 * (PGlite + pgvector served by pglite-socket, behind a password front: test/helpers/pg-server.ts).
 * Behavioural tests run against both stores; the rest is what only PostgreSQL has (passwords,
 * connection errors, HNSW index and ef_search on the wire).
 */
import assert from 'node:assert/strict';
import { chmod, cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomUnits } from '../bench/random-vectors.js';
import { HashEmbedder } from '../src/embed/hash.js';
import { IngestInterruptedError } from '../src/ingest/interrupted.js';
import { ingest } from '../src/ingest/pipeline.js';
import { query } from '../src/retrieve/query.js';
import { IndexStore } from '../src/store/index-store.js';
import { writeIndex } from '../src/store/write-index.js';
import { type IndexInit } from '../src/store/transaction.js';
import { openIndex, writeAnyIndex } from '../src/store/open.js';
import { PgIndex } from '../src/store/pg/pg-index.js';
import type { IndexWriter } from '../src/store/reader.js';
import { collect, REPO, runCli, spawnCli, tempDir } from './helpers/cli.js';
import { closedPort, startPgServer, type PgTestServer } from './helpers/pg-server.js';

const PASSWORD = 'pg-s3cret-Ω';
const EN_DOCS = path.join(REPO, 'datasets', 'en-sample', 'docs');

let server: PgTestServer;
let work: string;
/** A URL with the password in it, for table `table`. */
const url = (table: string, extra = ''): string => server.url(table, extra).replace('postgres@', `postgres:${encodeURIComponent(PASSWORD)}@`);

before(async () => {
  server = await startPgServer({ password: PASSWORD });
  work = await tempDir('pg');
});
after(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** What an index holds, store-independent: documents with their chunk texts, and the chunk count. */
async function contents(location: string): Promise<unknown> {
  const reader = await openIndex(location);
  try {
    const docs: unknown[] = [];
    for (const doc of reader.documents()) {
      const chunks = await reader.chunksOf(doc);
      docs.push([doc.docId, doc.contentHash, chunks.map((c) => [c.id, c.text])]);
    }
    docs.sort((a, b) => String((a as unknown[])[0]).localeCompare(String((b as unknown[])[0])));
    return { docs, chunks: reader.chunkCount, documents: reader.documentCount, stats: reader.corpusStatistics()?.toString('base64') };
  } finally {
    await reader.close();
  }
}

async function docsFolder(name: string): Promise<string> {
  const dir = path.join(work, name);
  await cp(EN_DOCS, dir, { recursive: true });
  return dir;
}

/** The two stores: where an index named `name` lives in each. */
const STORES = [
  { store: 'files', location: (name: string) => path.join(work, `${name}.rag`) },
  { store: 'postgres', location: (name: string) => url(name) },
] as const;

const QUERIES = ['how do we rotate API keys', 'deploy rollback', 'vector database caching', 'on-call pager escalation'];

describe('both stores', () => {
  const answers = new Map<string, unknown[]>();

  for (const { store, location } of STORES) {
    test(`${store}: ingest then query (dense, bm25, hybrid)`, async () => {
      const docs = await docsFolder(`same-${store}`);
      const summary = await ingest({ paths: [docs], index: location('same'), cache: false });
      assert.equal(summary.documents.added, 18);
      assert.equal(summary.chunks.total, 96);
      const results: unknown[] = [];
      for (const mode of ['dense', 'bm25', 'hybrid'] as const) {
        for (const text of QUERIES) {
          const r = await query({ text, index: location('same'), k: 5, mode });
          assert.equal(r.results.length, 5);
          results.push(r.results.map((h) => ({ chunkId: h.chunkId, score: Number(h.score.toFixed(5)), text: h.text, headings: h.headings, start: h.start })));
        }
      }
      answers.set(store, results);
    });
  }

  test('the two stores return the same chunks with the same scores', () => {
    assert.ok(answers.get('files') && answers.get('postgres'), 'both ingest tests ran');
    assert.deepEqual(answers.get('postgres'), answers.get('files'));
  });

  for (const { store, location } of STORES) {
    test(`${store}: incremental ingest skips unchanged, replaces changed, removes deleted documents`, async () => {
      const docs = await docsFolder(`incr-${store}`);
      const index = location('incr');
      await ingest({ paths: [docs], index, cache: false });
      await writeFile(path.join(docs, 'security', 'key-rotation.md'), '# Key rotation\n\nRotate the zanzibar token every Tuesday.\n');
      const removed = (await readdir(path.join(docs, 'engineering')))[0]!;
      await rm(path.join(docs, 'engineering', removed));
      const again = await ingest({ paths: [docs], index, cache: false });
      assert.deepEqual(again.documents, { added: 0, updated: 1, unchanged: 16, removed: 1, skipped: 0, failed: 0 });
      assert.equal(again.chunks.embedded, 1);
      const reader = await openIndex(index);
      try {
        assert.equal(reader.documentCount, 17);
        assert.equal(reader.getDocument(`engineering/${removed}`), undefined);
        assert.equal(reader.chunkCount, again.chunks.total);
        const chunks = await reader.chunksOf(reader.getDocument('security/key-rotation.md')!);
        assert.deepEqual(chunks.map((c) => c.text), ['# Key rotation\n\nRotate the zanzibar token every Tuesday.']);
      } finally {
        await reader.close();
      }
      const hit = await query({ text: 'zanzibar token', index, k: 1 });
      assert.equal(hit.results[0]!.docId, 'security/key-rotation.md');
      const bm25 = await query({ text: 'zanzibar token', index, k: 1, mode: 'bm25' });
      assert.equal(bm25.results[0]!.docId, 'security/key-rotation.md');
    });

    test(`${store}: an index built with another model is refused in one line`, async () => {
      const docs = await docsFolder(`model-${store}`);
      const index = location('model');
      await ingest({ paths: [docs], index, cache: false });
      const shown = store === 'files' ? index : server.url('model');
      const r = await runCli(['query', 'keys', '--index', index, '--model', 'bge-small-zh'], { cwd: work });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `rag: index ${shown} was built with model hash, not bge-small-zh; use --model hash or ingest into another --index\n`);
      const other = new HashEmbedder({ dimension: 1024 });
      await assert.rejects(ingest({ paths: [docs], index, model: other, cache: false }), {
        name: 'RagError',
        message: new RegExp(`^index ${escape(shown)} was built with hash under other settings`),
      });
    });

    test(`${store}: a document that fails to load keeps its previous version`, async () => {
      const docs = await docsFolder(`fail-${store}`);
      const index = location('fail');
      await writeFile(path.join(docs, 'memo.docx'), await (await import('./helpers/make-docx.js')).makeDocx(['The quokka memo says hello.']));
      const first = await ingest({ paths: [docs], index, cache: false });
      assert.equal(first.documents.added, 19);
      await writeFile(path.join(docs, 'memo.docx'), 'this is not a zip file');
      const second = await ingest({ paths: [docs], index, cache: false });
      assert.equal(second.documents.failed, 1);
      assert.equal(second.documents.removed, 0);
      const r = await query({ text: 'quokka memo', index, k: 1 });
      assert.equal(r.results[0]!.docId, 'memo.docx');
      assert.match(r.results[0]!.text, /quokka memo says hello/);
    });

    test(`${store}: batch commits survive an interrupt, and the re-run converges to one uninterrupted ingest`, async () => {
      const docs = await docsFolder(`batch-${store}`);
      const index = location('batch');
      const controller = new AbortController();
      let commits = 0;
      await assert.rejects(
        ingest({
          paths: [docs],
          index,
          cache: false,
          commitEvery: { documents: 5 },
          signal: controller.signal,
          onEvent: (e) => {
            if (e.type === 'committed' && ++commits === 2) controller.abort();
          },
        }),
        (error: unknown) => error instanceof IngestInterruptedError && error.committedDocuments === 10,
      );
      const partial = await openIndex(index);
      try {
        assert.equal(partial.documentCount, 10);
      } finally {
        await partial.close();
      }
      const rest = await ingest({ paths: [docs], index, cache: false, commitEvery: { documents: 5 } });
      assert.deepEqual([rest.documents.added, rest.documents.unchanged], [8, 10]);
      const clean = await ingest({ paths: [docs], index: location('batch_clean'), cache: false });
      assert.deepEqual(await contents(index), await contents(location('batch_clean')));
      assert.equal(rest.chunks.total, clean.chunks.total);
    });

    test(`${store}: --rebuild starts from nothing and ends equal to a clean ingest`, async () => {
      const docs = await docsFolder(`rebuild-${store}`);
      const index = location('rebuild');
      await ingest({ paths: [docs], index, cache: false });
      await rm(path.join(docs, 'security'), { recursive: true });
      const other = await docsFolder(`rebuild-other-${store}`);
      await ingest({ paths: [other], index, cache: false });
      const rebuilt = await ingest({ paths: [docs], index, cache: false, rebuild: true });
      assert.equal(rebuilt.documents.removed, 0);
      assert.equal(rebuilt.documents.unchanged, 0);
      await ingest({ paths: [docs], index: location('rebuild_clean'), cache: false });
      assert.deepEqual(await contents(index), await contents(location('rebuild_clean')));
    });
  }
});

describe('postgres store', () => {
  test('a writer killed before COMMIT leaves the previous index', async () => {
    const docs = await docsFolder('crash');
    const index = url('crash');
    await ingest({ paths: [docs], index, cache: false });
    await writeFile(path.join(docs, 'security', 'key-rotation.md'), '# Changed\n\nNew text about walruses.\n');
    const child = spawnCli(['ingest', docs, '--index', index, '--no-cache'], { cwd: work, env: { RAG_TEST_CRASH_AT: 'pg-before-commit' } });
    const r = await collect(child);
    assert.equal(r.signal, 'SIGKILL');
    const reader = await openIndex(index);
    try {
      assert.equal(reader.documentCount, 18);
      const chunks = await reader.chunksOf(reader.getDocument('security/key-rotation.md')!);
      assert.ok(!chunks.some((c) => c.text.includes('walruses')));
    } finally {
      await reader.close();
    }
    // The next ingest takes the advisory lock again and applies the change.
    const after = await ingest({ paths: [docs], index, cache: false, lockTimeoutMs: 5000 });
    assert.equal(after.documents.updated, 1);
  });

  test('d <= 2000: an HNSW index (vector_cosine_ops, m, ef_construction) and ef_search set per query', async () => {
    const dim = 48;
    const vectors = randomUnits(300, dim, 7);
    const init: IndexInit = {
      model: { id: 'test-vectors', provider: 'builtin', name: 'random', dimension: dim, normalize: true },
      modelFingerprint: 'f00dfeed',
      chunking: { chunkSize: 100, chunkOverlap: 0, lengthUnit: 'characters' },
      hnsw: { M: 12, efConstruction: 64 },
    };
    const fill = async (tx: IndexWriter): Promise<void> => {
      vectors.forEach((v, i) => {
        const id = `d${i}`;
        const chunk = { id: `${id}#0`, docId: id, index: 0, text: `text ${i}`, page: null, start: 0, end: 6, headings: [] };
        tx.putDocument({ docId: id, source: id, origin: 'test', format: 'text', contentHash: `h${i}`, chunkIds: [chunk.id] }, [chunk], [v]);
      });
    };
    await writeAnyIndex(url('vec'), init, fill);
    const filesDir = path.join(work, 'vec.rag');
    await writeIndex(filesDir, init, fill);
    const defs = await server.db.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE tablename = 'vec' AND indexdef LIKE '%hnsw%'");
    assert.equal(defs.rows.length, 1);
    assert.match(defs.rows[0]!.indexdef, /USING hnsw \(embedding vector_cosine_ops\) WITH \(m='?12'?, ef_construction='?64'?\)/);

    const pg = await PgIndex.open(url('vec'));
    const files = await IndexStore.open(filesDir);
    try {
      assert.equal(pg.hasHnswIndex, true);
      const queries = randomUnits(20, dim, 99);
      let found = 0;
      for (const q of queries) {
        const exact = files.search(q, 10, { exact: true }).map((h) => h.chunk.id);
        const hits = await pg.searchVector(q, 10);
        found += hits.filter((h) => exact.includes(h.chunk.id)).length;
        const top = hits[0]!;
        assert.ok(Math.abs(top.similarity - files.search(q, 1, { exact: true })[0]!.similarity) < 1e-5 || !exact.includes(top.chunk.id));
      }
      assert.ok(found / 200 >= 0.95, `recall@10 ${found / 200}`);
      const before = server.clientTraffic().length;
      await pg.searchVector(queries[0]!, 7);
      await pg.searchVector(queries[0]!, 7, { ef: 40 });
      const sent = server.clientTraffic().slice(before);
      // efFor(7, 300) = 128; an explicit ef wins.
      assert.match(sent, /SET LOCAL hnsw\.ef_search = 128\0[\s\S]*SET LOCAL hnsw\.ef_search = 40\0/);
    } finally {
      await pg.close();
    }
  });

  test('k above the ef_search cap of pgvector (1000): an exact scan returns all k, in order', async () => {
    const dim = 8;
    const vectors = randomUnits(1100, dim, 3);
    const init: IndexInit = {
      model: { id: 'test-vectors-8', provider: 'builtin', name: 'random', dimension: dim, normalize: true },
      modelFingerprint: 'f00d0008',
      chunking: { chunkSize: 100, chunkOverlap: 0, lengthUnit: 'characters' },
    };
    const fill = async (tx: IndexWriter): Promise<void> => {
      vectors.forEach((v, i) => {
        const chunk = { id: `d${i}#0`, docId: `d${i}`, index: 0, text: `t${i}`, page: null, start: 0, end: 2, headings: [] };
        tx.putDocument({ docId: `d${i}`, source: `d${i}`, origin: 'test', format: 'text', contentHash: `h${i}`, chunkIds: [chunk.id] }, [chunk], [v]);
      });
    };
    await writeAnyIndex(url('many'), init, fill);
    const filesDir = path.join(work, 'many.rag');
    await writeIndex(filesDir, init, fill);
    const pg = await PgIndex.open(url('many'));
    const files = await IndexStore.open(filesDir);
    try {
      const q = randomUnits(1, dim, 5)[0]!;
      const before = server.clientTraffic().length;
      const hits = await pg.searchVector(q, 1050);
      assert.match(server.clientTraffic().slice(before), /SET LOCAL enable_indexscan = off\0/);
      assert.deepEqual(
        hits.map((h) => h.chunk.id),
        files.search(q, 1050, { exact: true }).map((h) => h.chunk.id),
      );
    } finally {
      await pg.close();
    }
  });

  test('4096-d hash vectors: an HNSW index over the halfvec of the first 4000 dimensions, no warning', async () => {
    const docs = await docsFolder('wide');
    const summary = await ingest({ paths: [docs], index: url('wide'), cache: false });
    assert.deepEqual(summary.warnings, []);
    const defs = await server.db.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE tablename = 'wide' AND indexdef LIKE '%hnsw%'");
    assert.equal(defs.rows.length, 1);
    assert.match(defs.rows[0]!.indexdef, /halfvec\(4000\)\) halfvec_cosine_ops/);
    // Recall against the exact scan is measured on the real server (test/pg-real-ann.test.ts).
  });

  test('the password never appears in output, --json or eval reports', async () => {
    const docs = await docsFolder('secret');
    const runs = [
      await runCli(['ingest', docs, '--index', url('secret'), '--json'], { cwd: work }),
      await runCli(['ingest', docs, '--index', url('secret')], { cwd: work }),
      await runCli(['query', 'rotate keys', '--index', url('secret'), '--json'], { cwd: work }),
      await runCli(['query', 'rotate keys', '--index', url('secret'), '--mode', 'hybrid'], { cwd: work }),
      await runCli(['query', 'x', '--index', url('nosuch')], { cwd: work }),
    ];
    for (const r of runs) {
      assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), r.stdout + r.stderr);
      assert.ok(!r.stdout.includes(encodeURIComponent(PASSWORD)) && !r.stderr.includes(encodeURIComponent(PASSWORD)));
    }
    assert.deepEqual(runs.map((r) => r.code), [0, 0, 0, 0, 2]);
    assert.equal(JSON.parse(runs[0]!.stdout).index, server.url('secret'));
    assert.equal(JSON.parse(runs[2]!.stdout).index, server.url('secret'));
    assert.equal(runs[4]!.stderr, `rag: no index at ${server.url('nosuch')}: run \`rag ingest <paths>\` first\n`);
  });

  test('eval --index postgres:// and --index DIR: same metrics, tables and folders removed afterwards, no password in the reports', async () => {
    const dataset = path.join(REPO, 'datasets', 'en-sample');
    const out = path.join(work, 'eval-pg');
    const pg = await runCli(['eval', '--dataset', dataset, '--mode', 'dense', '--mode', 'bm25', '--index', url('ev'), '--out', out, '--json', '--no-cache'], {
      cwd: work,
      timeoutMs: 120_000,
    });
    assert.equal(pg.code, 0, pg.stderr);
    const evalDir = path.join(work, 'eval-indexes');
    const files = await runCli(
      ['eval', '--dataset', dataset, '--mode', 'dense', '--mode', 'bm25', '--index', evalDir, '--out', path.join(work, 'eval-files'), '--json', '--no-cache'],
      { cwd: work, timeoutMs: 120_000 },
    );
    assert.equal(files.code, 0, files.stderr);
    assert.deepEqual(await readdir(evalDir), []);
    const metrics = (stdout: string): unknown => (JSON.parse(stdout) as { runs: Array<{ metrics: unknown }> }).runs.map((r) => r.metrics);
    assert.deepEqual(metrics(pg.stdout), metrics(files.stdout));
    const left = await server.db.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'ev%'");
    assert.deepEqual(left.rows, []);
    for (const name of await readdir(out)) {
      const text = await readFile(path.join(out, name), 'utf8');
      assert.ok(!text.includes(PASSWORD) && !text.includes(encodeURIComponent(PASSWORD)), name);
    }
  });

  test('password from PGPASSWORD and from ~/.pgpass (600 only); a wrong one is one line, exit 2', async () => {
    const docs = await docsFolder('auth');
    const bare = server.url('auth');
    const env = { PGPASSWORD: PASSWORD };
    const first = await runCli(['ingest', docs, '--index', bare], { cwd: work, env });
    assert.equal(first.code, 0, first.stderr);

    const home = path.join(work, 'home');
    await mkdir(home, { recursive: true });
    const pgpass = path.join(home, '.pgpass');
    const line = `# comment\n127.0.0.1:${server.port + 1}:*:*:not-this-one\n127.0.0.1:${server.port}:postgres:postgres:${PASSWORD.replace(/:/g, '\\:')}\n`;
    await writeFile(pgpass, line, { mode: 0o600 });
    await chmod(pgpass, 0o600);
    const fromFile = await runCli(['query', 'rotate keys', '--index', bare, '-k', '1'], { cwd: work, env: { HOME: home, PGPASSWORD: undefined } });
    assert.equal(fromFile.code, 0, fromFile.stderr);

    await chmod(pgpass, 0o644);
    const insecure = await runCli(['query', 'rotate keys', '--index', bare], { cwd: work, env: { HOME: home, PGPASSWORD: undefined } });
    assert.equal(insecure.code, 2);
    assert.equal(
      insecure.stderr,
      `rag: PostgreSQL at 127.0.0.1:${server.port} asks for a password for user postgres; ${pgpass} was ignored because group or others can read it: chmod 600 it\n`,
    );
    await rm(pgpass);
    const none = await runCli(['query', 'rotate keys', '--index', bare], { cwd: work, env: { HOME: home, PGPASSWORD: undefined } });
    assert.equal(none.code, 2);
    assert.equal(none.stderr, `rag: PostgreSQL at 127.0.0.1:${server.port} asks for a password for user postgres; put it in the URL, PGPASSWORD or ~/.pgpass\n`);

    const wrong = await runCli(['query', 'rotate keys', '--index', bare.replace('postgres@', 'postgres:nope@')], { cwd: work });
    assert.equal(wrong.code, 2);
    assert.equal(wrong.stderr, `rag: PostgreSQL at 127.0.0.1:${server.port} rejected the password for user postgres; check the URL, PGPASSWORD or ~/.pgpass\n`);
  });

  test('server down, TLS refused, a foreign table, a bad table name: one line each, exit 2', async () => {
    const port = await closedPort();
    const down = await runCli(['query', 'x', '--index', `postgres://me:${PASSWORD}@127.0.0.1:${port}/db?table=t`], { cwd: work });
    assert.equal(down.code, 2);
    assert.equal(down.stderr, `rag: cannot connect to PostgreSQL at 127.0.0.1:${port} (connection refused): is the server running, and on that port?\n`);

    const tls = await runCli(['query', 'x', '--index', url('t', '&sslmode=require')], { cwd: work });
    assert.equal(tls.code, 2);
    assert.equal(tls.stderr, `rag: PostgreSQL at 127.0.0.1:${server.port} does not accept TLS connections; use sslmode=disable in --index, or enable TLS on the server\n`);

    await server.db.exec('CREATE TABLE customers (id int)');
    const foreign = await runCli(['ingest', EN_DOCS, '--index', url('customers')], { cwd: work });
    assert.equal(foreign.code, 2);
    assert.equal(foreign.stderr, `rag: table customers in ${server.url('customers')} exists and is not a rag index; choose another table=NAME\n`);

    const bad = await runCli(['query', 'x', '--index', url('Robert"; DROP TABLE x')], { cwd: work });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^rag: --index postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?table=\S+: table "Robert\"; DROP TABLE x" must be a lowercase identifier \(letters, digits, _; at most 48 characters\)\n$/);
    assert.ok(!bad.stderr.includes(PASSWORD));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
