import { log } from './ui.js';

/**
 * Says what the first Ctrl-C does to a long command (main.ts aborts the signal; a second Ctrl-C
 * quits at once). Returns the function that stops listening.
 */
export function announceInterrupt(signal: AbortSignal, what: string): () => void {
  const onAbort = (): void => log(`\ninterrupted: stopping ${what} at the next safe point (Ctrl-C again to quit at once)`);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
