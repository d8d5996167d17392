/**
 * The label page's time-to-next-pair in headless Chromium: a key press (grade) until the next
 * pair's page has loaded, which includes saving the judgment (qrels rewritten atomically with
 * fsync, log appended). Baseline: reloading the same page without judging (GET only), so the
 * ratio is what saving costs on top of showing.
 *
 *   node --import tsx bench/label-page.ts [--judgments 40] [--depth 10] [--screenshots /tmp]
 *
 * The dataset is generated from datasets/en-sample and datasets/zh-sample with a loopback chat
 * server (test/helpers/fake-chat-server.ts), pooled from hash dense + bm25.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { JudgmentStore } from '../src/eval/label/judgments.js';
import { buildPool } from '../src/eval/label/pool.js';
import { startLabelServer } from '../src/eval/label/server.js';
import { generateQueries } from '../src/eval/querygen/generate.js';
import { openChatModel } from '../src/llm/open-chat.js';
import { startFakeChatServer } from '../test/helpers/fake-chat-server.js';

const { values } = parseArgs({ options: { judgments: { type: 'string', default: '40' }, depth: { type: 'string', default: '10' }, screenshots: { type: 'string' } } });
const REPO = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.log(`skipped: no browser at ${CHROMIUM}`);
  process.exit(0);
}
const judgments = Number(values.judgments);
const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-label-'));
try {
  const chat = await startFakeChatServer();
  await generateQueries({
    paths: [path.join(REPO, 'datasets', 'en-sample', 'docs'), path.join(REPO, 'datasets', 'zh-sample', 'docs')],
    llm: openChatModel('ollama:m', { host: chat.origin }),
    count: 60,
    out: dir,
  });
  await chat.close();
  const pool = await buildPool({ dataset: dir, modes: ['dense', 'bm25'], depth: Number(values.depth) });
  const store = await JudgmentStore.open(dir, 'test');
  const server = await startLabelServer({ pool, store, who: 'bench' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(server.url);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const reloads: number[] = [];
  for (let i = 0; i < judgments; i++) {
    const t = performance.now();
    await page.reload();
    reloads.push(performance.now() - t);
  }
  const judged: number[] = [];
  for (let i = 0; i < judgments; i++) {
    const t = performance.now();
    await Promise.all([page.waitForNavigation(), page.keyboard.press(String(i % 4))]);
    judged.push(performance.now() - t);
  }
  if (values.screenshots !== undefined) {
    await page.screenshot({ path: path.join(values.screenshots, 'rag-label-bench-desktop.png') });
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    await phone.goto(server.url);
    await phone.screenshot({ path: path.join(values.screenshots, 'rag-label-bench-phone.png') });
  }
  await browser.close();
  await server.close();
  console.log(`pool: ${pool.pairs.length} pairs from ${pool.runs.join(', ')} at depth ${pool.depth}`);
  console.log(`reload (baseline, no save): median ${median(reloads).toFixed(1)} ms over ${judgments}`);
  console.log(`judge -> next pair:         median ${median(judged).toFixed(1)} ms over ${judgments} (${(median(judged) / median(reloads)).toFixed(2)}x the reload)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
