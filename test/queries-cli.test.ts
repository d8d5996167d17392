/** `rag queries generate` as a user runs it: a real CLI process against a loopback chat server, then `rag eval` on its output. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { collect, lines, REPO, runCli, spawnCli, tempDir } from './helpers/cli.js';
import { startFakeChatServer, type FakeChatServer } from './helpers/fake-chat-server.js';

let server: FakeChatServer;
let cwd: string;
before(async () => {
  server = await startFakeChatServer();
  cwd = await tempDir('queries-cli');
});
after(async () => {
  await server.close();
  await rm(cwd, { recursive: true, force: true });
});

const ZH_DOCS = path.join(REPO, 'datasets', 'zh-sample', 'docs');

describe('rag queries generate', () => {
  it('--dry-run prints the plan and calls nothing', async () => {
    const r = await runCli(['queries', 'generate', ZH_DOCS, '--llm', 'ollama:qwen2.5', '--count', '12', '--out', 'gen', '--dry-run'], { cwd, env: { OLLAMA_HOST: server.origin } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^would sample 4 passages \(4 Chinese, 0 English\) from \d+ of \d+ chunks in 20 documents$/m);
    assert.match(r.stdout, /calls: 4 to generate \(0 already cached\)/);
    assert.equal(server.requests.length, 0);
    assert.ok(!existsSync(path.join(cwd, 'gen')));
  });

  it('generates through OLLAMA_HOST, and rag eval reads the folder as is', async () => {
    const r = await runCli(['queries', 'generate', ZH_DOCS, '--llm', 'ollama:qwen2.5', '--count', '12', '--out', 'gen'], { cwd, env: { OLLAMA_HOST: server.origin } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(lines(r.stdout)[0]!, /^12 queries kept of 12 asked, from 4 passages of 20 documents$/);
    assert.equal(server.requests.length, 4);
    const e = await runCli(['eval', '--dataset', 'gen', '--mode', 'bm25', '--out', 'eval-out', '--json'], { cwd });
    assert.equal(e.code, 0, e.stderr);
    const json = JSON.parse(e.stdout) as { runs: Array<{ evaluatedQueries: number; metrics: Record<string, number> }> };
    assert.equal(json.runs[0]!.evaluatedQueries, 12);
    assert.ok(json.runs[0]!.metrics['judged_at_10']! > 0);
  });

  it('fails in one line without the API key when the endpoint rejects it', async () => {
    server.respond = () => ({ status: 401, body: '{"error":"bad key"}' });
    const r = await runCli(['queries', 'generate', ZH_DOCS, '--llm', 'openai:gpt-4o-mini', '--count', '3', '--out', 'gen401', '--base-url', `${server.origin}/v1`], {
      cwd,
      env: { OPENAI_API_KEY: 'sk-live-VERYSECRET-abcdefghijkl' },
    });
    assert.equal(r.code, 2, r.stderr);
    // The plan line (progress), then the one error line.
    assert.match(lines(r.stderr)[0]!, /^20 documents, \d+ chunks \(\d+ usable\) -> 1 passage, 1 call to openai:gpt-4o-mini$/);
    assert.deepEqual(lines(r.stderr).slice(1), [`rag: the chat endpoint at ${server.origin}/v1/chat/completions rejected the API key (401); set OPENAI_API_KEY`]);
    assert.ok(!(r.stderr + r.stdout).includes('VERYSECRET'));
  });

  it('stops on Ctrl-C with exit 130, keeping the replies it got for the next run', async () => {
    const slow = await startFakeChatServer({ delayMs: 300 });
    try {
      const child = spawnCli(['queries', 'generate', ZH_DOCS, '--llm', 'ollama:m', '--count', '60', '--out', 'genint', '--concurrency', '1'], { cwd, env: { OLLAMA_HOST: slow.origin } });
      const done = collect(child, 60_000);
      while (slow.requests.length < 3) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      const r = await done;
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /rag: stopped; [23] replies are cached; run the same command again to continue/);
      assert.ok(!existsSync(path.join(cwd, 'genint', 'queries.jsonl')));
    } finally {
      await slow.close();
    }
  });

  it('refuses an unknown --llm provider', async () => {
    const r = await runCli(['queries', 'generate', ZH_DOCS, '--llm', 'gpt-4o', '--count', '3', '--out', 'x'], { cwd });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^rag: unknown chat model "gpt-4o"; use --llm openai:MODEL/);
  });
});
