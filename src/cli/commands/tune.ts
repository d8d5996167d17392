import path from 'node:path';
import type { TextEncoding } from '../../ingest/encoding.js';
import { saveAdapterInIndex, trainAdapter } from '../../tune/adapter.js';
import { readManifest } from '../../store/manifest.js';
import type { TuneCorpusOptions } from '../../tune/corpus.js';
import { exportTrainingData } from '../../tune/export.js';
import { parseNegativeRange } from '../../tune/negatives.js';
import type { CommandStatus } from '../exit-codes.js';
import { modelOptionsFrom } from '../model-options.js';
import type { ModelFlags } from '../model-options.js';
import { formatSeconds, ProgressBar } from '../progress.js';
import { err, log, out, printJson } from '../ui.js';

interface TuneCommonFlags extends ModelFlags {
  dataset: string;
  model?: string;
  split: string;
  negatives: number;
  range: string;
  excludeUnjudgedTop?: number;
  testFraction: number;
  seed: number;
  chunkSize?: number;
  chunkOverlap?: number;
  encoding?: TextEncoding;
  cache: boolean;
  groupByRelevant?: boolean;
  json?: boolean;
}

export interface TuneExportFlags extends TuneCommonFlags {
  out: string;
}

export interface TuneAdapterFlags extends TuneCommonFlags {
  out: string;
  /** Also save the adapter in this index folder. */
  index?: string;
  validationFraction: number;
  epochs: number;
  learningRate: number;
  temperature: number;
  batchSize: number;
  patience: number;
}

function corpusOptions(opts: TuneCommonFlags, bar: ProgressBar): TuneCorpusOptions {
  return {
    dataset: opts.dataset,
    ...(opts.model === undefined ? {} : { model: opts.model }),
    modelOptions: modelOptionsFrom(opts),
    split: opts.split,
    ...(opts.encoding === undefined ? {} : { encoding: opts.encoding }),
    ...(opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize }),
    ...(opts.chunkOverlap === undefined ? {} : { chunkOverlap: opts.chunkOverlap }),
    cache: opts.cache,
    ...(opts.groupByRelevant ? { groupByRelevant: true } : {}),
    onProgress: (p) => {
      bar.update(p.done, p.total);
      if (p.done === p.total) bar.done();
    },
  };
}

/** The split and negative-mining settings both subcommands take. */
function exampleOptions(opts: TuneCommonFlags): { negatives: number; range: ReturnType<typeof parseNegativeRange>; excludeUnjudgedTop?: number; testFraction: number; seed: number } {
  return {
    negatives: opts.negatives,
    range: parseNegativeRange(opts.range),
    ...(opts.excludeUnjudgedTop === undefined ? {} : { excludeUnjudgedTop: opts.excludeUnjudgedTop }),
    testFraction: opts.testFraction,
    seed: opts.seed,
  };
}

export async function runTuneExport(opts: TuneExportFlags): Promise<CommandStatus> {
  const result = await exportTrainingData({
    ...corpusOptions(opts, new ProgressBar('embedding')),
    ...exampleOptions(opts),
    out: opts.out,
  });
  if (opts.json) {
    printJson(result);
    return 'ok';
  }
  const rel = (f: string): string => path.relative(process.cwd(), f) || f;
  process.stdout.write(
    [
      `${out.bold(rel(result.files.train))}: ${result.trainQueries} training queries (${result.trainGroups} ${result.groupedBySource ? 'source documents' : 'groups'})`,
      `${out.bold(rel(result.files.heldOut))}: ${result.testQueries} held-out queries (${result.testGroups} ${result.groupedBySource ? 'source documents' : 'groups'})`,
      `score a fine-tuned model on them: rag eval --dataset ${opts.dataset} --split ${rel(result.files.heldOutQrels)} --model <tuned>`,
      '',
    ].join('\n'),
  );
  if (result.shortOfNegatives > 0) log(`${err.yellow('note:')} ${result.shortOfNegatives} training queries got fewer than ${opts.negatives} negatives (too few eligible documents in ranks ${opts.range})`);
  log(err.dim(`model ${result.model.id} · split seed ${opts.seed} · ${rel(result.files.split)}`));
  return 'ok';
}

export async function runTuneAdapter(opts: TuneAdapterFlags): Promise<CommandStatus> {
  // A missing or damaged index is found before the training, not after it.
  if (opts.index !== undefined) await readManifest(opts.index);
  const result = await trainAdapter({
    ...corpusOptions(opts, new ProgressBar('embedding')),
    ...exampleOptions(opts),
    out: opts.out,
    validationFraction: opts.validationFraction,
    epochs: opts.epochs,
    learningRate: opts.learningRate,
    temperature: opts.temperature,
    batchSize: opts.batchSize,
    patience: opts.patience,
    onEpoch: (e) => log(err.dim(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)} · validation nDCG@10 ${e.score.toFixed(4)}${e.best ? ' (best)' : ''}`)),
  });
  const t = result.test.result;
  const saved = opts.index === undefined ? undefined : await saveAdapterInIndex(result.adapter, opts.index);
  if (saved !== undefined && !opts.json) log(`saved in the index: ${saved} (rag query applies it; --no-adapter searches without it)`);
  if (opts.json) {
    const { adapter, ...rest } = result;
    printJson({ ...rest, model: adapter.model, trainingDataHash: adapter.provenance.trainingDataHash, ...(saved === undefined ? {} : { savedInIndex: saved }) });
    return 'ok';
  }
  const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
  const verdict = result.bestEpoch === 0 ? 'no epoch beat the plain model on validation: the adapter is the identity' : `kept epoch ${result.bestEpoch}`;
  const direction = t.ci[0] > 0 ? 'better' : t.ci[1] < 0 ? 'worse' : 'no difference shown';
  process.stdout.write(
    [
      `${out.bold(opts.out)}: ${result.adapter.model.id}, ${result.trainQueries} training + ${result.validationQueries} validation queries, ${formatSeconds(result.trainSeconds)}; ${verdict}`,
      `validation nDCG@10: plain ${result.validation.plain.toFixed(4)} → adapted ${result.validation.adapted.toFixed(4)}`,
      `held-out test nDCG@10 (${t.n} queries): plain ${t.meanA.toFixed(4)} → adapted ${t.meanB.toFixed(4)}, ${signed(t.meanDiff)} 95% CI [${signed(t.ci[0])}, ${signed(t.ci[1])}] p=${t.pValue.toFixed(3)}: ${direction}`,
      '',
    ].join('\n'),
  );
  return 'ok';
}
