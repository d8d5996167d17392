/**
 * Query generation throughput against a chat endpoint, by requests in flight. The endpoint is the
 * loopback fake (test/helpers/fake-chat-server.ts) answering after a fixed delay, standing in for a
 * model's latency; so this measures what rag's side adds and how concurrency hides latency, not a
 * model's speed. Tokens are the fake's usage numbers (200 prompt + 40 completion per call).
 * Baseline: concurrency 1.
 *
 *   node --import tsx bench/querygen-throughput.ts [--delay-ms 250] [--count 120]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateQueries } from '../src/eval/querygen/generate.js';
import { openChatModel } from '../src/llm/open-chat.js';
import { startFakeChatServer } from '../test/helpers/fake-chat-server.js';

const { values } = parseArgs({ options: { 'delay-ms': { type: 'string', default: '250' }, count: { type: 'string', default: '120' } } });
const REPO = fileURLToPath(new URL('..', import.meta.url));
const delayMs = Number(values['delay-ms']);
const server = await startFakeChatServer({ delayMs });
const rows: string[] = [];
let base = 0;
try {
  for (const concurrency of [1, 2, 4, 8, 16]) {
    const out = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-gen-'));
    server.requests.length = 0;
    server.maxInFlight = 0;
    const started = performance.now();
    const { report } = await generateQueries({
      paths: [path.join(REPO, 'datasets', 'en-sample', 'docs'), path.join(REPO, 'datasets', 'zh-sample', 'docs')],
      llm: openChatModel('openai:bench', { baseUrl: `${server.origin}/v1` }),
      count: Number(values.count),
      out,
      concurrency,
    });
    const seconds = (performance.now() - started) / 1000;
    await rm(out, { recursive: true, force: true });
    const calls = report!.calls.made;
    const perSecond = calls / seconds;
    if (concurrency === 1) base = perSecond;
    const tokens = (report!.tokens.prompt + report!.tokens.completion) / seconds;
    rows.push(`| ${concurrency} | ${server.maxInFlight} | ${calls} | ${seconds.toFixed(2)} | ${perSecond.toFixed(2)} | ${tokens.toFixed(0)} | ${report!.counts.kept} | ${(perSecond / base).toFixed(2)}x |`);
  }
} finally {
  await server.close();
}
console.log(`endpoint latency ${delayMs} ms per call, ${values.count} queries asked (3 styles per passage)\n`);
console.log('| concurrency | max in flight | calls | wall s | calls/s | tokens/s | queries kept | vs concurrency 1 |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
