/**
 * The progress and summary lines of ingest, query and eval (stderr and the human stdout
 * summary), in each language. Kept apart from messages.ts (errors and advice) so the two grow
 * without conflicts; same rules: `{name}` placeholders, Traditional derived by OpenCC (traditional.ts), and
 * test/i18n.test.ts checks every locale has every key with the same placeholders. `--json`
 * output never goes through here.
 */
import { makeCatalog } from './catalog.js';
import { detectLocale, type CliLocale } from './locale.js';

export const PROGRESS_EN = {
  'progress.embedding': 'embedding',
  'progress.model': 'model: {model}',
  'progress.warning': 'warning:',
  'progress.note': 'note:',
  'ingest.adding': 'adding {chunks} chunks to the index…',
  'ingest.committed': 'committed {documents} of {total} new or changed documents',
  'ingest.indexed': 'indexed',
  'ingest.indexed-line': '{indexed} {where} with model {model} (chunks of {size} {unit}, overlap {overlap})',
  'ingest.unit.tokens': 'tokens',
  'ingest.unit.characters': 'characters',
  'ingest.documents': 'documents: {added} added, {updated} updated, {unchanged} unchanged, {removed} removed, {skipped} skipped{failed}',
  'ingest.failed': ', {failed} failed',
  'ingest.by-reason': 'by reason: {reasons}',
  'ingest.chunks': 'chunks: {embedded} embedded, {removed} removed, {total} in the index{truncated}',
  'ingest.truncated': ", {truncated} truncated to the model's maximum tokens",
  'ingest.took': 'took {seconds}',
  'query.stdin': 'reading the query from stdin (end it with Ctrl-D)',
  'query.summary': 'model: {model} · mode: {mode}{stage} · {count} {results} in {ms} ms',
  'query.reranked': ' · reranked by {id} (top {depth})',
  'query.result': 'result',
  'query.results': 'results',
  'eval.dataset': 'dataset {dataset}: {documents} documents, {queries} labelled queries',
  'eval.reports': 'reports: {dir}/ (results.json, report.md, report.html, junit.xml, per-query.jsonl){step}',
  'eval.step-summary': ' and the GitHub step summary',
  'eval.gate-passed': 'gate passed ({checks} checks)',
  'eval.gate-failed': 'gate failed:',
} as const;

export type ProgressKey = keyof typeof PROGRESS_EN;

export const PROGRESS_ZH_HANS: Record<ProgressKey, string> = {
  'progress.embedding': '嵌入中',
  'progress.model': '模型：{model}',
  'progress.warning': '警告：',
  'progress.note': '提示：',
  'ingest.adding': '正在把 {chunks} 个分块加入索引…',
  'ingest.committed': '已提交 {total} 个新增或变化文档中的 {documents} 个',
  'ingest.indexed': '已索引',
  'ingest.indexed-line': '{indexed} {where}，模型 {model}（分块大小 {size} 个{unit}，重叠 {overlap}）',
  'ingest.unit.tokens': ' token',
  'ingest.unit.characters': '字符',
  'ingest.documents': '文档：新增 {added}，更新 {updated}，未变 {unchanged}，移除 {removed}，跳过 {skipped}{failed}',
  'ingest.failed': '，失败 {failed}',
  'ingest.by-reason': '原因：{reasons}',
  'ingest.chunks': '分块：嵌入 {embedded}，移除 {removed}，索引中共 {total}{truncated}',
  'ingest.truncated': '，{truncated} 个被截断到模型的最大 token 数',
  'ingest.took': '用时 {seconds}',
  'query.stdin': '正在从 stdin 读取查询（按 Ctrl-D 结束）',
  'query.summary': '模型：{model} · 模式：{mode}{stage} · {count} 个{results}，用时 {ms} ms',
  'query.reranked': ' · 由 {id} 重排（前 {depth} 个）',
  'query.result': '结果',
  'query.results': '结果',
  'eval.dataset': '数据集 {dataset}：{documents} 个文档，{queries} 个已标注查询',
  'eval.reports': '报告：{dir}/（results.json、report.md、report.html、junit.xml、per-query.jsonl）{step}',
  'eval.step-summary': '，以及 GitHub 步骤摘要',
  'eval.gate-passed': '门禁通过（{checks} 项检查）',
  'eval.gate-failed': '门禁未通过：',
};

const progress = makeCatalog<ProgressKey>(PROGRESS_EN, PROGRESS_ZH_HANS);

export function progressCatalog(locale: CliLocale): Record<ProgressKey, string> {
  return progress.table(locale);
}

/** The progress line `key` in `locale` (default: the detected one), placeholders filled. */
export function p(key: ProgressKey, values: Readonly<Record<string, string | number>> = {}, locale: CliLocale = detectLocale()): string {
  return progress.translate(key, values, locale);
}

/**
 * A labelled line: `warning: text` in English, `警告：text` in Chinese, where the full-width
 * colon already separates. The colour applies to the label only.
 */
export function labelled(label: string, text: string, colour: (s: string) => string = (s) => s): string {
  return `${colour(label)}${label.endsWith('：') ? '' : ' '}${text}`;
}
