/**
 * Quality against cost: the Pareto front as a pure function, and report.html from a real
 * evaluation in a real headless browser (no sideways scroll on a phone, one point per run,
 * the front marked, the runs table sortable by mouse and keyboard, no network).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { evaluate } from '../src/eval/runner.js';
import { writeReports } from '../src/eval/report/index.js';
import { renderMarkdown } from '../src/eval/report/markdown.js';
import { COST_AXES, paretoFront, tradeoffPoints } from '../src/eval/report/pareto.js';
import type { EvalResults } from '../src/eval/types.js';

const CHROMIUM = '/usr/bin/chromium';
const noBrowser = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}`;
const SAMPLE = path.join(import.meta.dirname, '..', 'datasets', 'en-sample');

const front = (points: Array<[number, number]>): boolean[] =>
  paretoFront(points.map(([quality, cost], run) => ({ run, quality, cost }))).map((p) => p.onFront);

describe('paretoFront', () => {
  it('keeps the runs no other run beats on both quality and cost', () => {
    // (quality, cost): 0 is cheapest, 2 is best, 1 sits between them, 3 is worse and dearer than 1.
    assert.deepEqual(front([[0.5, 1], [0.7, 5], [0.9, 20], [0.6, 8]]), [true, true, true, false]);
  });
  it('a single run is its own front', () => {
    assert.deepEqual(front([[0.3, 10]]), [true]);
  });
  it('one run better and cheaper than all others dominates them all', () => {
    assert.deepEqual(front([[0.5, 10], [0.9, 1], [0.8, 2], [0.9, 3]]), [false, true, false, false]);
  });
  it('exact ties stay on the front together; equal quality at a higher cost is dominated', () => {
    assert.deepEqual(front([[0.8, 4], [0.8, 4], [0.8, 6]]), [true, true, false]);
  });
  it('runs without a cost are left out, not placed at zero', () => {
    const base = { config: {}, evaluatedQueries: 10, skippedQueries: [], unrankedQueries: [], perQuery: {} };
    const cost = { embedSeconds: 0, chunksPerSecond: null, chunks: 5, indexBytes: 0, truncatedChunks: 0, querySeconds: 1, wallSeconds: 1 };
    const runs = [
      { ...base, model: 'hash', mode: 'bm25' as const, metrics: { ndcg_at_10: 0.6 }, cost: { ...cost, dimension: null } },
      { ...base, model: 'hash', mode: 'dense' as const, metrics: { ndcg_at_10: 0.5 }, cost: { ...cost, dimension: 256 } },
      { ...base, model: 'big', mode: 'dense' as const, metrics: { ndcg_at_10: 0.7 }, cost: { ...cost, dimension: 1024 } },
    ];
    const bytes = COST_AXES.find((a) => a.key === 'bytes_per_vector')!;
    assert.deepEqual(tradeoffPoints(runs, bytes).map((p) => [p.run, p.cost, p.onFront]), [[1, 1024, true], [2, 4096, true]]);
    // Model size comes from the model card (cost.modelBytes); the built-in model has none.
    const model = COST_AXES.find((a) => a.key === 'model_mb')!;
    const withCard = [runs[1]!, { ...runs[2]!, cost: { ...runs[2]!.cost, modelBytes: 1_340_000_000 } }, { ...runs[2]!, model: 'small', metrics: { ndcg_at_10: 0.65 }, cost: { ...runs[2]!.cost, modelBytes: 95_800_000 } }];
    assert.deepEqual(tradeoffPoints(withCard, model).map((p) => [p.run, p.cost, p.onFront]), [[1, 1340, true], [2, 95.8, true]]);
  });
});

describe('report.html quality vs cost in a browser', { skip: noBrowser }, () => {
  let browser: Browser;
  let dir: string;
  let results: EvalResults;
  let html: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rag-pareto-'));
    results = await evaluate({ dataset: SAMPLE, models: ['hash'], modes: ['dense', 'bm25', 'hybrid'], cacheDir: path.join(dir, 'cache'), workDir: path.join(dir, 'work') });
    html = (await writeReports(path.join(dir, 'report'), results)).html;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('draws one point per run, marks the front, and lists it in report.md', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(pathToFileURL(html).href);
    const visible = page.locator('figure.scatter:visible');
    assert.equal(await visible.count(), 1, 'one cost chosen at a time');
    assert.equal(await visible.locator('g.point').count(), results.runs.length);
    const expected = tradeoffPoints(results.runs, COST_AXES[0]!).filter((p) => p.onFront).length;
    assert.ok(expected >= 1);
    assert.equal(await visible.locator('g.front-point').count(), expected);
    await page.screenshot({ path: path.join(tmpdir(), 'rag-report-1280.png'), fullPage: true });
    assert.deepEqual(requests, [], 'no network');
    assert.deepEqual(errors, [], 'no script errors (the CSP allows the sort script)');
    const md = renderMarkdown(results);
    assert.match(md, /\*\*Pareto front\*\*/);
    assert.match(md, /^- Query time: /m);
    await page.close();
  });

  it('switching the cost shows that chart only, by keyboard too', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(html).href);
    const radios = page.locator('fieldset.costs input[type=radio]');
    const n = await radios.count();
    assert.ok(n >= 2, `at least two costs to choose from (${n})`);
    await radios.nth(0).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await radios.nth(1).isChecked(), true);
    const second = await radios.nth(1).getAttribute('id');
    assert.equal(await page.locator(`figure.s-${second!.replace('cost-', '')}`).isVisible(), true);
    assert.equal(await page.locator('figure.scatter:visible').count(), 1);
    await page.close();
  });

  it('sorts the runs table by a header, setting aria-sort', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(html).href);
    const table = page.locator('table.sortable').first();
    const header = table.locator('th', { hasText: 'nDCG@10' }).first();
    const col = await header.evaluate((th) => (th as unknown as { cellIndex: number }).cellIndex);
    const values = async (): Promise<number[]> =>
      (await table.locator(`tbody tr td:nth-child(${col + 1})`).allTextContents()).map(Number);
    await header.locator('button').focus();
    await page.keyboard.press('Enter');
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    const up = await values();
    assert.deepEqual(up, [...up].sort((a, b) => a - b));
    await header.locator('button').click();
    assert.equal(await header.getAttribute('aria-sort'), 'descending');
    const down = await values();
    assert.deepEqual(down, [...up].sort((a, b) => b - a));
    await page.close();
  });

  it('fits a 390 px phone screen without sideways scrolling', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    await page.goto(pathToFileURL(html).href);
    const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
    await page.screenshot({ path: path.join(tmpdir(), 'rag-report-390.png'), fullPage: true });
    assert.ok(scrollWidth <= 390, `page is ${scrollWidth} px wide`);
    const chartWidth = await page.locator('figure.scatter:visible svg').evaluate((svg) => svg.getBoundingClientRect().width);
    assert.ok(chartWidth <= 390, `chart scales down (${chartWidth} px)`);
    await page.close();
  });
});
