import { Option, type Command } from 'commander';
import { DEFAULT_K, DEFAULT_MODE, RETRIEVAL_MODES } from '../../retrieve/types.js';
import { addModelOptions } from '../model-options.js';
import { positiveInt } from '../options.js';
import { fusionOptions } from '../fusion-options.js';
import { rerankOptions } from '../rerank-options.js';
import { indexOption, jsonOption } from '../shared-options.js';
import { t } from '../i18n/messages.js';
import type { Run } from '../program.js';

/** `rag query`: its options and arguments; the action loads the command's module when it runs. */
export function declareQuery(program: Command, run: Run): void {
  const query = program
    .command('query')
    .description(t('help.query'))
    .argument('[text]', 'what to search for; `-` reads it from stdin (for queries longer than one argument may be)');
  indexOption(query)
    .option('-k, --k <n>', 'number of results', positiveInt, DEFAULT_K)
    .addOption(new Option('--mode <mode>', 'retrieval mode').choices(RETRIEVAL_MODES).default(DEFAULT_MODE))
    .option('--model <id>', 'must match the model the index was built with (default: that model)')
    .option('--query-file <path>', 'read the query text from this file (UTF-8) instead of the argument')
    .option('--timings', 'print where the time went (start-up, index load, model load, embedding, search) on stderr, or as `timings` with --json')
    .option('--adapter <file>', 'pass query vectors through a query adapter made by `rag tune adapter` (default: the index\'s own adapter.json, if saved there)')
    .option('--no-adapter', 'search without a query adapter, even one saved in the index');
  rerankOptions(fusionOptions(query));
  addModelOptions(jsonOption(query)).action(run(async (_ctx, text: string | undefined, opts) => (await import('../commands/query.js')).runQuery(text, opts)));

}
