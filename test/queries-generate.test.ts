/**
 * `generateQueries` against real loopback chat servers (both flavours), on the Chinese and
 * English samples: languages, filters and their counts, bad replies, retries, resumption,
 * reproducibility, the answerability check, and a dataset `rag eval` reads as is.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateQueries, type GeneratedQuery } from '../src/eval/querygen/generate.js';
import { loadDataset } from '../src/eval/dataset.js';
import { evaluate } from '../src/eval/runner.js';
import { ingest } from '../src/ingest/pipeline.js';
import { openChatModel } from '../src/llm/open-chat.js';
import { hasCode } from '../src/errors.js';
import { realisticQueries, startFakeChatServer, type FakeChatServer } from './helpers/fake-chat-server.js';
import { REPO, tempDir } from './helpers/cli.js';

const ZH_DOCS = path.join(REPO, 'datasets', 'zh-sample', 'docs');
const EN_DOCS = path.join(REPO, 'datasets', 'en-sample', 'docs');
const FAST = { retryBaseMs: 1, retryMaxMs: 50 };

let server: FakeChatServer;
let tmp: string;
before(async () => {
  server = await startFakeChatServer();
  tmp = await tempDir('querygen');
});
after(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

function reset(): void {
  server.requests.length = 0;
  server.queue.length = 0;
  server.respond = (r) => {
    if (r.checkQuery !== undefined) return { content: '{"answerable":"yes"}' };
    const count = Number(/(?:Write|请写) (\d+)/.exec(r.messages.at(-1)?.content ?? '')?.[1] ?? 3);
    return { content: JSON.stringify({ queries: realisticQueries(r.passage ?? '', count) }), promptTokens: 200, completionTokens: 40 };
  };
}

async function readQueriesFile(dir: string): Promise<GeneratedQuery[]> {
  const text = await readFile(path.join(dir, 'queries.jsonl'), 'utf8');
  return text.trim() === '' ? [] : text.trim().split('\n').map((l) => JSON.parse(l) as GeneratedQuery);
}

describe('queries generate: languages and endpoints', () => {
  it('writes Chinese queries for the Chinese sample through Ollama /api/chat, with a Chinese prompt and format json', async () => {
    reset();
    const out = path.join(tmp, 'zh');
    const llm = openChatModel('ollama:qwen2.5:7b', { host: server.origin, ...FAST });
    const { report } = await generateQueries({ paths: [ZH_DOCS], llm, count: 30, out, seed: 7 });
    assert.ok(report);
    assert.equal(server.requests.length, 10);
    for (const r of server.requests) {
      assert.equal(r.flavour, 'ollama');
      assert.equal(r.body['format'], 'json');
      assert.equal(r.body['stream'], false);
      assert.equal(r.body['model'], 'qwen2.5:7b');
      assert.match(r.messages.at(-1)!.content, /请写 3 个搜索查询/);
    }
    const queries = await readQueriesFile(out);
    assert.ok(queries.length > 0);
    for (const q of queries) {
      assert.match(q.text, /\p{Script=Han}/u);
      assert.equal(q.metadata.language, 'zh');
      assert.equal(q.metadata.generator, 'ollama:qwen2.5:7b');
      assert.match(q.metadata.promptHash, /^sha256:[0-9a-f]{16}$/);
      assert.ok(q.metadata.end > q.metadata.start);
    }
    // Stratified: 10 passages from 10 different documents (the sample has 20).
    assert.equal(new Set(queries.map((q) => q.metadata.docId)).size, 10);
    assert.equal(report.tokens.prompt, 2000);
    assert.equal(report.tokens.completion, 400);
  });

  it('writes English queries for the English sample through /v1/chat/completions with response_format json_object', async () => {
    reset();
    const out = path.join(tmp, 'en');
    const llm = openChatModel('openai:gpt-4o-mini', { baseUrl: `${server.origin}/v1`, apiKey: 'sk-test-SECRET-0123456789abcdef', ...FAST });
    const { report } = await generateQueries({ paths: [EN_DOCS], llm, count: 12, out, styles: ['question', 'keywords'] });
    assert.ok(report);
    assert.equal(server.requests.length, 6);
    for (const r of server.requests) {
      assert.equal(r.flavour, 'openai');
      assert.deepEqual(r.body['response_format'], { type: 'json_object' });
      assert.equal(r.headers['authorization'], 'Bearer sk-test-SECRET-0123456789abcdef');
      assert.match(r.messages.at(-1)!.content, /Write 2 search queries/);
    }
    const queries = await readQueriesFile(out);
    assert.ok(queries.every((q) => q.metadata.language === 'en' && !/\p{Script=Han}/u.test(q.text)));
    assert.deepEqual([...new Set(queries.map((q) => q.metadata.style))].sort(), ['keywords', 'question']);
    const written = await readFile(path.join(out, 'generation.json'), 'utf8');
    assert.ok(!written.includes('SECRET'), 'the key never reaches generation.json');
  });

  it('asks again without response_format when a server refuses it, and keeps it off', async () => {
    reset();
    const base = server.respond;
    server.respond = (r) =>
      r.body['response_format'] !== undefined
        ? { status: 400, body: '{"error":{"message":"response_format is not supported by this model"}}' }
        : base(r);
    const llm = openChatModel('openai:local', { baseUrl: `${server.origin}/v1`, ...FAST });
    const { report } = await generateQueries({ paths: [EN_DOCS], llm, count: 9, out: path.join(tmp, 'nojson'), concurrency: 1 });
    assert.equal(report!.counts.kept, 9);
    // One refused request, then three without the field.
    assert.deepEqual(server.requests.map((r) => r.body['response_format'] === undefined), [false, true, true, true]);
  });

  it('produces a BEIR folder that loads and evaluates as is, labelled at document level', async () => {
    const out = path.join(tmp, 'zh');
    const dataset = await loadDataset(out);
    assert.equal(dataset.layout, 'beir');
    const queries = await readQueriesFile(out);
    assert.equal(dataset.queries.size, queries.length);
    for (const q of queries) assert.deepEqual([...dataset.qrels.get(q._id)!], [[q.metadata.docId, 1]]);
    // The span points into the corpus line's text.
    const corpus = (await readFile(path.join(out, 'corpus.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { _id: string; text: string });
    const q0 = queries[0]!;
    const doc = corpus.find((d) => d._id === q0.metadata.docId)!;
    assert.ok(doc.text.slice(q0.metadata.start, q0.metadata.end).length > 50);
    const results = await evaluate({ dataset: out, modes: ['bm25'], ks: [10] });
    assert.equal(results.runs[0]!.evaluatedQueries, queries.length);
    assert.ok((results.runs[0]!.metrics['recall_at_10'] ?? 0) > 0.3);
  });
});

describe('queries generate: from an index', () => {
  it('samples the chunks of an existing index and rebuilds each document from its chunk spans', async () => {
    reset();
    const index = path.join(tmp, 'index-en');
    await ingest({ paths: [EN_DOCS], index });
    const out = path.join(tmp, 'from-index');
    const llm = openChatModel('ollama:m', { host: server.origin, ...FAST });
    const { report } = await generateQueries({ index, llm, count: 9, out });
    assert.deepEqual(report!.settings.source, { index });
    assert.equal(report!.plan.documents, 18);
    const queries = await readQueriesFile(out);
    assert.ok(queries.length > 0);
    const corpus = new Map(
      (await readFile(path.join(out, 'corpus.jsonl'), 'utf8')).trim().split('\n').map((l) => {
        const d = JSON.parse(l) as { _id: string; text: string };
        return [d._id, d.text];
      }),
    );
    // Every passage sits at its span in the rebuilt text, so the provenance is exact.
    for (const q of queries) {
      const sent = server.requests.find((r) => r.passage !== undefined && corpus.get(q.metadata.docId)!.slice(q.metadata.start, q.metadata.end) === r.passage);
      assert.ok(sent, `${q._id}: passage not at its span`);
    }
    const results = await evaluate({ dataset: out, modes: ['bm25'], ks: [10] });
    assert.equal(results.runs[0]!.evaluatedQueries, queries.length);
  });
});

describe('queries generate: bad replies, filters and counts', () => {
  it('reads fenced and prose-wrapped JSON, retries an unreadable reply once, and counts what it drops', async () => {
    reset();
    const out = path.join(tmp, 'bad');
    const passagesSeen: string[] = [];
    const answers: Array<(r: { passage: string | undefined }) => { content: string } | { status: number; body?: string; headers?: Record<string, string> }> = [
      // 1: fenced JSON with a duplicate pair and an empty string.
      () => ({ content: '```json\n{"queries": ["how do incident reviews work?", "How do incident reviews work", ""]}\n```' }),
      // 2: prose around the JSON; the second query copies 8+ words of the passage.
      (r) => {
        const copied = (r.passage ?? '').split(/\s+/).slice(0, 14).join(' ');
        return { content: `Sure! Here you go:\n${JSON.stringify({ queries: ['feature flag rollout', copied, 'x'.repeat(250)] })}\nHope this helps.` };
      },
      // 3: unreadable twice: that passage yields nothing.
      () => ({ content: 'I cannot help with that.' }),
      () => ({ content: '{"answer": "queries follow"}' }),
      // 4: a 429 with Retry-After, then unreadable, then fine (the retry of the unreadable reply).
      () => ({ status: 429, body: '{"error":{"message":"slow down"}}', headers: { 'retry-after': '0' } }),
      () => ({ content: 'queries: one, two' }),
      () => ({ content: '{"queries": ["what is the backup retention period?", "backup retention days", "how long are backups kept"]}' }),
      // 5: a near duplicate of the first one, and four queries for three styles.
      () => ({ content: '{"queries": ["how do the incident reviews work?", "rotate api keys", "key rotation schedule", "one more"]}' }),
    ];
    server.respond = (r) => {
      passagesSeen.push(r.passage ?? '');
      const next = answers.shift();
      return next === undefined ? { content: '{"queries": []}' } : next(r);
    };
    const llm = openChatModel('openai:m', { baseUrl: `${server.origin}/v1`, ...FAST });
    const { report } = await generateQueries({ paths: [EN_DOCS], llm, count: 15, out, concurrency: 1 });
    assert.ok(report);
    const c = report.counts;
    assert.equal(c.queriesAsked, 15);
    assert.equal(c.unreadableReplies, 2, 'passage 3 twice counts once per passage retry, passage 4 once');
    assert.equal(c.unreadablePassages, 1);
    assert.equal(c.exactDuplicates, 1);
    assert.equal(c.nearDuplicates, 1);
    assert.equal(c.empty, 1);
    assert.equal(c.leaky, 1);
    assert.equal(c.tooLong, 1);
    assert.equal(c.extra, 1);
    const texts = (await readQueriesFile(out)).map((q) => q.text);
    assert.deepEqual(texts, [
      'how do incident reviews work?',
      'feature flag rollout',
      'what is the backup retention period?',
      'backup retention days',
      'how long are backups kept',
      'rotate api keys',
      'key rotation schedule',
    ]);
    assert.equal(c.kept, 7);
    assert.equal(c.received, 3 + 3 + 3 + 4);
    // 5 passages; 429 retried by the HTTP layer; two unreadable retries: 8 requests.
    assert.equal(server.requests.length, 8);
    assert.deepEqual(report.calls, { made: 7, cached: 0 });
  });

  it('keeps leaky queries with --keep-leaky, flagged', async () => {
    reset();
    server.respond = (r) => {
      if (r.checkQuery !== undefined) return { content: '{"answerable":"yes"}' };
      const cjk = (r.passage ?? '').replace(/[^\p{Script=Han}]/gu, '');
      return { content: JSON.stringify({ queries: [cjk.slice(0, 14), `${cjk.slice(0, 3)}是什么`] }) };
    };
    const out = path.join(tmp, 'leaky');
    const llm = openChatModel('ollama:m', { host: server.origin, ...FAST });
    const kept = await generateQueries({ paths: [ZH_DOCS], llm, count: 4, out, styles: ['question', 'keywords'], keepLeaky: true });
    assert.equal(kept.report!.counts.leaky, 2);
    assert.equal(kept.report!.counts.leakyKept, 2);
    const queries = await readQueriesFile(out);
    assert.equal(queries.filter((q) => q.metadata.leaky === true).length, 2);
    const dropped = await generateQueries({ paths: [ZH_DOCS], llm, count: 4, out: path.join(tmp, 'leaky2'), styles: ['question', 'keywords'] });
    assert.equal(dropped.report!.counts.leaky, 2);
    assert.equal(dropped.report!.counts.kept, 2);
  });

  it('--check asks whether the passage answers each query and drops "no"', async () => {
    reset();
    server.respond = (r) => {
      if (r.checkQuery !== undefined) return { content: r.checkQuery.includes('怎么理解') ? '{"answerable": "no"}' : '```json\n{"answerable": "yes"}\n```' };
      return { content: JSON.stringify({ queries: realisticQueries(r.passage ?? '', 3) }) };
    };
    const out = path.join(tmp, 'check');
    const llm = openChatModel('ollama:m', { host: server.origin, ...FAST });
    const { report } = await generateQueries({ paths: [ZH_DOCS], llm, count: 9, out, check: true });
    const checks = server.requests.filter((r) => r.checkQuery !== undefined);
    assert.equal(checks.length, report!.counts.kept + report!.counts.unanswerable);
    assert.equal(report!.counts.unanswerable, 3);
    assert.equal(checks[0]!.body['options'] && (checks[0]!.body['options'] as { temperature: number }).temperature, 0);
    const queries = await readQueriesFile(out);
    assert.ok(queries.every((q) => q.metadata.answerable === true && !q.text.includes('怎么理解')));
  });
});

describe('queries generate: reproducible, resumable, safe', () => {
  it('samples the same passages for the same seed and others for another seed', async () => {
    reset();
    const llm = openChatModel('ollama:m', { host: server.origin, ...FAST });
    const a = await generateQueries({ paths: [ZH_DOCS], llm, count: 15, out: path.join(tmp, 's1'), seed: 1 });
    const b = await generateQueries({ paths: [ZH_DOCS], llm, count: 15, out: path.join(tmp, 's1b'), seed: 1 });
    const c = await generateQueries({ paths: [ZH_DOCS], llm, count: 15, out: path.join(tmp, 's2'), seed: 2 });
    const ids = async (d: string): Promise<string> => (await readQueriesFile(path.join(tmp, d))).map((q) => q._id).join(',');
    assert.equal(await ids('s1'), await ids('s1b'));
    assert.notEqual(await ids('s1'), await ids('s2'));
    assert.equal(a.report!.counts.kept, b.report!.counts.kept);
    assert.ok(c.report);
  });

  it('a run that stopped half way continues without repeating paid calls', async () => {
    reset();
    const out = path.join(tmp, 'resume');
    let served = 0;
    server.respond = (r) => {
      served++;
      if (served > 4) return { status: 400, body: '{"error":{"message":"quota exceeded"}}' };
      return { content: JSON.stringify({ queries: realisticQueries(r.passage ?? '', 3) }) };
    };
    const llm = openChatModel('openai:m', { baseUrl: `${server.origin}/v1`, ...FAST });
    await assert.rejects(generateQueries({ paths: [EN_DOCS], llm, count: 24, out, concurrency: 1 }), (e) => hasCode(e, 'endpoint-rejected') && /quota exceeded/.test(String(e)));
    assert.ok(!existsSync(path.join(out, 'queries.jsonl')), 'nothing half-written');
    reset();
    const before = server.requests.length;
    const { report } = await generateQueries({ paths: [EN_DOCS], llm, count: 24, out, concurrency: 1 });
    assert.equal(server.requests.length - before, 4, '8 passages, 4 answered before: 4 new calls');
    assert.deepEqual(report!.calls, { made: 4, cached: 4 });
    // A third run pays nothing at all, and says so in its dry run.
    const plan = await generateQueries({ paths: [EN_DOCS], llm, count: 24, out, dryRun: true });
    assert.equal(plan.plan.cachedCalls, 8);
    const again = await generateQueries({ paths: [EN_DOCS], llm, count: 24, out });
    assert.deepEqual(again.report!.calls, { made: 0, cached: 8 });
    assert.equal(server.requests.length - before, 4);
  });

  it('--dry-run plans without a request or a file', async () => {
    reset();
    const out = path.join(tmp, 'dry');
    const llm = openChatModel('ollama:m', { host: server.origin, ...FAST });
    const { plan, report } = await generateQueries({ paths: [ZH_DOCS, EN_DOCS], llm, count: 60, out, dryRun: true, check: true });
    assert.equal(report, undefined);
    assert.equal(server.requests.length, 0);
    assert.ok(!existsSync(out));
    assert.equal(plan.documents, 38);
    assert.equal(plan.passages, 20);
    assert.equal(plan.calls, 20);
    assert.equal(plan.checkCalls, 60);
    assert.ok(plan.byLanguage.zh > 0 && plan.byLanguage.en > 0);
    assert.equal(plan.byLanguage.zh + plan.byLanguage.en, 20);
    assert.ok(plan.estimatedTokens.prompt > 20 * 200);
    assert.equal(plan.eligibleChunks + plan.skipped.tooShort + plan.skipped.markup, plan.chunks);
  });

  it('never prints the API key in errors', async () => {
    reset();
    server.respond = () => ({ status: 401, body: '{"error":{"message":"invalid key sk-test-SECRET-0123456789abcdef"}}' });
    const llm = openChatModel('openai:m', { baseUrl: `${server.origin}/v1`, apiKey: 'sk-test-SECRET-0123456789abcdef', ...FAST });
    await assert.rejects(generateQueries({ paths: [EN_DOCS], llm, count: 3, out: path.join(tmp, 'key') }), (e) => {
      assert.ok(hasCode(e, 'endpoint-rejected'));
      assert.ok(!String((e as Error).message).includes('SECRET'), (e as Error).message);
      return true;
    });
  });

  it('refuses to overwrite a dataset people have labelled', async () => {
    reset();
    const out = path.join(tmp, 'labelled');
    const llm = openChatModel('ollama:m', { host: server.origin, ...FAST });
    await generateQueries({ paths: [EN_DOCS], llm, count: 3, out });
    await writeFile(path.join(out, 'judgments.jsonl'), '{}\n');
    await assert.rejects(generateQueries({ paths: [EN_DOCS], llm, count: 3, out }), /holds judgments people made \(judgments\.jsonl\)/);
  });
});
