import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { evaluateRun } from '../src/eval/metrics.js';
import { alignByQuery } from '../src/eval/stats.js';
import { compareRuns } from '../src/eval/compare.js';
import { checkGate } from '../src/eval/gate.js';
import type { GateResult } from '../src/eval/gate.js';
import {
  appendStepSummary,
  parseBaseline,
  perQueryLines,
  renderHtml,
  renderJunit,
  renderMarkdown,
  renderPerQueryJsonl,
  sanitizeConfig,
  serializeResults,
  writeReports,
} from '../src/eval/report/index.js';
import { histogram } from '../src/eval/report/html.js';
import { SORT_SCRIPT, SORT_SCRIPT_CSP } from '../src/eval/report/sortable.js';
import { escapeXml } from '../src/eval/report/format.js';
import type { EvalResults, JsonValue, PerQueryResult, RunCost, RunResult, RetrievalMode } from '../src/eval/types.js';

const KS = [1, 5, 10];
const INJECTED = '<script>alert(1)</script> & "more"';
const B_MODEL = 'e5 "small" <q8> & co';

const qrels = new Map<string, Map<string, number>>([
  ['q1', new Map([['install.md', 1]])],
  [
    'q2',
    new Map([
      ['faq.md', 2],
      ['guide.md', 1],
    ]),
  ],
  ['q3', new Map()],
]);

function makeRun(model: string, mode: RetrievalMode, rankings: Map<string, string[]>, cost: RunCost, config: { [k: string]: JsonValue }): RunResult {
  const scored = evaluateRun(rankings, qrels, KS);
  const perQuery: Record<string, PerQueryResult> = {};
  for (const [qid, metrics] of scored.perQuery) {
    const ranking = rankings.get(qid) ?? [];
    const ranks: Record<string, number | null> = {};
    for (const [doc, grade] of qrels.get(qid) ?? []) {
      if (grade > 0) ranks[doc] = ranking.includes(doc) ? ranking.indexOf(doc) + 1 : null;
    }
    perQuery[qid] = { metrics, ranks };
  }
  return {
    model,
    mode,
    config,
    metrics: scored.mean,
    evaluatedQueries: scored.evaluatedQueries,
    skippedQueries: scored.skippedQueries,
    unrankedQueries: scored.unrankedQueries,
    perQuery,
    cost,
  };
}

function fixture(): EvalResults {
  const runA = makeRun(
    'hash',
    'dense',
    new Map([
      ['q1', ['install.md', 'faq.md']],
      ['q2', ['guide.md', 'faq.md']],
      ['q3', ['faq.md']],
    ]),
    { embedSeconds: 12.34, chunksPerSecond: 81.2, chunks: 1002, dimension: 384, indexBytes: 3 * 1_048_576, truncatedChunks: 2, querySeconds: 0.5, wallSeconds: 20.5 },
    { model: { id: 'hash', maxTokens: 512, apiKey: 'sk-abcdefghijklmnopqrstuvwx', params: { dim: 384 } }, chunking: { chunkSize: 256 } },
  );
  const runB = makeRun(
    B_MODEL,
    'bm25',
    new Map([
      ['q1', ['a.md', 'install.md']],
      ['q2', ['faq.md', 'guide.md']],
    ]),
    { embedSeconds: 0, chunksPerSecond: null, chunks: 1002, dimension: null, indexBytes: 0, truncatedChunks: 0, querySeconds: 0.2, wallSeconds: 1.5 },
    { bm25: { k1: 1.5, b: 0.75 }, endpoint: 'https://user:hunter2@example.com/v1', note: 'key sk-zyxwvutsrqponmlkjihgfedcba used' },
  );
  const ndcg = (r: RunResult): Map<string, number> => new Map(Object.entries(r.perQuery).map(([q, v]) => [q, v.metrics.ndcg_at_10 ?? 0]));
  const aligned = alignByQuery(ndcg(runA), ndcg(runB));
  return {
    formatVersion: 1,
    createdAt: '2025-01-02T03:04:05.000Z',
    toolVersion: '0.1.0',
    dataset: {
      name: 'mini',
      layout: 'simple',
      path: 'datasets/mini',
      fingerprint: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      documents: 4,
      queries: 3,
      qrels: 3,
      warnings: {
        unknownDocuments: { count: 1, examples: ['q1 -> instal.md'] },
        unknownQueries: { count: 0, examples: [] },
        duplicateLabels: { count: 0, examples: [] },
        unjudgedQueries: { count: 0, examples: [] },
      },
    },
    ks: KS,
    queries: [
      { id: 'q1', text: 'how to install', relevant: { 'install.md': 1 } },
      { id: 'q2', text: INJECTED, relevant: { 'faq.md': 2, 'guide.md': 1 } },
      { id: 'q3', text: 'nothing relevant', relevant: {} },
    ],
    runs: [runA, runB],
    comparisons: compareRuns(
      [{ baseline: { model: runA.model, mode: runA.mode }, candidate: { model: runB.model, mode: runB.mode }, a: aligned.a, b: aligned.b }],
      'ndcg_at_10',
      { seed: 7, resamples: 1000, permutations: 1000 },
    ),
  };
}

function fixtureGate(results: EvalResults): GateResult {
  return checkGate(
    results,
    { formatVersion: 1, runs: [{ model: 'hash', mode: 'dense', metrics: { ndcg_at_10: 0.99, recall_at_10: 1, mrr_at_10: 1 } }] },
    { maxDrop: 0.02 },
  );
}

/**
 * Minimal well-formedness check: balanced tags, quoted attributes, no raw `<` or stray `&` in text
 * or attribute values, a single root.
 */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const badAmp = /&(?!(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/;
  for (const m of body.matchAll(/<[^>]*>|[^<]+/g)) {
    const tok = m[0];
    if (!tok.startsWith('<')) {
      assert.ok(!badAmp.test(tok), `bare & in text: ${tok}`);
      if (stack.length === 0) assert.equal(tok.trim(), '', `text outside root: ${tok}`);
      continue;
    }
    const close = /^<\/([A-Za-z][\w.-]*)\s*>$/.exec(tok);
    if (close) {
      assert.equal(stack.pop(), close[1], `mismatched </${close[1]}>`);
      continue;
    }
    const open = /^<([A-Za-z][\w.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>$/.exec(tok);
    assert.ok(open, `malformed tag: ${tok}`);
    assert.ok(!badAmp.test(open[2] ?? ''), `bare & in attributes: ${tok}`);
    if (stack.length === 0) roots += 1;
    if (open[3] !== '/') stack.push(open[1] ?? '');
  }
  assert.deepEqual(stack, [], 'unclosed tags');
  assert.equal(roots, 1, 'exactly one root element');
}

describe('renderMarkdown', () => {
  it('writes the run table, the comparison, the gate and the dataset notes', () => {
    const results = fixture();
    const md = renderMarkdown(results, fixtureGate(results));
    const lines = md.split('\n');
    assert.equal(lines[0], '# Retrieval evaluation: mini');
    assert.ok(lines.includes('| Model | Mode | nDCG@10 | Recall@10 | MRR@10 | MAP@10 | Judged@10 | Embed s | Chunks/s | Dim | Index MB | Truncated | Wall s |'));
    // hash: q1 nDCG 1, q2 nDCG (1 + 2/log2 3) / (2 + 1/log2 3) = 0.85972 -> mean 0.92986
    assert.ok(lines.includes('| hash | dense | 0.9299 | 1.0000 | 1.0000 | 1.0000 | 0.1500 | 12.3 | 81 | 384 | 3.0 | 2 | 20.5 |'), md);
    // B: q1 nDCG 1/log2 3 = 0.63093, q2 1 -> 0.81546; MRR (0.5 + 1)/2; MAP (0.5 + 1)/2
    assert.ok(lines.includes('| e5 "small" &lt;q8> & co | bm25 | 0.8155 | 1.0000 | 0.7500 | 0.7500 | 0.1500 | – | – | – | – | 0 | 1.5 |'), md);
    assert.ok(lines.includes('## Compared with the first run: hash (dense)'));
    // Two queries, differences -0.369 and +0.140: every sign flip is as extreme, so p = 1 (Holm of
    // one p is itself). One win, one loss. MDE = 2.8016 · sd / √2 with sd = 0.5094 / √2 = 0.3602.
    assert.ok(
      lines.some((l) =>
        /^\| e5 "small" &lt;q8> & co \| bm25 \| nDCG@10 \| −0\.1144 \| \[−0\.\d{4}, [+−]0\.\d{4}\] \| 1\.000 \| 1\.000 \| no \(underpowered\) \| 1\/0\/1 \| 0\.7135 \| 2 \|$/.test(l),
      ),
      md,
    );
    assert.ok(lines.includes('| Model | Mode | Metric | Δ | 95% CI | p | p (Holm) | Significant | W/T/L | MDE | Queries |'), md);
    assert.ok(lines.some((l) => l.startsWith('- ⚠ e5 "small" &lt;q8> & co (bm25): underpowered: the observed Δ −0.1144 is below the 0.7135')), md);
    // The count of failed checks, failures before passes, marked in words.
    assert.ok(lines.includes('## Gate: FAILED: 1 of 3 checks failed'), md);
    const fail = lines.indexOf('- ❌ FAIL: hash (dense): ndcg_at_10 dropped 0.0601 (0.9900 -> 0.9299), more than --max-drop 0.02');
    const pass = lines.findIndex((l) => l.startsWith('- ✅ pass: hash (dense): recall_at_10'));
    assert.ok(fail > 0 && pass > fail, md);
    assert.ok(lines.includes('- e5 "small" &lt;q8> & co (bm25): not in the baseline file, not checked'));
    assert.ok(lines.includes('- 1 label(s) dropped: document not in the corpus (e.g. q1 -> instal.md)'), md);
    assert.ok(lines.includes('- 1 query(ies) skipped (no relevant document, not in the averages) (e.g. q3)'), md);
    // judged@10: q1 has 1 of its 10 slots judged, q2 2 of 10 -> 0.15, far below 0.8.
    assert.ok(lines.some((l) => l.startsWith('- hash (dense): judged@10 is 0.15 (&lt; 0.8), so its scores are a lower bound')), md);
  });
});

describe('appendStepSummary', () => {
  let tmp = '';
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'rag-reports-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('appends to $GITHUB_STEP_SUMMARY when set and does nothing otherwise', async () => {
    const file = path.join(tmp, 'summary.md');
    assert.equal(await appendStepSummary('# A', { GITHUB_STEP_SUMMARY: file }), file);
    assert.equal(await appendStepSummary('# B\n', { GITHUB_STEP_SUMMARY: file }), file);
    assert.equal(await readFile(file, 'utf8'), '# A\n# B\n');
    assert.equal(await appendStepSummary('# C', {}), undefined);
  });

  it('writeReports writes all five files', async () => {
    const results = fixture();
    const dir = path.join(tmp, 'out', 'nested');
    const paths = await writeReports(dir, results, fixtureGate(results));
    assert.equal(await readFile(paths.results, 'utf8'), serializeResults(results));
    assert.equal(await readFile(paths.markdown, 'utf8'), renderMarkdown(results, fixtureGate(results)));
    assert.match(await readFile(paths.html, 'utf8'), /^<!DOCTYPE html>/);
    assert.match(await readFile(paths.junit, 'utf8'), /^<\?xml/);
    assert.equal((await readFile(paths.perQuery, 'utf8')).split('\n').length, 4);
  });
});

describe('renderJunit', () => {
  it('is well-formed XML with a test case per run and per gate check, failing violations', () => {
    const results = fixture();
    const xml = renderJunit(results, fixtureGate(results));
    assertWellFormedXml(xml);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 2 + 3 + 1);
    assert.equal((xml.match(/<failure /g) ?? []).length, 1);
    assert.equal((xml.match(/<skipped /g) ?? []).length, 1);
    assert.match(xml, /<testsuites name="rag eval mini" tests="6" failures="1" errors="0" skipped="1">/);
    assert.ok(xml.includes('name="e5 &quot;small&quot; &lt;q8&gt; &amp; co (bm25)"'));
    assert.ok(xml.includes('<failure message="hash (dense): ndcg_at_10 dropped 0.0601 (0.9900 -&gt; 0.9299), more than --max-drop 0.02" type="max-drop">'));
    assert.ok(xml.includes('ndcg_at_10=0.9299'));
    assert.ok(xml.includes('vs hash (dense): ndcg_at_10 delta=-0.1144'), xml);
    assert.ok(xml.includes('p_adjusted(holm)=1.000 not significant underpowered wins/ties/losses=1/0/1 mde=0.7135'), xml);
  });

  it('is well-formed without a gate and with hostile names', () => {
    const results = fixture();
    const first = results.runs[0];
    assert.ok(first);
    first.model = 'a]]><b>&\u0001"\'';
    const xml = renderJunit(results);
    assertWellFormedXml(xml);
    assert.ok(!xml.includes('\u0001'));
    assert.equal((xml.match(/<testcase /g) ?? []).length, 2);
  });

  it('escapes the five XML specials', () => {
    assert.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });
});

describe('renderHtml', () => {
  it('is self-contained, has one SVG per chart and escapes injected text', () => {
    const results = fixture();
    const html = renderHtml(results, fixtureGate(results));
    // One recall@k chart, one histogram per run, one scatter per cost both runs have (only query
    // time here: the bm25 run has no vectors, no embed time and no index size), legend swatches.
    const charts = html.match(/<svg class="chart" /g) ?? [];
    assert.equal(charts.length, 1 + results.runs.length + 1);
    assert.ok(html.includes('aria-label="nDCG@10 against query time (ms per query)"'));
    assert.equal((html.match(/<svg /g) ?? []).length, (html.match(/<\/svg>/g) ?? []).length);
    // The one script is the sort script, allowed by its hash and by nothing broader.
    assert.equal((html.match(/<script/gi) ?? []).length, 1);
    assert.ok(html.includes(`<script>${SORT_SCRIPT}</script>`));
    assert.ok(html.includes(`script-src ${SORT_SCRIPT_CSP}"`));
    assert.deepEqual(html.match(/script-src [^;"]*/g), [`script-src ${SORT_SCRIPT_CSP}`]);
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;'));
    assert.ok(html.includes('e5 &quot;small&quot; &lt;q8&gt; &amp; co'));
    assert.ok(!/\ssrc=/i.test(html), 'no external resources');
    assert.deepEqual(html.match(/\shref="[^"]*"/gi), [' href="per-query.jsonl"'], 'the only link is to the file beside the report');
    assert.ok(!/<link\b/i.test(html));
    assert.ok(html.includes("Content-Security-Policy"));
    // The recall curve of each run has one marker per k (circles for the first run, squares for the second).
    const recall = html.slice(html.indexOf('aria-label="Recall at k per run"'), html.indexOf('</svg>', html.indexOf('aria-label="Recall at k per run"')));
    assert.equal((recall.match(/<circle /g) ?? []).length, KS.length);
    assert.equal((recall.match(/<rect /g) ?? []).length, KS.length);
    assert.ok(html.includes('<title>hash (dense) recall@10 = 1.0000</title>'));
    // Hardest queries: every run's score and ranks; q2 for the first run (guide.md #1, faq.md #2),
    // q1 for B (install.md #2); "N of M" stated.
    assert.ok(html.includes('0.8597 · faq.md #2, guide.md #1'), html);
    assert.ok(html.includes('0.6309 · install.md #2'), html);
    assert.ok(html.includes('0 of 2 evaluated queries score 0 on every run. Showing the 2 of 2 with the lowest mean'), html);
    assert.ok(html.includes('<td class="num" data-v="0.9299">0.9299</td>'));
    // The gate: failures first, marked in words.
    assert.ok(html.indexOf('<strong>✗ FAIL</strong>') < html.indexOf('<strong>✓ pass</strong>'));
    assert.ok(html.includes('Gate: <span class="fail">FAILED: 1 of 3 checks failed</span>'));
    // Failure analysis: B loses q1 (1 → 0.6309) against the first run.
    assert.ok(html.includes('1 of 2 queries score lower on nDCG@10'), html);
    assert.ok(html.includes('<code>q1</code> Δ −0.3691 · how to install'), html);
  });

  it('bins per-query values into ten bins with 1.0 in the last', () => {
    assert.deepEqual(histogram([0, 0.05, 0.1, 0.55, 0.999, 1]), [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
  });
});

describe('per-query.jsonl', () => {
  it('has one line per query with ranks (null when not retrieved) and metrics per run', () => {
    const results = fixture();
    const lines = renderPerQueryJsonl(results).trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines, perQueryLines(results));
    const q1 = perQueryLines(results)[0];
    assert.ok(q1);
    assert.deepEqual(
      q1.runs.map((r) => [r.model, r.ranks, r.metrics.mrr_at_10]),
      [
        ['hash', { 'install.md': 1 }, 1],
        [B_MODEL, { 'install.md': 2 }, 0.5],
      ],
    );
    const q2 = perQueryLines(results)[1];
    assert.equal(q2?.text, INJECTED);
    const q3 = perQueryLines(results)[2];
    assert.deepEqual(q3, { id: 'q3', text: 'nothing relevant', relevant: {}, evaluated: false, runs: [] });

    // A relevant document never retrieved gets null.
    const r = fixture();
    const run = r.runs[0];
    assert.ok(run);
    const pq = run.perQuery.q1;
    assert.ok(pq);
    pq.ranks = { 'install.md': null };
    assert.deepEqual(perQueryLines(r)[0]?.runs[0]?.ranks, { 'install.md': null });
  });
});

describe('results.json', () => {
  it('round-trips, is stable, sorts config keys and never contains credentials', () => {
    const results = fixture();
    const text = serializeResults(results);
    assert.equal(serializeResults(fixture()), text, 'same input, same bytes');
    assert.ok(!text.includes('sk-abcdefghijklmnopqrstuvwx'));
    assert.ok(!text.includes('sk-zyxwvutsrqponmlkjihgfedcba'));
    assert.ok(!text.includes('hunter2'));
    assert.ok(!text.includes('apiKey'));
    const parsed = JSON.parse(text) as { [k: string]: unknown };
    assert.deepEqual(Object.keys(parsed), ['formatVersion', 'createdAt', 'toolVersion', 'dataset', 'ks', 'runs', 'comparisons', 'queries']);
    const runs = parsed.runs as Array<{ [k: string]: unknown }>;
    assert.deepEqual(runs[0]?.config, { chunking: { chunkSize: 256 }, model: { id: 'hash', maxTokens: 512, params: { dim: 384 } } });
    assert.deepEqual(runs[1]?.config, {
      bm25: { b: 0.75, k1: 1.5 },
      endpoint: 'https://example.com/v1',
      note: 'key [redacted] used',
    });
    assert.deepEqual(runs[0]?.metrics, results.runs[0]?.metrics);
    assert.deepEqual(runs[0]?.perQuery, results.runs[0]?.perQuery);
    assert.deepEqual(parsed.queries, results.queries);
    // Every comparison carries the statistics, and they read back as written.
    const comparisons = parsed.comparisons as Array<{ [k: string]: unknown }>;
    assert.deepEqual(Object.keys(comparisons[0] ?? {}), [
      'baseline', 'candidate', 'metric', 'result', 'wins', 'ties', 'losses', 'pHolm', 'pBH', 'correction', 'pAdjusted', 'alpha',
      'significant', 'power', 'equivalence',
    ]);
    assert.deepEqual(comparisons[0], JSON.parse(JSON.stringify(results.comparisons[0])));
    assert.equal(comparisons[0]?.correction, 'holm');
    assert.equal(comparisons[0]?.equivalence, null);
    // The gate reads it back as a baseline.
    const baseline = parseBaseline(parsed, 'results.json');
    assert.equal(baseline.datasetFingerprint, results.dataset.fingerprint);
    assert.equal(checkGate(results, baseline, { maxDrop: 0 }).passed, true);
  });

  it('sanitizes nested credential keys in any spelling', () => {
    assert.deepEqual(
      sanitizeConfig({
        OPENAI_API_KEY: 'x',
        headers: { Authorization: 'Bearer abc' },
        nested: [{ password: 'p', clientSecret: 's', token: 't', maxTokens: 8, keep: 'Bearer abcdefghijk' }],
      }),
      { nested: [{ keep: 'Bearer [redacted]', maxTokens: 8 }] },
    );
  });
});
