/**
 * Bad input to `rag ingest`: a real messy folder (empty, binary, truncated/encrypted/scanned PDFs,
 * invalid UTF-8, GBK, a 200 MiB file, a 5 MiB line, 200-level and deeper-than-PATH_MAX folders,
 * a symlink loop, a FIFO, an unreadable file, a file deleted while ingest runs) through the real
 * CLI and library. Each problem gets exactly one notice, the rest is ingested, the exit status is
 * 3, and the index opens and answers queries afterwards.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { EmbedBatchResult, Embedder } from '../src/embed/types.js';
import { characterLength, chunkDocument } from '../src/ingest/chunk.js';
import { failedThisRun } from '../src/ingest/failures.js';
import { makeDocument } from '../src/ingest/loaders/content-hash.js';
import { FileTooLargeError, formatBytes, parseByteSize, readBounded } from '../src/ingest/limits.js';
import { ingest } from '../src/ingest/pipeline.js';
import { query } from '../src/retrieve/query.js';
import { IndexStore } from '../src/store/index-store.js';
import { lines, runCli, tempDir } from './helpers/cli.js';
import type { CliOptions } from './helpers/cli.js';
import { makePdf } from './helpers/make-pdf.js';
import { deepRelDir, LONG_LINE_LENGTH, longLine, makeMessyFolder, removeTree, writeLargeText } from './helpers/messy-folder.js';
import type { MessyEntry } from './helpers/messy-folder.js';

const HUGE_BYTES = 200 * 1024 * 1024;

let tmp: string;
let hugeFile: string;

before(async () => {
  tmp = await tempDir('bad-input');
  hugeFile = path.join(tmp, 'huge-source.txt');
  await writeLargeText(hugeFile, HUGE_BYTES);
});

after(() => removeTree(tmp));

interface JsonNotice {
  path: string;
  kind: string;
  code: string;
  reason: string;
}
interface JsonSummary {
  documents: { added: number; updated: number; unchanged: number; removed: number; skipped: number; failed: number };
  byReason: Record<string, number>;
  chunks: { embedded: number; total: number };
  notices: JsonNotice[];
}

/** The notice of an entry: its exact path, or (entry ending in `/`) the one path under that folder. */
function noticesFor(notices: JsonNotice[], root: string, entry: MessyEntry): JsonNotice[] {
  const abs = path.join(root, ...entry.rel.split('/'));
  return entry.rel.endsWith('/') ? notices.filter((n) => n.path.startsWith(`${abs}`)) : notices.filter((n) => n.path === abs);
}

describe('rag ingest on a messy folder', () => {
  let work: string;
  let docs: string;
  let entries: MessyEntry[];
  const cli = (): CliOptions => ({ cwd: work, timeoutMs: 180_000 });

  before(async () => {
    work = path.join(tmp, 'messy');
    docs = path.join(work, 'docs');
    await fs.mkdir(docs, { recursive: true });
    entries = await makeMessyFolder(docs, hugeFile);
  });

  it('gives each problem file exactly one notice, ingests the rest, exits 3 and keeps the index usable', async () => {
    const run = await runCli(['ingest', 'docs', '--json'], cli());
    assert.equal(run.code, 3, run.stderr);
    const summary = JSON.parse(run.stdout) as JsonSummary;

    // One notice per problem file, with the expected code, and none for the good files.
    for (const entry of entries) {
      const found = noticesFor(summary.notices, docs, entry);
      if (entry.code === null) assert.deepEqual(found, [], `${entry.rel} should have no notice`);
      else assert.deepEqual(found.map((n) => n.code), [entry.code], `${entry.rel}: ${JSON.stringify(found)}`);
    }
    const problems = entries.filter((e) => e.code !== null);
    assert.equal(summary.notices.length, problems.length);
    for (const n of summary.notices) {
      assert.ok(n.reason.length > 0 && !n.reason.includes('\n'), n.reason);
      assert.ok(!n.reason.includes(n.path), `the reason repeats the path: ${n.reason}`);
    }

    // stderr: exactly one line per notice, naming the file, then only the model and progress lines.
    const stderr = lines(run.stderr);
    for (const n of summary.notices) {
      const rel = path.relative(work, n.path);
      const mentions = stderr.filter((l) => l.includes(`${rel}:`));
      assert.equal(mentions.length, 1, `${rel}: ${mentions.join(' | ')}`);
      assert.equal(mentions[0], `${n.kind} ${rel}: ${n.reason}`);
    }

    const reasons = (code: string): string => summary.notices.find((n) => n.code === code)!.reason;
    assert.equal(reasons('too-large'), 'too large (200 MB > 50 MB limit; raise --max-file-size)');
    assert.equal(reasons('encrypted'), 'encrypted (password required); save an unprotected copy to ingest it');
    assert.match(reasons('no-text'), /^no text: none of its 2 pages have a text layer/);
    assert.match(reasons('corrupt'), /^truncated PDF/);
    assert.equal(reasons('empty'), 'empty file (0 bytes)');
    assert.match(reasons('binary'), /^binary content in a \.txt file/);
    assert.equal(reasons('invalid-encoding'), 'not valid UTF-8: 3 invalid byte sequences replaced with U+FFFD, the rest ingested');
    assert.match(reasons('symlink-loop'), /^symbolic link loop: leads back to .*loop, which is being walked; not followed$/);
    assert.match(reasons('path-too-long'), /ENAMETOOLONG/);

    const good = entries.filter((e) => e.code === null || e.code === 'invalid-encoding' || e.code === 'legacy-encoding').map((e) => e.rel);
    assert.deepEqual(summary.documents, {
      added: good.length,
      updated: 0,
      unchanged: 0,
      removed: 0,
      skipped: problems.filter((e) => ['empty', 'binary', 'symlink-loop', 'broken-link', 'not-a-file'].includes(e.code!)).length,
      failed: problems.filter((e) => ['too-large', 'path-too-long', 'encrypted', 'no-text', 'corrupt'].includes(e.code!)).length,
    });
    assert.deepEqual(summary.byReason, {
        binary: 1,
        empty: 2,
        'symlink-loop': 1,
        'broken-link': 1,
        'not-a-file': 1,
        'too-large': 1,
        'path-too-long': 1,
        encrypted: 1,
        'no-text': 1,
        corrupt: 1,
        'invalid-encoding': 1,
        'legacy-encoding': 1,
    });

    // The index holds exactly the good documents, and answers queries about them.
    const store = await IndexStore.open(path.join(work, '.rag'));
    assert.deepEqual([...store.documents()].map((d) => d.docId).sort(), [...good].sort());
    const top = async (text: string): Promise<string | undefined> =>
      (await query({ text, index: path.join(work, '.rag'), k: 1, mode: 'bm25' })).results[0]?.docId;
    assert.equal(await top('国标码 乱码'), 'gbk.txt');
    assert.equal(await top('tangerine memo'), 'owner-only.pdf'); // empty user password: pdf.js decrypts it
    assert.equal(await top('quokka'), `${deepRelDir()}/bottom.md`);
    assert.equal(await top('saxophone inventory'), 'invalid-utf8.txt');
    assert.equal(await top('walruses'), 'loop/inner/note.md');
    const longDoc = store.getDocument('long-line.txt')!;
    assert.equal(longDoc.chunkIds.length, Math.ceil(LONG_LINE_LENGTH / 800));

    // A second run finds nothing new, says the same things, and exits 3 again.
    const again = await runCli(['ingest', 'docs'], cli());
    assert.equal(again.code, 3, again.stderr);
    assert.match(again.stdout, new RegExp(`documents: 0 added, 0 updated, ${good.length} unchanged, 0 removed, 6 skipped, 5 failed\n`));
    assert.match(
      again.stdout,
      /by reason: 1 binary, 2 empty, 1 symlink-loop, 1 broken-link, 1 not-a-file, 1 too-large, 1 path-too-long, 1 encrypted, 1 no-text, 1 corrupt, 1 invalid-encoding, 1 legacy-encoding\n/,
    );
    const cliQuery = await runCli(['query', '向量数据库', '-k', '1', '--json'], cli());
    assert.equal(cliQuery.code, 0, cliQuery.stderr);
    assert.equal((JSON.parse(cliQuery.stdout) as { results: Array<{ docId: string }> }).results[0]?.docId, 'good/向量.txt');
  });
});

describe('a file that fails keeps what was stored before', () => {
  it('a PDF truncated after a good ingest keeps its previous text; exit 3', async () => {
    const work = await tempDir('bad-keep');
    await fs.mkdir(path.join(work, 'docs'));
    const pdf = makePdf([['Annual zeppelin maintenance log'], ['Second page of the log.']]);
    await fs.writeFile(path.join(work, 'docs', 'log.pdf'), pdf);
    await fs.writeFile(path.join(work, 'docs', 'other.md'), 'Unrelated note about kites.\n');
    assert.equal((await runCli(['ingest', 'docs'], { cwd: work })).code, 0);

    await fs.writeFile(path.join(work, 'docs', 'log.pdf'), pdf.subarray(0, pdf.length - 200));
    const run = await runCli(['ingest', 'docs', '--json'], { cwd: work });
    assert.equal(run.code, 3, run.stderr);
    const s = JSON.parse(run.stdout) as JsonSummary;
    assert.deepEqual([s.documents.unchanged, s.documents.removed, s.documents.failed], [1, 0, 1]);
    const hits = await query({ text: 'zeppelin maintenance', index: path.join(work, '.rag'), k: 1, mode: 'bm25' });
    assert.equal(hits.results[0]?.docId, 'log.pdf');
    await fs.rm(work, { recursive: true, force: true });
  });
});

describe('a file that fails before it is read keeps what was stored before', () => {
  it('a file that grew over --max-file-size keeps its indexed version; exit 3', async () => {
    const work = await tempDir('bad-keep-size');
    await fs.mkdir(path.join(work, 'docs'));
    await fs.writeFile(path.join(work, 'docs', 'grows.md'), '# Budget\n\nThe budget of the albatross survey.\n');
    await fs.writeFile(path.join(work, 'docs', 'small.md'), 'A short note.\n');
    assert.equal((await runCli(['ingest', 'docs'], { cwd: work })).code, 0);
    await fs.appendFile(path.join(work, 'docs', 'grows.md'), 'More lines about the survey.\n'.repeat(100));
    const run = await runCli(['ingest', 'docs', '--max-file-size', '1KB', '--json'], { cwd: work });
    assert.equal(run.code, 3, run.stderr);
    const s = JSON.parse(run.stdout) as JsonSummary;
    assert.deepEqual(s.notices.map((n) => [path.basename(n.path), n.code]), [['grows.md', 'too-large']]);
    assert.deepEqual([s.documents.unchanged, s.documents.removed], [1, 0]);
    const store = await IndexStore.open(path.join(work, '.rag'));
    assert.deepEqual([...store.documents()].map((d) => d.docId).sort(), ['grows.md', 'small.md']);
    await fs.rm(work, { recursive: true, force: true });
  });

  it('documents under a folder that could not be listed are kept as well', () => {
    const notices = [{ path: path.join('/data', 'docs', 'locked'), kind: 'failed' as const }];
    assert.equal(failedThisRun(notices, '/data/docs', 'locked/deep/a.md'), true);
    assert.equal(failedThisRun(notices, '/data/docs', 'locked-not/a.md'), false);
    assert.equal(failedThisRun([{ path: '/data/one.md', kind: 'failed' }], '/data/one.md', 'one.md'), true);
    assert.equal(failedThisRun([{ path: '/data/docs/locked', kind: 'skipped' }], '/data/docs', 'locked/a.md'), false);
  });
});

describe('a file deleted between listing and reading', () => {
  it('gets one "vanished" notice; the other files are ingested; its old version is removed', async () => {
    const work = await tempDir('bad-vanish');
    const docs = path.join(work, 'docs');
    await fs.mkdir(docs);
    for (const name of ['a.md', 'b.md', 'c.md']) await fs.writeFile(path.join(docs, name), `Note ${name} about ${name[0]}-ferns.\n`);
    const index = path.join(work, '.rag');
    await ingest({ paths: [docs], index });

    await fs.writeFile(path.join(docs, 'b.md'), 'Changed note about b-ferns.\n');
    const summary = await ingest({
      paths: [docs],
      index,
      onBeforeRead: async (file) => {
        if (file.relPath === 'b.md') await fs.rm(file.absPath);
      },
    });
    assert.deepEqual(summary.notices, [
      {
        path: path.join(docs, 'b.md'),
        kind: 'skipped',
        code: 'vanished',
        reasonCode: 'read-failed',
        params: { errno: 'ENOENT', error: 'deleted or moved while rag was running (ENOENT)' },
        reason: 'cannot read: deleted or moved while rag was running (ENOENT)',
      },
    ]);
    assert.deepEqual([summary.documents.unchanged, summary.documents.removed, summary.documents.skipped, summary.documents.failed], [2, 1, 1, 0]);
    const store = await IndexStore.open(index);
    assert.deepEqual([...store.documents()].map((d) => d.docId).sort(), ['a.md', 'c.md']);
    await fs.rm(work, { recursive: true, force: true });
  });
});

describe('an unreadable file', () => {
  it('gets one "unreadable" notice and exit 3; the rest is ingested', async (t) => {
    const work = await tempDir('bad-unreadable');
    t.after(() => fs.rm(work, { recursive: true, force: true }));
    await fs.mkdir(path.join(work, 'docs'));
    await fs.writeFile(path.join(work, 'docs', 'secret.md'), 'Nobody may read this.\n');
    await fs.writeFile(path.join(work, 'docs', 'open.md'), 'Anyone may read this note about otters.\n');
    await fs.chmod(path.join(work, 'docs', 'secret.md'), 0o000);
    // Root reads mode-000 files anyway: run the CLI as `nobody` then, if it can run at all.
    let user: CliOptions['user'];
    if (process.getuid?.() === 0) {
      user = { uid: 65534, gid: 65534 };
      await fs.chmod(work, 0o777);
      const probe = await runCli(['--version'], { cwd: work, user }).catch(() => undefined);
      if (probe?.code !== 0) {
        t.skip('running as root and user nobody cannot run the CLI here (repository not readable), so mode 000 cannot be made unreadable');
        return;
      }
    }
    const run = await runCli(['ingest', 'docs', '--json'], { cwd: work, ...(user ? { user } : {}) });
    assert.equal(run.code, 3, run.stderr);
    const s = JSON.parse(run.stdout) as JsonSummary;
    assert.deepEqual(s.notices.map((n) => [path.basename(n.path), n.kind, n.code]), [['secret.md', 'failed', 'unreadable']]);
    assert.match(s.notices[0]!.reason, /^cannot read: permission denied \(EACCES\)/);
    assert.equal(s.documents.added, 1);
    assert.deepEqual(lines(run.stderr).filter((l) => l.includes('secret.md')), [`failed docs/secret.md: ${s.notices[0]!.reason}`]);
  });
});

describe('a 200 MB text file', () => {
  it('is refused by size without being read: it adds far less to peak memory than its size', async (t) => {
    if (process.platform !== 'linux') {
      t.skip('peak memory is read from /proc/self/status (Linux only)');
      return;
    }
    const work = await tempDir('bad-huge');
    await fs.mkdir(path.join(work, 'small'));
    await fs.writeFile(path.join(work, 'small', 'note.md'), 'A small note about lighthouses.\n');
    await fs.mkdir(path.join(work, 'big'));
    await fs.writeFile(path.join(work, 'big', 'note.md'), 'A small note about lighthouses.\n');
    await fs.link(hugeFile, path.join(work, 'big', 'huge.txt'));
    // The child writes its own peak resident set size (VmHWM, kB) when it exits. Not
    // resourceUsage().maxRSS: Linux carries that over from the parent across fork and exec, so a
    // child of a big test process would report the test process's size.
    const probe = path.join(work, 'max-rss.mjs');
    await fs.writeFile(
      probe,
      [
        "import { readFileSync, writeFileSync } from 'node:fs';",
        "process.on('exit', () => {",
        "  const hwm = /^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));",
        "  writeFileSync(process.env.RAG_TEST_RSS_FILE, hwm ? hwm[1] : 'unknown');",
        '});',
        '',
      ].join('\n'),
    );
    const peakKb = async (folder: string): Promise<{ kb: number; stdout: string; code: number | null }> => {
      const rssFile = path.join(work, `${folder}.rss`);
      const run = await runCli(['ingest', folder, '--index', `${folder}-index`, '--json'], {
        cwd: work,
        env: { NODE_OPTIONS: `--import=${probe}`, RAG_TEST_RSS_FILE: rssFile },
      });
      return { kb: Number(await fs.readFile(rssFile, 'utf8')), stdout: run.stdout, code: run.code };
    };
    const small = await peakKb('small');
    const big = await peakKb('big');
    assert.equal(small.code, 0);
    assert.equal(big.code, 3);
    const s = JSON.parse(big.stdout) as JsonSummary;
    assert.deepEqual(s.notices.map((n) => [path.basename(n.path), n.code, n.reason]), [
      ['huge.txt', 'too-large', 'too large (200 MB > 50 MB limit; raise --max-file-size)'],
    ]);
    assert.equal(s.documents.added, 1);
    // Holding the file alone would take 200 MB (its text as a string up to twice that).
    const extraMb = (big.kb - small.kb) / 1024;
    assert.ok(extraMb < 32, `the 200 MB file raised peak memory by ${extraMb.toFixed(1)} MB (${small.kb} kB -> ${big.kb} kB)`);
    assert.ok(big.kb < 100 * 1024, `peak ${big.kb} kB`);
    t.diagnostic(`peak RSS: ${small.kb} kB without the 200 MB file, ${big.kb} kB with it`);
    await fs.rm(work, { recursive: true, force: true });
  });

  it('--max-file-size sets the limit, and the limit holds while reading', async () => {
    const work = await tempDir('bad-limit');
    await fs.mkdir(path.join(work, 'docs'));
    await fs.writeFile(path.join(work, 'docs', 'two-kb.txt'), 'lantern '.repeat(256));
    await fs.writeFile(path.join(work, 'docs', 'tiny.txt'), 'A tiny note about lanterns.\n');
    const run = await runCli(['ingest', 'docs', '--max-file-size', '1KB', '--json'], { cwd: work });
    assert.equal(run.code, 3, run.stderr);
    const s = JSON.parse(run.stdout) as JsonSummary;
    assert.deepEqual(s.notices.map((n) => [path.basename(n.path), n.reason]), [['two-kb.txt', 'too large (2 KB > 1 KB limit; raise --max-file-size)']]);
    const bad = await runCli(['ingest', 'docs', '--max-file-size', 'lots'], { cwd: work });
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.equal(lines(bad.stderr).length, 1, bad.stderr);
    assert.match(bad.stderr, /expected a size such as 50MB, 200M or 1G, got "lots"/);

    // readBounded reads at most limit + 1 bytes, whatever the file's size.
    await assert.rejects(readBounded(hugeFile, 1024 * 1024), (e: unknown) => e instanceof FileTooLargeError && e.size === HUGE_BYTES);
    assert.equal((await readBounded(path.join(work, 'docs', 'tiny.txt'), 1024)).toString(), 'A tiny note about lanterns.\n');
    assert.deepEqual(['50MB', '200M', '1.5g', '512k', '1048576', '7 KiB', 'x', '0', '-1MB'].map(parseByteSize), [
      50 * 1024 ** 2, 200 * 1024 ** 2, 1.5 * 1024 ** 3, 512 * 1024, 1048576, 7 * 1024, undefined, undefined, undefined,
    ]);
    assert.deepEqual([17, 2048, 1536, 50 * 1024 ** 2, 200 * 1024 ** 2 + 1].map(formatBytes), ['17 bytes', '2 KB', '1.5 KB', '50 MB', '200 MB']);
    await fs.rm(work, { recursive: true, force: true });
  });
});

describe('one 5 MB line without separators', () => {
  const text = longLine();

  it('is cut into chunks of exactly the chunk size whose offsets rebuild the text', () => {
    const doc = makeDocument({ docId: 'line.txt', source: 'line.txt', format: 'text', text });
    const chunks = chunkDocument(doc, { chunkSize: 800, chunkOverlap: 100, lengthUnit: 'characters' }, characterLength);
    assert.equal(chunks.length, Math.ceil(LONG_LINE_LENGTH / 800));
    let rebuilt = '';
    for (const [i, c] of chunks.entries()) {
      assert.ok(c.text.length <= 800, `chunk ${i} has ${c.text.length} characters`);
      assert.equal(c.text, text.slice(c.start, c.end));
      assert.equal(c.start, rebuilt.length, `chunk ${i} does not start where the previous one ended`);
      rebuilt += c.text;
    }
    assert.equal(rebuilt, text);
  });

  it('goes through ingest into the index (small stand-in model, the chunking is the point)', async () => {
    const work = await tempDir('bad-line');
    await fs.writeFile(path.join(work, 'line.txt'), text);
    const summary = await ingest({ paths: [path.join(work, 'line.txt')], index: path.join(work, '.rag'), model: tinyEmbedder() });
    assert.equal(summary.chunks.embedded, Math.ceil(LONG_LINE_LENGTH / 800));
    const store = await IndexStore.open(path.join(work, '.rag'));
    const ids = store.getDocument('line.txt')!.chunkIds;
    const last = store.getChunk(ids.at(-1)!)!;
    assert.equal(last.end, LONG_LINE_LENGTH);
    assert.equal(last.text, text.slice(last.start));
    await fs.rm(work, { recursive: true, force: true });
  });
});

/** A 4-dimension model: cheap enough to embed 6,554 chunks in a test. */
function tinyEmbedder(): Embedder {
  const embed = (t: string): Float32Array => {
    const v = Float32Array.from([t.charCodeAt(0) || 1, t.charCodeAt(1) || 1, t.length, 1]);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  return {
    info: { id: 'tiny-test', provider: 'builtin', name: 'tiny-test', dimension: 4, normalize: true },
    fingerprint: 'tiny-test-1',
    cacheable: false,
    async embedDocuments(texts: readonly string[]): Promise<EmbedBatchResult> {
      return { vectors: texts.map(embed), truncated: 0 };
    },
    async embedQuery(t: string): Promise<Float32Array> {
      return embed(t);
    },
  };
}
