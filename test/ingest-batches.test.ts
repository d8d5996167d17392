/**
 * ingest() commits in batches (CommitSchedule) and stops cleanly on an AbortSignal: what was
 * committed stays, the lock is released, and a re-run finishes to exactly a clean ingest.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CommitSchedule, EMBED_GROUP_TEXTS, embedGroups } from '../src/ingest/commit-schedule.js';
import { IngestInterruptedError } from '../src/ingest/interrupted.js';
import { ingest } from '../src/ingest/pipeline.js';
import type { IngestEvent, IngestOptions } from '../src/ingest/pipeline.js';
import { IndexStore } from '../src/store/index-store.js';
import { dumpIndex } from './helpers/index-dump.js';

describe('CommitSchedule', () => {
  it('commits after N documents, or once the interval passed and the last commit took at most a fifth of it', () => {
    let now = 0;
    const byCount = new CommitSchedule({ documents: 10 }, () => now);
    assert.equal(byCount.groupDocuments, 10);
    assert.equal(byCount.staged(6), false);
    assert.equal(byCount.groupDocuments, 4);
    assert.equal(byCount.staged(4), true);
    byCount.committed(now);
    assert.equal(byCount.groupDocuments, 10);

    const byTime = new CommitSchedule(undefined, () => now);
    assert.equal(byTime.groupDocuments, Infinity);
    now = 59_999;
    assert.equal(byTime.staged(1000), false);
    now = 60_000;
    assert.equal(byTime.staged(1), true);
    // A commit that took 20 s: the next one waits 5 x 20 s, not 60 s.
    now = 80_000;
    byTime.committed(60_000);
    now = 80_000 + 60_000;
    assert.equal(byTime.staged(1), false);
    now = 80_000 + 100_000;
    assert.equal(byTime.staged(1), true);

    const never = new CommitSchedule(null, () => now);
    now = 1e12;
    assert.equal(never.staged(1e9), false);
  });

  it('embedGroups never splits a document and closes a group at the text or document limit', () => {
    const docs = (sizes: number[]): Array<{ id: number; chunks: number[] }> => sizes.map((n, id) => ({ id, chunks: Array.from({ length: n }, () => 0) }));
    const ids = (groups: Iterable<Array<{ id: number }>>): number[][] => [...groups].map((g) => g.map((d) => d.id));
    assert.deepEqual(ids(embedGroups(docs([1, 1, 1, 1, 1]), () => 2)), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(ids(embedGroups(docs([EMBED_GROUP_TEXTS - 1, 5, 1]), () => Infinity)), [[0, 1], [2]]);
  });
});

describe('ingest() in batches, interrupted', () => {
  let root: string;
  const docs = (): string => path.join(root, 'docs');
  const options = (index: string, extra: Partial<IngestOptions> = {}): IngestOptions => ({
    paths: [docs()],
    index: path.join(root, index),
    cacheDir: path.join(root, 'cache'),
    ...extra,
  });

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'rag-batches-'));
    await mkdir(docs());
    for (let i = 0; i < 20; i++) await writeFile(path.join(docs(), `d${String(i).padStart(2, '0')}.md`), `# Doc ${i}\n\nriver ${i} harbour lantern meadow ${i * 3}.\n`);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('commitEvery: one generation per batch, same contents as one commit', async () => {
    const events: IngestEvent[] = [];
    await ingest(options('batched', { commitEvery: { documents: 6 }, onEvent: (e) => events.push(e) }));
    assert.deepEqual(
      events.filter((e) => e.type === 'committed'),
      [6, 12, 18].map((documents) => ({ type: 'committed', documents, total: 20 })),
    );
    assert.equal((await IndexStore.open(path.join(root, 'batched'))).manifest.generation, 4);
    await ingest(options('whole'));
    assert.equal((await IndexStore.open(path.join(root, 'whole'))).manifest.generation, 1);
    assert.deepEqual(await dumpIndex(path.join(root, 'batched')), await dumpIndex(path.join(root, 'whole')));
  });

  it('an abort keeps the committed batches, releases the lock, and a re-run completes', async () => {
    const controller = new AbortController();
    const run = ingest(
      options('aborted', {
        commitEvery: { documents: 4 },
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'committed' && e.documents === 8) controller.abort();
        },
      }),
    );
    await assert.rejects(run, (error: unknown) => {
      assert.ok(error instanceof IngestInterruptedError);
      assert.equal(error.code, 'interrupted');
      assert.equal(error.committedDocuments, 8);
      assert.equal(error.message, 'interrupted: 8 of 20 new or changed documents are committed, the rest are not; run the same ingest again to finish');
      return true;
    });
    const index = path.join(root, 'aborted');
    assert.equal((await IndexStore.open(index)).documentCount, 8);
    assert.ok(!(await readdir(index)).includes('lock'));
    const summary = await ingest(options('aborted'));
    assert.deepEqual([summary.documents.unchanged, summary.documents.added], [8, 12]);
    assert.deepEqual(await dumpIndex(index), await dumpIndex(path.join(root, 'whole')));
  });

  it('an abort before anything was written leaves no index', async () => {
    await assert.rejects(ingest(options('never', { signal: AbortSignal.abort() })), {
      name: 'IngestInterruptedError',
      message: 'interrupted before anything was written; the index is as it was',
    });
    assert.ok(!(await readdir(root)).includes('never'));
  });
});
