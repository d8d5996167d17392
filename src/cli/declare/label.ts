import type { Command } from 'commander';
import { DEFAULT_SPLIT } from '../../eval/beir-layout.js';
import { DEFAULT_MODE, RETRIEVAL_MODES } from '../../retrieve/types.js';
import { addModelOptions } from '../model-options.js';
import { collect, nonNegativeInt, positiveInt } from '../options.js';
import { jsonOption, noCacheOption } from '../shared-options.js';
import { t } from '../i18n/messages.js';
import type { Run } from '../program.js';

/** `rag label`: its options and arguments; the action loads the command's module when it runs. */
export function declareLabel(program: Command, run: Run): void {
  const label = program
    .command('label')
    .description(t('help.label'))
    .requiredOption('--dataset <dir>', 'a BEIR dataset folder (e.g. made by rag queries generate)')
    .option('--model <id>', 'model whose results are pooled (repeatable; default hash)', collect)
    .option('--mode <mode>', `${RETRIEVAL_MODES.join(', ')} (repeatable; default ${DEFAULT_MODE})`, collect)
    .option('--pool-depth <k>', 'pool the top k documents of every run per query', positiveInt, 10)
    .option('--split <name>', 'qrels split to write', DEFAULT_SPLIT)
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', nonNegativeInt)
    .option('--judge <name>', 'who judges, recorded in judgments.jsonl (default: your user name)')
    .option('--llm <spec>', 'instead of the page: a chat model (openai:MODEL, ollama:MODEL) grades the pools into qrels/<split>.llm.tsv')
    .option('--llm-base-url <url>', 'where the --llm model runs (default $OPENAI_BASE_URL, or $OLLAMA_HOST for ollama:)')
    .option('--concurrency <n>', 'chat requests in flight for --llm', positiveInt, 4)
    .option('--agreement', "print Cohen's kappa and the confusion table between your judgments and the model's");
  addModelOptions(jsonOption(noCacheOption(label))).action(run(async (ctx, opts) => (await import('../commands/label.js')).runLabel(opts, ctx)));

}
