/**
 * The CLI's own words in each language. English and Simplified Chinese are written here;
 * Traditional Chinese is derived from the Simplified text with OpenCC's s2t (the same tables as
 * `--script-fold s2t`), so the two never drift apart. `{name}` placeholders are filled by
 * {@link t}; test/i18n.test.ts checks every locale has every key with the same placeholders.
 */
import { foldScript } from '../../text/script-fold.js';
import { detectLocale, type CliLocale } from './locale.js';

export const EN = {
  'usage.see-help': 'run `{command} --help` for usage',
  'bug.hint': 'this is a bug in rag; rerun with --verbose for the stack trace and report it',
  'bug.prefix': 'unexpected error:',
  'index-missing.summary': 'no index at {location}: run `rag ingest <paths>` first',
  'index-empty.summary': 'index {location} is empty',
  'index-empty.hint': 'run `rag ingest <paths>` to add documents',
  'index-damaged.hint': 'rebuild it from your documents with `rag ingest --rebuild --index {location} <paths>`',
  'model-unknown.summary': "unknown model '{spec}'",
  'model-unknown.suggestion': 'did you mean {names}? ',
  'model-unknown.hint': '{suggestion}run `rag models` for the list (or use hf:ORG/NAME, a ./folder, openai:MODEL, ollama:MODEL)',
  'model-mismatch.model.summary': 'index {location} was built with model {built}, not {wanted}',
  'model-mismatch.model.hint': 'use --model {built} or ingest into another --index',
  'model-mismatch.settings.hint': 're-ingest into a new --index to use the new settings',
  'model-mismatch.script-fold.summary': 'index {location} was built with --script-fold {built}, not {wanted}',
  'model-mismatch.script-fold.hint': 'use --script-fold {built}, or rebuild it with `rag ingest --rebuild --script-fold {wanted} --index {location} <paths>`',
  'chunking-mismatch.summary': 'index {location} was built with --chunk-size {size} --chunk-overlap {overlap}{unit}',
  'chunking-mismatch.hint': 'use those, re-chunk it with --rebuild, or ingest into another --index',
  'cache-unusable.hint': 'delete it or run `rag cache clear`',
  'help.rag': 'Build and measure a retrieval-augmented-generation baseline on your own documents.',
  'help.ingest': 'load, chunk, embed and index documents (only what changed since the last run)',
  'help.query': 'search an index; prints the top-k chunks with score, source and location',
  'help.eval': 'score retrieval against a labeled query set; compare models and modes; gate CI on regressions',
  'help.queries': 'make evaluation queries for your own documents',
  'help.tune': 'optimise a model from your labels: fine-tuning data, a query adapter',
  'help.cache': 'the on-disk embedding cache shared by ingest and eval',
  'help.check': "verify an index folder without loading it: every data file's presence, size and checksum (exit 0 intact, 2 damaged)",
  'help.inspect': 'list the documents of an index with their chunk counts; with --doc, each chunk with its text, heading path and place in the file',
  'help.label': 'judge pooled results in a local browser page (keyboard 0-3); labels go to the dataset\'s qrels at once',
  'help.models': 'shortlist models: parameters, weights size, dimension, max tokens, languages, licence and published retrieval scores (with sources); filter and sort',
} as const;

export type MessageKey = keyof typeof EN;

export const ZH_HANS: Record<MessageKey, string> = {
  'usage.see-help': '运行 `{command} --help` 查看用法',
  'bug.hint': '这是 rag 的缺陷；请加 --verbose 重新运行以查看堆栈，并报告此问题',
  'bug.prefix': '意外错误：',
  'index-missing.summary': '{location} 处没有索引：请先运行 `rag ingest <paths>`',
  'index-empty.summary': '索引 {location} 是空的',
  'index-empty.hint': '运行 `rag ingest <paths>` 添加文档',
  'index-damaged.hint': '请用 `rag ingest --rebuild --index {location} <paths>` 从原始文档重建',
  'model-unknown.summary': "未知模型 '{spec}'",
  'model-unknown.suggestion': '您是想用 {names} 吗？',
  'model-unknown.hint': '{suggestion}运行 `rag models` 查看列表（或使用 hf:ORG/NAME、./文件夹、openai:MODEL、ollama:MODEL）',
  'model-mismatch.model.summary': '索引 {location} 是用模型 {built} 构建的，而不是 {wanted}',
  'model-mismatch.model.hint': '请使用 --model {built}，或导入到另一个 --index',
  'model-mismatch.settings.hint': '要使用新设置，请重新导入到新的 --index',
  'model-mismatch.script-fold.summary': '索引 {location} 是用 --script-fold {built} 构建的，而不是 {wanted}',
  'model-mismatch.script-fold.hint': '请使用 --script-fold {built}，或用 `rag ingest --rebuild --script-fold {wanted} --index {location} <paths>` 重建',
  'chunking-mismatch.summary': '索引 {location} 是用 --chunk-size {size} --chunk-overlap {overlap}{unit} 构建的',
  'chunking-mismatch.hint': '请使用这些设置，或用 --rebuild 重新分块，或导入到另一个 --index',
  'cache-unusable.hint': '请删除该文件，或运行 `rag cache clear`',
  'help.rag': '在你自己的文档上构建并衡量检索增强生成（RAG）的检索基线。',
  'help.ingest': '加载、分块、嵌入并索引文档（只处理上次运行以来变化的部分）',
  'help.query': '检索索引；输出得分最高的 k 个分块及其得分、来源和位置',
  'help.eval': '用带标注的查询集为检索打分；比较模型和模式；在 CI 中拦截退步',
  'help.queries': '为你自己的文档生成评测查询',
  'help.tune': '用你的标注优化模型：微调数据、查询适配器',
  'help.cache': 'ingest 与 eval 共用的磁盘嵌入缓存',
  'help.check': '不加载即校验索引文件夹：每个数据文件是否存在、大小与校验和（完好退出码 0，损坏 2）',
  'help.inspect': '列出索引中的文档及其分块数；加 --doc 时列出每个分块的文本、标题路径和在文件中的位置',
  'help.label': '在本地浏览器页面中评判汇集的结果（键盘 0-3）；标注立即写入数据集的 qrels',
  'help.models': '筛选模型：参数量、权重大小、维度、最大 token 数、语言、许可证和公开的检索得分（附来源）；可过滤和排序',
};

let hant: Record<MessageKey, string> | undefined;

/** Traditional Chinese: the Simplified catalogue through OpenCC s2t (loaded only when asked for). */
export function zhHant(): Record<MessageKey, string> {
  hant ??= Object.fromEntries(Object.entries(ZH_HANS).map(([k, v]) => [k, foldScript(v, 's2t')])) as Record<MessageKey, string>;
  return hant;
}

export function catalog(locale: CliLocale): Record<MessageKey, string> {
  return locale === 'zh-Hans' ? ZH_HANS : locale === 'zh-Hant' ? zhHant() : EN;
}

/** The placeholders of a message, sorted. */
export function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

/** The message `key` in `locale` (default: the detected one), placeholders filled. */
export function t(key: MessageKey, values: Readonly<Record<string, string | number>> = {}, locale: CliLocale = detectLocale()): string {
  return catalog(locale)[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
