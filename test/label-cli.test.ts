/** `rag label` as a process: prints the tokened URL, saves a judgment posted to it, stops on Ctrl-C. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { generateQueries } from '../src/eval/querygen/generate.js';
import { openChatModel } from '../src/llm/open-chat.js';
import { collect, REPO, runCli, spawnCli, tempDir } from './helpers/cli.js';
import { startFakeChatServer } from './helpers/fake-chat-server.js';

let cwd: string;
before(async () => {
  cwd = await tempDir('label-cli');
  const chat = await startFakeChatServer();
  try {
    await generateQueries({ paths: [path.join(REPO, 'datasets', 'en-sample', 'docs')], llm: openChatModel('ollama:m', { host: chat.origin }), count: 3, out: path.join(cwd, 'ds') });
  } finally {
    await chat.close();
  }
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('rag label', () => {
  it('serves on 127.0.0.1 with a token, writes a posted judgment, exits 0 on Ctrl-C', async () => {
    const child = spawnCli(['label', '--dataset', 'ds', '--mode', 'bm25', '--pool-depth', '2', '--judge', 'ana'], { cwd });
    const done = collect(child, 60_000);
    const url = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^(http:\/\/127\.0\.0\.1:\d+\/\?t=[0-9a-f]{32})$/m.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
    });
    const page = await fetch(`${url}&tab=abc`);
    const html = await page.text();
    const q = /name="q" value="([^"]+)"/.exec(html)?.[1];
    const d = /name="d" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(q && d, html);
    const token = new URL(url).searchParams.get('t')!;
    const posted = await fetch(new URL('/judge', url), { method: 'POST', body: new URLSearchParams({ t: token, tab: 'abc', q, d, grade: '3' }), redirect: 'manual' });
    assert.equal(posted.status, 303);
    assert.ok((await readFile(path.join(cwd, 'ds', 'qrels', 'test.tsv'), 'utf8')).includes(`${q}\t${d}\t3\n`));
    const log = JSON.parse((await readFile(path.join(cwd, 'ds', 'judgments.jsonl'), 'utf8')).trim()) as { who: string; pool: { runs: string[] } };
    assert.equal(log.who, 'ana');
    assert.deepEqual(log.pool.runs, ['hash (bm25)']);
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /pooled pairs \(depth 2 over 1 runs\)/);
  });

  it('refuses a dataset without qrels in one line', async () => {
    const r = await runCli(['label', '--dataset', path.join(REPO, 'datasets', 'zh-sample')], { cwd });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^rag: rag label needs a BEIR dataset: .*qrels\/test\.tsv is missing; make one with `rag queries generate`/);
  });
});
