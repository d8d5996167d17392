/**
 * Quality against cost: which runs are worth considering at all. A run is on the Pareto front
 * when no other run is at least as good on nDCG@10 and at least as cheap on the chosen cost,
 * and strictly better on one of them; every other run is dominated (some run beats it on both).
 */
import type { RunResult } from '../types.js';

/** The quality every trade-off chart uses: what the gate and the comparison lead with. */
export const PARETO_METRIC = 'ndcg_at_10';

export interface CostAxis {
  /** Stable key, used for element ids in report.html and in the Markdown list. */
  key: 'query_ms' | 'bytes_per_vector' | 'embed_s' | 'model_mb' | 'index_mb';
  label: string;
  unit: string;
  /** The run's cost on this axis, undefined where it does not apply (bm25 has no vectors). */
  value: (run: RunResult) => number | undefined;
}

const dense = (run: RunResult): boolean => run.mode !== 'bm25' && run.cost.dimension !== null;

/** Bytes one stored vector takes: the run's own figure when it records one, float32 otherwise. */
function bytesPerVector(run: RunResult): number | undefined {
  const recorded = run.cost.bytesPerVector;
  if (recorded !== undefined && Number.isFinite(recorded)) return recorded;
  return dense(run) && run.cost.dimension !== null ? run.cost.dimension * 4 : undefined;
}

export const COST_AXES: readonly CostAxis[] = [
  {
    key: 'query_ms',
    label: 'Query time',
    unit: 'ms per query',
    value: (run) => (run.evaluatedQueries > 0 ? (run.cost.querySeconds * 1000) / run.evaluatedQueries : undefined),
  },
  { key: 'bytes_per_vector', label: 'Vector size', unit: 'bytes per vector', value: bytesPerVector },
  {
    key: 'embed_s',
    label: 'Embed time',
    unit: 's (documents)',
    // A cached run embedded nothing: 0 s says nothing about the model's cost, so it is left out.
    value: (run) => (dense(run) && run.cost.embedSeconds > 0 ? run.cost.embedSeconds : undefined),
  },
  {
    key: 'model_mb',
    label: 'Model size',
    unit: 'MB of weights',
    value: (run) => (typeof run.cost.modelBytes === 'number' && run.cost.modelBytes > 0 ? run.cost.modelBytes / 1e6 : undefined),
  },
  { key: 'index_mb', label: 'Index size', unit: 'MB on disk', value: (run) => (run.cost.indexBytes > 0 ? run.cost.indexBytes / 1_048_576 : undefined) },
];

export interface TradeoffPoint {
  /** Index of the run in results.runs. */
  run: number;
  quality: number;
  cost: number;
  onFront: boolean;
}

/**
 * Marks the Pareto front of (quality up, cost down). Points with equal quality and cost are
 * either all on the front or all dominated: neither beats the other.
 */
export function paretoFront(points: ReadonlyArray<{ run: number; quality: number; cost: number }>): TradeoffPoint[] {
  return points.map((p) => ({
    ...p,
    onFront: !points.some((q) => q !== p && q.quality >= p.quality && q.cost <= p.cost && (q.quality > p.quality || q.cost < p.cost)),
  }));
}

/** The runs' points on one cost axis; runs without that cost or without the metric are left out. */
export function tradeoffPoints(runs: readonly RunResult[], axis: CostAxis): TradeoffPoint[] {
  const points: Array<{ run: number; quality: number; cost: number }> = [];
  runs.forEach((run, i) => {
    const quality = run.metrics[PARETO_METRIC];
    const cost = axis.value(run);
    if (quality !== undefined && Number.isFinite(quality) && cost !== undefined && Number.isFinite(cost)) points.push({ run: i, quality, cost });
  });
  return paretoFront(points);
}

/** The cost axes on which at least two runs can be placed: one point is no trade-off. */
export function usableCostAxes(runs: readonly RunResult[]): CostAxis[] {
  return COST_AXES.filter((axis) => tradeoffPoints(runs, axis).length >= 2);
}
