import { INTERRUPTED_EXIT_CODE } from '../ingest/interrupted.js';
import { log } from './ui.js';

/**
 * Ctrl-C for a long command: the first SIGINT aborts the returned signal, so the work stops at
 * its next safe point, keeps what it committed and releases the index lock; a second SIGINT
 * exits at once (still safe: commits are atomic, and the lock is released on exit).
 */
export function stopOnInterrupt(what: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      log('interrupted again: quitting now');
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    log(`\ninterrupted: stopping ${what} at the next safe point (Ctrl-C again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
    },
  };
}
