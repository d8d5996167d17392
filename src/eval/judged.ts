/**
 * judged@k: how much of a run's ranking carries labels. Unlabelled documents count as not
 * relevant, so a run that retrieves many documents nobody judged (typically a new model added to
 * a comparison whose labels came from other systems' pools) scores a lower bound, not its score.
 */
import { metricKey } from './metrics.js';
import type { RunResult } from './types.js';
import { runLabel } from './types.js';

/** Cut-off of the judged warning: the depth users compare at (nDCG@10). */
export const JUDGED_K = 10;

/** Below this judged@10 a run's scores are reported as lower bounds (at least 1 in 5 of its top 10 unjudged). */
export const JUDGED_WARNING_THRESHOLD = 0.8;

/** One sentence per run whose judged@10 is below the threshold (none when judged@10 was not computed). */
export function judgedWarnings(runs: readonly RunResult[], dataset = 'DIR', threshold = JUDGED_WARNING_THRESHOLD): string[] {
  const key = metricKey('judged', JUDGED_K);
  const out: string[] = [];
  for (const run of runs) {
    const judged = run.metrics[key];
    if (judged === undefined || judged >= threshold) continue;
    out.push(
      `${runLabel(run)}: judged@${JUDGED_K} is ${judged.toFixed(2)} (< ${threshold}), so its scores are a lower bound; ` +
        `judge its pool with \`rag label --dataset ${dataset} --model ${run.model} --mode ${run.mode}\``,
    );
  }
  return out;
}
