import os from 'node:os';
import { RagError } from '../../errors.js';
import { buildPool } from '../../eval/label/pool.js';
import { JudgmentStore } from '../../eval/label/judgments.js';
import { startLabelServer } from '../../eval/label/server.js';
import { RETRIEVAL_MODES, type RetrievalMode } from '../../retrieve/types.js';
import type { CommandStatus } from '../exit-codes.js';
import type { CommandContext } from '../program.js';
import { modelOptionsFrom, type ModelFlags } from '../model-options.js';
import { err, log, out, printJson } from '../ui.js';
import { existsSync } from 'node:fs';
import { agreement } from '../../eval/label/agreement.js';
import { modelQrelsFile, personLabels } from '../../eval/label/judgments.js';
import { judgeWithModel } from '../../eval/label/model-judge.js';
import { openChatModel } from '../../llm/open-chat.js';
import { ProgressBar } from '../progress.js';
import { displayWidth } from '../i18n/localize-help.js';
import { o } from '../i18n/output-messages.js';

export interface LabelCommandOptions extends ModelFlags {
  dataset: string;
  model?: string[];
  mode?: string[];
  poolDepth: number;
  split: string;
  port?: number;
  judge?: string;
  llm?: string;
  llmBaseUrl?: string;
  agreement?: boolean;
  concurrency: number;
  cache: boolean;
  json?: boolean;
}

export async function runLabel(opts: LabelCommandOptions, context: CommandContext): Promise<CommandStatus> {
  const modes = (opts.mode ?? ['dense']).map((m) => {
    const mode = m.toLowerCase() as RetrievalMode;
    if (!RETRIEVAL_MODES.includes(mode)) throw new RagError('usage', `unknown --mode "${m}"; use ${RETRIEVAL_MODES.join(', ')}`);
    return mode;
  });
  // Opened first: a dataset without qrels fails before minutes of pooling.
  const store = await JudgmentStore.open(opts.dataset, opts.split);
  if (opts.agreement) return printAgreement(opts);
  const llm = opts.llm === undefined ? undefined : openChatModel(opts.llm, opts.llmBaseUrl === undefined ? {} : { baseUrl: opts.llmBaseUrl, host: opts.llmBaseUrl });
  const pool = await buildPool({
    dataset: opts.dataset,
    ...(opts.model === undefined ? {} : { models: opts.model }),
    modes,
    modelOptions: modelOptionsFrom(opts),
    depth: opts.poolDepth,
    split: opts.split,
    cache: opts.cache,
    onRun: (run) => log(err.dim(o('label.pooled', { run }))),
  });
  if (llm !== undefined) {
    const modelStore = await JudgmentStore.openModel(opts.dataset, opts.split);
    const bar = new ProgressBar(o('label.judging', { llm: llm.id }));
    const summary = await judgeWithModel({ dataset: opts.dataset, pool, llm, store: modelStore, concurrency: opts.concurrency, signal: context.signal, onProgress: (d, t) => bar.update(d, t) });
    bar.done();
    if (opts.json) printJson({ llm: llm.id, qrels: modelStore.qrelsFile, ...summary });
    else {
      process.stdout.write(
        `${o('label.llm-judged', { judged: summary.judged, llm: llm.id, already: summary.alreadyJudged, unreadable: summary.unreadablePairs, file: modelStore.qrelsFile })}\n` +
          `${o('label.llm-grades', { grades: summary.byGrade.join(' / '), made: summary.calls.made, cached: summary.calls.cached })}\n`,
      );
    }
    return 'ok';
  }
  const open = pool.pairs.filter((p) => !store.isJudged(p.queryId, p.docId)).length;
  const server = await startLabelServer({
    pool,
    store,
    who: opts.judge ?? os.userInfo().username,
    ...(opts.port === undefined ? {} : { port: opts.port }),
    onJudgment: (judged, total) => log(err.dim(o('label.progress', { judged, total }))),
  });
  log(o('label.pool', { pairs: pool.pairs.length, depth: pool.depth, runs: pool.runs.length, open, file: store.qrelsFile }));
  log(o('label.open-page'));
  process.stdout.write(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve();
    else context.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return 'ok';
}

async function printAgreement(opts: LabelCommandOptions): Promise<CommandStatus> {
  const person = await personLabels(opts.dataset);
  const modelFile = modelQrelsFile(opts.dataset, opts.split);
  if (!existsSync(modelFile)) throw new RagError('dataset-invalid', `no model judgments in ${modelFile}`, { hint: 'run `rag label --dataset DIR --llm openai:MODEL` first' });
  const model = (await JudgmentStore.openModel(opts.dataset, opts.split)).entries();
  const a = agreement(person, model);
  if (a.n === 0) throw new RagError('dataset-invalid', `no pair is judged by both a person (${person.size} judgments) and the model (${model.size})`, { hint: 'judge some of the same pools in the page (`rag label --dataset DIR`)' });
  if (opts.json) {
    printJson({ ...a });
    return 'ok';
  }
  const f = (k: number | null): string => (k === null ? o('label.kappa-undefined') : k.toFixed(3));
  // The grade columns start where they did under the English `person \ model` (14 columns).
  const corner = o('label.confusion-header');
  const pad = ' '.repeat(Math.max(0, 14 - displayWidth(corner)));
  const lines = [
    out.bold(o('label.kappa', { kappa: f(a.kappa), pairs: a.n, observed: a.observed.toFixed(3), expected: a.expected.toFixed(3), binary: f(a.binaryKappa) })),
    '',
    `${corner}${pad}      0      1      2      3`,
    ...a.confusion.map((row, i) => `${String(i).padStart(6)}        ${row.map((c) => String(c).padStart(5)).join('  ')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 'ok';
}
