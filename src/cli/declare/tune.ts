import type { Command } from 'commander';
import { DEFAULT_SPLIT } from '../../eval/beir-layout.js';
import { addModelOptions } from '../model-options.js';
import { nonNegativeInt, number, positiveInt } from '../options.js';
import { chunkingOptions, encodingOption, jsonOption, noCacheOption } from '../shared-options.js';
import { t } from '../i18n/messages.js';
import { DEFAULT_FIT, DEFAULT_NEGATIVE_RANGE, DEFAULT_NEGATIVES, DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, DEFAULT_VALIDATION_FRACTION } from '../../tune/defaults.js';
import type { Run } from '../program.js';

/** `rag tune`: its options and arguments; the action loads the command's module when it runs. */
export function declareTune(program: Command, run: Run): void {
  const tune = program.command('tune').description(t('help.tune'));
  const tuneCommon = (command: Command): Command =>
    addModelOptions(
      jsonOption(
        noCacheOption(
          encodingOption(chunkingOptions(command))
            .requiredOption('--dataset <dir>', 'a labelled dataset (BEIR folder, or a docs folder with queries.jsonl), e.g. from `rag queries generate`')
            .option('--model <id>', 'embedding model whose ranking mines the negatives (default hash)')
            .option('--split <name>', 'qrels split to learn from', DEFAULT_SPLIT)
            .option('--negatives <n>', 'hard negatives per query', positiveInt, DEFAULT_NEGATIVES)
            .option('--range <skip-depth>', 'sample negatives from ranks SKIP+1..DEPTH of the model\'s ranking (skipping likely unlabelled positives)', `${DEFAULT_NEGATIVE_RANGE.skip}-${DEFAULT_NEGATIVE_RANGE.depth}`)
            .option('--exclude-unjudged-top <n>', 'never use an unjudged document ranked in the top n as a negative', nonNegativeInt)
            .option('--test-fraction <f>', 'share of queries (grouped by source document for generated queries) held out', number, DEFAULT_TEST_FRACTION)
            .option('--seed <n>', 'seed of the split and the negative sampling', nonNegativeInt, DEFAULT_SPLIT_SEED)
            .option('--group-by-relevant', 'keep queries that share a relevant document on one side of the split (several questions per document)'),
        ),
      ),
    );
  tuneCommon(
    tune
      .command('export')
      .description('hard-negative training data ({"query","pos","neg"} JSONL for FlagEmbedding / sentence-transformers) and a held-out split for `rag eval --split`')
      .requiredOption('--out <file>', 'training file, e.g. train.jsonl (beside it: .heldout.jsonl, .heldout.tsv, .split.json)'),
  ).action(run(async (_ctx, opts) => (await import('../commands/tune.js')).runTuneExport(opts)));
  tuneCommon(
    tune
      .command('adapter')
      .description('learn a linear query adapter on cached vectors (no re-embedding); stops early on validation nDCG@10, reports the held-out test split')
      .option('--out <file>', 'where to write the adapter', 'adapter.json')
      .option('--index <dir>', 'also save it in this index folder (adapter.json), where `rag query` applies it; the index must be built with the same model')
      .option('--validation-fraction <f>', 'share of the training queries early stopping watches', number, DEFAULT_VALIDATION_FRACTION)
      .option('--epochs <n>', 'at most this many passes over the training queries', positiveInt, DEFAULT_FIT.epochs)
      .option('--learning-rate <x>', 'Adam step size', number, DEFAULT_FIT.learningRate)
      .option('--temperature <x>', 'softmax temperature of the contrastive loss', number, DEFAULT_FIT.temperature)
      .option('--batch-size <n>', 'queries per step (their positives are each other\'s in-batch negatives)', positiveInt, DEFAULT_FIT.batchSize)
      .option('--patience <n>', 'stop after this many epochs without a better validation score', positiveInt, DEFAULT_FIT.patience),
  ).action(run(async (_ctx, opts) => (await import('../commands/tune.js')).runTuneAdapter(opts)));

}
