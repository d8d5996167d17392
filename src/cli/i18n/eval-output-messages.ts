/**
 * The human output of `rag eval` on the terminal: the results table, the comparison block, the
 * per-segment table, `--explain`, `--dry-run`'s plan and the gate's lines. Metric names (ndcg@10,
 * MRR, MDE, p, CI) stay as they are in every language: they are the field's own notation. The
 * report files (report.md, report.html, junit.xml) do not use this catalogue: they stay English
 * for the teams that read them in CI. Same rules as the other catalogues (catalog.ts).
 */
import { makeCatalog } from './catalog.js';
import { detectLocale, type CliLocale } from './locale.js';

export const EVAL_OUTPUT_EN = {
  'col.model': 'model',
  'col.mode': 'mode',
  'col.embed': 'embed',
  'col.chunks-per-second': 'chunks/s',
  'col.dim': 'dim',
  'col.index': 'index',
  'col.truncated': 'truncated',
  'col.wall': 'wall',
  'col.chunks': 'chunks',
  'col.bytes-per-vector': 'bytes/vec',
  'col.vectors': 'vectors',
  'col.search-ms': 'search p50/p95 ms',
  'col.rerank-ms': 'rerank p50/p95 ms',
  'col.rerank-calls': 'rerank calls',

  'run': '{model} ({mode})',
  'vs': 'vs {run}, {metric}, {significance}:',
  'significance.raw': 'significant: raw p < {alpha}',
  'significance.adjusted': 'significant: {method}-adjusted p < {alpha}',
  'candidate': '  {run}: {parts}',
  'parts.join': '  ',
  'significant': 'significant',
  'not-significant': 'not significant',
  'wins-ties-losses': 'W/T/L {wins}/{ties}/{losses}',
  'queries': '{count} queries',
  'equivalent': 'equivalent within ±{margin}',
  'non-inferior': 'not worse by more than {margin}',
  'not-equivalent': 'equivalence within ±{margin} not shown',
  'note': '  note: {text}',
  'underpowered.effect': '{run}: underpowered for Δ = {effect}: {queries} queries, about {needed} needed (sd of differences {sd}); this set detects Δ ≥ {mde}.',
  'underpowered.observed': '{run}: underpowered: the observed Δ {diff} is below the {mde} this set of {queries} queries can detect, so "not significant" does not mean "no difference" (use --margin to test equivalence).',
  'segment.by': 'per {field}:',
  'segment.col.model': 'Model',
  'segment.col.mode': 'Mode',
  'segment.col.queries': 'Queries',
  'footer': '{queries} queries · {documents} documents · k = {ks}',

  'explain.head': 'where {b} loses most against {a} ({metric}{scope}): {shown} of {losses} losing queries ({paired} paired)',
  'explain.segment': ', segment {segment}',
  'explain.side': '  {run}: {score}; relevant ranks {ranks}',
  'explain.rank': '{doc} {rank}',
  'explain.not-retrieved': 'not retrieved',
  'explain.none': '(none)',

  'plan.head': 'plan: {rows} from {indexes} · {documents} documents · {queries} queries',
  'plan.rows.one': '{count} row',
  'plan.rows.other': '{count} rows',
  'plan.indexes.one': '{count} index',
  'plan.indexes.other': '{count} indexes',
  'plan.index': 'index {number}: {model}, chunks {size}/{overlap} {unit}: {chunks} chunks, {texts} texts, {cache}, {embed} to embed{eta}',
  'plan.unit.tokens': 'tokens',
  'plan.unit.characters': 'characters',
  'plan.not-cached': 'not cached',
  'plan.cached': '{count} cached',
  'plan.eta': ' (~{seconds})',
  'plan.row': '  {run}{settings}',
  'plan.row-settings': ': {settings}',
  'plan.rescore': 'rescore {factor}',
  'plan.rerank': 'rerank {model}',
  'plan.calls': 'embedding calls: {calls} ({hits} cache hits) · rerank calls: {rerank}{adapter}',
  'plan.adapter': ' · +adapter rows not counted',
  'plan.time-unknown': 'estimated embedding time: unknown (a remote model is not sampled: that would be a real request)',
  'plan.time': 'estimated embedding time: {seconds} (each local model timed on up to 32 of its texts after one warm-up text; queries, reranking and graph builds not included)',
  'plan.dry-run': 'dry run: nothing was stored; only the sample texts were embedded, to time the model',

  'gate.not-in-baseline': '{run} is not in the baseline; not gated on drops',
  'gate.dropped': '{run}: {metric} dropped {drop} ({before} -> {now}), more than --max-drop {threshold}',
  'gate.within': '{run}: {metric} {now} (baseline {before}, change {change}) within --max-drop {threshold}',
  'gate.below': '{run}: {metric} {now} is below --min {threshold}',
  'gate.reaches': '{run}: {metric} {now} reaches --min {threshold}',
} as const;

export type EvalOutputKey = keyof typeof EVAL_OUTPUT_EN;

export const EVAL_OUTPUT_ZH_HANS: Record<EvalOutputKey, string> = {
  'col.model': '模型',
  'col.mode': '模式',
  'col.embed': '嵌入用时',
  'col.chunks-per-second': '分块/秒',
  'col.dim': '维度',
  'col.index': '索引大小',
  'col.truncated': '截断',
  'col.wall': '总用时',
  'col.chunks': '分块',
  'col.bytes-per-vector': '字节/向量',
  'col.vectors': '向量大小',
  'col.search-ms': '检索 p50/p95 ms',
  'col.rerank-ms': '重排 p50/p95 ms',
  'col.rerank-calls': '重排调用',

  'run': '{model} ({mode})',
  'vs': '对比 {run}，{metric}，{significance}：',
  'significance.raw': '显著：未校正 p < {alpha}',
  'significance.adjusted': '显著：{method} 校正后 p < {alpha}',
  'candidate': '  {run}：{parts}',
  'parts.join': '  ',
  'significant': '显著',
  'not-significant': '不显著',
  'wins-ties-losses': '胜/平/负 {wins}/{ties}/{losses}',
  'queries': '{count} 个查询',
  'equivalent': '在 ±{margin} 内等效',
  'non-inferior': '差距不超过 {margin}（非劣）',
  'not-equivalent': '未能证明在 ±{margin} 内等效',
  'note': '  提示：{text}',
  'underpowered.effect': '{run}：检验效能不足以发现 Δ = {effect}：现有 {queries} 个查询，约需 {needed} 个（差值标准差 {sd}）；这组查询能发现 Δ ≥ {mde}。',
  'underpowered.observed': '{run}：检验效能不足：观测到的 Δ {diff} 小于这组 {queries} 个查询能发现的 {mde}，所以“不显著”不等于“没有差异”（用 --margin 检验等效性）。',
  'segment.by': '按 {field}：',
  'segment.col.model': '模型',
  'segment.col.mode': '模式',
  'segment.col.queries': '查询数',
  'footer': '{queries} 个查询 · {documents} 个文档 · k = {ks}',

  'explain.head': '{b} 相对 {a} 输得最多的查询（{metric}{scope}）：{losses} 个落后查询中的 {shown} 个（共 {paired} 个配对）',
  'explain.segment': '，分段 {segment}',
  'explain.side': '  {run}：{score}；相关文档排名 {ranks}',
  'explain.rank': '{doc} {rank}',
  'explain.not-retrieved': '未检索到',
  'explain.none': '（无）',

  'plan.head': '计划：{indexes}，{rows} · {documents} 个文档 · {queries} 个查询',
  'plan.rows.one': '评测 {count} 行',
  'plan.rows.other': '评测 {count} 行',
  'plan.indexes.one': '构建 {count} 个索引',
  'plan.indexes.other': '构建 {count} 个索引',
  'plan.index': '索引 {number}：{model}，分块 {size}/{overlap} {unit}：{chunks} 个分块，{texts} 段文本，{cache}，需嵌入 {embed} 段{eta}',
  'plan.unit.tokens': 'token',
  'plan.unit.characters': '字符',
  'plan.not-cached': '无缓存',
  'plan.cached': '已缓存 {count} 段',
  'plan.eta': '（约 {seconds}）',
  'plan.row': '  {run}{settings}',
  'plan.row-settings': '：{settings}',
  'plan.rescore': '重新打分 {factor}',
  'plan.rerank': '重排 {model}',
  'plan.calls': '嵌入调用：{calls} 次（缓存命中 {hits} 次）· 重排调用：{rerank} 次{adapter}',
  'plan.adapter': ' · 未计入 +adapter 行',
  'plan.time-unknown': '估计嵌入用时：未知（远程模型不做抽样计时：那会是一次真实请求）',
  'plan.time': '估计嵌入用时：{seconds}（每个本地模型先预热一段文本，再对最多 32 段文本计时；不含查询、重排和图索引构建）',
  'plan.dry-run': '试运行：没有存储任何内容；只嵌入了样本文本，用于给模型计时',

  'gate.not-in-baseline': '{run} 不在基线中；不按下降幅度把关',
  'gate.dropped': '{run}：{metric} 下降 {drop}（{before} -> {now}），超过 --max-drop {threshold}',
  'gate.within': '{run}：{metric} {now}（基线 {before}，变化 {change}），在 --max-drop {threshold} 之内',
  'gate.below': '{run}：{metric} {now} 低于 --min {threshold}',
  'gate.reaches': '{run}：{metric} {now} 达到 --min {threshold}',
};

const evalOutput = makeCatalog<EvalOutputKey>(EVAL_OUTPUT_EN, EVAL_OUTPUT_ZH_HANS);

export function evalOutputCatalog(locale: CliLocale): Record<EvalOutputKey, string> {
  return evalOutput.table(locale);
}

/** The eval output line `key` in `locale` (default: the detected one), placeholders filled. */
export function e(key: EvalOutputKey, values: Readonly<Record<string, string | number>> = {}, locale: CliLocale = detectLocale()): string {
  return evalOutput.translate(key, values, locale);
}
