/**
 * `rag ingest` killed with SIGKILL part-way, at spread delays and at three moments found by
 * watching the index folder (the lock appears; the next generation's first file appears; the new
 * manifest is in place). After
 * every kill the index must hold exactly the state before the run (A) or after it (B), never a
 * mix; `rag query` must work on it; and a following ingest must take over the dead run's lock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IndexStore } from '../src/store/index-store.js';
import { collect, runCli, spawnCli, tempDir } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';

/** BEIR lines added by run B: enough that an ingest takes a second or two here. */
const CORPUS_LINES = 200;
const NOTES = 30;

let cwd: string;
const docs = (): string => path.join(cwd, 'docs');
const idxA = (): string => path.join(cwd, 'idx-a');

/** docId -> contentHash, sorted by docId. */
type State = Array<[string, string]>;
let stateA: State;
let stateB: State;
/** Wall time of an uninterrupted run from A to B. */
let fullRunMs: number;

async function stateOf(index: string): Promise<State> {
  const store = await IndexStore.open(index);
  return [...store.documents()].map((d): [string, string] => [d.docId, d.contentHash]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const WORDS = 'river mountain cloud engine vector index search query token paper stone light shadow garden market signal harbour lantern meadow orbit'.split(' ');
function text(seed: number, words: number): string {
  let x = seed + 1;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(WORDS[x % WORDS.length]!);
  }
  return `${out.join(' ')}.`;
}

const rag = (args: string[]): Promise<CliResult> => runCli(args, { cwd });

before(async () => {
  cwd = await tempDir('ingest-kill');
  await mkdir(path.join(docs(), 'notes'), { recursive: true });
  for (let i = 0; i < NOTES; i++) await writeFile(path.join(docs(), 'notes', `n${i}.md`), `# Note ${i}\n\n${text(i, 80)}\n`);
  const a = await rag(['ingest', 'docs', '--index', 'idx-a', '--json']);
  assert.equal(a.code, 0, a.stderr);
  stateA = await stateOf(idxA());
  assert.equal(stateA.length, NOTES);

  // Set B: ten notes changed, ten deleted, a corpus of CORPUS_LINES documents added.
  for (let i = 0; i < 10; i++) await writeFile(path.join(docs(), 'notes', `n${i}.md`), `# Note ${i} (revised)\n\n${text(1000 + i, 80)}\n`);
  for (let i = 10; i < 20; i++) await unlink(path.join(docs(), 'notes', `n${i}.md`));
  const corpus = Array.from({ length: CORPUS_LINES }, (_, i) => JSON.stringify({ _id: `c${i}`, title: `Entry ${i}`, text: text(5000 + i, 70) }));
  await writeFile(path.join(docs(), 'corpus.jsonl'), `${corpus.join('\n')}\n`);

  // The reference run A -> B, uninterrupted.
  await cp(idxA(), path.join(cwd, 'idx-ref'), { recursive: true });
  const started = Date.now();
  const b = await rag(['ingest', 'docs', '--index', 'idx-ref', '--json']);
  fullRunMs = Date.now() - started;
  assert.equal(b.code, 0, b.stderr);
  const summary = JSON.parse(b.stdout) as { documents: Record<string, number> };
  assert.deepEqual(summary.documents, { added: CORPUS_LINES, updated: 10, unchanged: 10, removed: 10, skipped: 0, failed: 0 });
  stateB = await stateOf(path.join(cwd, 'idx-ref'));
  assert.equal(stateB.length, 20 + CORPUS_LINES);
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

interface Kill {
  label: string;
  index: string;
  result: CliResult;
  /** `rag query --json` on the index as the kill left it, started right away (it overlaps the next kill). */
  query: Promise<CliResult>;
}

/** Starts the A -> B ingest on a fresh copy of index A and SIGKILLs it when `trigger` resolves. */
async function killDuring(name: string, label: string, trigger: (index: string, child: ChildProcess) => Promise<void>): Promise<Kill> {
  const index = path.join(cwd, name);
  await cp(idxA(), index, { recursive: true });
  const child = spawnCli(['ingest', 'docs', '--index', name, '--json'], { cwd });
  const done = collect(child);
  await Promise.race([trigger(index, child), done]);
  child.kill('SIGKILL');
  const result = await done;
  const query = rag(['query', 'river mountain harbour', '--index', name, '--json', '-k', '3']);
  query.catch(() => undefined);
  return { label, index, result, query };
}

/** Resolves when `dir` holds a file matching `wanted` (polled every 2 ms). */
async function appears(dir: string, wanted: (name: string) => boolean, child: ChildProcess): Promise<void> {
  while (child.exitCode === null && child.signalCode === null) {
    if ((await readdir(dir)).some(wanted)) return;
    await sleep(2);
  }
}

describe('rag ingest killed mid-run', () => {
  const kills: Kill[] = [];

  it('leaves exactly state A or state B after every kill', async (t) => {
    t.diagnostic(`uninterrupted A -> B ingest: ${fullRunMs} ms`);
    const fractions = [0.2, 0.4, 0.6, 0.75, 0.85, 0.95, 1.1];
    for (const [i, f] of fractions.entries()) {
      const delay = Math.round(f * fullRunMs);
      kills.push(await killDuring(`idx-${i}`, `after ${delay} ms`, () => sleep(delay)));
    }
    const initial = new Set(await readdir(idxA()));
    kills.push(await killDuring('idx-lock', 'when the lock appears', (index, child) => appears(index, (n) => n === 'lock', child)));
    kills.push(
      await killDuring('idx-commit', 'when the next generation starts', (index, child) =>
        // The first file of the next generation (or its temp file); lock files do not count.
        appears(index, (n) => /^(chunks|vectors|stats)-\d+\./.test(n) && !initial.has(n), child),
      ),
    );
    const manifestA = await readFile(path.join(idxA(), 'manifest.json'), 'utf8');
    kills.push(
      await killDuring('idx-manifest', 'when the new manifest is in place', async (index, child) => {
        while (child.exitCode === null && child.signalCode === null) {
          const now = await readFile(path.join(index, 'manifest.json'), 'utf8').catch(() => manifestA);
          if (now !== manifestA) return;
          await sleep(2);
        }
      }),
    );

    const seen: string[] = [];
    for (const kill of kills) {
      const state = await stateOf(kill.index);
      const isA = JSON.stringify(state) === JSON.stringify(stateA);
      const isB = JSON.stringify(state) === JSON.stringify(stateB);
      assert.ok(isA || isB, `${kill.label}: ${state.length} documents, neither state A (${stateA.length}) nor B (${stateB.length})`);
      // Only a run that finished may show B, and a finished run always shows B.
      if (kill.result.code === 0) assert.ok(isB, `${kill.label}: exited 0 but the index is not state B`);
      else assert.equal(kill.result.signal, 'SIGKILL');
      seen.push(`${kill.label}: ${kill.result.signal ?? `exit ${kill.result.code}`} -> ${isA ? 'A' : 'B'}`);
    }
    t.diagnostic(seen.join('; '));
    // Killed while holding the lock, before it could commit: A. Killed (or done) once the new
    // manifest was in place: B, whatever cleanup was left undone.
    const [lockKill, , manifestKill] = kills.slice(-3);
    assert.equal(lockKill!.result.signal, 'SIGKILL');
    assert.deepEqual(await stateOf(lockKill!.index), stateA);
    assert.deepEqual(await stateOf(manifestKill!.index), stateB);
  });

  it('rag query --json works on every killed index', async () => {
    assert.equal(kills.length, 10);
    const results = await Promise.all(kills.map((k) => k.query));
    results.forEach((r, i) => {
      assert.equal(r.code, 0, `${kills[i]!.label}: ${r.stderr}`);
      assert.equal((JSON.parse(r.stdout) as { results: unknown[] }).results.length, 3);
    });
  });

  it('a following ingest takes over the dead run\'s lock and completes to state B', async () => {
    const killed = kills.find((k) => k.label === 'when the lock appears')!;
    const lockOwner = (await readdir(killed.index)).includes('lock');
    assert.ok(lockOwner, 'the run killed while holding the lock left its lock file behind');
    const r = await rag(['ingest', 'docs', '--index', path.basename(killed.index), '--json', '--lock-timeout', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await stateOf(killed.index), stateB);
    // No lock, no temp files or unfinished generations left: only the manifest and the files it names.
    const manifest = (await IndexStore.open(killed.index)).manifest;
    const named = Object.values(manifest.files).map((f) => f!.name);
    assert.deepEqual((await readdir(killed.index)).sort(), ['manifest.json', ...named].sort());
  });
});
