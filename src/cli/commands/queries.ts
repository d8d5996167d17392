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
import { labelled, p as progressLine } from '../i18n/progress-messages.js';
import { o } from '../i18n/output-messages.js';
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
    if (decoded.encoding !== 'utf-8') log(err.dim(labelled(progressLine('progress.note'), n('eval.read-as-detected', { file: opts.prompt, encoding: encodingLabel(decoded.encoding) }))));
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
      o('queries.would-sample', { passages: p.passages, zh: p.byLanguage.zh, en: p.byLanguage.en, eligible: p.eligibleChunks, chunks: p.chunks, documents: p.documents }),
      o('queries.skipped', { tooShort: p.skipped.tooShort, markup: p.skipped.markup }),
      o('queries.plan-calls', { calls: p.calls, cached: p.cachedCalls, checks: p.checkCalls > 0 ? o('queries.plan-checks', { checks: p.checkCalls }) : '' }),
      o('queries.estimated-tokens', { prompt: p.estimatedTokens.prompt, completion: p.estimatedTokens.completion }),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 'ok';
  }
  const r = result.report;
  const c = r.counts;
  const lines = [
    out.bold(o('queries.kept', { kept: c.kept, asked: c.queriesAsked, passages: p.passages, documents: p.documents })),
    o('queries.unreadable', { replies: c.unreadableReplies, passages: c.unreadablePassages }),
    o('queries.dropped', {
      empty: c.empty,
      tooLong: c.tooLong,
      leaky: c.leaky - c.leakyKept,
      leakyKept: c.leakyKept > 0 ? o('queries.leaky-kept', { count: c.leakyKept }) : '',
      duplicates: c.exactDuplicates,
      near: c.nearDuplicates,
      extra: c.extra,
      unanswerable: r.settings.check ? o('queries.unanswerable', { count: c.unanswerable, unreadable: c.checkUnreadable }) : '',
    }),
    o('queries.calls', { made: r.calls.made, cached: r.calls.cached, prompt: r.tokens.prompt, completion: r.tokens.completion, seconds: formatSeconds(r.wallSeconds) }),
    o('queries.dataset', { dir: opts.out }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 'ok';
}

function planLine(p: GenerationPlan, llm: string): string {
  const count = (n: number, what: 'documents' | 'chunks' | 'passages' | 'calls'): string => o(`queries.${what}.${n === 1 ? 'one' : 'other'}`, { count: n });
  return o('queries.plan', { documents: count(p.documents, 'documents'), chunks: count(p.chunks, 'chunks'), usable: p.eligibleChunks, passages: count(p.passages, 'passages'), calls: count(p.calls, 'calls'), llm });
}
