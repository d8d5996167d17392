/**
 * Atomic file helpers, and the property they exist for: a writer killed (SIGKILL) at any moment
 * of a commit leaves an index that opens in its old state or its new one, never a mix.
 */
import { existsSync } from 'node:fs';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileAtomic, writeFileAtomicStream, replaceFileAtomic } from '../src/store/atomic.js';
import { fileChecksum } from '../src/store/checksum.js';
import { COMMIT_STEPS, IndexStore, type CommitStep } from '../src/store/index.js';
import { childScriptArgs } from './helpers/child-script.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
let root: string;
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates and replaces a file, leaving no temp file', async () => {
    const path = join(root, 'a.json');
    await writeFileAtomic(path, '{"v":1}');
    await writeFileAtomic(path, Buffer.from('{"v":2}'));
    assert.equal(await readFile(path, 'utf8'), '{"v":2}');
    assert.deepEqual((await readdir(root)).filter((n) => n.startsWith('a.json')), ['a.json']);
  });

  it('leaves the old content and no temp file when producing the new one fails', async () => {
    const path = join(root, 'b.txt');
    await writeFileAtomic(path, 'old');
    await assert.rejects(
      replaceFileAtomic(path, async (temp) => {
        await writeFile(temp, 'half');
        throw new Error('disk full');
      }),
      /disk full/,
    );
    assert.equal(await readFile(path, 'utf8'), 'old');
    assert.deepEqual((await readdir(root)).filter((n) => n.startsWith('b.txt')), ['b.txt']);
  });

  it('streams many pieces (more than its buffer) and reports the byte count', async () => {
    const path = join(root, 'c.jsonl');
    function* lines(): Generator<string> {
      for (let i = 0; i < 10_000; i++) yield `${JSON.stringify({ i, text: '向量'.repeat(50) })}\n`;
    }
    const { bytes, checksum } = await writeFileAtomicStream(path, lines());
    const text = await readFile(path, 'utf8');
    assert.equal(bytes, (await stat(path)).size);
    assert.equal(checksum, await fileChecksum(path));
    assert.ok(bytes > 1 << 21);
    const all = text.split('\n');
    assert.equal(all.length, 10_001);
    assert.deepEqual(JSON.parse(all[9_999]!), { i: 9_999, text: '向量'.repeat(50) });
  });

  it('writes pieces bigger than its buffer as they are, in order among small ones', async () => {
    const path = join(root, 'd.bin');
    const big = Buffer.alloc(3 << 20, 7);
    big[0] = 1;
    big[big.length - 1] = 2;
    const pieces = [Buffer.from('head'), big, Buffer.from('tail'), new Uint8Array(big.buffer, big.byteOffset + 1, 5)];
    const { bytes, checksum } = await writeFileAtomicStream(path, pieces);
    const expected = Buffer.concat(pieces);
    assert.equal(bytes, expected.length);
    assert.deepEqual(await readFile(path), expected);
    assert.equal(checksum, await fileChecksum(path));
  });
});

// ---- crash safety -----------------------------------------------------------------------------

/**
 * Shared by the test and the child: index state `s` is fully determined by `s` (which documents,
 * how many chunks, texts, vectors, statistics), so any mix of two generations is detectable.
 */
const STATE_MODULE = `
import { writeIndex } from ${JSON.stringify(join(repo, 'src/store/index.ts'))};
export const DIM = 16;
export const init = {
  model: { id: 'hash', provider: 'builtin', name: 'hash', dimension: DIM, normalize: true },
  modelFingerprint: 'f00d',
  chunking: { chunkSize: 100, chunkOverlap: 0, lengthUnit: 'characters' },
};
export function vec(text) {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Float32Array.from({ length: DIM }, (_, i) => Math.sin((h % 9973) * (i + 1)) + (i === h % DIM ? 3 : 0));
}
export function stateDocs(s) {
  const count = 3 + (s % 4);
  return Array.from({ length: count }, (_, i) => {
    const docId = 'doc-' + i;
    const texts = Array.from({ length: 1 + ((i + s) % 3) }, (_, j) => 's' + s + '-' + docId + '-chunk' + j);
    const chunks = texts.map((text, index) => ({ id: docId + '#' + index, docId, index, text, page: null, start: 0, end: text.length, headings: [] }));
    return { doc: { docId, source: docId, origin: 'x', format: 'text', contentHash: 's' + s, chunkIds: chunks.map((c) => c.id) }, chunks, vectors: texts.map(vec) };
  });
}
export async function commitState(dir, s) {
  await writeIndex(dir, init, async (tx) => {
    const keep = new Set(stateDocs(s).map((d) => d.doc.docId));
    for (const d of [...tx.store.documents()]) if (!keep.has(d.docId)) tx.removeDocument(d.docId);
    for (const d of stateDocs(s)) tx.putDocument(d.doc, d.chunks, d.vectors);
    tx.setCorpusStatistics(Buffer.from('stats-' + s));
  // Even states keep an HNSW graph (graphWork 0), odd ones only the flat vectors (the default
  // budget for so few chunks): commits build and drop the graph, so every step is reached.
  }, { lockTimeoutMs: 20000, graphWork: s % 2 === 0 ? 0 : undefined });
}
`;

const CHILD = `
import { commitState } from './state.mts';
const [dir, start, mode] = process.argv.slice(2);
if (mode === 'once') {
  await commitState(dir, Number(start));
} else {
  process.stdout.write('ready\\n');
  for (let s = Number(start); ; s++) await commitState(dir, s);
}
`;

interface StateModule {
  DIM: number;
  vec(text: string): Float32Array;
  stateDocs(s: number): Array<{ doc: { docId: string }; chunks: Array<{ id: string; text: string }> }>;
  commitState(dir: string, s: number): Promise<void>;
}

let state: StateModule;
/** How to start the child: a plain-node bundle when esbuild (tsx's own compiler) is there, else tsx. */
let childCommand: string[];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'rag-atomic-'));
  // .mts: ESM whatever package.json (or none) the temp directory sits under.
  await writeFile(join(root, 'state.mts'), STATE_MODULE);
  state = (await import(pathToFileURL(join(root, 'state.mts')).href)) as StateModule;
  await writeFile(join(root, 'child.mts'), CHILD);
  childCommand = await childScriptArgs(root, 'child');
});

function runChild(args: string[], env: Record<string, string> = {}): { ready: Promise<void>; exit: Promise<NodeJS.Signals | number | null>; kill(): void } {
  const child = spawn(process.execPath, [...childCommand, ...args], {
    cwd: repo,
    env: { ...process.env, NODE_PATH: join(repo, 'node_modules'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const exit = new Promise<NodeJS.Signals | number | null>((resolve, reject) =>
    child.on('exit', (code, signal) => (code !== 0 && code !== null ? reject(new Error(`child failed (${code}): ${stderr}`)) : resolve(signal ?? code))),
  );
  return { ready, exit, kill: () => child.kill('SIGKILL') };
}

/** Opens the index and checks it is exactly one state; returns that state's number. */
async function checkConsistent(dir: string): Promise<number> {
  const store = await IndexStore.open(dir);
  const stats = store.corpusStatistics()?.toString() ?? '';
  const match = /^stats-(\d+)$/.exec(stats);
  assert.ok(match, `statistics blob ${JSON.stringify(stats)}`);
  const s = Number(match[1]);
  const expected = state.stateDocs(s);
  assert.deepEqual([...store.documents()].map((d) => [d.docId, d.contentHash]).sort(), expected.map((d) => [d.doc.docId, `s${s}`]).sort());
  let chunks = 0;
  for (const d of expected) {
    for (const c of d.chunks) {
      chunks++;
      assert.equal(store.getChunk(c.id)?.text, c.text);
      // The vector file belongs to the same generation: each chunk's stored vector is its own.
      const stored = store.vectorOf(c.id)!;
      const want = state.vec(c.text);
      const norm = Math.hypot(...want);
      stored.forEach((x, i) => assert.ok(Math.abs(x - want[i]! / norm) < 1e-5, `vector of ${c.id} in state ${s}`));
      assert.equal(store.search(want, 1)[0]?.chunk.id, c.id);
      // The graph, when there is one, is this generation's too (few vectors: ef 50 walks them all).
      if (store.manifest.files.vectors !== undefined) assert.equal(store.search(want, 1, { exact: false, ef: 50 })[0]?.chunk.id, c.id);
    }
  }
  assert.equal(store.chunkCount, chunks);
  assert.equal(store.manifest.files.vectors !== undefined, s % 2 === 0, `state ${s} ${s % 2 === 0 ? 'has' : 'has no'} graph`);
  return s;
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('a commit killed at any point leaves the old or the new state', () => {
  // Before the manifest's rename the old state must survive; from then on the new one.
  const expectNew = new Set<CommitStep>(['manifest-written', 'cleaned']);

  for (const step of COMMIT_STEPS) {
    it(`SIGKILL at ${step}`, async () => {
      const dir = join(root, `step-${step}`);
      await state.commitState(dir, 4);
      await state.commitState(dir, 5);
      const child = runChild([dir, '6', 'once'], { RAG_TEST_CRASH_AT: step });
      assert.equal(await child.exit, 'SIGKILL');
      assert.equal(await checkConsistent(dir), expectNew.has(step) ? 6 : 5);
      assert.ok((await listing(dir)).includes('lock'), 'the killed writer left its lock behind');

      // The next writer takes over the dead writer's lock and removes its leftovers.
      await state.commitState(dir, 7);
      assert.equal(await checkConsistent(dir), 7);
      const store = await IndexStore.open(dir);
      const referenced = Object.values(store.manifest.files).map((f) => f.name);
      assert.deepEqual(await listing(dir), [...referenced, 'manifest.json'].sort());
    });
  }

  it('survives 20 kills at random moments of a commit loop', async () => {
    const dirs = [join(root, 'random-a'), join(root, 'random-b')];
    const seen = new Set<number>();
    // Two loops side by side: each round kills both children at independent random delays.
    await Promise.all(
      dirs.map(async (dir, lane) => {
        let next = 0;
        // On a loaded machine a child may not finish a commit within the random window; widen the
        // window after each round without progress so the test cannot pass vacuously or flake.
        let patience = 0;
        for (let round = 0; round < 10; round++) {
          const child = runChild([dir, String(next), 'loop']);
          await child.ready;
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150) + patience));
          child.kill();
          assert.equal(await child.exit, 'SIGKILL');
          const before = next;
          // A child killed before writeIndex created the folder has committed nothing yet.
          if (existsSync(join(dir, 'manifest.json'))) {
            const s = await checkConsistent(dir);
            seen.add(s * 2 + lane);
            next = s + 1;
          }
          patience = next > before ? 0 : patience + 150;
        }
      }),
    );
    assert.ok(seen.size >= 4, `the loops made progress (${seen.size} distinct states observed)`);
  });
});
