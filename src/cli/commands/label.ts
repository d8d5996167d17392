import os from 'node:os';
import { RagError } from '../../errors.js';
import { buildPool } from '../../eval/label/pool.js';
import { JudgmentStore } from '../../eval/label/judgments.js';
import { startLabelServer } from '../../eval/label/server.js';
import { RETRIEVAL_MODES, type RetrievalMode } from '../../retrieve/types.js';
import type { CommandStatus } from '../exit-codes.js';
import type { CommandContext } from '../main.js';
import { modelOptionsFrom, type ModelFlags } from '../model-options.js';
import { err, log } from '../ui.js';

export interface LabelCommandOptions extends ModelFlags {
  dataset: string;
  model?: string[];
  mode?: string[];
  poolDepth: number;
  split: string;
  port?: number;
  judge?: string;
  cache: boolean;
}

export async function runLabel(opts: LabelCommandOptions, context: CommandContext): Promise<CommandStatus> {
  const modes = (opts.mode ?? ['dense']).map((m) => {
    const mode = m.toLowerCase() as RetrievalMode;
    if (!RETRIEVAL_MODES.includes(mode)) throw new RagError('usage', `unknown --mode "${m}"; use ${RETRIEVAL_MODES.join(', ')}`);
    return mode;
  });
  // Opened first: a dataset without qrels fails before minutes of pooling.
  const store = await JudgmentStore.open(opts.dataset, opts.split);
  const pool = await buildPool({
    dataset: opts.dataset,
    ...(opts.model === undefined ? {} : { models: opts.model }),
    modes,
    modelOptions: modelOptionsFrom(opts),
    depth: opts.poolDepth,
    split: opts.split,
    cache: opts.cache,
    onRun: (run) => log(err.dim(`pooled ${run}`)),
  });
  const open = pool.pairs.filter((p) => !store.isJudged(p.queryId, p.docId)).length;
  const server = await startLabelServer({
    pool,
    store,
    who: opts.judge ?? os.userInfo().username,
    ...(opts.port === undefined ? {} : { port: opts.port }),
    onJudgment: (judged, total) => log(err.dim(`${judged}/${total} judged`)),
  });
  log(`${pool.pairs.length} pooled pairs (depth ${pool.depth} over ${pool.runs.length} runs), ${open} not judged yet; labels go to ${store.qrelsFile}`);
  log('open the page below (Ctrl-C stops the server; every judgment is already saved)');
  process.stdout.write(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve();
    else context.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return 'ok';
}
