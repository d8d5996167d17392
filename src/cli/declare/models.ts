import type { Command } from 'commander';
import { addShortlistOptions } from '../shortlist-options.js';
import { jsonOption } from '../shared-options.js';
import { t } from '../i18n/messages.js';
import type { Run } from '../program.js';

/** `rag models`: its options and arguments; the action loads the command's module when it runs. */
export function declareModels(program: Command, run: Run): void {
  const models = program
    .command('models')
    .description(t('help.models'))
    .option('--details', 'show pooling, prefixes and hub ids instead of the shortlist columns');
  jsonOption(addShortlistOptions(models)).action(run(async (_ctx, opts) => (await import('../commands/models.js')).runModels(opts)));

}
