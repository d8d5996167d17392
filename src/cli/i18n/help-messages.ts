/**
 * Simplified-Chinese help for every command, argument and option, keyed by its English text
 * (shared options are declared once and reused by many commands, so one entry serves them all).
 * {@link localizeHelp} swaps the descriptions after the program is declared, so the declarations
 * stay English and untouched; Traditional is derived with OpenCC like the message catalogue.
 * test/i18n.test.ts checks every description the program declares has an entry here, and that
 * no entry is stale. Command summaries of `rag --help` live in messages.ts (help.*).
 */
export const HELP_ZH_HANS: Readonly<Record<string, string>> = {
  'print stack traces and debug details on errors': '出错时打印堆栈和调试细节',
  'output the version number': '输出版本号',
  'display help for command': '显示命令帮助',
  'files or directories (Markdown, text, PDF, HTML, DOCX, BEIR corpus.jsonl)': '文件或目录（Markdown、文本、PDF、HTML、DOCX、BEIR corpus.jsonl）',
  'index directory, or postgres://USER@HOST:PORT/DB?table=NAME (pgvector)': '索引目录，或 postgres://USER@HOST:PORT/DB?table=NAME（pgvector）',
  "embedding model (default: the index's model, or `hash` for a new index); see `rag models`": '嵌入模型（默认：索引自身的模型，新索引为 `hash`）；见 `rag models`',
  "chunk size (default 512 tokens for models with a tokenizer, capped by the model's window; else 800 characters)":
    '分块大小（有分词器的模型默认 512 个 token，不超过模型窗口；否则 800 个字符）',
  'overlap between chunks, rounded to whole sentences (default 64 tokens or 100 characters)': '分块之间的重叠，按整句取整（默认 64 个 token 或 100 个字符）',
  'measure chunks in model tokens (default with a tokenizer) or characters': '分块计量单位：模型 token（有分词器时默认）或字符',
  'only files matching this glob (repeatable)': '只处理匹配此 glob 的文件（可重复）',
  'skip files matching this glob (repeatable)': '跳过匹配此 glob 的文件（可重复）',
  'wait this long for another ingest to finish': '等待另一个 ingest 结束的最长时间',
  'read text files in this encoding instead of detecting it: utf-8, gb18030 (gbk), big5 (big5-hkscs), windows-1252 (latin1), utf-16le, utf-16be':
    '按此编码读取文本文件而不自动检测：utf-8、gb18030（gbk）、big5（big5-hkscs）、windows-1252（latin1）、utf-16le、utf-16be',
  'skip files larger than this, e.g. 200MB (default 50MB)': '跳过大于此大小的文件，如 200MB（默认 50MB）',
  'do not read or write the embedding cache': '不读写嵌入缓存',
  'build the index again from scratch from <paths> (a damaged index, or to re-embed everything)': '从 <paths> 从头重建索引（索引损坏，或需全部重新嵌入时）',
  'commit after every n new or changed documents (default: about once a minute)': '每处理 n 个新增或变化的文档提交一次（默认：约每分钟一次）',
  'print the result as JSON on stdout (with formatVersion)': '在 stdout 上以 JSON 输出结果（含 formatVersion）',
  'ONNX weights to load for local models': '本地模型加载的 ONNX 权重',
  'pooling for hf:/folder models without a sentence-transformers config': '没有 sentence-transformers 配置的 hf:/文件夹模型所用的池化方式',
  'never use the network: hub models must already be in the cache': '绝不联网：hub 模型必须已在缓存中',
  'API base URL for openai: models (default $OPENAI_BASE_URL) or ollama: (default $OLLAMA_HOST)': 'openai: 模型的 API 根地址（默认 $OPENAI_BASE_URL）或 ollama:（默认 $OLLAMA_HOST）',
  'shorter vectors: Matryoshka truncation or the API dimensions parameter': '更短的向量：Matryoshka 截断或 API 的 dimensions 参数',
  'Simplified/Traditional folding for BM25, the hash model and highlights (default t2s; a hash index keeps the fold it was built with)':
    'BM25、hash 模型和高亮所用的简繁折叠（默认 t2s；hash 索引沿用构建时的折叠）',
  'what to search for; `-` reads it from stdin (for queries longer than one argument may be)': '要检索的内容；`-` 表示从 stdin 读取（用于超出单个参数长度的查询）',
  'number of results': '结果数量',
  'retrieval mode': '检索模式',
  'must match the model the index was built with (default: that model)': '必须与构建索引的模型一致（默认：该模型）',
  'read the query text from this file (UTF-8) instead of the argument': '从此文件（UTF-8）读取查询文本，而不是从参数',
  'print where the time went (start-up, index load, model load, embedding, search) on stderr, or as `timings` with --json':
    '在 stderr 上打印耗时分布（启动、加载索引、加载模型、嵌入、检索），加 --json 时输出为 `timings`',
  "pass query vectors through a query adapter made by `rag tune adapter` (default: the index's own adapter.json, if saved there)":
    '让查询向量经过 `rag tune adapter` 生成的查询适配器（默认：索引中保存的 adapter.json，如有）',
  'search without a query adapter, even one saved in the index': '不使用查询适配器检索，即使索引中保存了一个',
  'hybrid mode: rrf (reciprocal rank) or convex (weighted normalised scores)': '混合模式：rrf（倒数排名）或 convex（归一化得分加权）',
  'RRF constant k in 1 / (k + rank) (default 60)': '1 / (k + rank) 中的 RRF 常数 k（默认 60）',
  'convex fusion: weight of the dense side in [0, 1] (default 0.5)': 'convex 融合：稠密检索一侧的权重，取值 [0, 1]（默认 0.5）',
  'rerank the top results with a local cross-encoder (bge-reranker-base, bge-reranker-large, bge-reranker-v2-m3, hf:ORG/NAME or ./folder; transformers.js, scores are raw logits) or api:MODEL, a /v1/rerank endpoint (Jina, Cohere, vLLM, TEI; key in RERANK_API_KEY); scores are cached under $RAG_CACHE_DIR/rerank':
    '用本地交叉编码器（bge-reranker-base、bge-reranker-large、bge-reranker-v2-m3、hf:ORG/NAME 或 ./文件夹；transformers.js，得分为原始 logit）或 api:MODEL（/v1/rerank 接口：Jina、Cohere、vLLM、TEI；密钥在 RERANK_API_KEY）对前几名结果重排；得分缓存在 $RAG_CACHE_DIR/rerank',
  'the rerank API root, e.g. https://api.jina.ai/v1 (default $RERANK_BASE_URL)': '重排 API 根地址，如 https://api.jina.ai/v1（默认 $RERANK_BASE_URL）',
  'first-stage results the reranker scores (default 100)': '重排器打分的第一阶段结果数（默认 100）',
  'score every pair afresh: do not read or write the rerank score cache': '每对都重新打分：不读写重排得分缓存',
  'index directory': '索引目录',
  'show the chunks of this document (its id as `rag inspect` lists it, or the path of its file)': '显示此文档的分块（`rag inspect` 列出的 id，或其文件路径）',
  'BEIR folder (corpus.jsonl, queries.jsonl, qrels/) or a docs folder with queries.jsonl': 'BEIR 文件夹（corpus.jsonl、queries.jsonl、qrels/），或含 queries.jsonl 的文档文件夹',
  'model to evaluate (repeatable; default hash)': '要评测的模型（可重复；默认 hash）',
  'dense, bm25, hybrid (repeatable; default dense)': 'dense、bm25、hybrid（可重复；默认 dense）',
  'cutoffs for the metrics': '指标的截断位置',
  'qrels split of a BEIR dataset, or a qrels .tsv file (e.g. the held-out split `rag tune export` writes)': 'BEIR 数据集的 qrels 划分，或一个 qrels .tsv 文件（如 `rag tune export` 写出的留出划分）',
  "also run the adapter's model with its query adapter (`rag tune adapter`): an adapted row against the plain one": '同时用查询适配器（`rag tune adapter`）运行其模型：适配后的一行与原始一行对比',
  'where the per-model indexes are built and deleted afterwards: a folder (default: the temp dir) or postgres://…?table=NAME (tables NAME_eval<i>)':
    '各模型索引的构建位置（用后删除）：一个文件夹（默认：临时目录）或 postgres://…?table=NAME（表名 NAME_eval<i>）',
  "chunk sizes, one index each (default 512 tokens, capped by the model's window; else 800 characters)": '分块大小，每个值一个索引（默认 512 个 token，不超过模型窗口；否则 800 个字符）',
  'chunk overlaps, one index each (default 64 tokens or 100 characters)': '分块重叠，每个值一个索引（默认 64 个 token 或 100 个字符）',
  'Matryoshka truncations of the stored vectors, e.g. 1024,512,256 (no re-embedding; default the full dimension)': '对已存向量做 Matryoshka 截断，如 1024,512,256（无需重新嵌入；默认完整维度）',
  'vector precisions: float32, int8, binary (int8 calibrated per dimension on the corpus; binary searched by Hamming distance)': '向量精度：float32、int8、binary（int8 按维度在语料上校准；binary 按汉明距离检索）',
  'binary rows: rescore the top N Hamming candidates by float cosine (0 = none; default 0)': 'binary 行：用浮点余弦对汉明距离前 N 个候选重新打分（0 = 不重打；默认 0）',
  'hybrid mode: rrf, convex (default rrf)': '混合模式：rrf、convex（默认 rrf）',
  'RRF constants k (default 60)': 'RRF 常数 k（默认 60）',
  'convex fusion: weights of the dense side in [0, 1] (default 0.5)': 'convex 融合：稠密检索一侧的权重，取值 [0, 1]（默认 0.5）',
  'rerank the first stage: api:MODEL (a /v1/rerank endpoint; key in RERANK_API_KEY) or none (repeatable: one row each)': '对第一阶段重排：api:MODEL（/v1/rerank 接口；密钥在 RERANK_API_KEY）或 none（可重复：每个一行）',
  'print the plan (rows, indexes to build, embedding calls after the cache) and stop: nothing is embedded': '打印计划（行、要构建的索引、扣除缓存后的嵌入调用）后停止：不做任何嵌入',
  'drop retrieved documents whose id equals the query id (BEIR/MTEB ArguAna-style)': '去掉 id 与查询 id 相同的检索结果（BEIR/MTEB ArguAna 的做法）',
  'evaluate only the first n queries (quick checks)': '只评测前 n 个查询（快速检查）',
  'where to write results.json, report.md, report.html, junit.xml, per-query.jsonl': 'results.json、report.md、report.html、junit.xml、per-query.jsonl 的写入位置',
  'a previous results.json to compare against (CI gate); alone it implies --max-drop 0.01': '用于对比的旧 results.json（CI 门禁）；单独使用时相当于 --max-drop 0.01',
  'fail when a headline metric drops by more than this vs --baseline (default 0.01 with --baseline)': '主要指标相对 --baseline 下降超过此值时失败（有 --baseline 时默认 0.01）',
  'fail when a metric is below a floor, e.g. ndcg_at_10=0.6 (repeatable)': '指标低于下限时失败，如 ndcg_at_10=0.6（可重复）',
  'multiple-comparison correction the "significant" mark uses: Holm (FWER), Benjamini-Hochberg (FDR) or none': '“显著”标记所用的多重比较校正：Holm（FWER）、Benjamini-Hochberg（FDR）或 none',
  'equivalence margin: TOST says "equivalent within ±x", "not worse by more than x" or "not shown"': '等效界值：TOST 给出“在 ±x 内等效”、“变差不超过 x”或“未证明”',
  'the difference that matters to you: queries needed to detect it, underpowered flag (default: --margin)': '你关心的差异大小：检测它所需的查询数，以及检验效能不足的标记（默认：--margin）',
  'gate: fail unless each run is equivalent within --margin to the same run in --baseline (without --baseline: to the first run)':
    '门禁：除非每个运行与 --baseline 中的同一运行在 --margin 内等效，否则失败（无 --baseline 时与第一个运行比）',
  'per-query failure analysis of run B against run A: --explain A B, each MODEL or MODEL:MODE (e.g. hash:dense bge-small-zh:dense)':
    '运行 B 相对运行 A 的逐查询失败分析：--explain A B，每项为 MODEL 或 MODEL:MODE（如 hash:dense bge-small-zh:dense）',
  'also score every run per value of this queries.jsonl field (e.g. language, source), with counts': '另按 queries.jsonl 中此字段（如 language、source）的每个取值为每个运行打分，附数量',
  'with --explain and --segment-by: only queries of this segment': '与 --explain 和 --segment-by 一起用：只看此分段的查询',
  'how many losing queries --explain shows': '--explain 显示多少个变差的查询',
  'evaluate the models `rag models FILTERS` lists, e.g. "--lang zh --max-params 500M" (added to --model)': '评测 `rag models FILTERS` 列出的模型，如 "--lang zh --max-params 500M"（加到 --model 中）',
  'a chat model writes queries for sampled passages (in their language), filtered and labelled: a dataset for rag eval': '由对话模型为抽样段落（用段落的语言）撰写查询，经过滤并标注：供 rag eval 使用的数据集',
  'files or folders of documents (or use --index)': '文档文件或文件夹（或使用 --index）',
  'sample the chunks of an existing index instead of reading paths': '从已有索引的分块中抽样，而不读取路径',
  'chat model: openai:MODEL (OPENAI_BASE_URL, OPENAI_API_KEY) or ollama:MODEL (OLLAMA_HOST)': '对话模型：openai:MODEL（OPENAI_BASE_URL、OPENAI_API_KEY）或 ollama:MODEL（OLLAMA_HOST）',
  'queries to ask for (passages = count / styles)': '要生成的查询数（段落数 = count / 风格数）',
  'dataset folder to write (corpus.jsonl, queries.jsonl, qrels/test.tsv, generation.json)': '要写入的数据集文件夹（corpus.jsonl、queries.jsonl、qrels/test.tsv、generation.json）',
  'seed of the passage sample': '段落抽样的随机种子',
  'query styles: question, keywords, paraphrase (default all three)': '查询风格：question、keywords、paraphrase（默认三种都用）',
  'prompt template with {{passage}} and {{count}} (optional {{styles}}, {{language}})': '含 {{passage}} 和 {{count}} 的提示词模板（可选 {{styles}}、{{language}}）',
  'ask the model whether each passage answers its query; drop "no"': '让模型判断每个段落是否回答了其查询；去掉回答“否”的',
  'keep queries that copy a long span of their passage (flagged in metadata)': '保留照抄段落长片段的查询（在元数据中标记）',
  'where the chat model runs: an OpenAI-compatible API root such as http://localhost:8000/v1 (default $OPENAI_BASE_URL), or the Ollama host (default $OLLAMA_HOST)':
    '对话模型的运行位置：OpenAI 兼容的 API 根地址，如 http://localhost:8000/v1（默认 $OPENAI_BASE_URL），或 Ollama 主机（默认 $OLLAMA_HOST）',
  'requests in flight': '同时进行的请求数',
  'chunk size in characters for documents read from paths (default 800)': '从路径读取的文档的分块大小，按字符计（默认 800）',
  'overlap in characters (default 100)': '重叠字符数（默认 100）',
  'print the plan (passages, calls, estimated tokens) and stop': '打印计划（段落、调用次数、估计 token 数）后停止',
  'a BEIR dataset folder (e.g. made by rag queries generate)': 'BEIR 数据集文件夹（如由 rag queries generate 生成）',
  'model whose results are pooled (repeatable; default hash)': '结果参与汇集的模型（可重复；默认 hash）',
  'pool the top k documents of every run per query': '每个查询汇集每个运行的前 k 个文档',
  'qrels split to write': '要写入的 qrels 划分',
  'port on 127.0.0.1 (default: a free one)': '127.0.0.1 上的端口（默认：任一空闲端口）',
  'who judges, recorded in judgments.jsonl (default: your user name)': '评判人，记录在 judgments.jsonl 中（默认：你的用户名）',
  'instead of the page: a chat model (openai:MODEL, ollama:MODEL) grades the pools into qrels/<split>.llm.tsv': '不用网页：由对话模型（openai:MODEL、ollama:MODEL）为汇集结果打分，写入 qrels/<split>.llm.tsv',
  'where the --llm model runs (default $OPENAI_BASE_URL, or $OLLAMA_HOST for ollama:)': '--llm 模型的运行位置（默认 $OPENAI_BASE_URL，ollama: 为 $OLLAMA_HOST）',
  'chat requests in flight for --llm': '--llm 同时进行的对话请求数',
  "print Cohen's kappa and the confusion table between your judgments and the model's": '打印你的评判与模型评判之间的 Cohen kappa 和混淆表',
  'hard-negative training data ({"query","pos","neg"} JSONL for FlagEmbedding / sentence-transformers) and a held-out split for `rag eval --split`':
    '难负例训练数据（供 FlagEmbedding / sentence-transformers 使用的 {"query","pos","neg"} JSONL），以及供 `rag eval --split` 使用的留出划分',
  'training file, e.g. train.jsonl (beside it: .heldout.jsonl, .heldout.tsv, .split.json)': '训练文件，如 train.jsonl（旁边另有 .heldout.jsonl、.heldout.tsv、.split.json）',
  'a labelled dataset (BEIR folder, or a docs folder with queries.jsonl), e.g. from `rag queries generate`': '已标注的数据集（BEIR 文件夹，或含 queries.jsonl 的文档文件夹），如来自 `rag queries generate`',
  'embedding model whose ranking mines the negatives (default hash)': '用其排序挖掘负例的嵌入模型（默认 hash）',
  'qrels split to learn from': '用于学习的 qrels 划分',
  'hard negatives per query': '每个查询的难负例数',
  "sample negatives from ranks SKIP+1..DEPTH of the model's ranking (skipping likely unlabelled positives)": '从模型排序的第 SKIP+1..DEPTH 名中抽取负例（跳过可能未标注的正例）',
  'never use an unjudged document ranked in the top n as a negative': '排在前 n 名的未评判文档绝不用作负例',
  'share of queries (grouped by source document for generated queries) held out': '留出的查询比例（生成的查询按来源文档分组）',
  'seed of the split and the negative sampling': '划分和负例抽样的随机种子',
  'keep queries that share a relevant document on one side of the split (several questions per document)': '共享相关文档的查询放在划分的同一侧（一个文档有多个问题时）',
  'learn a linear query adapter on cached vectors (no re-embedding); stops early on validation nDCG@10, reports the held-out test split':
    '在缓存的向量上学习线性查询适配器（无需重新嵌入）；按验证集 nDCG@10 提前停止，报告留出测试集的结果',
  'where to write the adapter': '适配器的写入位置',
  'also save it in this index folder (adapter.json), where `rag query` applies it; the index must be built with the same model': '同时保存到此索引文件夹（adapter.json），`rag query` 会使用它；该索引必须用同一模型构建',
  'share of the training queries early stopping watches': '提前停止所观察的训练查询比例',
  'at most this many passes over the training queries': '最多遍历训练查询的轮数',
  'Adam step size': 'Adam 步长',
  'softmax temperature of the contrastive loss': '对比损失的 softmax 温度',
  "queries per step (their positives are each other's in-batch negatives)": '每步的查询数（它们的正例互为批内负例）',
  'stop after this many epochs without a better validation score': '连续这么多轮验证得分没有提高就停止',
  'show pooling, prefixes and hub ids instead of the shortlist columns': '显示池化方式、前缀和 hub id，而不是筛选列表的列',
  'models for this language (e.g. zh, en), multilingual ones included': '支持此语言（如 zh、en）的模型，含多语言模型',
  'at most this many parameters, e.g. 500M or 1.5B (models with no published count are left out)': '参数量上限，如 500M 或 1.5B（未公布参数量的模型不列出）',
  'output dimension at most n (Matryoshka models count when they can be truncated to n)': '输出维度不超过 n（可截断到 n 的 Matryoshka 模型也算）',
  'input limit of at least n tokens': '输入上限至少 n 个 token',
  'only this provider': '只看此提供方',
  'cmteb / mteb: best published retrieval score first; params / dim: smallest first': 'cmteb / mteb：公开检索得分最高的在前；params / dim：最小的在前',
  'post or update the pull-request comment with the comparison table and verdicts of a `rag eval --json` output (GitHub)': '发布或更新拉取请求评论，内容为 `rag eval --json` 输出的对比表和结论（GitHub）',
  'the saved output of `rag eval --json`': '保存下来的 `rag eval --json` 输出',
  'pull request number (default: from $GITHUB_EVENT_PATH)': '拉取请求编号（默认：取自 $GITHUB_EVENT_PATH）',
  'repository (default: $GITHUB_REPOSITORY)': '仓库（默认：$GITHUB_REPOSITORY）',
  'GitHub API (default: $GITHUB_API_URL or https://api.github.com)': 'GitHub API（默认：$GITHUB_API_URL 或 https://api.github.com）',
  'link to the uploaded reports, added to the comment': '已上传报告的链接，附在评论中',
  'print the comment instead of posting it': '打印评论而不发布',
  'size of the cache per model': '每个模型的缓存大小',
  'rewrite the cache without duplicate vectors (safe while other runs write it)': '重写缓存并去掉重复向量（其他运行同时写入也安全）',
  'only this model fingerprint': '只处理此模型指纹',
  'delete cached vectors (all models, or one fingerprint)': '删除缓存的向量（所有模型，或某一个指纹）',
};

/** commander's section titles. */
export const COMMANDER_TITLES_ZH_HANS: Readonly<Record<string, string>> = {
  'Usage:': '用法：',
  'Options:': '选项：',
  'Arguments:': '参数：',
  'Commands:': '命令：',
  'Global Options:': '全局选项：',
};

/** commander's usage errors (commander/lib/command.js), English pattern -> Simplified Chinese. */
const COMMANDER_MESSAGES_ZH_HANS: ReadonlyArray<readonly [RegExp, string]> = [
  [/unknown option '([^']*)'/, "未知选项 '$1'"],
  [/unknown command '([^']*)'/, "未知命令 '$1'"],
  [/\(Did you mean (.+)\?\)/, '（您是想用 $1 吗？）'],
  [/missing required argument '([^']*)'/, "缺少必需的参数 '$1'"],
  [/option '([^']*)' argument missing/, "选项 '$1' 缺少参数值"],
  [/required option '([^']*)' not specified/, "未指定必需的选项 '$1'"],
  [/option '([^']*)' argument '([^']*)' is invalid\./, "选项 '$1' 的参数 '$2' 无效。"],
  [/Allowed choices are (.+)\./, '可选值为 $1。'],
  [/too many arguments( for '[^']*')?\. Expected (\d+) arguments? but got (\d+)\./, '参数过多$1：应为 $2 个，实际为 $3 个。'],
  [/(\S+) cannot be used with (\S+)/, '$1 不能与 $2 同时使用'],
];

export function commanderMessageZhHans(english: string): string {
  return COMMANDER_MESSAGES_ZH_HANS.reduce((text, [pattern, zh]) => text.replace(pattern, zh), english).replace(/([。）]) /g, '$1');
}

/** `rag eval --help`'s closing section: the dataset layouts it reads. */
export function evalLayoutsHelp(split: string, chinese: boolean): string {
  return chinese
    ? `
数据集布局（--dataset DIR）：
  BEIR       DIR/corpus.jsonl（每行 {"_id", "title", "text"}）、DIR/queries.jsonl（{"_id", "text"}）、
             DIR/qrels/<split>.tsv（query-id、corpus-id、score；--split，默认 ${split}）
  文档       DIR/queries.jsonl（{"query", "relevant": ["guide/install.md"] 或 {"path": 等级}}），
             文档放在 DIR/docs/（或 DIR 本身）：rag ingest 能读的任何格式；id 为相对该文件夹的路径。
             rag queries generate 写出的就是这种布局。`
    : `
Dataset layouts (--dataset DIR):
  BEIR       DIR/corpus.jsonl ({"_id", "title", "text"} per line), DIR/queries.jsonl ({"_id", "text"}),
             DIR/qrels/<split>.tsv (query-id, corpus-id, score; --split, default ${split})
  documents  DIR/queries.jsonl ({"query", "relevant": ["guide/install.md"] or {"path": grade}}) and the
             documents in DIR/docs/ (or DIR itself): any format rag ingest reads; ids are paths
             relative to that folder. rag queries generate writes this layout.`;
}
