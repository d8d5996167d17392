import type { Command } from 'commander';
import { jsonOption } from '../shared-options.js';
import { t } from '../i18n/messages.js';
import type { Run } from '../program.js';

/** `rag cache`: its options and arguments; the action loads the command's module when it runs. */
export function declareCache(program: Command, run: Run): void {
  const cache = program.command('cache').description(t('help.cache'));
  jsonOption(cache.command('info').description('size of the cache per model')).action(
    run(async (_ctx, opts) => (await import('../commands/cache.js')).runCacheInfo(opts)),
  );
  jsonOption(
    cache.command('compact').description('rewrite the cache without duplicate vectors (safe while other runs write it)').option('--fingerprint <hex>', 'only this model fingerprint'),
  ).action(run(async (_ctx, opts) => (await import('../commands/cache.js')).runCacheCompact(opts)));
  jsonOption(cache.command('clear').description('delete cached vectors (all models, or one fingerprint)').option('--fingerprint <hex>', 'only this model fingerprint')).action(
    run(async (_ctx, opts) => (await import('../commands/cache.js')).runCacheClear(opts)),
  );

}
