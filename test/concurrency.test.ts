/**
 * Several rag processes on one index at once: two ingests (different folders, the same folder)
 * both succeed, one waiting for the other's lock, and leave exactly what running them one after
 * the other leaves; with a short --lock-timeout the second fails with the lock message and
 * changes nothing. Queries running in a loop during an ingest always see one whole generation:
 * every chunk's vector is the embedding of that chunk's text, the corpus statistics are those of
 * exactly these chunks, and the documents are all at the old or all at the new version.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveModel } from '../src/embed/registry.js';
import type { Embedder } from '../src/embed/types.js';
import { seededRandom } from '../src/random.js';
import { query } from '../src/retrieve/query.js';
import { IndexStore } from '../src/store/index-store.js';
import { collect, lines, runCli, spawnCli, tempDir } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { dumpIndex } from './helpers/index-dump.js';

let cwd: string;
const rag = (args: string[]): Promise<CliResult> => runCli(args, { cwd });
/** Starts a CLI run; `result` resolves when it ends. */
const start = (args: string[]): { pid: number | undefined; result: Promise<CliResult> } => {
  const child = spawnCli(args, { cwd });
  return { pid: child.pid, result: collect(child) };
};

const WORDS = 'river mountain cloud engine vector index search query token paper stone light shadow garden market signal harbour lantern meadow orbit'.split(' ');
function text(seed: number, words: number): string {
  const random = seededRandom(seed);
  return `${Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]!).join(' ')}.`;
}

async function writeDocs(dir: string, prefix: string, count: number, version: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await writeFile(path.join(dir, `${prefix}${i}.md`), `# ${prefix} ${i} ${version}\n\n${text(i * 7 + version.length, 120)} ${version}\n`);
  }
}

/** Resolves when the process `pid` holds the lock of `index`. */
async function holdsLock(index: string, pid: number | undefined, result: Promise<CliResult>): Promise<void> {
  let ended = false;
  void result.then(() => (ended = true));
  while (!ended) {
    const owner = await readFile(path.join(index, 'lock'), 'utf8').then((t) => (JSON.parse(t) as { pid: number }).pid, () => undefined);
    if (owner === pid) return;
    await sleep(3);
  }
  assert.fail('the ingest ended before it was seen holding the lock');
}

before(async () => {
  cwd = await tempDir('concurrency');
  await writeDocs(path.join(cwd, 'p1'), 'one', 60, 'v1');
  await writeDocs(path.join(cwd, 'p2'), 'two', 60, 'v1');
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('two ingests on one index at once', () => {
  it('different folders: both succeed and the index equals running them one after the other', async () => {
    const [a, b] = await Promise.all([
      rag(['ingest', 'p1', '--index', 'both', '--lock-timeout', '60', '--json']),
      rag(['ingest', 'p2', '--index', 'both', '--lock-timeout', '60', '--json']),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    for (const folder of ['p1', 'p2']) {
      const r = await rag(['ingest', folder, '--index', 'sequential', '--json']);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await dumpIndex(path.join(cwd, 'both'))).counts.documents, 120);
    assert.deepEqual(await dumpIndex(path.join(cwd, 'both')), await dumpIndex(path.join(cwd, 'sequential')));
  });

  it('the same folder twice: one adds everything, the other finds it unchanged', async () => {
    const runs = await Promise.all([1, 2].map(() => rag(['ingest', 'p1', '--index', 'twice', '--lock-timeout', '60', '--json'])));
    const added = runs.map((r) => {
      assert.equal(r.code, 0, r.stderr);
      const { documents } = JSON.parse(r.stdout) as { documents: { added: number; unchanged: number } };
      return [documents.added, documents.unchanged];
    });
    assert.deepEqual(added.sort(), [[0, 60], [60, 0]]);
    const once = await rag(['ingest', 'p1', '--index', 'once', '--json']);
    assert.equal(once.code, 0, once.stderr);
    assert.deepEqual(await dumpIndex(path.join(cwd, 'twice')), await dumpIndex(path.join(cwd, 'once')));
  });

  it('with a short --lock-timeout the second fails naming the first; Ctrl-C then stops the first cleanly', async () => {
    await writeDocs(path.join(cwd, 'big'), 'big', 200, 'v1');
    const index = path.join(cwd, 'short');
    // Committing after every document keeps the first run busy for a while.
    const child = spawnCli(['ingest', 'big', '--index', 'short', '--commit-every', '1', '--json'], { cwd });
    const first = { pid: child.pid, result: collect(child) };
    await holdsLock(index, first.pid, first.result);
    const second = await rag(['ingest', 'p2', '--index', 'short', '--lock-timeout', '0.2']);
    assert.equal(second.code, 2);
    assert.equal(second.stdout, '');
    assert.match(
      lines(second.stderr).join('\n'),
      new RegExp(`^rag: index ${index} is locked by another rag process \\(pid ${first.pid}, since [^)]+\\); wait for it to finish or delete ${path.join(index, 'lock')} if that process is gone$`),
    );

    // Ctrl-C: the first stops after its current step, keeps its commits, releases the lock, exits 130.
    child.kill('SIGINT');
    const r = await first.result;
    assert.equal(r.code, 130, r.stderr);
    // --json: the interrupt is reported as a JSON error on stdout too.
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'interrupted');
    const last = lines(r.stderr).at(-1)!;
    const match = /^rag: interrupted: (\d+) of 200 new or changed documents are committed, the rest are not; run the same ingest again to finish$/.exec(last);
    assert.ok(match, last);
    assert.ok(!(await readdir(index)).includes('lock'), 'the lock was released');
    const docs = [...(await IndexStore.open(index)).documents()].map((d) => d.docId);
    assert.equal(docs.length, Number(match[1]));
    assert.ok(docs.every((id) => id.startsWith('big')), 'nothing of the refused ingest was written');

    const again = await rag(['ingest', 'big', '--index', 'short', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { documents: { unchanged: number } }).documents.unchanged, Number(match[1]));
    const clean = await rag(['ingest', 'big', '--index', 'big-clean']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual(await dumpIndex(index), await dumpIndex(path.join(cwd, 'big-clean')));
  });
});

describe('queries during an ingest', () => {
  let hash: Embedder;
  before(async () => {
    hash = await resolveModel('hash');
  });

  interface Snapshot {
    /** docId -> contentHash. */
    docs: Map<string, string>;
    stats: Buffer;
  }

  /**
   * Opens the index and checks that what it loaded belongs together: sampled chunks' vectors are
   * the embeddings of their texts (a vector file of another generation would not match).
   * `full` also checks the corpus statistics against all chunk texts (slower).
   */
  async function snapshot(index: string, sample: number, full = false): Promise<Snapshot> {
    const store = await IndexStore.open(index);
    const all = [...store.documents()].flatMap((d) => d.chunkIds);
    const random = seededRandom(all.length + sample);
    const ids = full ? all : Array.from({ length: sample }, () => all[Math.floor(random() * all.length)]!);
    const texts = ids.map((id) => store.getChunk(id)!.text);
    const { vectors } = await hash.embedDocuments(texts);
    ids.forEach((id, i) => {
      const stored = store.vectorOf(id)!;
      let diff = 0;
      for (let j = 0; j < stored.length; j++) diff = Math.max(diff, Math.abs(stored[j]! - vectors[i]![j]!));
      assert.ok(diff < 1e-6, `the vector of ${id} is not the embedding of its text (max difference ${diff})`);
    });
    if (full) {
      const stats = (await resolveModel('hash')).corpusStatistics!;
      stats.add(texts);
      assert.ok(stats.serialize().equals(store.corpusStatistics()!), 'the corpus statistics are not those of these chunks');
    }
    return { docs: new Map([...store.documents()].map((d) => [d.docId, d.contentHash])), stats: store.corpusStatistics()! };
  }

  it('every query succeeds and sees the old or the new generation, never a mix', async (t) => {
    const folder = path.join(cwd, 'changing');
    await writeDocs(folder, 'doc', 200, 'old');
    const r = await rag(['ingest', 'changing', '--index', 'live', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const index = path.join(cwd, 'live');
    const before = await snapshot(index, 0, true);
    // Every document changes: a mixed generation would show both versions.
    await writeDocs(folder, 'doc', 200, 'new');
    const reference = path.join(cwd, 'reference');
    await cp(index, reference, { recursive: true });
    assert.equal((await rag(['ingest', 'changing', '--index', 'reference'])).code, 0);
    const afterState = await snapshot(reference, 0, true);

    const ingest = start(['ingest', 'changing', '--index', 'live', '--json']);
    let running = true;
    void ingest.result.then(() => (running = false));
    const seen: string[] = [];
    let duringRun = 0;
    // Until the ingest has ended, then once more.
    for (let ended = false; !ended; ) {
      ended = !running;
      const wasRunning = running;
      const state = await snapshot(index, 12);
      const same = (other: Snapshot): boolean =>
        JSON.stringify([...state.docs].sort()) === JSON.stringify([...other.docs].sort()) && state.stats.equals(other.stats);
      assert.ok(same(before) || same(afterState), 'a generation that is neither the old nor the new one');
      seen.push(same(before) ? 'old' : 'new');
      const hits = await query({ text: 'river harbour lantern', index, k: 3 });
      assert.equal(hits.results.length, 3);
      for (const hit of hits.results) assert.ok(before.docs.has(hit.docId));
      if (wasRunning && running) duringRun++;
    }
    const result = await ingest.result;
    assert.equal(result.code, 0, result.stderr);
    t.diagnostic(`${seen.length} snapshots and queries, ${duringRun} while the ingest ran: ${seen.filter((s) => s === 'old').length} old, ${seen.filter((s) => s === 'new').length} new`);
    assert.ok(duringRun >= 3, `only ${duringRun} queries overlapped the ingest`);
    assert.equal(seen.at(-1), 'new');
    assert.deepEqual(await dumpIndex(index), await dumpIndex(reference));
    assert.deepEqual((await readdir(index)).filter((n) => n.includes('.tmp-') || n === 'lock'), []);
  });
});
