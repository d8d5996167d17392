/**
 * A query skips hashing a data file only while the file is provably the one that was hashed
 * (src/store/verified-files.ts): the records are checked here directly, and end to end with a
 * real index whose vector file is overwritten in place after a query trusted it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileIdentity, RACY_MARGIN_NS, VerifiedFiles } from '../src/store/verified-files.js';
import { runCli } from './helpers/cli.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rag-verified-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('verification records', () => {
  it('trust a file only with the same checksum, the same identity, and a record made after the racy margin', async () => {
    const index = path.join(dir, 'idx');
    const root = path.join(dir, 'records');
    await rm(index, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(index, { recursive: true }));
    const name = 'vectors-1.f32';
    await writeFile(path.join(index, name), randomBytes(4096));
    const file = { name, bytes: 4096, checksum: `sha256:${'a'.repeat(64)}` };
    const identity = await fileIdentity(path.join(index, name));

    let records = await VerifiedFiles.forIndex(index, root);
    assert.equal((await records.check(file)).trusted, false, 'nothing recorded yet');
    // Recorded in the same instant the file changed: racy, not trusted.
    await records.record(file, identity, identity.ctimeNs, [name]);
    records = await VerifiedFiles.forIndex(index, root);
    assert.equal((await records.check(file)).trusted, false, 'a record within the racy margin vouches for nothing');
    await records.record(file, identity, identity.ctimeNs + RACY_MARGIN_NS, [name]);
    records = await VerifiedFiles.forIndex(index, root);
    assert.equal((await records.check(file)).trusted, true);
    assert.equal((await records.check({ ...file, checksum: `sha256:${'b'.repeat(64)}` })).trusted, false, 'another checksum in the manifest');

    // Bytes overwritten in place, same size, mtime put back: ctime moved, so the record is void.
    const before = await stat(path.join(index, name));
    const handle = await open(path.join(index, name), 'r+');
    await handle.write(randomBytes(512), 0, 512, 100);
    await handle.close();
    await utimes(path.join(index, name), before.atime, before.mtime);
    assert.equal((await stat(path.join(index, name))).size, 4096);
    records = await VerifiedFiles.forIndex(index, root);
    assert.equal((await records.check(file)).trusted, false, 'a file changed in place is hashed again');
  });

  it('a damaged or unwritable record store only means hashing', async () => {
    const index = path.join(dir, 'idx2');
    await import('node:fs/promises').then((fs) => fs.mkdir(index, { recursive: true }));
    await writeFile(path.join(index, 'chunks-1.jsonl'), 'x');
    const file = { name: 'chunks-1.jsonl', bytes: 1, checksum: `sha256:${'c'.repeat(64)}` };
    const identity = await fileIdentity(path.join(index, file.name));
    // The root is a file: nothing can be written under it, and nothing throws.
    const blocked = path.join(dir, 'not-a-folder');
    await writeFile(blocked, 'x');
    const records = await VerifiedFiles.forIndex(index, blocked);
    await records.record(file, identity, identity.ctimeNs + RACY_MARGIN_NS, [file.name]);
    assert.equal((await (await VerifiedFiles.forIndex(index, blocked)).check(file)).trusted, false);
    // A record file that is not JSON is ignored.
    const root = path.join(dir, 'garbled');
    const good = await VerifiedFiles.forIndex(index, root);
    await good.record(file, identity, identity.ctimeNs + RACY_MARGIN_NS, [file.name]);
    const [recordFile] = await readdir(root);
    await writeFile(path.join(root, recordFile!), '{not json');
    assert.equal((await (await VerifiedFiles.forIndex(index, root)).check(file)).trusted, false);
  });
});

describe('rag query and the vector file checksum', () => {
  it('hashes the data file a query reads whole until it is verified, then trusts it until its bytes change', async () => {
    const cwd = path.join(dir, 'cli');
    await import('node:fs/promises').then((fs) => fs.mkdir(path.join(cwd, 'docs'), { recursive: true }));
    for (let i = 0; i < 6; i++) await writeFile(path.join(cwd, 'docs', `d${i}.md`), `# Note ${i}\n\nThe harbour ferry number ${i} leaves at ${i + 6} o'clock from pier ${i * 3}.\n`);
    const cache = path.join(cwd, 'cache');
    const env = { RAG_CACHE_DIR: cache };
    assert.equal((await runCli(['ingest', 'docs'], { cwd, env })).code, 0);
    // The racy margin: a record made right after the commit is not trusted.
    await sleep(Number(RACY_MARGIN_NS / 1_000_000n) + 200);
    let r = await runCli(['query', 'ferry pier', '--json'], { cwd, env });
    assert.equal(r.code, 0, r.stderr);
    const recordsDir = path.join(cache, 'verified');
    const [recordFile] = await readdir(recordsDir);
    const first = await readFile(path.join(recordsDir, recordFile!), 'utf8');
    // What a one-shot query of this `hash` index reads whole: the column file (columns-file.ts).
    assert.match(first, /columns-1\.bin/);
    r = await runCli(['query', 'ferry pier', '--json'], { cwd, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(path.join(recordsDir, recordFile!), 'utf8'), first, 'the second query trusted the record: it hashed nothing and recorded nothing');

    // Garbage over the columns, same size, mtime restored: the next query hashes and refuses.
    const vectors = path.join(cwd, '.rag', 'columns-1.bin');
    const before = await stat(vectors);
    const handle = await open(vectors, 'r+');
    await handle.write(randomBytes(Math.min(4096, before.size - 1024)), 0, Math.min(4096, before.size - 1024), 1024);
    await handle.close();
    await utimes(vectors, before.atime, before.mtime);
    r = await runCli(['query', 'ferry pier'], { cwd, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /columns-1\.bin does not match its checksum/);
    assert.equal(r.stdout, '', 'no scores printed from a damaged file');
  });
});
