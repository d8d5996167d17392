import { o } from './i18n/output-messages.js';
import { log } from './ui.js';

/**
 * Says what the first Ctrl-C does to a long command (main.ts aborts the signal; a second Ctrl-C
 * quits at once). Returns the function that stops listening.
 */
export function announceInterrupt(signal: AbortSignal, what: 'ingest' | 'eval'): () => void {
  const onAbort = (): void => log(`\n${o('interrupt.stopping', { what: o(`interrupt.what.${what}`) })}`);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
