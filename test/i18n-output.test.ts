/**
 * The human output of every command under a Chinese locale, as a user sees it: the built CLI on a
 * real index of datasets/zh-sample under LANG=zh_CN.UTF-8, zh_TW.UTF-8 and C. Chinese words where
 * English was, English unchanged (the strings the other tests pin), `--json` the same document
 * in every locale, tables aligned by terminal columns.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { displayWidth } from '../src/cli/i18n/localize-help.js';
import { JudgmentStore } from '../src/eval/label/judgments.js';
import { lines, REPO, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { startFakeChatServer, type FakeChatServer } from './helpers/fake-chat-server.js';

const SAMPLE = path.join(REPO, 'datasets', 'zh-sample');
const LOCALES = { zh: 'zh_CN.UTF-8', tw: 'zh_TW.UTF-8', c: 'C' } as const;
type Locale = keyof typeof LOCALES;

let cwd: string;
let chat: FakeChatServer;
const ingested = {} as Record<Locale, CliResult>;

/** `rag ARGS` under a locale; `env` adds variables (undefined LANG: no locale at all). */
function rag(args: readonly string[], locale: Locale | 'none' | 'en_US', env: Record<string, string> = {}): Promise<CliResult> {
  const lang = locale === 'none' ? undefined : locale === 'en_US' ? 'en_US.UTF-8' : LOCALES[locale];
  return runCli(args, { cwd, env: { LANG: lang, ...env } });
}

/** The same command in every locale, with its exit code checked. */
async function everyLocale(args: readonly string[], code = 0, env: Record<string, string> = {}): Promise<Record<Locale, CliResult>> {
  const out = {} as Record<Locale, CliResult>;
  for (const locale of Object.keys(LOCALES) as Locale[]) {
    out[locale] = await rag(args, locale, env);
    assert.equal(out[locale].code, code, `${locale} ${args.join(' ')}: ${out[locale].stderr}`);
  }
  return out;
}

/** A JSON document without what differs between two runs of the same command (times, the output folder). */
function stable(text: string): unknown {
  const varying = /Seconds$|PerSecond$|MsP\d+$|^resultsFile$/;
  return JSON.parse(text, (key, value: unknown) => (varying.test(key) ? undefined : value));
}

/** Timings (`254 ms`, `1.2 s`, `0.11/4.24`) and the chunks/s column blanked, runs of spaces folded. */
function untimed(text: string): string {
  return text.replace(/\d+(\.\d+)? (ms|s)\b/g, 'T').replace(/\d+\.\d+\/\d+(\.\d+)?/g, 'L').replace(/ +/g, ' ');
}

const noStraySpace = (r: CliResult): void => {
  assert.doesNotMatch(r.stdout + r.stderr, /[：，（）] /u, 'no space after full-width punctuation');
};

before(async () => {
  cwd = await tempDir('i18n-output');
  chat = await startFakeChatServer();
  for (const locale of Object.keys(LOCALES) as Locale[]) {
    ingested[locale] = await rag(['ingest', SAMPLE, '--index', `idx-${locale}`], locale);
    assert.equal(ingested[locale].code, 0, ingested[locale].stderr);
  }
});
after(async () => {
  await chat.close();
  await rm(cwd, { recursive: true, force: true });
});

describe('rag ingest', () => {
  it('names the reasons in words', () => {
    assert.match(ingested.zh.stdout, /^原因：不支持的格式 1$/m);
    assert.match(ingested.tw.stdout, /^原因：不支援的格式 1$/m);
    assert.match(ingested.c.stdout, /^by reason: 1 unsupported$/m);
    assert.doesNotMatch(ingested.c.stdout + ingested.c.stderr, /\p{Script=Han}/u);
    noStraySpace(ingested.zh);
  });
});

describe('rag query', () => {
  it('words --timings and the hit lines; --json is the same document in every locale', async () => {
    const timed = await everyLocale(['query', '报销', '--index', 'idx-c', '-k', '2', '--timings']);
    assert.match(timed.zh.stderr, /^耗时：启动 \d+ ms · 加载索引 \d+ ms · 加载模型 \d+ ms · 嵌入 \d+ ms · 检索 \d+ ms · 共 \d+ ms$/m);
    assert.match(timed.tw.stderr, /^耗時：啟動 \d+ ms · 載入索引/m);
    assert.match(timed.c.stderr, /^timings: start-up \d+ ms · index load \d+ ms · model load \d+ ms · embedding \d+ ms · search \d+ ms · total \d+ ms$/m);
    assert.equal(timed.zh.stdout, timed.c.stdout, 'the hits themselves are the documents’ text');
    const json = await everyLocale(['query', '报销', '--index', 'idx-c', '-k', '3', '--json']);
    assert.equal(json.zh.stdout, json.c.stdout);
    assert.equal(json.tw.stdout, json.c.stdout);
  });
});

describe('rag eval', () => {
  const args = (out: string): string[] => [
    'eval', '--dataset', SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--out', out,
    '--min', 'ndcg_at_10=0.99', '--margin', '0.05', '--explain', 'hash:dense', 'hash:bm25', '--explain-limit', '1',
  ];
  let runs: Record<Locale, CliResult>;
  before(async () => {
    runs = {} as Record<Locale, CliResult>;
    for (const locale of Object.keys(LOCALES) as Locale[]) {
      runs[locale] = await rag(args(`ev-${locale}`), locale);
      // The gate fails (no run reaches 0.99) with the same exit code in every language.
      assert.equal(runs[locale].code, 1, runs[locale].stderr);
    }
  });

  it('translates the table header but keeps the metric names', () => {
    const header = (r: CliResult): string => lines(r.stdout)[0]!;
    assert.match(header(runs.zh), /^模型 +模式 +ndcg@10 +recall@10 +mrr@10 +map@10 +recall@100 +judged@10 +嵌入用时 +分块\/秒 +维度 +索引大小 +截断 +总用时 +字节\/向量 +向量大小 +检索 p50\/p95 ms$/);
    assert.match(header(runs.tw), /^模型 +模式 +ndcg@10 .* 嵌入用時 +分塊\/秒 +維度 .* 總用時 +位元組\/向量/);
    assert.deepEqual(header(runs.c).split(/ +/), [
      'model', 'mode', 'ndcg@10', 'recall@10', 'mrr@10', 'map@10', 'recall@100', 'judged@10',
      'embed', 'chunks/s', 'dim', 'index', 'truncated', 'wall', 'bytes/vec', 'vectors', 'search', 'p50/p95', 'ms',
    ]);
  });

  it('aligns the table by terminal columns (a CJK character takes two)', () => {
    for (const locale of ['zh', 'tw', 'c'] as const) {
      const table = lines(runs[locale].stdout).slice(0, 3);
      // The last column is right-aligned: every line ends at the same terminal column.
      assert.equal(new Set(table.map(displayWidth)).size, 1, `${locale}\n${table.join('\n')}`);
      // The third column (ndcg@10) starts at the same column in the header and the rows.
      const starts = table.map((line) => displayWidth(line.slice(0, line.search(/ndcg@10|0\.\d{4}/))));
      assert.equal(new Set(starts.map((s, i) => s + (i === 0 ? 'ndcg@10'.length : 6))).size, 1, `${locale}\n${table.join('\n')}`);
    }
  });

  it('words the comparison block, the footer and --explain', () => {
    const zh = runs.zh.stdout;
    assert.match(zh, /^对比 hash \(dense\)，ndcg@10，显著：Holm 校正后 p < 0\.05：$/m);
    assert.match(zh, /^ {2}hash \(bm25\)：-0\.\d{4} {2}95% CI \[.*\] {2}p=\d\.\d{3} p_holm=\d\.\d{3} {2}不显著 {2}胜\/平\/负 \d+\/\d+\/\d+ {2}MDE \d\.\d{4} {2}在 ±0\.05 内等效 {2}30 个查询$/m);
    assert.match(zh, /^ {2}提示：hash \(bm25\)：检验效能不足以发现 Δ = 0\.05：现有 30 个查询，约需 \d+ 个/m);
    assert.match(zh, /^30 个查询 · 20 个文档 · k = 1,3,5,10,100$/m);
    assert.match(zh, /^hash \(bm25\) 相对 hash \(dense\) 输得最多的查询（ndcg_at_10）：\d+ 个落后查询中的 1 个（共 30 个配对）$/m);
    assert.match(zh, /^ {2}hash \(dense\)：\d\.\d{4}；相关文档排名 /m);
    assert.match(runs.tw.stdout, /^對比 hash \(dense\)，ndcg@10，顯著：Holm 校正後 p < 0\.05：$/m);
    assert.match(runs.tw.stdout, /不顯著 {2}勝\/平\/負 /);
    assert.match(runs.tw.stdout, /^30 個查詢 · 20 個文件 · k = /m);

    const c = runs.c.stdout;
    assert.match(c, /^vs hash \(dense\), ndcg@10, significant: Holm-adjusted p < 0\.05:$/m);
    assert.match(c, /^ {2}hash \(bm25\): -0\.\d{4} {2}95% CI \[.*\] {2}p=\d\.\d{3} p_holm=\d\.\d{3} {2}not significant {2}W\/T\/L \d+\/\d+\/\d+ {2}MDE \d\.\d{4} {2}equivalent within ±0\.05 {2}30 queries$/m);
    assert.match(c, /^ {2}note: hash \(bm25\): underpowered for Δ = 0\.05: 30 queries, about \d+ needed \(sd of differences \d\.\d{4}\); this set detects Δ ≥ \d\.\d{4}\.$/m);
    assert.match(c, /^30 queries · 20 documents · k = 1,3,5,10,100$/m);
    assert.match(c, /^where hash \(bm25\) loses most against hash \(dense\) \(ndcg_at_10\): \d+ of \d+ losing queries \(30 paired\)$/m);
    assert.match(c, /^ {2}hash \(dense\): \d\.\d{4}; relevant ranks /m);
  });

  it('words the gate, without a space after the full-width colon', () => {
    assert.match(runs.zh.stderr, /^门禁未通过：hash \(dense\)：ndcg_at_10 \d\.\d{4} 低于 --min 0\.99$/m);
    assert.match(runs.zh.stderr, /^警告：hash \(dense\)：judged@10 为/m);
    assert.match(runs.tw.stderr, /^門禁未通過：hash \(bm25\)：ndcg_at_10 \d\.\d{4} 低於 --min 0\.99$/m);
    assert.match(runs.c.stderr, /^gate failed: hash \(dense\): ndcg_at_10 \d\.\d{4} is below --min 0\.99$/m);
    assert.match(runs.c.stderr, /^warning: hash \(dense\): judged@10 is/m);
    noStraySpace(runs.zh);
  });

  it('words the gate notes, drops and equivalence checks; under C they are the library messages, byte for byte', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const baseline = JSON.parse(await readFile(path.join(cwd, 'ev-c', 'results.json'), 'utf8')) as {
      dataset: { fingerprint: string };
      runs: Array<{ mode: string; metrics: Record<string, number> }>;
    };
    baseline.dataset.fingerprint = 'sha256:other';
    baseline.runs.find((r) => r.mode === 'dense')!.metrics['ndcg_at_10']! += 0.2;
    delete baseline.runs.find((r) => r.mode === 'bm25')!.metrics['mrr_at_10'];
    await writeFile(path.join(cwd, 'base.json'), JSON.stringify(baseline));
    type Gate = { gate: { violations: Array<{ message: string }>; notes: string[] } };
    const scenarios = [
      ['--baseline', 'base.json', '--max-drop', '0.01', '--mode', 'hybrid'],
      ['--fail-unless-equivalent', '--margin', '0.02', '--mode', 'hybrid'],
    ];
    for (const [i, extra] of scenarios.entries()) {
      const r = await everyLocale(['eval', '--dataset', SAMPLE, '--mode', 'dense', '--mode', 'bm25', ...extra, '--out', `gate-${i}`, '--json'], 1);
      const { gate } = JSON.parse(r.c.stdout) as Gate;
      const english = lines(r.c.stderr);
      for (const v of gate.violations) assert.ok(english.includes(`gate failed: ${v.message}`), `${v.message}\n${r.c.stderr}`);
      for (const note of gate.notes) assert.ok(english.includes(`note: ${note}`), `${note}\n${r.c.stderr}`);
      assert.equal(lines(r.zh.stderr).filter((l) => l.startsWith('门禁未通过：')).length, gate.violations.length);
      assert.doesNotMatch(r.zh.stderr, /dropped|not shown|differs|baseline has no|not in the baseline/);
      assert.deepEqual(stable(r.zh.stdout), stable(r.c.stdout));
    }
    const r = await rag(['eval', '--dataset', SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--mode', 'hybrid', '--baseline', 'base.json', '--max-drop', '0.01', '--out', 'gate-zh'], 'zh');
    assert.match(r.stderr, /^提示：数据集与基线的不同（sha256:other 对 sha256:\w+）：指标的差异可能来自数据$/m);
    assert.match(r.stderr, /^提示：hash \(bm25\)：基线没有 mrr_at_10，未检查下降$/m);
    assert.match(r.stderr, /^提示：hash \(hybrid\) 不在基线中；不按下降幅度把关$/m);
    assert.match(r.stderr, /^门禁未通过：hash \(dense\)：ndcg_at_10 下降 0\.2000（\d\.\d{4} -> \d\.\d{4}），超过 --max-drop 0\.01$/m);
    const eq = await rag(['eval', '--dataset', SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--fail-unless-equivalent', '--margin', '0.02', '--out', 'gate-eq'], 'tw');
    assert.match(eq.stderr, /^門禁未通過：hash \(bm25\) 對比 hash \(dense\)：ndcg_at_10 Δ -0\.\d{4}，90% CI \[.*\]：未能證明在 ±0\.02 內等效（TOST p [\d.]+），而 --fail-unless-equivalent 要求等效$/m);
  });

  it('keeps the report files English in every locale', async () => {
    const { readFile } = await import('node:fs/promises');
    const md = async (locale: Locale): Promise<string> => (await readFile(path.join(cwd, `ev-${locale}`, 'report.md'), 'utf8')).replace(/\d+(\.\d+)? (ms|s)\b|\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T');
    const english = await md('c');
    assert.match(english, /^# Retrieval evaluation/m);
    assert.equal((await md('zh')).split('\n').length, english.split('\n').length);
    assert.doesNotMatch(await md('zh'), /对比|门禁|个查询/);
  });

  it('prints --json the same in every locale', async () => {
    const json = await everyLocale(['eval', '--dataset', SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--out', 'ev-json', '--json']);
    assert.deepEqual(stable(json.zh.stdout), stable(json.c.stdout));
    assert.deepEqual(stable(json.tw.stdout), stable(json.c.stdout));
  });

  it('words the per-segment table, aligned by terminal columns even with Chinese segment names', async () => {
    const { cp, readFile, writeFile } = await import('node:fs/promises');
    const dataset = path.join(cwd, 'styled');
    await cp(SAMPLE, dataset, { recursive: true });
    const file = path.join(dataset, 'queries.jsonl');
    const queries = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const styled = queries.map((l, i) => JSON.stringify({ ...(JSON.parse(l) as object), style: i % 2 === 0 ? 'question' : '关键词' }));
    await writeFile(file, `${styled.join('\n')}\n`);
    const r = await everyLocale(['eval', '--dataset', dataset, '--mode', 'dense', '--segment-by', 'style', '--out', 'seg']);
    const table = (text: string, title: RegExp): string[] => {
      const all = lines(text);
      const at = all.findIndex((l) => title.test(l));
      assert.ok(at >= 0, text);
      return all.slice(at + 1, at + 4);
    };
    const zh = table(r.zh.stdout, /^按 style：$/);
    assert.match(zh[0]!, /^模型 +模式 +style +查询数 +nDCG@10 +Recall@10 +MRR@10$/);
    const c = table(r.c.stdout, /^per style:$/);
    assert.match(c[0]!, /^Model +Mode +style +Queries +nDCG@10 +Recall@10 +MRR@10$/);
    for (const rows of [zh, c]) assert.equal(new Set(rows.map(displayWidth)).size, 1, rows.join('\n'));
  });

  it('words --dry-run; its --json is the same in every locale', async () => {
    const plan = await everyLocale(['eval', '--dataset', SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--dry-run']);
    assert.match(plan.zh.stdout, /^计划：构建 1 个索引，评测 2 行 · 20 个文档 · 30 个查询$/m);
    assert.match(plan.zh.stdout, /^索引 1：hash，分块 800\/100 字符：\d+ 个分块，\d+ 段文本，无缓存，需嵌入 \d+ 段（约 \d+ ms）$/m);
    assert.match(plan.zh.stdout, /^ {2}hash \(dense\)：d=4096, float32$/m);
    assert.match(plan.zh.stdout, /^试运行：/m);
    assert.match(plan.tw.stdout, /^試執行：沒有儲存任何內容/m);
    assert.match(plan.c.stdout, /^plan: 2 rows from 1 index · 20 documents · 30 queries$/m);
    assert.match(plan.c.stdout, /^index 1: hash, chunks 800\/100 characters: \d+ chunks, \d+ texts, not cached, \d+ to embed \(~\d+ ms\)$/m);
    assert.match(plan.c.stdout, /^embedding calls: \d+ \(0 cache hits\) · rerank calls: 0$/m);
    assert.match(plan.c.stdout, /^dry run: nothing was stored; only the sample texts were embedded, to time the model$/m);
    const json = await everyLocale(['eval', '--dataset', SAMPLE, '--mode', 'dense', '--dry-run', '--json']);
    assert.deepEqual(stable(json.zh.stdout), stable(json.c.stdout));
  });
});

describe('rag models', () => {
  it('words the headers and notes, aligned by terminal columns; --json the same', async () => {
    const r = await everyLocale(['models', '--lang', 'zh']);
    const [zhHeader, ...zhRows] = lines(r.zh.stdout);
    assert.match(zhHeader!, /^别名 +提供方 +权重数 +fp32 +q8 +维度 +最大 token 数 +语言 +许可证 +MTEB-en 检索 +C-MTEB 检索$/);
    assert.match(r.zh.stdout, /^分数：公布的检索 nDCG@10 平均值/m);
    assert.match(lines(r.tw.stdout)[0]!, /^別名 +提供方 +權重數 .* 語言 +許可證/);
    assert.match(lines(r.c.stdout)[0]!, /^alias +provider +params +fp32 +q8 +dim +max tokens +languages +licence +MTEB-en ret +C-MTEB ret$/);
    assert.match(r.c.stdout, /^Scores: retrieval nDCG@10 averages as published/m);
    // `transformers` starts where `提供方` does.
    const column = displayWidth(zhHeader!.slice(0, zhHeader!.indexOf('提供方')));
    const row = zhRows.find((l) => l.includes('transformers'))!;
    assert.equal(displayWidth(row.slice(0, row.indexOf('transformers'))), column);
    const json = await everyLocale(['models', '--json']);
    assert.equal(json.zh.stdout, json.c.stdout);
    assert.equal(json.tw.stdout, json.c.stdout);
    const none = await everyLocale(['models', '--provider', 'builtin', '--lang', 'fr']);
    assert.equal(none.zh.stdout, '没有符合这些筛选条件的模型\n');
    assert.equal(none.c.stdout, 'no model matches these filters\n');
  });
});

describe('rag check and rag inspect', () => {
  it('rag check words its lines; --json the same', async () => {
    const r = await everyLocale(['check', '--index', 'idx-c']);
    assert.match(r.zh.stdout, /^完好 {2}chunks-1\.jsonl +[\d.]+ KiB$/m);
    assert.match(r.zh.stdout, /^索引 idx-c：第 1 代，20 个文档，\d+ 个分块$/m);
    assert.match(r.tw.stdout, /^索引 idx-c：第 1 代，20 個文件，\d+ 個分塊$/m);
    assert.match(r.c.stdout, /^ok {2}chunks-1\.jsonl +[\d.]+ KiB$/m);
    assert.match(r.c.stdout, /^index idx-c: generation 1, 20 documents, \d+ chunks$/m);
    const json = await everyLocale(['check', '--index', 'idx-c', '--json']);
    assert.equal(json.zh.stdout, json.c.stdout);
  });

  it('rag inspect words its header lines, with and without --doc; --json the same', async () => {
    const list = await everyLocale(['inspect', '--index', 'idx-c']);
    assert.equal(lines(list.zh.stdout)[0], '分块  文档');
    assert.equal(lines(list.tw.stdout)[0], '分塊  文件');
    assert.equal(lines(list.c.stdout)[0], 'chunks  document');
    // The counts stay right-aligned under the header.
    assert.equal(displayWidth(lines(list.zh.stdout)[0]!.split('  文档')[0]!), displayWidth(lines(list.zh.stdout)[1]!.split('  docs/')[0]!));
    assert.match(list.zh.stderr, /^idx-c · 模型 hash · 20 个文档，\d+ 个分块$/m);
    assert.match(list.c.stderr, /^idx-c · model hash · 20 documents, \d+ chunks$/m);
    const doc = await everyLocale(['inspect', '--doc', 'docs/hr/annual-leave.md', '--index', 'idx-c']);
    assert.match(doc.zh.stderr, /^docs\/hr\/annual-leave\.md · markdown · 5 个分块 · 来自 /m);
    assert.match(doc.zh.stdout, /^#0 {2}3:1-11:49（字符 11-158） · 年假与请假制度 › 年假天数$/m);
    assert.match(doc.tw.stdout, /^#0 {2}3:1-11:49（字元 11-158）/m);
    assert.match(doc.c.stderr, /^docs\/hr\/annual-leave\.md · markdown · 5 chunks · from /m);
    assert.match(doc.c.stdout, /^#0 {2}3:1-11:49 \(chars 11-158\) · 年假与请假制度 › 年假天数$/m);
    for (const args of [['inspect', '--index', 'idx-c', '--json'], ['inspect', '--doc', 'docs/hr/annual-leave.md', '--index', 'idx-c', '--json']]) {
      const json = await everyLocale(args);
      assert.equal(json.zh.stdout, json.c.stdout, args.join(' '));
      assert.equal(json.tw.stdout, json.c.stdout, args.join(' '));
    }
    const missing = await everyLocale(['inspect', '--doc', 'nope.md', '--index', 'idx-c'], 2);
    assert.equal(missing.zh.stderr, 'rag: idx-c 中没有文档“nope.md”；运行 `rag inspect` 列出文档 id\n');
    assert.equal(missing.c.stderr, "rag: no document 'nope.md' in idx-c; run `rag inspect` to list the document ids\n");
  });
});

describe('rag cache', () => {
  it('words info, compact and clear; --json the same', async () => {
    const info = await everyLocale(['cache', 'info']);
    assert.match(info.zh.stdout, /^嵌入缓存 .*：\d+ 个向量，[\d.]+ (B|KiB|MiB)$/m);
    assert.match(info.tw.stdout, /^嵌入快取 /m);
    assert.match(info.c.stdout, /^embedding cache .*: \d+ vectors, [\d.]+ (B|KiB|MiB)$/m);
    const json = await everyLocale(['cache', 'info', '--json']);
    assert.equal(json.zh.stdout, json.c.stdout);
    const compact = await everyLocale(['cache', 'compact']);
    assert.match(compact.zh.stdout, /^已压缩 .*：删除 0 条重复记录，回收 0 B$/m);
    assert.match(compact.c.stdout, /^compacted .*: 0 duplicate records removed, 0 B reclaimed$/m);
    const clear = await everyLocale(['cache', 'clear']);
    assert.match(clear.zh.stdout, /^已从 .* 删除 [\d.]+ (B|KiB|MiB)$/m);
    assert.match(clear.c.stdout, /^removed [\d.]+ (B|KiB|MiB) from /m);
  });
});

describe('rag tune, rag queries generate, rag label', () => {
  it('help is Chinese under zh, English under C', async () => {
    for (const command of [['tune', '--help'], ['tune', 'adapter', '--help'], ['label', '--help'], ['queries', 'generate', '--help']]) {
      const r = await everyLocale(command);
      assert.match(r.zh.stdout, /\p{Script=Han}/u, command.join(' '));
      assert.doesNotMatch(r.c.stdout, /\p{Script=Han}/u, command.join(' '));
    }
  });

  it('rag tune export and adapter word their summaries', async () => {
    const exported = await everyLocale(['tune', 'export', '--dataset', SAMPLE, '--out', 'tx']);
    assert.match(exported.zh.stdout, /^tx：\d+ 个训练查询（\d+ 个分组）$/m);
    assert.match(exported.zh.stdout, /^用它们给微调后的模型打分：rag eval --dataset /m);
    assert.match(exported.zh.stderr, /^模型 hash · 划分种子 42 · /m);
    assert.match(exported.c.stdout, /^tx: \d+ training queries \(\d+ groups\)$/m);
    assert.match(exported.c.stdout, /^score a fine-tuned model on them: rag eval --dataset /m);
    const adapter = await everyLocale(['tune', 'adapter', '--dataset', SAMPLE, '--out', 'adapter.json', '--epochs', '2']);
    assert.match(adapter.zh.stdout, /^adapter\.json：hash，\d+ 个训练查询 \+ \d+ 个验证查询，/m);
    assert.match(adapter.zh.stdout, /^验证集 nDCG@10：原模型 \d\.\d{4} → 适配后 \d\.\d{4}$/m);
    assert.match(adapter.zh.stderr, /^第 1 轮：损失 \d\.\d{4} · 验证集 nDCG@10 \d\.\d{4}/m);
    assert.match(adapter.tw.stdout, /^驗證集 nDCG@10：原模型/m);
    assert.doesNotMatch(adapter.tw.stdout, /介面卡/);
    assert.match(adapter.c.stdout, /^validation nDCG@10: plain \d\.\d{4} → adapted \d\.\d{4}$/m);
    assert.match(adapter.c.stderr, /^epoch 1: loss \d\.\d{4} · validation nDCG@10 \d\.\d{4}/m);
  });

  it('rag queries generate words its plan and summary', async () => {
    const docs = path.join(SAMPLE, 'docs');
    const env = { OLLAMA_HOST: chat.origin };
    const plan = await everyLocale(['queries', 'generate', docs, '--llm', 'ollama:m', '--count', '6', '--out', 'gen', '--dry-run'], 0, env);
    assert.match(plan.zh.stdout, /^将从 20 个文档的 \d+ 个分块中的 \d+ 个里抽取 2 个段落（中文 2 个，英文 0 个）$/m);
    assert.match(plan.zh.stderr, /^20 个文档，\d+ 个分块（\d+ 个可用）-> 2 个段落，向 ollama:m 发出 2 次调用$/m);
    assert.match(plan.c.stdout, /^would sample 2 passages \(2 Chinese, 0 English\) from \d+ of \d+ chunks in 20 documents$/m);
    assert.match(plan.c.stderr, /^20 documents, \d+ chunks \(\d+ usable\) -> 2 passages, 2 calls to ollama:m$/m);
    const zh = await rag(['queries', 'generate', docs, '--llm', 'ollama:m', '--count', '6', '--out', 'gen-zh'], 'zh', env);
    assert.equal(zh.code, 0, zh.stderr);
    assert.match(zh.stdout, /^请求 6 个查询，保留 \d+ 个，来自 20 个文档的 2 个段落$/m);
    assert.match(zh.stdout, /^ {2}数据集：gen-zh（corpus\.jsonl、queries\.jsonl、qrels\/test\.tsv、generation\.json）$/m);
    const c = await rag(['queries', 'generate', docs, '--llm', 'ollama:m', '--count', '6', '--out', 'gen-c'], 'c', env);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /^\d+ queries kept of 6 asked, from 2 passages of 20 documents$/m);
    assert.match(c.stdout, /^ {2}dataset: gen-c \(corpus\.jsonl, queries\.jsonl, qrels\/test\.tsv, generation\.json\)$/m);
  });

  it('rag label --llm and --agreement word their summaries', async () => {
    const dataset = path.join(cwd, 'gen-c');
    chat.respond = () => ({ content: JSON.stringify({ grade: 2 }) });
    const env = { OLLAMA_HOST: chat.origin };
    const zh = await rag(['label', '--dataset', dataset, '--mode', 'bm25', '--pool-depth', '2', '--llm', 'ollama:judge'], 'zh', env);
    assert.equal(zh.code, 0, zh.stderr);
    assert.match(zh.stdout, /^ollama:judge 判断了 \d+ 对（0 对此前已判断，0 对重试后仍无法读取）-> /m);
    assert.match(zh.stdout, /^ {2}等级 0\/1\/2\/3：0 \/ 0 \/ \d+ \/ 0 · 调用：实际 \d+ 次，缓存 0 次$/m);
    assert.match(zh.stderr, /^已汇集 hash \(bm25\)$/m);
    const c = await rag(['label', '--dataset', dataset, '--mode', 'bm25', '--pool-depth', '2', '--llm', 'ollama:judge'], 'c', env);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /^0 pairs judged by ollama:judge \(\d+ already, 0 unreadable after a retry\) -> /m);

    const person = await JudgmentStore.open(dataset, 'test');
    const model = (await JudgmentStore.openModel(dataset, 'test')).entries();
    for (const [i, key] of [...model.keys()].slice(0, 3).entries()) {
      const [q, d] = key.split('\t') as [string, string];
      await person.set(q, d, i === 0 ? 0 : 2, { who: 'ana', action: 'judge', pool: { runs: ['hash (bm25)'], depth: 2 } });
    }
    const agreement = await everyLocale(['label', '--dataset', dataset, '--agreement']);
    assert.match(lines(agreement.zh.stdout)[0]!, /^Cohen's kappa (-?\d\.\d{3}|无定义)，基于双方都判断过的 3 对（实际一致率 0\.667，随机一致率 \d\.\d{3}）；相关（2-3）与不相关：/);
    assert.equal(lines(agreement.zh.stdout)[2], '人工 \\ 模型         0      1      2      3');
    assert.match(lines(agreement.c.stdout)[0]!, /^Cohen's kappa (-?\d\.\d{3}|undefined) over 3 pairs judged by both \(observed agreement 0\.667/);
    assert.equal(lines(agreement.c.stdout)[2], 'person \\ model      0      1      2      3');
    // The grade columns line up in both languages.
    assert.equal(displayWidth(lines(agreement.zh.stdout)[2]!), displayWidth(lines(agreement.c.stdout)[2]!));
  });
});

describe('English output is unchanged', () => {
  it('is byte for byte the same with no locale, C and en_US', async () => {
    for (const args of [
      ['models'],
      ['models', '--details'],
      ['check', '--index', 'idx-c'],
      ['inspect', '--index', 'idx-c'],
      ['inspect', '--doc', 'docs/hr/annual-leave.md', '--index', 'idx-c'],
      ['cache', 'info'],
      ['query', '报销', '--index', 'idx-c', '-k', '2'],
    ]) {
      const none = await rag(args, 'none');
      for (const locale of ['c', 'en_US'] as const) {
        const other = await rag(args, locale);
        assert.equal(other.stdout, none.stdout, `${locale} ${args.join(' ')}`);
        assert.equal(other.stderr.replace(/\d+ ms/g, 'T'), none.stderr.replace(/\d+ ms/g, 'T'), `${locale} ${args.join(' ')}`);
      }
    }
    const ingestNone = await rag(['ingest', SAMPLE, '--index', 'idx-none'], 'none');
    assert.equal(untimed(ingestNone.stdout).replace('idx-none', 'idx-c'), untimed(ingested.c.stdout));
    const evalNone = await rag(['eval', '--dataset', SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--out', 'ev-none'], 'none');
    const evalC = await rag(['eval', '--dataset', SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--out', 'ev-c2'], 'c');
    // chunks/s is a measured rate: compare everything but that column's number.
    const rate = (text: string): string => untimed(text).replace(/^(hash dense( \d\.\d{4}){6} T) \d+ /m, '$1 R ');
    assert.equal(rate(evalNone.stdout), rate(evalC.stdout));
  });
});
