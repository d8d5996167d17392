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
import { o } from '../i18n/output-messages.js';
import { labelled, p } from '../i18n/progress-messages.js';
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
    onProgress: (progress) => {
      bar.update(progress.done, progress.total);
      if (progress.done === progress.total) bar.done();
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
    ...corpusOptions(opts, new ProgressBar(p('progress.embedding'))),
    ...exampleOptions(opts),
    out: opts.out,
  });
  if (opts.json) {
    printJson(result);
    return 'ok';
  }
  const rel = (f: string): string => path.relative(process.cwd(), f) || f;
  const unit = o(result.groupedBySource ? 'tune.unit.sources' : 'tune.unit.groups');
  process.stdout.write(
    [
      o('tune.train-file', { file: out.bold(rel(result.files.train)), queries: result.trainQueries, groups: result.trainGroups, unit }),
      o('tune.held-out-file', { file: out.bold(rel(result.files.heldOut)), queries: result.testQueries, groups: result.testGroups, unit }),
      o('tune.score-hint', { dataset: opts.dataset, split: rel(result.files.heldOutQrels) }),
      '',
    ].join('\n'),
  );
  if (result.shortOfNegatives > 0) log(labelled(p('progress.note'), o('tune.short-of-negatives', { count: result.shortOfNegatives, negatives: opts.negatives, range: opts.range }), err.yellow));
  log(err.dim(o('tune.model-line', { model: result.model.id, seed: opts.seed, file: rel(result.files.split) })));
  return 'ok';
}

export async function runTuneAdapter(opts: TuneAdapterFlags): Promise<CommandStatus> {
  // A missing or damaged index is found before the training, not after it.
  if (opts.index !== undefined) await readManifest(opts.index);
  const result = await trainAdapter({
    ...corpusOptions(opts, new ProgressBar(p('progress.embedding'))),
    ...exampleOptions(opts),
    out: opts.out,
    validationFraction: opts.validationFraction,
    epochs: opts.epochs,
    learningRate: opts.learningRate,
    temperature: opts.temperature,
    batchSize: opts.batchSize,
    patience: opts.patience,
    onEpoch: (e) => log(err.dim(o('tune.epoch', { epoch: e.epoch, loss: e.loss.toFixed(4), score: e.score.toFixed(4), best: e.best ? o('tune.best') : '' }))),
  });
  const t = result.test.result;
  const saved = opts.index === undefined ? undefined : await saveAdapterInIndex(result.adapter, opts.index);
  if (saved !== undefined && !opts.json) log(o('tune.saved', { dir: saved }));
  if (opts.json) {
    const { adapter, ...rest } = result;
    printJson({ ...rest, model: adapter.model, trainingDataHash: adapter.provenance.trainingDataHash, ...(saved === undefined ? {} : { savedInIndex: saved }) });
    return 'ok';
  }
  const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
  const verdict = result.bestEpoch === 0 ? o('tune.identity') : o('tune.kept-epoch', { epoch: result.bestEpoch });
  const direction = o(t.ci[0] > 0 ? 'tune.better' : t.ci[1] < 0 ? 'tune.worse' : 'tune.no-difference');
  process.stdout.write(
    [
      o('tune.adapter', { file: out.bold(opts.out), model: result.adapter.model.id, train: result.trainQueries, validation: result.validationQueries, seconds: formatSeconds(result.trainSeconds), verdict }),
      o('tune.validation', { plain: result.validation.plain.toFixed(4), adapted: result.validation.adapted.toFixed(4) }),
      o('tune.test', { queries: t.n, plain: t.meanA.toFixed(4), adapted: t.meanB.toFixed(4), diff: signed(t.meanDiff), low: signed(t.ci[0]), high: signed(t.ci[1]), p: t.pValue.toFixed(3), direction }),
      '',
    ].join('\n'),
  );
  return 'ok';
}
