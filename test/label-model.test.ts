/** Model judging of the pools (loopback chat server), and person-vs-model agreement. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { agreement } from '../src/eval/label/agreement.js';
import { JudgmentStore, personLabels } from '../src/eval/label/judgments.js';
import { judgeWithModel } from '../src/eval/label/model-judge.js';
import { buildPool, type Pool } from '../src/eval/label/pool.js';
import { generateQueries } from '../src/eval/querygen/generate.js';
import { openChatModel } from '../src/llm/open-chat.js';
import { lines, REPO, runCli, tempDir } from './helpers/cli.js';
import { startFakeChatServer, type FakeChatServer } from './helpers/fake-chat-server.js';

let tmp: string;
let dataset: string;
let chat: FakeChatServer;
let pool: Pool;
before(async () => {
  tmp = await tempDir('label-model');
  dataset = path.join(tmp, 'ds');
  chat = await startFakeChatServer();
  await generateQueries({ paths: [path.join(REPO, 'datasets', 'en-sample', 'docs')], llm: openChatModel('ollama:m', { host: chat.origin }), count: 6, out: dataset });
  pool = await buildPool({ dataset, modes: ['bm25'], depth: 3 });
});
after(async () => {
  await chat.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('agreement', () => {
  it("hand-worked Cohen's kappa and confusion table", () => {
    const person = new Map([['a', 0], ['b', 0], ['c', 1], ['d', 2], ['e', 3], ['f', 3], ['only-person', 1]]);
    const model = new Map([['a', 0], ['b', 0], ['c', 1], ['d', 3], ['e', 3], ['f', 3], ['only-model', 2]]);
    const a = agreement(person, model);
    assert.equal(a.n, 6);
    assert.equal(a.observed, 5 / 6);
    assert.equal(a.expected, 11 / 36);
    assert.ok(Math.abs(a.kappa! - 19 / 25) < 1e-12);
    assert.deepEqual(a.confusion, [[2, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 2]]);
    assert.equal(a.binaryKappa, 1);
    assert.equal(agreement(new Map([['a', 1]]), new Map([['a', 1]])).kappa, null, 'one grade only: kappa undefined');
  });
});

describe('judgment store', () => {
  it('keeps nothing in memory that could not be saved', async () => {
    const copy = path.join(tmp, 'copy');
    await cp(dataset, copy, { recursive: true });
    const store = await JudgmentStore.open(copy, 'test');
    await rm(path.join(copy, 'qrels'), { recursive: true });
    await assert.rejects(store.set('q', 'd', 2, { who: 'ana', action: 'judge', pool: { runs: [], depth: 1 } }), /ENOENT/);
    assert.equal(store.isJudged('q', 'd'), false);
  });
});

describe('rag label --llm', () => {
  it('grades every pooled pair into its own qrels, retrying unreadable replies once, resumable', async () => {
    let n = 0;
    chat.respond = (r) => {
      n++;
      if (n === 1) return { content: 'The passage seems relevant.' };
      if (n === 2) return { content: '```json\n{"grade": 2}\n```' };
      const prompt = r.messages.at(-1)!.content;
      const q = /Query: (.*)\n/.exec(prompt)?.[1] ?? '';
      const word = q.split(' ').find((w) => w.length > 4) ?? '###';
      return { content: JSON.stringify({ grade: (r.passage ?? '').toLowerCase().includes(word) ? 3 : 0 }) };
    };
    const store = await JudgmentStore.openModel(dataset, 'test');
    const llm = openChatModel('openai:judge', { baseUrl: `${chat.origin}/v1`, retryBaseMs: 1 });
    const s = await judgeWithModel({ dataset, pool, llm, store, concurrency: 1 });
    assert.equal(s.pairs, pool.pairs.length);
    assert.equal(s.judged, pool.pairs.length);
    assert.equal(s.unreadableReplies, 1);
    assert.equal(s.byGrade.reduce((x, y) => x + y, 0), s.judged);
    const file = (await readFile(path.join(dataset, 'qrels', 'test.llm.tsv'), 'utf8')).trim().split('\n');
    assert.equal(file.length, 1 + pool.pairs.length);
    // The person's qrels are untouched by the model.
    assert.ok(!(await readFile(path.join(dataset, 'qrels', 'test.tsv'), 'utf8')).includes('\t3\n'));
    const again = await judgeWithModel({ dataset, pool, llm, store: await JudgmentStore.openModel(dataset, 'test') });
    assert.equal(again.alreadyJudged, pool.pairs.length);
    assert.equal(again.calls.made + again.calls.cached, 0);
  });

  it('--agreement compares the person judgments from the log with the model', async () => {
    const person = await JudgmentStore.open(dataset, 'test');
    const model = (await JudgmentStore.openModel(dataset, 'test')).entries();
    const pairs = [...model.keys()].slice(0, 4);
    const poolInfo = { runs: pool.runs, depth: pool.depth };
    for (const [i, key] of pairs.entries()) {
      const [q, d] = key.split('\t') as [string, string];
      // Agree on the first three, disagree on the fourth.
      const grade = i < 3 ? model.get(key)! : (model.get(key)! + 1) % 4;
      await person.set(q, d, grade, { who: 'ana', action: 'judge', pool: poolInfo });
    }
    assert.equal((await personLabels(dataset)).size, 4);
    const r = await runCli(['label', '--dataset', dataset, '--agreement', '--json'], { cwd: tmp });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { n: number; observed: number; confusion: number[][] };
    assert.equal(json.n, 4);
    assert.equal(json.observed, 3 / 4);
    const text = await runCli(['label', '--dataset', dataset, '--agreement'], { cwd: tmp });
    assert.match(lines(text.stdout)[0]!, /^Cohen's kappa (-?\d\.\d{3}|undefined) over 4 pairs judged by both \(observed agreement 0\.750/);
    assert.equal(lines(text.stdout).length, 7);
  });
});
