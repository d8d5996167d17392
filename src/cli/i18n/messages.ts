/**
 * The CLI's own words in each language. English and Simplified Chinese are written here;
 * Traditional Chinese is derived from the Simplified text with OpenCC's s2t (the same tables as
 * `--script-fold s2t`), so the two never drift apart. `{name}` placeholders are filled by
 * {@link t}; test/i18n.test.ts checks every locale has every key with the same placeholders.
 */
import { makeCatalog } from './catalog.js';
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
  // error advice (src/cli/error-advice.ts, details.advice)
  'advice.chunk-size.summary': '--chunk-size ({chunkSize}) must be a positive whole number',
  'advice.chunk-overlap.summary': '--chunk-overlap ({chunkOverlap}) must be a whole number, 0 or more',
  'advice.chunk-overlap-size.summary': '--chunk-overlap ({chunkOverlap}) must be smaller than --chunk-size ({chunkSize})',
  'advice.negative-range.summary': 'invalid --range "{text}": expected SKIP-DEPTH with SKIP < DEPTH, e.g. 10-100',
  'advice.test-fraction.summary': 'invalid --test-fraction {testFraction}: expected a number between 0 and 1 (e.g. 0.2)',
  'advice.chat-model-unknown.hint': 'use --llm openai:MODEL (OPENAI_BASE_URL, OPENAI_API_KEY) or --llm ollama:MODEL (OLLAMA_HOST)',
  'advice.reranker-unknown.hint': 'use a local cross-encoder ({aliases}, hf:ORG/NAME or ./folder) or api:MODEL with --rerank-base-url (a /v1/rerank endpoint such as Jina, Cohere, vLLM, TEI)',
  'advice.segment-field-invalid.summary': 'invalid --segment-by "{field}": name a field of queries.jsonl such as language or source',
  'advice.segment-field-absent.summary': '--segment-by {field}: no query in {file} has a "{field}" field (top level or in "metadata")',
  'advice.baseline-missing.summary': 'baseline file not found: {file} (create one with rag eval --out and commit its results.json)',
  'advice.duplicate-document.summary': 'two documents have the id "{docId}" (the second from {source}); ingest them into separate --index directories or rename one',
  'advice.encoding-undecodable.hint': 'convert it to UTF-8, or name its encoding with --encoding (e.g. --encoding big5)',
  'advice.encoding-closest.hint': 'convert it to UTF-8, or name its encoding with --encoding',
  'advice.encoding-forced-wrong.summary': '{file}: not {label} as --encoding says ({replaced} invalid byte sequences)',
  'advice.encoding-forced-wrong.hint': 'leave --encoding out to detect it, or name the right one',
  'advice.encoding-utf16-dataset.summary': '--encoding {encoding} is not supported for dataset files; save them as UTF-8',
  'advice.adapter-index-stale.hint': 'train a new one with `rag tune adapter --index`, delete the file, or pass --no-adapter',
  'advice.adapter-not-in-postgres.hint': 'keep the file and pass --adapter FILE to rag query',
  'advice.adapter-index-model.hint': "train with --model set to the index's model, or save it with --out and pass --adapter where it fits",
  'advice.adapter-make.hint': 'make one with `rag tune adapter`',
  'advice.adapter-retrain.hint': 'train it again with this version of `rag tune adapter`',
  'advice.adapter-make-file.hint': 'make one with `rag tune adapter --out FILE`',
  'advice.adapter-model.hint': 'train an adapter for this model with `rag tune adapter --model ID`, or leave --adapter out',
  'advice.split-empty.summary': '{file}: split "{split}" is empty (no labels); add query-id, corpus-id, score lines or choose another --split',
  'advice.split-file-simple.summary': '--split {split}: a qrels file as split needs a BEIR-layout dataset (corpus.jsonl, queries.jsonl, qrels/); {root} has the simple layout',
  'advice.out-taken.hint': 'name a folder with --out',
  'advice.rerank-endpoint-missing.hint': 'pass --rerank-base-url URL (the API root, e.g. https://api.jina.ai/v1) or set RERANK_BASE_URL',
  'advice.eval-adapter-model.summary': '--adapter was trained for {model}, and none of the evaluated models is that model under the same settings',
  'advice.eval-adapter-model.hint': 'add --model {model}, or train an adapter for one of these models',
  'advice.explain-run-missing.summary': '--explain: no run "{spec}" in this evaluation (runs: {names})',
  'advice.explain-run-ambiguous.summary': '--explain: "{spec}" names {count} runs; add the mode, e.g. {example}',
  'advice.min-format.summary': 'invalid --min "{spec}": expected METRIC=VALUE, e.g. ndcg_at_10=0.6',
  'advice.min-value.summary': 'invalid --min "{spec}": the value must be a number between 0 and 1',
  'advice.max-drop.summary': 'invalid --max-drop "{text}": expected a number between 0 and 1 (0.02 = two points of nDCG)',
  'advice.gate-metric-k.summary': 'the gate needs {metric} but {run} did not compute it: add its k to --k',
  'advice.equivalence-margin.summary': '--fail-unless-equivalent needs --margin X (e.g. --margin 0.01)',
  'advice.correction-unknown.summary': 'unknown --correction "{text}"; use {choices}',
  'advice.dimensions-invalid.summary': '--dimensions {value}: expected positive whole numbers',
  'advice.dimensions-too-large.summary': "--dimensions {value} is larger than {model}'s {full} dimensions",
  'advice.dimensions-too-large.hint': 'use values up to {full}',
  'advice.variants-need-memory.summary': '--dimensions and --precision need the vectors in memory, which a PostgreSQL --index does not give',
  'advice.variants-need-memory.hint': 'leave out --index postgres://… for these rows (the default temporary folder works)',
  'advice.count-invalid.summary': '--count must be a positive integer, got {count}',
  'advice.querygen-source.summary': 'give either document paths or --index, not both and not neither',
  'advice.querygen-out-judged.summary': '{out} holds judgments made with `rag label` ({log}); generating into it would overwrite its qrels',
  'advice.querygen-out-judged.hint': 'choose another --out folder',
  'advice.prompt-slot.summary': 'the --prompt template has no {slot}',
  'advice.label-needs-beir.summary': 'rag label needs a BEIR dataset: {file} is missing',
  'advice.label-needs-beir.hint': 'make one with `rag queries generate`, or convert your queries.jsonl to corpus.jsonl, queries.jsonl and qrels/test.tsv',
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
  // error advice (src/cli/error-advice.ts, details.advice)
  'advice.chunk-size.summary': '--chunk-size（{chunkSize}）必须是正整数',
  'advice.chunk-overlap.summary': '--chunk-overlap（{chunkOverlap}）必须是 0 或更大的整数',
  'advice.chunk-overlap-size.summary': '--chunk-overlap（{chunkOverlap}）必须小于 --chunk-size（{chunkSize}）',
  'advice.negative-range.summary': '无效的 --range "{text}"：应为 SKIP-DEPTH 且 SKIP < DEPTH，例如 10-100',
  'advice.test-fraction.summary': '无效的 --test-fraction {testFraction}：应为 0 到 1 之间的数（例如 0.2）',
  'advice.chat-model-unknown.hint': '请使用 --llm openai:MODEL（OPENAI_BASE_URL、OPENAI_API_KEY）或 --llm ollama:MODEL（OLLAMA_HOST）',
  'advice.reranker-unknown.hint': '请使用本地交叉编码器（{aliases}、hf:ORG/NAME 或 ./文件夹），或 api:MODEL 加 --rerank-base-url（/v1/rerank 端点，如 Jina、Cohere、vLLM、TEI）',
  'advice.segment-field-invalid.summary': '无效的 --segment-by "{field}"：请指定 queries.jsonl 的一个字段，如 language 或 source',
  'advice.segment-field-absent.summary': '--segment-by {field}：{file} 中没有查询带有 "{field}" 字段（顶层或 "metadata" 中）',
  'advice.baseline-missing.summary': '找不到基线文件：{file}（用 rag eval --out 生成一个，并提交其中的 results.json）',
  'advice.duplicate-document.summary': '两个文档的 id 都是 "{docId}"（第二个来自 {source}）；请把它们导入不同的 --index 目录，或重命名其中一个',
  'advice.encoding-undecodable.hint': '请转换为 UTF-8，或用 --encoding 指定其编码（例如 --encoding big5）',
  'advice.encoding-closest.hint': '请转换为 UTF-8，或用 --encoding 指定其编码',
  'advice.encoding-forced-wrong.summary': '{file}：不是 --encoding 所说的 {label}（{replaced} 个无效字节序列）',
  'advice.encoding-forced-wrong.hint': '去掉 --encoding 以自动检测，或指定正确的编码',
  'advice.encoding-utf16-dataset.summary': '数据集文件不支持 --encoding {encoding}；请保存为 UTF-8',
  'advice.adapter-index-stale.hint': '请用 `rag tune adapter --index` 训练新的适配器、删除该文件，或传入 --no-adapter',
  'advice.adapter-not-in-postgres.hint': '请保留该文件，并在 rag query 中传入 --adapter FILE',
  'advice.adapter-index-model.hint': '训练时把 --model 设为索引的模型，或用 --out 保存并在合适处传入 --adapter',
  'advice.adapter-make.hint': '请用 `rag tune adapter` 生成一个',
  'advice.adapter-retrain.hint': '请用当前版本的 `rag tune adapter` 重新训练',
  'advice.adapter-make-file.hint': '请用 `rag tune adapter --out FILE` 生成一个',
  'advice.adapter-model.hint': '请用 `rag tune adapter --model ID` 为此模型训练适配器，或去掉 --adapter',
  'advice.split-empty.summary': '{file}：划分 "{split}" 是空的（没有标注）；请添加 query-id、corpus-id、score 行，或选择另一个 --split',
  'advice.split-file-simple.summary': '--split {split}：用 qrels 文件作划分需要 BEIR 布局的数据集（corpus.jsonl、queries.jsonl、qrels/）；{root} 是简单布局',
  'advice.out-taken.hint': '请用 --out 指定文件夹',
  'advice.rerank-endpoint-missing.hint': '请传入 --rerank-base-url URL（API 根地址，例如 https://api.jina.ai/v1），或设置 RERANK_BASE_URL',
  'advice.eval-adapter-model.summary': '--adapter 是为 {model} 训练的，而评测的模型中没有一个是该模型且设置相同',
  'advice.eval-adapter-model.hint': '请添加 --model {model}，或为这些模型之一训练适配器',
  'advice.explain-run-missing.summary': '--explain：本次评测中没有运行 "{spec}"（运行：{names}）',
  'advice.explain-run-ambiguous.summary': '--explain："{spec}" 对应 {count} 个运行；请加上模式，例如 {example}',
  'advice.min-format.summary': '无效的 --min "{spec}"：应为 METRIC=VALUE，例如 ndcg_at_10=0.6',
  'advice.min-value.summary': '无效的 --min "{spec}"：值必须是 0 到 1 之间的数',
  'advice.max-drop.summary': '无效的 --max-drop "{text}"：应为 0 到 1 之间的数（0.02 即 nDCG 下降两个点）',
  'advice.gate-metric-k.summary': '门禁需要 {metric}，但 {run} 没有计算它：请把它的 k 加到 --k',
  'advice.equivalence-margin.summary': '--fail-unless-equivalent 需要 --margin X（例如 --margin 0.01）',
  'advice.correction-unknown.summary': '未知的 --correction "{text}"；请使用 {choices}',
  'advice.dimensions-invalid.summary': '--dimensions {value}：应为正整数',
  'advice.dimensions-too-large.summary': '--dimensions {value} 大于 {model} 的 {full} 维',
  'advice.dimensions-too-large.hint': '请使用不超过 {full} 的值',
  'advice.variants-need-memory.summary': '--dimensions 和 --precision 需要把向量读入内存，而 PostgreSQL 的 --index 做不到',
  'advice.variants-need-memory.hint': '这些行请去掉 --index postgres://…（默认的临时文件夹可以）',
  'advice.count-invalid.summary': '--count 必须是正整数，实际为 {count}',
  'advice.querygen-source.summary': '请给出文档路径或 --index 之一，不能都给，也不能都不给',
  'advice.querygen-out-judged.summary': '{out} 中有用 `rag label` 做的评判（{log}）；在其中生成会覆盖它的 qrels',
  'advice.querygen-out-judged.hint': '请另选一个 --out 文件夹',
  'advice.prompt-slot.summary': '--prompt 模板中没有 {slot}',
  'advice.label-needs-beir.summary': 'rag label 需要 BEIR 数据集：缺少 {file}',
  'advice.label-needs-beir.hint': '请用 `rag queries generate` 生成一个，或把 queries.jsonl 转换为 corpus.jsonl、queries.jsonl 和 qrels/test.tsv',
};

const messages = makeCatalog<MessageKey>(EN, ZH_HANS);

/** Traditional Chinese: the Simplified catalogue through OpenCC s2t (derived only when asked for). */
export function zhHant(): Record<MessageKey, string> {
  return messages.table('zh-Hant');
}

export function catalog(locale: CliLocale): Record<MessageKey, string> {
  return messages.table(locale);
}

/** The placeholders of a message, sorted. */
export function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

/** The message `key` in `locale` (default: the detected one), placeholders filled. */
export function t(key: MessageKey, values: Readonly<Record<string, string | number>> = {}, locale: CliLocale = detectLocale()): string {
  return messages.translate(key, values, locale);
}
