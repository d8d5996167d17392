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

/** A run whose judged@10 is below the threshold: its scores are a lower bound. */
export interface JudgedShortfall {
  run: Pick<RunResult, 'model' | 'mode'>;
  /** The run as reports name it (`hash (dense)`). */
  label: string;
  k: number;
  judged: number;
  threshold: number;
}

/** The runs whose judged@10 is below the threshold (none when judged@10 was not computed). */
export function judgedShortfalls(runs: readonly RunResult[], threshold = JUDGED_WARNING_THRESHOLD): JudgedShortfall[] {
  const key = metricKey('judged', JUDGED_K);
  const out: JudgedShortfall[] = [];
  for (const run of runs) {
    const judged = run.metrics[key];
    if (judged === undefined || judged >= threshold) continue;
    out.push({ run: { model: run.model, mode: run.mode }, label: runLabel(run), k: JUDGED_K, judged, threshold });
  }
  return out;
}

/**
 * One sentence per {@link judgedShortfalls} run, as report.md prints it (a report is read beside
 * the CLI that made it, so it names the command that judges the pool).
 */
export function judgedWarnings(runs: readonly RunResult[], dataset = 'DIR', threshold = JUDGED_WARNING_THRESHOLD): string[] {
  return judgedShortfalls(runs, threshold).map(
    (s) =>
      `${s.label}: judged@${s.k} is ${s.judged.toFixed(2)} (< ${s.threshold}), so its scores are a lower bound; ` +
      `judge its pool with \`rag label --dataset ${dataset} --model ${s.run.model} --mode ${s.run.mode}\``,
  );
}
