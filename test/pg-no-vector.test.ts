/**
 * A PostgreSQL server without pgvector (PGlite started without the extension, on 127.0.0.1):
 * ingest says so in one line, and leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO, runCli, tempDir } from './helpers/cli.js';
import { startPgServer, type PgTestServer } from './helpers/pg-server.js';

let server: PgTestServer;
let work: string;

before(async () => {
  server = await startPgServer({ pgvector: false });
  work = await tempDir('pg-novector');
});
after(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test('no pgvector extension: ingest fails in one line (exit 2) and creates no table', async () => {
  const r = await runCli(['ingest', path.join(REPO, 'datasets', 'en-sample', 'docs'), '--index', server.url('docs')], { cwd: work });
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    new RegExp(
      `^rag: pgvector is not available in postgres://postgres@127\\.0\\.0\\.1:${server.port}/postgres\\?table=docs \\(CREATE EXTENSION vector: [^\\n]+\\); install pgvector on the server or ask your provider to enable it\\n$`,
    ),
  );
  assert.equal(r.stdout, '');
  const tables = await server.db.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'docs%'");
  assert.deepEqual(tables.rows, []);
});

test('no pgvector extension: query says there is no index', async () => {
  const r = await runCli(['query', 'keys', '--index', server.url('docs')], { cwd: work });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `rag: no index at ${server.url('docs')}: run \`rag ingest <paths>\` first\n`);
});
