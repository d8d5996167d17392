/** Named points inside a commit, so crash tests can kill a writer at each one. */
/** Steps of a commit at which crash tests kill the process (`RAG_TEST_CRASH_AT=<step>`). */
export const COMMIT_STEPS = [
  'chunks-before-rename',
  'chunks-written',
  'vectors-before-rename',
  'vectors-written',
  'graph-before-rename',
  'graph-written',
  'stats-written',
  'manifest-before-rename',
  'manifest-written',
  'cleaned',
] as const;
export type CommitStep = (typeof COMMIT_STEPS)[number];

export function crashPoint(step: CommitStep): void {
  if (process.env['RAG_TEST_CRASH_AT'] === step) process.kill(process.pid, 'SIGKILL');
}

