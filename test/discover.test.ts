import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { discoverFiles } from '../src/ingest/discover.js';
import { RagError } from '../src/errors.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);

let tmp: string;
let root: string;

async function write(rel: string, content: string | Buffer): Promise<void> {
  const abs = path.join(root, rel);
  await fs.mkdir(path.dirname(abs), { recursive: true });
  await fs.writeFile(abs, content);
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rag-discover-'));
  root = path.join(tmp, 'docs');
  await write('a.md', '# A\n');
  await write('b.txt', 'bee');
  await write('README', 'plain text without extension');
  await write('sub/c.html', '<p>c</p>');
  await write('sub/deep/d.pdf', '%PDF-1.4 not parsed during discovery');
  await write('sub/deep/e.docx', 'PK');
  await write('sub/corpus.jsonl', '{"_id":"1","text":"x"}\n');
  await write('sub/other.jsonl', '{"id":1}\n');
  await write('sub/qa.jsonl', '{"_id":"q","title":"","text":"y"}\n');
  await write('sub/queries.jsonl', '{"_id":"q1","text":"what is HNSW?"}\n');
  await write('.hidden/x.md', 'hidden dir');
  await write('.secret.md', 'hidden file');
  await write('node_modules/pkg/readme.md', 'dependency docs');
  await write('sub/node_modules/readme.md', 'nested dependency docs');
  await write('image.png', PNG);
  await write('blob', Buffer.concat([Buffer.from('abc'), Buffer.alloc(16), Buffer.from('def')]));
  await write('fake.md', PNG);
  await write('data.csv', 'a,b\n1,2\n');
  await write('drafts/f.md', 'draft');
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('discoverFiles', () => {
  it('walks a directory, skipping hidden entries and node_modules, and reports unloadable files', async () => {
    const { files, notices } = await discoverFiles([root]);
    assert.deepEqual(
      files.map((f) => f.relPath),
      ['README', 'a.md', 'b.txt', 'drafts/f.md', 'sub/c.html', 'sub/corpus.jsonl', 'sub/deep/d.pdf', 'sub/deep/e.docx', 'sub/qa.jsonl'],
    );
    for (const f of files) {
      assert.equal(f.origin, root);
      assert.equal(f.absPath, path.join(root, ...f.relPath.split('/')));
    }
    assert.equal(files.find((f) => f.relPath === 'b.txt')?.size, 3);
    assert.deepEqual(notices, [
      {
        path: path.join(root, 'blob'),
        kind: 'skipped',
        code: 'binary',
        reasonCode: 'binary-not-text',
        params: { ext: '' },
        reason: 'binary content in a file without extension (not UTF-8, UTF-16, GB18030, Big5 or Windows-1252 text)',
      },
      { path: path.join(root, 'data.csv'), kind: 'skipped', code: 'unsupported', reasonCode: 'unsupported-type', params: { ext: '.csv' }, reason: 'unsupported file type .csv' },
      {
        path: path.join(root, 'fake.md'),
        kind: 'skipped',
        code: 'binary',
        reasonCode: 'binary-looks-like',
        params: { ext: '.md', kind: 'png' },
        reason: 'binary content in a .md file (looks like a PNG image)',
      },
      { path: path.join(root, 'image.png'), kind: 'skipped', code: 'unsupported', reasonCode: 'unsupported-type', params: { ext: '.png' }, reason: 'unsupported file type .png' },
      {
        path: path.join(root, 'sub', 'other.jsonl'),
        kind: 'skipped',
        code: 'unsupported',
        reasonCode: 'jsonl-not-corpus',
        params: {},
        reason: 'a .jsonl file whose first line lacks "_id", "title" and "text" (not a BEIR corpus)',
      },
      // The library's English names no command; the CLI says `rag eval reads it`.
      {
        path: path.join(root, 'sub', 'queries.jsonl'),
        kind: 'skipped',
        code: 'unsupported',
        reasonCode: 'queries-file',
        params: {},
        reason: 'a BEIR queries file, not documents (an evaluation reads it as its queries)',
      },
    ]);
  });

  it('filters with include globs; a pattern without a slash matches file names at any depth', async () => {
    const { files, notices } = await discoverFiles([root], { include: ['*.md'] });
    assert.deepEqual(
      files.map((f) => f.relPath),
      ['a.md', 'drafts/f.md'],
    );
    // fake.md matches the include but is binary: still reported.
    assert.deepEqual(
      notices.map((n) => path.basename(n.path)),
      ['fake.md'],
    );
    const deep = await discoverFiles([root], { include: ['sub/**/*.{pdf,docx}'] });
    assert.deepEqual(
      deep.files.map((f) => f.relPath),
      ['sub/deep/d.pdf', 'sub/deep/e.docx'],
    );
  });

  it('filters with exclude globs and prunes excluded directories', async () => {
    const { files } = await discoverFiles([root], { exclude: ['drafts', '*.jsonl', 'sub/deep/**'] });
    assert.deepEqual(
      files.map((f) => f.relPath),
      ['README', 'a.md', 'b.txt', 'sub/c.html'],
    );
  });

  it('gives a file argument its base name as relPath, even a hidden one', async () => {
    const file = path.join(root, 'sub', 'c.html');
    const secret = path.join(root, '.secret.md');
    const { files, notices } = await discoverFiles([file, secret]);
    assert.deepEqual(files, [
      { absPath: secret, origin: secret, relPath: '.secret.md', size: 11 },
      { absPath: file, origin: file, relPath: 'c.html', size: 8 },
    ]);
    assert.deepEqual(notices, []);
  });

  it('accepts relative paths and resolves them against the working directory', async () => {
    const rel = path.relative(process.cwd(), path.join(root, 'sub', 'deep'));
    const { files } = await discoverFiles([rel]);
    assert.deepEqual(
      files.map((f) => [f.relPath, f.origin]),
      [
        ['d.pdf', path.join(root, 'sub', 'deep')],
        ['e.docx', path.join(root, 'sub', 'deep')],
      ],
    );
  });

  it('lists a file reached twice once, and reports a second file with a relPath already taken', async () => {
    const other = path.join(tmp, 'other');
    await fs.mkdir(other, { recursive: true });
    await fs.writeFile(path.join(other, 'a.md'), '# another A\n');
    const { files, notices } = await discoverFiles([path.join(root, 'sub', 'deep'), path.join(root, 'sub', 'deep', 'd.pdf'), root, other]);
    assert.equal(files.filter((f) => f.relPath === 'd.pdf').length, 1);
    assert.equal(files.filter((f) => f.absPath === path.join(root, 'sub', 'deep', 'd.pdf')).length, 1);
    assert.equal(files.filter((f) => f.relPath === 'a.md').length, 1);
    assert.equal(files.find((f) => f.relPath === 'a.md')?.absPath, path.join(root, 'a.md'));
    assert.deepEqual(
      notices.find((n) => n.path === path.join(other, 'a.md')),
      {
        path: path.join(other, 'a.md'),
        kind: 'skipped',
        code: 'duplicate-id',
        reasonCode: 'duplicate-id',
        params: { docId: 'a.md', earlier: path.join(root, 'a.md') },
        reason: `document id "a.md" is already used by ${path.join(root, 'a.md')}; ingest the two folders into separate indexes or rename one`,
      },
    );
  });

  it('follows symbolic links without looping, and names the loop and the broken link', async () => {
    const linked = path.join(tmp, 'linked');
    await fs.mkdir(linked, { recursive: true });
    await fs.writeFile(path.join(linked, 'real.md'), 'real');
    await fs.symlink(linked, path.join(linked, 'loop'));
    await fs.symlink(path.join(linked, 'real.md'), path.join(linked, 'alias.md'));
    await fs.symlink(path.join(linked, 'missing.md'), path.join(linked, 'dangling.md'));
    const { files, notices } = await discoverFiles([linked]);
    // alias.md and real.md are one file: the first in walk order wins.
    assert.deepEqual(
      files.map((f) => f.relPath),
      ['alias.md'],
    );
    assert.deepEqual(notices, [
      { path: path.join(linked, 'dangling.md'), kind: 'skipped', code: 'broken-link', reasonCode: 'broken-link', params: {}, reason: 'broken symbolic link (its target does not exist)' },
      {
        path: path.join(linked, 'loop'),
        kind: 'skipped',
        code: 'symlink-loop',
        reasonCode: 'symlink-loop',
        params: { target: await fs.realpath(linked) },
        reason: `symbolic link loop: leads back to ${await fs.realpath(linked)}, which is being walked; not followed`,
      },
    ]);
  });

  it('returns files in the same order on every run', async () => {
    const first = await discoverFiles([root]);
    const second = await discoverFiles([root]);
    assert.deepEqual(first, second);
  });

  it('throws a RagError naming a path that does not exist', async () => {
    const missing = path.join(tmp, 'nope');
    await assert.rejects(discoverFiles([root, missing]), (err: unknown) => {
      assert.ok(err instanceof RagError);
      assert.equal(
        err.message,
        `path not found: ${missing} (resolved to ${missing}); check the spelling or the working directory`,
      );
      return true;
    });
  });
});
