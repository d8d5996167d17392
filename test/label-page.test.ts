/**
 * The `rag label` page in a real headless Chromium (playwright-core): judging by keyboard writes
 * the qrels at once, undo takes a judgment back, a restarted server resumes, two tabs share the
 * work, a phone viewport judges by tapping, and the token keeps other pages out.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateQueries } from '../src/eval/querygen/generate.js';
import { buildPool, type Pool } from '../src/eval/label/pool.js';
import { JudgmentStore } from '../src/eval/label/judgments.js';
import { startLabelServer, type LabelServer } from '../src/eval/label/server.js';
import { highlight } from '../src/eval/label/highlight.js';
import { loadDataset } from '../src/eval/dataset.js';
import { openChatModel } from '../src/llm/open-chat.js';
import { startFakeChatServer } from './helpers/fake-chat-server.js';
import { REPO, tempDir } from './helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}`;

let tmp: string;
let dataset: string;
let pool: Pool;
let browser: Browser;

before(async () => {
  tmp = await tempDir('label');
  dataset = path.join(tmp, 'ds');
  const chat = await startFakeChatServer();
  try {
    const llm = openChatModel('ollama:m', { host: chat.origin });
    await generateQueries({ paths: [path.join(REPO, 'datasets', 'zh-sample', 'docs')], llm, count: 6, out: dataset, seed: 3 });
  } finally {
    await chat.close();
  }
  pool = await buildPool({ dataset, modes: ['dense', 'bm25'], depth: 3 });
  if (!skip) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function serve(): Promise<{ server: LabelServer; store: JudgmentStore }> {
  const store = await JudgmentStore.open(dataset, 'test');
  const server = await startLabelServer({ pool, store, who: 'tester' });
  return { server, store };
}

async function qrelLines(): Promise<string[]> {
  return (await readFile(path.join(dataset, 'qrels', 'test.tsv'), 'utf8')).trim().split('\n').slice(1);
}

async function shown(page: Page): Promise<{ query: string; doc: string }> {
  const query = (await page.locator('h1').getAttribute('data-query-id')) ?? '';
  const doc = (await page.locator('.meta').getAttribute('data-doc-id')) ?? '';
  return { query, doc };
}

describe('rag label page', { skip }, () => {
  it('pools both runs to depth 3 and leaves out what is already judged', async () => {
    const ds = await loadDataset(dataset);
    const store = await JudgmentStore.open(dataset, 'test');
    assert.deepEqual(pool.runs, ['hash (dense)', 'hash (bm25)']);
    for (const p of pool.pairs) assert.ok(p.bestRank <= 3 && Object.keys(p.ranks).length >= 1);
    const open = pool.pairs.filter((p) => !store.isJudged(p.queryId, p.docId));
    // Each query's source document is judged (grade 1 from generation); bm25 finds it in the top 3.
    assert.ok(open.length < pool.pairs.length);
    assert.ok(open.length > ds.queries.size);
  });

  it('judges by keyboard, writes each judgment at once, undoes, and resumes after a restart', async () => {
    const before = await qrelLines();
    let { server } = await serve();
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.screenshot({ path: '/tmp/rag-label-desktop.png', fullPage: true });
    assert.match((await page.locator('header').textContent()) ?? '', /^0 of \d+ judged/);
    const first = await shown(page);
    assert.ok(first.query.length > 0);
    assert.ok((await page.locator('.passage mark').count()) > 0, 'query terms are marked in the passage');

    await Promise.all([page.waitForNavigation(), page.keyboard.press('2')]);
    const second = await shown(page);
    assert.notDeepEqual(second, first);
    const afterOne = await qrelLines();
    assert.equal(afterOne.length, before.length + 1);
    assert.equal(afterOne.at(-1), `${first.query}\t${first.doc}\t2`);

    await Promise.all([page.waitForNavigation(), page.keyboard.press('0')]);
    assert.equal((await qrelLines()).at(-1), `${second.query}\t${second.doc}\t0`);

    // Undo takes the last judgment back and shows that pair again.
    await Promise.all([page.waitForNavigation(), page.keyboard.press('ArrowLeft')]);
    assert.deepEqual(await shown(page), second);
    assert.equal((await qrelLines()).length, before.length + 1);

    // Skip moves on without writing.
    await Promise.all([page.waitForNavigation(), page.keyboard.press('ArrowRight')]);
    assert.notDeepEqual(await shown(page), second);
    assert.equal((await qrelLines()).length, before.length + 1);

    // A new server over the same files: one judgment done, the judged pair is not offered again.
    await server.close();
    ({ server } = await serve());
    await page.goto(server.url);
    assert.match((await page.locator('header').textContent()) ?? '', /^0 of \d+ judged/);
    const resumed = await shown(page);
    assert.notDeepEqual(resumed, first);
    const log = (await readFile(path.join(dataset, 'judgments.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { action: string; who: string; grade: number | null; pool: { depth: number } });
    assert.deepEqual(log.map((l) => [l.action, l.grade]), [['judge', 2], ['judge', 0], ['undo', null]]);
    assert.ok(log.every((l) => l.who === 'tester' && l.pool.depth === 3));
    await page.close();
    await server.close();
  });

  it('two tabs get different pairs and both judgments are kept', async () => {
    const { server } = await serve();
    const a = await browser.newPage();
    const b = await browser.newPage();
    await a.goto(server.url);
    await b.goto(server.url);
    const pa = await shown(a);
    const pb = await shown(b);
    assert.notDeepEqual(pa, pb);
    const before = (await qrelLines()).length;
    await Promise.all([a.waitForNavigation(), a.keyboard.press('3')]);
    await Promise.all([b.waitForNavigation(), b.keyboard.press('1')]);
    const lines = await qrelLines();
    assert.equal(lines.length, before + 2);
    assert.ok(lines.some((l) => l.endsWith(`\t${pa.doc}\t3`)) && lines.some((l) => l.endsWith(`\t${pb.doc}\t1`)));
    await a.close();
    await b.close();
    await server.close();
  });

  it('works on a phone: big buttons inside the viewport, judged by tapping', async () => {
    const { server } = await serve();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.screenshot({ path: '/tmp/rag-label-phone.png' });
    const button = page.getByRole('button', { name: /^2\s*relevant/ });
    const box = await button.boundingBox();
    assert.ok(box !== null);
    assert.ok(box.width >= 44 && box.height >= 44, `tap target ${box.width}x${box.height}`);
    assert.ok(box.y + box.height <= 844 && box.x >= 0 && box.x + box.width <= 390, 'visible without scrolling');
    const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(scrollWidth <= 390, `no horizontal scrolling (${scrollWidth})`);
    const before = (await qrelLines()).length;
    const pair = await shown(page);
    await Promise.all([page.waitForNavigation(), button.tap()]);
    assert.equal((await qrelLines()).length, before + 1);
    assert.ok((await qrelLines()).at(-1)!.endsWith(`\t${pair.doc}\t2`));
    await context.close();
    await server.close();
  });

  it('refuses requests without the token and loads nothing from elsewhere', async () => {
    const { server } = await serve();
    const origin = new URL(server.url).origin;
    assert.equal((await fetch(`${origin}/`)).status, 403);
    assert.equal((await fetch(`${origin}/judge`, { method: 'POST', body: 'q=x&d=y&grade=1' })).status, 403);
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const response = await page.goto(server.url);
    assert.match(response?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    assert.ok(requested.every((u) => u.startsWith(origin)), requested.join('\n'));
    await page.close();
    await server.close();
  });
});

describe('highlight', () => {
  it('marks English words by prefix and Chinese by bigrams', () => {
    const en = highlight('Backups are kept for 30 days; the backup job runs nightly.', 'how long are backups kept');
    assert.deepEqual(en.filter((s) => s.hit).map((s) => s.text), ['Backups', 'kept', 'backup']);
    const zh = highlight('向量索引可以加快检索速度。', '怎样加快检索');
    assert.deepEqual(zh.filter((s) => s.hit).map((s) => s.text), ['加快检索']);
  });
});
