import { readFile } from 'node:fs/promises';
import { RagError } from '../../errors.js';
import { assertDecoded, decodeText, encodingLabel } from '../../ingest/encoding.js';
import { generateQueries, type GenerationPlan } from '../../eval/querygen/generate.js';
import { parseStyles } from '../../eval/querygen/prompts.js';
import { openChatModel } from '../../llm/open-chat.js';
import type { CommandStatus } from '../exit-codes.js';
import type { CommandContext } from '../program.js';
import { formatSeconds, ProgressBar } from '../progress.js';
import { n } from '../i18n/notice-messages.js';
import { p as progressLine } from '../i18n/progress-messages.js';
import { err, log, out, printJson } from '../ui.js';

export interface QueriesGenerateOptions {
  index?: string;
  llm: string;
  count: number;
  out: string;
  seed: number;
  styles?: string[];
  prompt?: string;
  check?: boolean;
  keepLeaky?: boolean;
  baseUrl?: string;
  concurrency: number;
  chunkSize?: number;
  chunkOverlap?: number;
  include?: string[];
  exclude?: string[];
  dryRun?: boolean;
  json?: boolean;
}

export async function runQueriesGenerate(paths: string[], opts: QueriesGenerateOptions, context: CommandContext): Promise<CommandStatus> {
  const llm = openChatModel(opts.llm, opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl, host: opts.baseUrl });
  let promptTemplate: string | undefined;
  if (opts.prompt !== undefined) {
    let bytes: Buffer;
    try {
      bytes = await readFile(opts.prompt);
    } catch {
      throw new RagError('path-not-found', `cannot read the --prompt template ${opts.prompt}`);
    }
    // Through the decoder every other text input uses: a GBK or Big5 prompt is not mojibake.
    const decoded = assertDecoded(decodeText(bytes), opts.prompt);
    if (decoded.encoding !== 'utf-8') log(err.dim(`${progressLine('progress.note')} ${n('eval.read-as-detected', { file: opts.prompt, encoding: encodingLabel(decoded.encoding) })}`));
    promptTemplate = decoded.text;
  }
  const bar = new ProgressBar('');
  const result = await generateQueries({
    ...(paths.length > 0 ? { paths } : {}),
    ...(opts.index === undefined ? {} : { index: opts.index }),
    llm,
    count: opts.count,
    out: opts.out,
    seed: opts.seed,
    ...(opts.styles === undefined ? {} : { styles: parseStyles(opts.styles) }),
    ...(promptTemplate === undefined ? {} : { promptTemplate }),
    check: opts.check ?? false,
    keepLeaky: opts.keepLeaky ?? false,
    concurrency: opts.concurrency,
    ...(opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize }),
    ...(opts.chunkOverlap === undefined ? {} : { chunkOverlap: opts.chunkOverlap }),
    ...(opts.include === undefined ? {} : { include: opts.include }),
    ...(opts.exclude === undefined ? {} : { exclude: opts.exclude }),
    dryRun: opts.dryRun ?? false,
    signal: context.signal,
    onEvent: (event) => {
      if (event.type === 'plan' && !opts.json) log(err.dim(planLine(event.plan, llm.id)));
      if (event.type === 'progress') {
        if (event.done === event.total) bar.done();
        else bar.update(event.done, event.total);
      }
    },
  });
  bar.done();
  if (opts.json) {
    printJson(result.report === undefined ? { dryRun: true, plan: result.plan } : { dryRun: false, ...result.report, files: result.files });
    return 'ok';
  }
  const p = result.plan;
  if (result.report === undefined) {
    const lines = [
      `would sample ${p.passages} passages (${p.byLanguage.zh} Chinese, ${p.byLanguage.en} English) from ${p.eligibleChunks} of ${p.chunks} chunks in ${p.documents} documents`,
      `  skipped chunks: ${p.skipped.tooShort} too short, ${p.skipped.markup} mostly markup or tables`,
      `  calls: ${p.calls} to generate (${p.cachedCalls} already cached)${p.checkCalls > 0 ? `, up to ${p.checkCalls} checks` : ''}`,
      `  estimated tokens: ~${p.estimatedTokens.prompt} prompt, ~${p.estimatedTokens.completion} completion`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 'ok';
  }
  const r = result.report;
  const c = r.counts;
  const lines = [
    out.bold(`${c.kept} queries kept of ${c.queriesAsked} asked, from ${p.passages} passages of ${p.documents} documents`),
    `  unreadable replies: ${c.unreadableReplies} (retried once; ${c.unreadablePassages} passages still unreadable)`,
    `  dropped: ${c.empty} empty, ${c.tooLong} too long, ${c.leaky - c.leakyKept} leaky (verbatim copy of the passage)${c.leakyKept > 0 ? ` (${c.leakyKept} leaky kept, flagged)` : ''}, ${c.exactDuplicates} duplicates, ${c.nearDuplicates} near duplicates, ${c.extra} extra${r.settings.check ? `, ${c.unanswerable} unanswerable (${c.checkUnreadable} checks unreadable, kept)` : ''}`,
    `  calls: ${r.calls.made} made, ${r.calls.cached} from the cache · tokens: ${r.tokens.prompt} prompt, ${r.tokens.completion} completion · ${formatSeconds(r.wallSeconds)}`,
    `  dataset: ${opts.out} (corpus.jsonl, queries.jsonl, qrels/test.tsv, generation.json)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 'ok';
}

function planLine(p: GenerationPlan, llm: string): string {
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? '' : 's'}`;
  return `${n(p.documents, 'document')}, ${n(p.chunks, 'chunk')} (${p.eligibleChunks} usable) -> ${n(p.passages, 'passage')}, ${n(p.calls, 'call')} to ${llm}`;
}
