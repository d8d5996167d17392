/**
 * Verifiable indexes (issue 22): checksums per data file in the manifest, `rag check`, queries and
 * ingests refusing an index whose bytes changed in place, no out-of-range cosine ever printed, and
 * a lost manifest next to data files treated as damage rather than "no index".
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';

let cwd: string;
const rag = (args: string[]): Promise<CliResult> => runCli(args, { cwd });

interface ManifestJson {
  files: Record<string, { name: string; bytes: number; checksum?: string }>;
}
const manifestOf = async (index: string): Promise<ManifestJson> => JSON.parse(await readFile(path.join(index, 'manifest.json'), 'utf8')) as ManifestJson;

/** A fresh index of a few documents in `cwd/<name>`. */
async function makeIndex(name: string): Promise<string> {
  const docs = path.join(cwd, `${name}-docs`);
  await mkdir(docs, { recursive: true });
  const words = 'river mountain cloud engine vector index search query token paper stone light shadow garden market signal'.split(' ');
  for (let d = 0; d < 12; d++) {
    await writeFile(path.join(docs, `doc${d}.md`), `# Doc ${d}\n\n${Array.from({ length: 300 }, (_, i) => words[(i * 7 + d * 3) % words.length]).join(' ')}\n`);
  }
  const index = path.join(cwd, name);
  const r = await rag(['ingest', docs, '--index', index]);
  assert.equal(r.code, 0, r.stderr);
  return index;
}

/** Overwrites everything after the first `skip` bytes of a file with random bytes (same size). */
async function scramble(file: string, skip: number): Promise<void> {
  const size = (await stat(file)).size;
  const handle = await open(file, 'r+');
  try {
    await handle.write(randomBytes(size - skip), 0, size - skip, skip);
  } finally {
    await handle.close();
  }
}

before(async () => {
  cwd = await tempDir('index-verify');
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('checksums', () => {
  it('every data file in the manifest has one, and rag check passes an intact index', async () => {
    const index = await makeIndex('intact');
    const manifest = await manifestOf(index);
    for (const file of Object.values(manifest.files)) assert.match(file.checksum ?? '', /^sha256:[0-9a-f]{64}$/, file.name);
    const r = await rag(['check', '--index', index, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const check = JSON.parse(r.stdout) as { ok: boolean; files: Array<{ status: string }> };
    assert.equal(check.ok, true);
    assert.ok(check.files.length >= 2);
    assert.ok(check.files.every((f) => f.status === 'ok'));
  });

  it('same-size random bytes over the vectors: check, query and ingest all refuse, naming the file', async () => {
    const index = await makeIndex('scrambled');
    const intactHits = await rag(['query', 'river mountain', '--index', index, '--json']);
    assert.equal(intactHits.code, 0, intactHits.stderr);
    const vectors = path.join(index, (await manifestOf(index)).files['flatVectors']!.name);
    await scramble(vectors, 64);
    const before = await readdir(index);

    const check = await rag(['check', '--index', index, '--json']);
    assert.equal(check.code, 2, check.stderr);
    const report = JSON.parse(check.stdout) as { ok: boolean; files: Array<{ name: string; status: string }> };
    assert.equal(report.ok, false);
    assert.equal(report.files.find((f) => f.name === path.basename(vectors))?.status, 'checksum-mismatch');
    assert.ok(check.stderr.includes(`${vectors} does not match its checksum`), check.stderr);

    const human = await rag(['check', '--index', index]);
    assert.equal(human.code, 2);
    assert.match(human.stdout, /checksum-mismatch/);

    // A one-shot query of this sparse (`hash`) index reads the column file, not the rows
    // (columns-file.ts): the scrambled bytes never reach it, and it answers as before.
    const query = await rag(['query', 'river mountain', '--index', index, '--json']);
    assert.equal(query.code, 0, query.stderr);
    assert.deepEqual(JSON.parse(query.stdout), JSON.parse(intactHits.stdout));
    // A query that does read the rows (an index without a column file, as from a dense model or an
    // older rag) refuses, naming the file.
    const manifest = await manifestOf(index);
    await rm(path.join(index, manifest.files['columns']!.name));
    delete manifest.files['columns'];
    await writeFile(path.join(index, 'manifest.json'), JSON.stringify(manifest));
    before.splice(0, before.length, ...(await readdir(index)));
    const rowQuery = await rag(['query', 'river mountain', '--index', index, '--json']);
    assert.equal(rowQuery.code, 2, rowQuery.stderr);
    // Under --json the error is the one document on stdout (issue 21); no hits, no scores.
    assert.equal((JSON.parse(rowQuery.stdout) as { error: { code: string } }).error.code, 'index-damaged');
    assert.doesNotMatch(rowQuery.stdout, /"results"/);
    assert.ok(rowQuery.stderr.includes(vectors), rowQuery.stderr);

    // An unchanged re-ingest modifies nothing and reads no vectors (issue 14): it passes. One that
    // changes the index must read the vectors, and refuses.
    const unchanged = await rag(['ingest', path.join(cwd, 'scrambled-docs'), '--index', index]);
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.deepEqual(await readdir(index), before, 'the unchanged ingest wrote nothing');
    await writeFile(path.join(cwd, 'scrambled-docs', 'new.md'), '# New\n\nriver stone garden signal\n');
    const ingest = await rag(['ingest', path.join(cwd, 'scrambled-docs'), '--index', index]);
    assert.equal(ingest.code, 2, ingest.stderr);
    assert.ok(ingest.stderr.includes(vectors), ingest.stderr);
    assert.deepEqual(await readdir(index), before, 'the refused ingest wrote nothing');
  });

  it('an index without checksums (older rag) never prints a cosine score outside [-1, 1]', async () => {
    const index = await makeIndex('old');
    const manifest = await manifestOf(index);
    // As an older rag wrote it: no checksums, and no column file (so queries scan the rows).
    delete manifest.files['columns'];
    for (const file of Object.values(manifest.files)) delete file.checksum;
    await writeFile(path.join(index, 'manifest.json'), JSON.stringify(manifest));
    const unchecked = await rag(['check', '--index', index, '--json']);
    assert.equal(unchecked.code, 0, unchecked.stderr);
    assert.ok((JSON.parse(unchecked.stdout) as { files: Array<{ status: string }> }).files.every((f) => f.status === 'unchecked'));

    // Only the float rows, after the header (24 bytes) and the labels (4 bytes per chunk).
    const flat = path.join(index, manifest.files['flatVectors']!.name);
    const header = await readFile(flat);
    await scramble(flat, 24 + 4 * header.readUInt32LE(16));
    const query = await rag(['query', 'river mountain', '--index', index, '--json', '--mode', 'dense']);
    assert.equal(query.code, 2, `${query.stdout}\n${query.stderr}`);
    assert.match(query.stderr, /outside \[-1, 1\]/);
    // Under --json the error is the one document on stdout (issue 21); no hits, no scores.
    assert.equal((JSON.parse(query.stdout) as { error: { code: string } }).error.code, 'index-damaged');
    assert.doesNotMatch(query.stdout, /"results"/);
  });
});

describe('a lost manifest', () => {
  it('is damage: ingest refuses to start a fresh index over the data files; --rebuild works', async () => {
    const index = await makeIndex('lost');
    await rm(path.join(index, 'manifest.json'));
    const files = (await readdir(index)).sort();

    const ingest = await rag(['ingest', path.join(cwd, 'lost-docs'), '--index', index]);
    assert.equal(ingest.code, 2, ingest.stderr);
    assert.match(ingest.stderr, /is damaged: .*manifest\.json is missing but chunks-\d+\.jsonl and \d+ other data files? are there/);
    assert.match(ingest.stderr, /--rebuild/);
    assert.deepEqual((await readdir(index)).sort(), files);

    const query = await rag(['query', 'river', '--index', index]);
    assert.equal(query.code, 2);
    assert.match(query.stderr, /manifest\.json is missing/);
    const check = await rag(['check', '--index', index]);
    assert.equal(check.code, 2);

    const rebuild = await rag(['ingest', '--rebuild', path.join(cwd, 'lost-docs'), '--index', index]);
    assert.equal(rebuild.code, 0, rebuild.stderr);
    assert.equal((await rag(['check', '--index', index])).code, 0);
  });
});
