/**
 * Logging in to a real PostgreSQL 15 server (test/helpers/pg-cluster.ts): SCRAM-SHA-256 with the
 * password in the URL, PGPASSWORD or ~/.pgpass; TLS with sslmode=require and verify-full against
 * a CA made by the test; the one-line errors (wrong password, refused connection, missing
 * database, no pgvector privilege, another model); a SELECT-only role; and that the password is
 * never printed or stored anywhere rag writes.
 */
import assert from 'node:assert/strict';
import { chmod, cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPool, endPool } from '../src/store/pg/connect.js';
import { parsePgLocation } from '../src/store/pg/location.js';
import { REPO, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { closedPort } from './helpers/pg-server.js';
import { DEFAULT_PASSWORD, pgSkip, startPgCluster, type PgCluster } from './helpers/pg-cluster.js';

const skip = pgSkip();
const PASSWORD = DEFAULT_PASSWORD;
const READER_PASSWORD = 'read-Only:pw@9';
const EN = path.join(REPO, 'datasets', 'en-sample');
let cluster: PgCluster;
let work: string;
let docs: string;
/** Every CLI result and file rag wrote in this file, searched for the passwords at the end. */
const outputs: string[] = [];

async function rag(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const result = await runCli(args, { cwd: work, env: { PGPASSWORD: undefined, PGPASSFILE: undefined, ...env } });
  outputs.push(result.stdout, result.stderr);
  return result;
}

function okRun(result: CliResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed (${result.code}): ${result.stderr}`);
}

/** Exit 2 and exactly one `rag:` line on stderr, matching `pattern`, and no stack trace. */
function oneLine(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code ${result.code}: ${result.stderr}`);
  // Progress lines (`model: hash`) may come before; the error itself is one `rag:` line.
  const lines = result.stderr.split('\n').filter((l) => l.startsWith('rag:'));
  assert.equal(lines.length, 1, `one line, got: ${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

before(async () => {
  if (skip) return;
  cluster = await startPgCluster();
  work = await tempDir('pgc-auth');
  docs = path.join(work, 'docs');
  await cp(path.join(EN, 'docs'), docs, { recursive: true });
});
after(async () => {
  await cluster?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('real PostgreSQL: passwords, TLS and one-line errors', { skip }, () => {
  test('SCRAM-SHA-256 with the password in the URL: ingest, then query', async () => {
    const stored = await cluster.sql<{ p: string }>("SELECT rolpassword AS p FROM pg_authid WHERE rolname = 'rag'", [], 'postgres');
    assert.match(stored[0]!.p, /^SCRAM-SHA-256\$/);
    const url = cluster.url({ table: 'kb' });
    okRun(await rag(['ingest', docs, '--index', url, '--json']), 'ingest');
    const q = await rag(['query', 'deploy rollback', '--index', url, '--json']);
    okRun(q, 'query');
    assert.equal((JSON.parse(q.stdout) as { results: Array<{ docId: string }> }).results[0]!.docId, 'engineering/deploys.md');
  });

  test('PGPASSWORD, and ~/.pgpass (mode 0600) when the URL has none', async () => {
    const url = cluster.url({ table: 'kb', password: null });
    okRun(await rag(['query', 'deploy rollback', '--index', url], { PGPASSWORD: PASSWORD }), 'PGPASSWORD');
    const home = path.join(work, 'home');
    await rm(home, { recursive: true, force: true });
    await cp(docs, path.join(home, 'unused'), { recursive: true });
    const pgpass = path.join(home, '.pgpass');
    const escaped = PASSWORD.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
    await writeFile(pgpass, `# test\nother:*:*:*:nope\n127.0.0.1:${cluster.port}:rag:rag:${escaped}\n`);
    await chmod(pgpass, 0o600);
    okRun(await rag(['query', 'deploy rollback', '--index', url], { HOME: home }), '~/.pgpass');
    await chmod(pgpass, 0o644);
    oneLine(await rag(['query', 'deploy rollback', '--index', url], { HOME: home }), /^rag: .*\.pgpass was ignored because group or others can read it: chmod 600 it$/);
    oneLine(await rag(['query', 'deploy rollback', '--index', url], { HOME: path.join(work, 'nohome') }), /^rag: PostgreSQL at 127\.0\.0\.1:\d+ asks for a password for user rag; put it in the URL, PGPASSWORD or ~\/\.pgpass$/);
  });

  test('a wrong password is one line, exit 2', async () => {
    const r = await rag(['query', 'x', '--index', cluster.url({ table: 'kb', password: 'wrong-pass' })]);
    oneLine(r, /^rag: PostgreSQL at 127\.0\.0\.1:\d+ rejected the password for user rag; check the URL, PGPASSWORD or ~\/\.pgpass$/);
    oneLine(await rag(['query', 'x', '--index', cluster.url({ table: 'kb', password: null })], { PGPASSWORD: 'also-wrong' }), /rejected the password/);
  });

  test('TLS: sslmode=require and verify-full with the test CA encrypt the connection', async () => {
    const ca = encodeURIComponent(cluster.caFile);
    for (const extra of ['&sslmode=require', `&sslmode=verify-full&sslrootcert=${ca}`, `&sslmode=verify-ca&sslrootcert=${ca}`]) {
      const url = cluster.url({ table: 'kb', extra });
      okRun(await rag(['query', 'deploy rollback', '--index', url]), extra);
      // The same connection settings, asked from inside: the session really is TLS.
      const pool = createPool(parsePgLocation(url));
      try {
        const { rows } = await pool.query<{ ssl: boolean; version: string }>('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        assert.equal(rows[0]?.ssl, true, extra);
        assert.match(rows[0]!.version, /^TLSv1\.[23]$/);
      } finally {
        await endPool(pool);
      }
    }
    const plain = createPool(parsePgLocation(cluster.url({ table: 'kb' })));
    try {
      assert.equal((await plain.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0]?.ssl, false);
    } finally {
      await endPool(plain);
    }
  });

  test('TLS: verify-full refuses a host name not in the certificate, and an unknown CA', async () => {
    const ca = encodeURIComponent(cluster.caFile);
    const wrongHost = await rag(['query', 'x', '--index', cluster.url({ table: 'kb', host: '127.0.0.2', extra: `&sslmode=verify-full&sslrootcert=${ca}` })]);
    oneLine(wrongHost, /^rag: TLS to PostgreSQL at 127\.0\.0\.2:\d+ failed: .*(IP|Hostname).*does not match.*; pass the server's CA with sslrootcert=FILE, or use sslmode=require$/);
    // verify-ca checks only the chain, so the same address passes.
    okRun(await rag(['query', 'x', '--index', cluster.url({ table: 'kb', host: '127.0.0.2', extra: `&sslmode=verify-ca&sslrootcert=${ca}` })]), 'verify-ca on 127.0.0.2');
    const noCa = await rag(['query', 'x', '--index', cluster.url({ table: 'kb', extra: '&sslmode=verify-full' })]);
    oneLine(noCa, /^rag: TLS to PostgreSQL at 127\.0\.0\.1:\d+ failed: .*certificate.*; pass the server's CA with sslrootcert=FILE, or use sslmode=require$/);
    oneLine(await rag(['query', 'x', '--index', cluster.url({ table: 'kb', extra: '&sslmode=verify-full&sslrootcert=/nonexistent/ca.pem' })]), /^rag: cannot read the TLS root certificate \(sslrootcert\) \/nonexistent\/ca\.pem named in --index$/);
  });

  test('connection refused, missing database, no privilege for CREATE EXTENSION, another model: one line each, exit 2', async () => {
    const port = await closedPort();
    oneLine(await rag(['query', 'x', '--index', `postgres://rag@127.0.0.1:${port}/rag?table=kb`]), /^rag: cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ \(connection refused\): is the server running, and on that port\?$/);
    oneLine(await rag(['ingest', docs, '--index', cluster.url({ table: 'kb', database: 'nosuchdb' })]), /^rag: PostgreSQL at 127\.0\.0\.1:\d+ has no database nosuchdb; create it or use another in the URL$/);
    // A database without pgvector, where rag's role may not create it (vector is not a trusted extension).
    await cluster.sql('CREATE DATABASE noext OWNER rag', [], 'postgres');
    oneLine(
      await rag(['ingest', docs, '--index', cluster.url({ table: 'kb', database: 'noext' })]),
      /^rag: pgvector is not available in postgres:\/\/rag@127\.0\.0\.1:\d+\/noext\?table=kb \(CREATE EXTENSION vector: permission denied to create extension "vector"\); install pgvector on the server or ask your provider to enable it$/,
    );
    const tables = await cluster.sql<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'", [], 'noext');
    assert.equal(Number(tables[0]!.n), 0, 'nothing was created');
    oneLine(await rag(['ingest', docs, '--index', cluster.url({ table: 'kb' }), '--model', 'bge-small-zh']), /^rag: index postgres:\/\/rag@127\.0\.0\.1:\d+\/rag\?table=kb was built with model hash, not bge-small-zh; use --model hash or ingest into another --index$/);
    await cluster.sql('CREATE TABLE foreign_t (id int)');
    oneLine(await rag(['query', 'x', '--index', cluster.url({ table: 'foreign_t' })]), /^rag: table foreign_t in .* exists and is not a rag index; choose another table=NAME$/);
  });

  test('a role with only SELECT can query; ingest needs the documented privileges', async () => {
    await cluster.sql(`CREATE ROLE reader LOGIN PASSWORD '${READER_PASSWORD}'`);
    await cluster.sql('GRANT SELECT ON kb, kb_documents, kb_meta TO reader');
    const readerUrl = cluster.url({ table: 'kb', user: 'reader', password: READER_PASSWORD });
    for (const mode of ['dense', 'bm25', 'hybrid']) okRun(await rag(['query', 'deploy rollback', '--mode', mode, '--index', readerUrl]), `reader ${mode}`);
    const denied = docs;
    await writeFile(path.join(denied, 'new.md'), '# New\n\nA document the reader may not add.\n');
    oneLine(await rag(['ingest', denied, '--index', readerUrl]), /^rag: PostgreSQL user reader lacks a privilege rag needs on rag \(permission denied for table kb_documents\)$/);
    // README: an existing index needs SELECT, INSERT, DELETE, UPDATE on the three tables and USAGE on the sequence.
    await cluster.sql(`CREATE ROLE writer LOGIN PASSWORD '${READER_PASSWORD}'`);
    await cluster.sql('GRANT SELECT, INSERT, DELETE, UPDATE ON kb, kb_documents, kb_meta TO writer');
    await cluster.sql('GRANT USAGE ON SEQUENCE kb_documents_seq_seq TO writer');
    const writerUrl = cluster.url({ table: 'kb', user: 'writer', password: READER_PASSWORD });
    const r = await rag(['ingest', denied, '--index', writerUrl, '--json']);
    okRun(r, 'writer ingest');
    assert.equal((JSON.parse(r.stdout) as { documents: { added: number } }).documents.added, 1);
  });

  test('eval on PostgreSQL writes reports without the password', async () => {
    const out = path.join(work, 'eval-out');
    okRun(await rag(['eval', '--dataset', EN, '--mode', 'dense', '--index', cluster.url({ table: 'ev' }), '--out', out, '--json']), 'eval');
    for (const name of await readdir(out)) outputs.push(await readFile(path.join(out, name), 'utf8'));
  });

  test('the passwords appear nowhere: stdout, stderr, --json, reports, and the index tables', async () => {
    assert.ok(outputs.length > 20);
    // The URLs were printed (so a leak would have shown up), only without their passwords.
    assert.ok(outputs.some((t) => t.includes('postgres://rag@127.0.0.1:')), 'outputs show the redacted URL');
    const rows = await cluster.sql<{ t: string }>(
      "SELECT (SELECT string_agg(m::text, ' ') FROM kb_meta m) || (SELECT string_agg(d::text, ' ') FROM kb_documents d) AS t",
    );
    outputs.push(rows[0]!.t);
    const secrets = [PASSWORD, encodeURIComponent(PASSWORD), READER_PASSWORD, encodeURIComponent(READER_PASSWORD), 'wrong-pass', 'also-wrong'];
    for (const text of outputs) for (const secret of secrets) assert.ok(!text.includes(secret), `a password leaked into: ${text.slice(0, 300)}`);
  });
});
