import type { Command } from 'commander';
import { encodingOption, indexOption, jsonOption } from '../shared-options.js';
import { t } from '../i18n/messages.js';
import type { Run } from '../program.js';

/** `rag inspect`: its options and arguments; the action loads the command's module when it runs. */
export function declareInspect(program: Command, run: Run): void {
  const inspect = program
    .command('inspect')
    .description(t('help.inspect'))
    .option('--doc <id|path>', 'show the chunks of this document (its id as `rag inspect` lists it, or the path of its file)');
  encodingOption(indexOption(inspect));
  jsonOption(inspect).action(run(async (_ctx, opts) => (await import('../commands/inspect.js')).runInspect(opts)));

}
