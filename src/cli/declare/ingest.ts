import type { Command } from 'commander';
import { addModelOptions } from '../model-options.js';
import { byteSize, collect, positiveInt } from '../options.js';
import { chunkingOptions, encodingOption, indexOption, jsonOption, lockTimeoutOption, noCacheOption } from '../shared-options.js';
import { t } from '../i18n/messages.js';
import type { Run } from '../program.js';

/** `rag ingest`: its options and arguments; the action loads the command's module when it runs. */
export function declareIngest(program: Command, run: Run): void {
  const ingest = program
    .command('ingest')
    .description(t('help.ingest'))
    .argument('<paths...>', 'files or directories (Markdown, text, PDF, HTML, DOCX, BEIR corpus.jsonl)');
  indexOption(ingest)
    .option('--model <id>', 'embedding model (default: the index\'s model, or `hash` for a new index); see `rag models`');
  chunkingOptions(ingest)
    .option('--include <glob>', 'only files matching this glob (repeatable)', collect)
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect);
  encodingOption(lockTimeoutOption(ingest)).option('--max-file-size <size>', 'skip files larger than this, e.g. 200MB (default 50MB)', byteSize);
  noCacheOption(ingest)
    .option('--rebuild', 'build the index again from scratch from <paths> (a damaged index, or to re-embed everything)')
    .option('--commit-every <n>', 'commit after every n new or changed documents (default: about once a minute)', positiveInt);
  addModelOptions(jsonOption(ingest)).action(run(async (ctx, paths: string[], opts) => (await import('../commands/ingest.js')).runIngest(paths, opts, ctx)));

}
