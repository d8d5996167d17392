/**
 * The offsets file (offsets-<gen>.bin): a one-shot query reads the lines of its hits from the
 * chunk file instead of the whole file (once the chunk file was verified: verified-files.ts),
 * answers exactly as the skimmed open of an index without it, checks each line it reads, and
 * falls back to the skim when the file is absent or stale.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, open, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ingest } from '../src/ingest/pipeline.js';
import { query, type QueryHit } from '../src/retrieve/query.js';
import type { RetrievalMode } from '../src/retrieve/types.js';
import { IndexStore } from '../src/store/index-store.js';
import { MANIFEST_FILE, type Manifest } from '../src/store/manifest.js';
import { fileIdentity, RACY_MARGIN_NS, VerifiedFiles } from '../src/store/verified-files.js';
import { runCli, tempDir } from './helpers/cli.js';
import { writeWordCorpus } from './helpers/word-corpus.js';

const WORDS = ['vector', 'database', 'index', 'search', 'travel', 'expense', 'invoice', 'retrieval', 'embedding', 'neighbour', 'graph', 'cosine', 'token', 'chunk', '检索', '向量', 'report', 'policy', 'query'];
const TEXT = 'vector database search';
const MODES: RetrievalMode[] = ['dense', 'bm25', 'hybrid'];

const writeCorpus = (dir: string, n: number, seed: number): Promise<void> => writeWordCorpus(dir, n, seed, { words: WORDS, headed: true });

async function manifestOf(index: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(index, MANIFEST_FILE), 'utf8')) as Manifest;
}

async function hits(index: string, mode: RetrievalMode): Promise<QueryHit[]> {
  return (await query({ text: TEXT, index, mode, k: 5 })).results;
}

/** The index as an older rag wrote it: no offsets file. */
async function dropOffsets(index: string): Promise<void> {
  const manifest = await manifestOf(index);
  await unlink(path.join(index, manifest.files.offsets!.name));
  delete manifest.files.offsets;
  await writeFile(path.join(index, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
}

/** Byte ranges of the chunk file's lines, with their parsed records. */
async function linesOf(index: string): Promise<Array<{ start: number; bytes: number; record: { kind: string; document?: { docId: string }; chunk?: { id: string } } }>> {
  const manifest = await manifestOf(index);
  const buffer = await readFile(path.join(index, manifest.files.chunks.name));
  const out = [];
  let start = 0;
  for (let end = buffer.indexOf(0x0a); end >= 0; end = buffer.indexOf(0x0a, start)) {
    out.push({ start, bytes: end - start, record: JSON.parse(buffer.toString('utf8', start, end)) as { kind: string } });
    start = end + 1;
  }
  return out;
}

/**
 * Records the chunk file as verified long after its last change, as a query does when it hashed
 * it more than 2 s after the commit (verified-files.ts): the next query then trusts it.
 */
async function trustChunkFile(index: string): Promise<void> {
  const manifest = await manifestOf(index);
  const identity = await fileIdentity(path.join(index, manifest.files.chunks.name));
  const names = Object.values(manifest.files).flatMap((file) => (file === undefined ? [] : [file.name]));
  await (await VerifiedFiles.forIndex(index)).record(manifest.files.chunks, identity, identity.ctimeNs + RACY_MARGIN_NS, names);
}

/** Bytes this process has read so far (Linux). */
function bytesRead(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

/** Overwrites `bytes` bytes of `file` at `start` in place (same size: only a checksum can tell). */
async function overwrite(file: string, start: number, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, start);
  } finally {
    await handle.close();
  }
}

describe('the offsets file of a one-shot query', () => {
  let root: string;
  let index: string;
  let copies = 0;
  /** A copy of the index to damage. */
  const copy = async (): Promise<string> => {
    const to = path.join(root, `copy-${copies++}`);
    await cp(index, to, { recursive: true });
    return to;
  };

  const cacheDir = process.env['RAG_CACHE_DIR'];
  before(async () => {
    root = await tempDir('offsets');
    // The verification records of the chunk file go here, not into the user's cache.
    process.env['RAG_CACHE_DIR'] = path.join(root, 'cache');
    await writeCorpus(path.join(root, 'docs'), 40, 11);
    index = path.join(root, 'idx');
    await ingest({ paths: [path.join(root, 'docs')], index, chunkSize: 120, chunkOverlap: 10 });
  });
  after(async () => {
    if (cacheDir === undefined) delete process.env['RAG_CACHE_DIR'];
    else process.env['RAG_CACHE_DIR'] = cacheDir;
    await rm(root, { recursive: true, force: true });
  });

  it('is written with the chunk file, checksummed in the manifest and verified by rag check', async () => {
    const { files } = await manifestOf(index);
    assert.equal(files.offsets?.name, 'offsets-1.bin');
    const bytes = await readFile(path.join(index, 'offsets-1.bin'));
    assert.equal(files.offsets.bytes, bytes.length);
    assert.equal(files.offsets.checksum, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    const check = await runCli(['check', '--json', '--index', index], { cwd: root });
    assert.equal(check.code, 0, check.stderr);
    const roles = (JSON.parse(check.stdout) as { files: Array<{ role: string; status: string }> }).files;
    assert.deepEqual(roles.find((f) => f.role === 'offsets'), { role: 'offsets', name: 'offsets-1.bin', bytes: bytes.length, status: 'ok' });
  });

  it('answers every mode exactly as the skimmed open of the same index without it', async () => {
    const old = await copy();
    await dropOffsets(old);
    for (const mode of MODES) {
      const [now, before] = [await hits(index, mode), await hits(old, mode)];
      assert.ok(now.length > 0, mode);
      assert.deepEqual(now, before, mode);
    }
  });

  it('still lists every document and chunk when a caller asks for them all', async () => {
    const store = await IndexStore.open(index, { lazyDocuments: true });
    try {
      assert.equal(store.documentCount, 40);
      const skimmed = await IndexStore.open(index, { lazyVectors: true });
      assert.deepEqual([...store.documents()], [...skimmed.documents()]);
      const [first] = skimmed.documents();
      assert.deepEqual(await store.chunksOf(first!), await skimmed.chunksOf(first!));
    } finally {
      await store.close();
    }
  });

  it('reads only the lines of its hits once the chunk file was verified', { skip: !existsSync('/proc/self/io') }, async () => {
    const lines = await copy();
    const skimmed = await copy();
    await dropOffsets(skimmed);
    const { chunks, offsets } = (await manifestOf(lines)).files;
    for (const mode of ['dense', 'bm25'] as const) {
      // First queries: modules loaded, the vector file verified; then the chunk file is trusted.
      assert.deepEqual(await hits(lines, mode), await hits(skimmed, mode));
      await trustChunkFile(lines);
      const start = bytesRead();
      const fromLines = await hits(lines, mode);
      const middle = bytesRead();
      const fromSkim = await hits(skimmed, mode);
      const end = bytesRead();
      assert.deepEqual(fromLines, fromSkim, mode);
      // The skim reads the chunk file whole; the other reads the offsets file and the lines of
      // its hits and of their documents instead.
      const hitIds = new Set(fromLines.map((hit) => hit.chunkId));
      const hitDocs = new Set(fromLines.map((hit) => hit.docId));
      const hitLineBytes = (await linesOf(lines))
        .filter((l) => (l.record.kind === 'chunk' && hitIds.has(l.record.chunk!.id)) || (l.record.kind === 'document' && hitDocs.has(l.record.document!.docId)))
        .reduce((sum, l) => sum + l.bytes + 1, 0);
      const saved = end - middle - (middle - start);
      assert.ok(saved > chunks.bytes - offsets!.bytes - hitLineBytes - 4096, `${mode}: ${middle - start} vs ${end - middle} bytes read, chunk file ${chunks.bytes}, hit lines ${hitLineBytes}`);
    }
  });

  it('refuses a chunk file changed in place, whichever lines the query reads, as the skim did', async () => {
    const damaged = await copy();
    const before = await hits(damaged, 'dense');
    const used = new Set(before.map((hit) => hit.docId));
    // The line of a document the query does not return becomes garbage of the same length.
    const victim = (await linesOf(damaged)).find((l) => l.record.kind === 'document' && !used.has(l.record.document!.docId))!;
    const chunksFile = path.join(damaged, (await manifestOf(damaged)).files.chunks.name);
    await overwrite(chunksFile, victim.start, Buffer.alloc(victim.bytes, 0x78));
    for (const mode of MODES) await assert.rejects(hits(damaged, mode), /chunks-1\.jsonl line \d+ is not valid JSON/, mode);
    const check = await runCli(['check', '--index', damaged], { cwd: root });
    assert.equal(check.code, 2);
    assert.match(check.stderr, /chunks-1\.jsonl does not match its checksum/);
  });

  it('refuses a hit whose line changed in place, naming the chunk file', async () => {
    const damaged = await copy();
    const [top] = await hits(damaged, 'bm25');
    const line = (await linesOf(damaged)).find((l) => l.record.kind === 'chunk' && l.record.chunk!.id === top!.chunkId)!;
    const chunksFile = path.join(damaged, (await manifestOf(damaged)).files.chunks.name);
    const text = (await readFile(chunksFile)).subarray(line.start, line.start + line.bytes).toString('utf8');
    // The same length, still valid JSON: only a checksum can tell.
    const changed = text.replace('vector', 'VECTOR');
    assert.notEqual(changed, text);
    await overwrite(chunksFile, line.start, Buffer.from(changed, 'utf8'));
    for (const mode of MODES) await assert.rejects(hits(damaged, mode), /chunks-1\.jsonl does not match its checksum in the manifest/, mode);
  });

  it('checks a line it reads behind a record that trusts the file as the full parse does', async () => {
    const damaged = await copy();
    const [top] = await hits(damaged, 'bm25');
    const line = (await linesOf(damaged)).find((l) => l.record.kind === 'chunk' && l.record.chunk!.id === top!.chunkId)!;
    const chunksFile = path.join(damaged, (await manifestOf(damaged)).files.chunks.name);
    await overwrite(chunksFile, line.start, Buffer.from('['));
    // A record vouching for the changed file (as if the change fell inside the racy window).
    await trustChunkFile(damaged);
    await assert.rejects(hits(damaged, 'bm25'), /chunks-1\.jsonl has a chunk line that is not valid JSON/);
  });

  it('a damaged offsets file is named by rag check and by a query', async () => {
    const damaged = await copy();
    const file = path.join(damaged, 'offsets-1.bin');
    const size = (await stat(file)).size;
    const middle = Math.floor(size / 2);
    const byte = (await readFile(file))[middle]!;
    await overwrite(file, middle, Buffer.from([byte ^ 0xff]));
    const check = await runCli(['check', '--json', '--index', damaged], { cwd: root });
    assert.equal(check.code, 2);
    const files = (JSON.parse(check.stdout) as { files: Array<{ role: string; status: string }> }).files;
    assert.deepEqual(files.filter((f) => f.status !== 'ok').map((f) => [f.role, f.status]), [['offsets', 'checksum-mismatch']]);
    for (const mode of MODES) await assert.rejects(hits(damaged, mode), /offsets-1\.bin does not match its checksum in the manifest/, mode);
    const cli = await runCli(['query', TEXT, '--index', damaged], { cwd: root });
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /offsets-1\.bin does not match its checksum/);
  });

  it('ignores an offsets file left for another chunk file (an older rag committed after this one)', async () => {
    const older = await copy();
    const stale = await readFile(path.join(older, 'offsets-1.bin'));
    const staleEntry = (await manifestOf(older)).files.offsets!;
    await writeFile(path.join(root, 'docs', 'doc-0.txt'), '# Doc 0\n\nvector database search, rewritten.\n');
    try {
      await ingest({ paths: [path.join(root, 'docs')], index: older, chunkSize: 120, chunkOverlap: 10 });
    } finally {
      await writeCorpus(path.join(root, 'docs'), 40, 11);
    }
    const current = new Map<RetrievalMode, QueryHit[]>();
    for (const mode of MODES) current.set(mode, await hits(older, mode));
    // An older rag keeps the manifest entries it does not know and writes a new chunk file.
    const manifest = await manifestOf(older);
    assert.notEqual(manifest.files.chunks.name, 'chunks-1.jsonl');
    await writeFile(path.join(older, 'offsets-1.bin'), stale);
    manifest.files.offsets = staleEntry;
    await writeFile(path.join(older, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    for (const mode of MODES) assert.deepEqual(await hits(older, mode), current.get(mode), mode);
  });
});
